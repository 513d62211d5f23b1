"""Crashes and concurrency: SIGKILL at seeded random points then a re-run, and two crawls at once, leave
exactly the data a clean run leaves: one document per posting, the right ones open, only the postings the
boards no longer list closed, no duplicates.
"""

from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.database import Database

from tests.reliability.boards import lever_path, lever_postings
from tests.support.ats_server import AtsServer, Reply, paged_list
from tests.support.crawl import run_crawl
from tests.support.paths import REPO

BOARDS = {"alpha": 150, "beta": 120, "gamma": 40}
PAGES = sum(-(-n // 100) for n in BOARDS.values())
SEED = 8
KILLS = 3


def _serve(server: AtsServer, delay: float) -> None:
    for company, n in BOARDS.items():
        pages = paged_list(lever_postings(company, n))

        def handler(query: dict[str, str], body: bytes, pages: Any = pages) -> Reply:
            reply = pages(query, body)
            reply.delay = delay
            return reply

        server.route("GET", lever_path(company), handler)


def _seed(db: Database) -> None:
    """One posting per board that the boards no longer list (a clean run closes exactly these)."""
    seen = datetime.now(UTC) - timedelta(days=1)
    for company in BOARDS:
        db.jobs.insert_one({"ats": "lever", "company": company, "job_id": f"{company}-gone", "title": "Gone",
                            "status": "open", "first_seen": seen, "last_seen": seen, "crawl_id": "earlier",
                            "locations": [], "extras": {}})


def _state(db: Database) -> dict[tuple[str, str], str]:
    docs = list(db.jobs.find({}, {"company": 1, "job_id": 1, "status": 1}))
    keys = [(d["company"], d["job_id"]) for d in docs]
    assert len(keys) == len(set(keys)), "duplicate documents"
    return {(d["company"], d["job_id"]): d["status"] for d in docs}


def _expected() -> dict[tuple[str, str], str]:
    state = {(c, f"{c}-{i:04d}"): "open" for c, n in BOARDS.items() for i in range(n)}
    state.update({(c, f"{c}-gone"): "closed" for c in BOARDS})
    return state


def _command(settings: dict[str, Any]) -> list[str]:
    cmd = [sys.executable, "-m", "scrapy", "crawl", "lever", "-a", f"companies={','.join(BOARDS)}"]
    for key, value in {"LOG_LEVEL": "WARNING", **settings}.items():
        cmd += ["-s", f"{key}={value}"]
    return cmd


def _served(server: AtsServer) -> int:
    return sum(1 for _, path, _, _ in server.requests if path.startswith("/api.lever.co/"))


def test_sigkill_at_random_points_then_rerun(ats_server: AtsServer, crawl_settings: dict[str, str],
                                             mongo_client: Any) -> None:
    _serve(ats_server, delay=0.25)
    rng = random.Random(SEED)
    points = sorted(rng.sample(range(1, PAGES + 1), KILLS))
    for point in points:
        name = f"t_kill_{point}_{os.getpid()}"
        db = mongo_client[name]
        try:
            _seed(db)
            settings = {**crawl_settings, "MONGO_DATABASE": name, "CRAWLERATS_BATCH_SIZE": 40}
            before = _served(ats_server)
            proc = subprocess.Popen(_command(settings), cwd=REPO, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL, start_new_session=True)
            deadline = time.monotonic() + 60
            while _served(ats_server) - before < point and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.02)
            time.sleep(rng.uniform(0.0, 0.4))  # land inside a page, a batch write, or between them
            killed = proc.poll() is None
            if killed:
                os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(timeout=30)

            after_kill = _state(db)  # no duplicates
            wrongly_closed = {k for k, s in after_kill.items() if s == "closed" and not k[1].endswith("-gone")}
            assert not wrongly_closed, (point, sorted(wrongly_closed)[:5])

            result = run_crawl("lever", {"companies": ",".join(BOARDS)}, settings)
            assert result.stats["finish_reason"] == "finished"
            assert _state(db) == _expected(), f"kill after {point} pages (killed={killed})"
        finally:
            mongo_client.drop_database(name)


def test_two_crawls_at_once_leave_one_document_per_posting(ats_server: AtsServer, crawl_settings: dict[str, str],
                                                          mongo_db: Database) -> None:
    _serve(ats_server, delay=0.05)
    _seed(mongo_db)
    settings = {**crawl_settings, "CRAWLERATS_BATCH_SIZE": 30}
    procs = [subprocess.Popen(_command(settings), cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    for proc in procs:
        _, err = proc.communicate(timeout=180)
        assert proc.returncode == 0, err[-3000:]
    assert _state(mongo_db) == _expected()
    assert mongo_db.jobs.count_documents({}) == sum(BOARDS.values()) + len(BOARDS)
