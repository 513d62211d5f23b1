"""Load bench (issue 8): crawl N Lever boards (default 2,000 x 50 = 100,000 postings) served locally.

Starts a local aiohttp server that generates real-shaped Lever pages (cloned from the shared Lever fixture)
and a SecantusDB server with the embedded default's flags (or uses MONGO_URI), runs `scrapy crawl lever` as a subprocess, samples its RSS
from /proc every 0.2 s, and prints peak RSS, throughput and documents lost. A baseline run with
`--baseline-boards` (default 100) is measured first in the same invocation; the ratio of peak RSS between
the full and the baseline run shows whether memory stays bounded as the crawl grows 20x.

    python bench/load.py                       # 100 boards baseline, then 2,000 boards
    python bench/load.py --recrawl             # ... then the 2,000 boards again (every posting re-seen)
    python bench/load.py --boards 500 --per-board 20

Each run reports RSS by quarter of its wall time (flat quarters = bounded memory) and the seconds of the
dedup stage's end-of-crawl pass (close, recheck, recount, rescore).
"""

from __future__ import annotations

import argparse
import asyncio
import copy
import json
import os
import random
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from aiohttp import web
from pymongo import MongoClient

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from crawlerats.db.embedded import SERVER_OPTIONS  # noqa: E402
from tests.support.mongo import SecantusServer  # noqa: E402
from tests.support.paths import fixture  # noqa: E402

ROLES = ["Backend Engineer", "Data Scientist", "Product Designer", "Account Executive", "Recruiter",
         "Site Reliability Engineer", "Product Manager", "Financial Analyst", "Support Specialist", "Lawyer"]
LEVELS = ["I", "II", "Senior", "Staff", "Lead", "Principal"]
TEAMS = ["Payments", "Search", "Growth", "Platform", "Mobile", "Ads", "Identity", "Billing", "Infra", "Sales"]


def _templates() -> list[dict[str, Any]]:
    return json.loads(fixture("lever/spotify_prettyirrelevant.json").read_text())


class LeverSite:
    """aiohttp app answering /api.lever.co/v0/postings/<company>?skip=&limit= with generated postings."""

    def __init__(self, per_board: int) -> None:
        self.per_board = per_board
        self.templates = _templates()
        text = " ".join(t.get("descriptionPlain") or "" for t in self.templates) + " ".join(TEAMS + ROLES)
        self.words = sorted({w.strip(".,;:()").lower() for w in text.split() if w.isalpha()})
        self.requests = 0

    def page(self, company: str, skip: int, limit: int) -> bytes:
        postings = []
        for i in range(skip, min(self.per_board, skip + limit)):
            p = copy.deepcopy(self.templates[i % len(self.templates)])
            p["id"] = f"{company}-{i:04d}"
            # Distinct titles and texts, so the dedup stage sees ordinary boards, not 50 near-duplicates.
            rng = random.Random(f"{company}-{i}")
            body = " ".join(rng.choice(self.words) for _ in range(160))
            p["text"] = f"{rng.choice(ROLES)} {rng.choice(LEVELS)}, {rng.choice(TEAMS)} ({i})"
            p.update({"description": f"<p>{body}</p>", "descriptionPlain": body, "lists": [], "additional": "",
                      "additionalPlain": ""})
            p["hostedUrl"] = f"https://jobs.lever.co/{company}/{p['id']}"
            postings.append(p)
        return json.dumps(postings).encode()

    async def handle(self, request: web.Request) -> web.Response:
        self.requests += 1
        company = request.match_info["company"]
        skip = int(request.query.get("skip", 0))
        limit = int(request.query.get("limit", 100))
        return web.Response(body=self.page(company, skip, limit), content_type="application/json")

    def serve(self) -> tuple[str, threading.Thread]:
        loop = asyncio.new_event_loop()
        app = web.Application()
        app.router.add_get("/api.lever.co/v0/postings/{company}", self.handle)
        runner = web.AppRunner(app, access_log=None)
        ready = threading.Event()
        port: list[int] = []

        def run() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(runner.setup())
            site = web.TCPSite(runner, "127.0.0.1", 0)
            loop.run_until_complete(site.start())
            port.append(site._server.sockets[0].getsockname()[1])  # type: ignore[union-attr]
            ready.set()
            loop.run_forever()

        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        ready.wait(10)
        return f"http://127.0.0.1:{port[0]}", thread


def rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def crawl(boards: int, per_board: int, mirror: str, uri: str, database: str, drop: bool = True,
          label: str = "") -> dict[str, Any]:
    workdir = Path(tempfile.mkdtemp(prefix="load-"))
    companies = workdir / "boards.txt"
    companies.write_text("".join(f"load{i:05d}\n" for i in range(boards)))
    stats_file = workdir / "stats.json"
    cmd = [sys.executable, "-m", "scrapy", "crawl", "lever", "-a", f"companies_file={companies}",
           "-s", f"MONGO_URI={uri}", "-s", f"MONGO_DATABASE={database}", "-s", f"CRAWLERATS_MIRROR={mirror}",
           "-s", f"CRAWLERATS_STATS_FILE={stats_file}", "-s", "LOG_LEVEL=WARNING", "-s", "MEMUSAGE_ENABLED=True",
           "-s", "AUTOTHROTTLE_ENABLED=False", "-s", "CRAWLERATS_MONITORS_ENABLED=False"]
    started = time.monotonic()
    peak = 0
    samples: list[tuple[float, int]] = []
    with open(workdir / "crawl.log", "wb") as log:
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.DEVNULL, stderr=log)
        while proc.poll() is None:
            rss = rss_kib(proc.pid)
            peak = max(peak, rss)
            samples.append((time.monotonic() - started, rss))
            time.sleep(0.2)
    wall = time.monotonic() - started
    stats = json.loads(stats_file.read_text()) if stats_file.exists() else {}
    client: MongoClient = MongoClient(uri)
    try:
        stored = client[database].jobs.count_documents({})
        distinct = len(client[database].jobs.distinct("job_id"))
        if drop:
            client.drop_database(database)
    finally:
        client.close()
    expected = boards * per_board
    half = [rss for t, rss in samples if t >= wall / 2]
    quarters = [round(max((rss for t, rss in samples if q * wall / 4 <= t < (q + 1) * wall / 4), default=0) / 1024, 1)
                for q in range(4)]
    end_pass = {k.rsplit("/", 1)[-1]: v for k, v in stats.items() if k.startswith("crawlerats/dedup/finish_seconds/")}
    return {
        "run": label or f"{boards} boards", "boards": boards, "postings": expected, "returncode": proc.returncode,
        "wall_s": round(wall, 1),
        "elapsed_s": round(float(stats.get("elapsed_time_seconds", 0)), 1),
        "finish_reason": stats.get("finish_reason"), "boards_ok": stats.get("crawlerats/boards/ok"),
        "stored_documents": stored, "distinct_ids": distinct, "documents_lost": expected - stored,
        "peak_rss_mib": round(peak / 1024, 1), "rss_second_half_max_mib": round(max(half, default=0) / 1024, 1),
        "memusage_max_mib": round(int(stats.get("memusage/max", 0)) / 2**20, 1),
        "rss_mib_by_quarter": quarters, "end_of_crawl_pass_s": end_pass,
        "inserted": stats.get("crawlerats/db/inserted", 0), "db_retries": stats.get("crawlerats/db/retries", 0),
        "postings_per_s": round(stored / wall, 1) if wall else 0.0,
        "boards_per_s": round(boards / wall, 2) if wall else 0.0,
        "log": str(workdir / "crawl.log"),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--boards", type=int, default=2000)
    parser.add_argument("--per-board", type=int, default=50)
    parser.add_argument("--baseline-boards", type=int, default=100)
    parser.add_argument("--recrawl", action="store_true", help="crawl the full set of boards a second time")
    args = parser.parse_args()

    site = LeverSite(args.per_board)
    mirror, _ = site.serve()
    server = None
    uri = os.environ.get("MONGO_URI")
    if not uri:
        server = SecantusServer(options=SERVER_OPTIONS).start()  # as the embedded default runs
        uri = server.uri
    try:
        base = crawl(args.baseline_boards, args.per_board, mirror, uri, "load_baseline", label="baseline")
        print(json.dumps(base, indent=2), flush=True)
        full = crawl(args.boards, args.per_board, mirror, uri, "load_full", drop=not args.recrawl, label="first crawl")
        print(json.dumps(full, indent=2), flush=True)
        if args.recrawl:
            again = crawl(args.boards, args.per_board, mirror, uri, "load_full", label="re-crawl")
            print(json.dumps(again, indent=2), flush=True)
            full["documents_lost"] += again["documents_lost"]
        print(json.dumps({
            "scale": round(full["postings"] / base["postings"], 1),
            "peak_rss_ratio_full_vs_baseline": round(full["peak_rss_mib"] / base["peak_rss_mib"], 2),
            "throughput_ratio_full_vs_baseline": round(full["postings_per_s"] / base["postings_per_s"], 2),
            "documents_lost": full["documents_lost"] + base["documents_lost"],
        }, indent=2))
    finally:
        if server is not None:
            server.stop()


if __name__ == "__main__":
    main()
