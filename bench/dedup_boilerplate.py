"""Dedup cost of a board whose postings all share one description (boilerplate), engine level.

For each size, starts its own secantusd-py server, runs `DedupEngine.process_batch` over N new postings of one
board in batches of 500 (each batch written as the writer would), then the end-of-crawl `recheck`, and prints
the time (batches, recheck, ms per posting and its ratio to the first size's: linear means ~1), candidate
postings read per posting and the boilerplate stats. Titles are distinct ("Role 17"), so by the rules no two
postings are duplicates; every 100th posting gets a same-title copy in another city (a real duplicate): the
planted pairs found are counted, and any other group is reported as `extra_groups`.

`--crawl` runs the whole thing as a real `scrapy crawl greenhouse` instead: one Greenhouse board of N postings
cloned from the real fixture (one description for all, the same titles and planted pairs), served through
`CRAWLERATS_MIRROR`, into a fresh secantusd-py server; it prints the crawl's wall time (end-of-crawl passes
included) and its dedup stats. `--repo DIR` runs that crawl from another checkout (a before/after comparison).

    python bench/dedup_boilerplate.py [--postings 2000 4000 6000] [--crawl [--repo DIR]]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pymongo import MongoClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawlerats.db.indexes import ensure_indexes  # noqa: E402
from crawlerats.dedup.engine import Counters, DedupEngine  # noqa: E402
from crawlerats.items import JobItem  # noqa: E402
from crawlerats.pipelines.mongo import upsert_operation  # noqa: E402
from tests.support.ats_server import AtsServer, Reply  # noqa: E402
from tests.support.mongo import SecantusServer  # noqa: E402
from tests.support.paths import fixture  # noqa: E402

NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
BATCH = 500
TEXT = " ".join(
    f"We build tools {w} for customers and partners across every market, with care and quality {n}."
    for n, w in enumerate(["daily", "weekly", "remotely", "together", "openly", "safely", "fairly", "quickly"] * 4))


def postings(n: int) -> list[JobItem]:
    items = []
    for i in range(n):
        city = "Berlin"
        title = f"Role {i // 2}" if i % 100 == 1 else f"Role {i}"
        if i % 100 == 1:
            city = "Munich"  # a same-title copy of an earlier posting, in another city: a real duplicate
        items.append(JobItem(ats="greenhouse", company="boiler", job_id=str(i), title=title, description_text=TEXT,
                             location=city, locations=[{"raw": city, "city": city, "region": None, "country": None}]))
    return items


def planted(n: int) -> set[frozenset[str]]:
    """The real duplicate pairs of `postings(n)`."""
    return {frozenset((str(i // 2), str(i))) for i in range(n) if i % 100 == 1}


def run(db: Any, n: int) -> dict[str, Any]:
    engine = DedupEngine(db, lambda: NOW, "bench")
    total = Counters()
    items = postings(n)
    started = time.monotonic()
    for start in range(0, n, BATCH):
        batch = items[start:start + BATCH]
        c = engine.process_batch(batch)
        for k, v in c.__dict__.items():
            setattr(total, k, getattr(total, k) + v)
        db.jobs.bulk_write([upsert_operation(i, NOW, "bench") for i in batch], ordered=False)
    batches = time.monotonic() - started
    c = engine.recheck(engine.dirty)
    recheck = time.monotonic() - batches - started
    groups: dict[str, set[str]] = {}
    for d in db.jobs.find({"duplicate_group": {"$ne": None}}, {"job_id": 1, "duplicate_group": 1}):
        groups.setdefault(d["duplicate_group"], set()).add(d["job_id"])
    found = {frozenset(g) for g in groups.values()}
    expected = planted(n)
    return {"postings": n, "batches_s": round(batches, 1), "recheck_s": round(recheck, 1),
            "ms_per_posting": round(1000 * (batches + recheck) / n, 2),
            "candidates_per_posting": round((total.candidates + c.candidates) / n, 3),
            "pairs_found": f"{len(found & expected)}/{len(expected)}", "extra_groups": len(found - expected),
            **{f"batch_{k}": v for k, v in total.as_stats().items()},
            **{f"recheck_{k}": v for k, v in c.as_stats().items()}}


def greenhouse_board(n: int) -> bytes:
    """`postings(n)` as a Greenhouse board (the real fixture's first job, cloned): one description for all."""
    template = json.loads(fixture("greenhouse/vercel_prettyirrelevant.json").read_text())["jobs"][0]
    jobs = []
    for item in postings(n):
        job = copy.deepcopy(template)
        job.update(id=1_000_000 + int(item["job_id"]), internal_job_id=str(2_000_000 + int(item["job_id"])),
                   requisition_id=None, title=item["title"], location={"name": item["location"]}, offices=[],
                   absolute_url=f"https://job-boards.greenhouse.io/boiler/jobs/{1_000_000 + int(item['job_id'])}")
        jobs.append(job)
    return json.dumps({"jobs": jobs, "meta": {"total": n}}).encode()


def crawl(n: int, repo: Path) -> dict[str, Any]:
    """One `scrapy crawl greenhouse` of an N-posting boilerplate board, run from `repo`."""
    board = greenhouse_board(n)
    stats_file = Path(tempfile.mkstemp(prefix="stats-", suffix=".json")[1])
    server = SecantusServer().start()
    with AtsServer() as ats:
        ats.route("GET", "boards-api.greenhouse.io/v1/boards/boiler/jobs", lambda q, b: Reply(body=board))
        settings = {"MONGO_URI": server.uri, "MONGO_DATABASE": "bench_boilerplate", "CRAWLERATS_MIRROR": ats.url,
                    "CRAWLERATS_STATS_FILE": str(stats_file), "LOG_LEVEL": "INFO"}
        cmd = [sys.executable, "-m", "scrapy", "crawl", "greenhouse", "-a", "companies=boiler"]
        for key, value in settings.items():
            cmd += ["-s", f"{key}={value}"]
        try:
            started = time.monotonic()
            proc = subprocess.run(cmd, cwd=repo, env={**os.environ, "PYTHONPATH": str(repo)},
                                  capture_output=True, text=True)
            wall = time.monotonic() - started
            client: MongoClient = MongoClient(server.uri, tz_aware=True)
            db = client["bench_boilerplate"]
            groups: dict[str, set[str]] = {}
            for d in db.jobs.find({"duplicate_group": {"$ne": None}}, {"job_id": 1, "duplicate_group": 1}):
                groups.setdefault(d["duplicate_group"], set()).add(str(int(d["job_id"]) - 1_000_000))
            stored = db.jobs.count_documents({})
            client.close()
        finally:
            server.stop()
    stats = json.loads(stats_file.read_text() or "{}") if stats_file.exists() else {}
    stats_file.unlink(missing_ok=True)
    found = {frozenset(g) for g in groups.values()}
    expected = planted(n)
    return {"postings": n, "exit": proc.returncode, "wall_s": round(wall, 1),
            "scrapy_elapsed_s": round(float(stats.get("elapsed_time_seconds") or 0), 1),
            "ms_per_posting": round(1000 * wall / n, 2), "stored": stored,
            "pairs_found": f"{len(found & expected)}/{len(expected)}", "extra_groups": len(found - expected),
            **{k.rsplit("/", 1)[-1]: v for k, v in stats.items() if k.startswith("crawlerats/dedup/")},
            **({"log_tail": (proc.stderr + proc.stdout)[-1500:]} if proc.returncode else {})}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, nargs="+", default=[6000])
    parser.add_argument("--crawl", action="store_true", help="a real `scrapy crawl greenhouse` per size")
    parser.add_argument("--repo", type=Path, default=Path(__file__).resolve().parents[1],
                        help="checkout the crawl runs from (with --crawl)")
    args = parser.parse_args()
    base: float | None = None
    for n in args.postings:
        if args.crawl:
            result = crawl(n, args.repo.resolve())
            base = base or result["ms_per_posting"]
            print({**result, "per_posting_vs_first": round(result["ms_per_posting"] / base, 2)}, flush=True)
            continue
        server = SecantusServer().start()
        try:
            client: MongoClient = MongoClient(server.uri, tz_aware=True)
            db = client["bench_boilerplate"]
            ensure_indexes(db)
            result = run(db, n)
            client.close()
        finally:
            server.stop()
        base = base or result["ms_per_posting"]
        print({**result, "per_posting_vs_first": round(result["ms_per_posting"] / base, 2)}, flush=True)


if __name__ == "__main__":
    main()
