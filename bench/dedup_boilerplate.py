"""Dedup cost of a board whose postings all share one description (boilerplate), engine level.

Starts its own secantusd-py server, runs `DedupEngine.process_batch` over N new postings of one board in
batches of 500 (each batch written as the writer would), then the end-of-crawl `recheck`, and prints the
time, candidates read per posting and the boilerplate stats. Titles are distinct ("Role 17"), so by the rules
no two postings are duplicates; every 100th posting gets a same-title copy in another city (a real duplicate).

    python bench/dedup_boilerplate.py [--postings 6000]
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from pymongo import MongoClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawlerats.db.indexes import ensure_indexes  # noqa: E402
from crawlerats.dedup.engine import Counters, DedupEngine  # noqa: E402
from crawlerats.items import JobItem  # noqa: E402
from crawlerats.pipelines.mongo import upsert_operation  # noqa: E402
from tests.support.mongo import SecantusServer  # noqa: E402

NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
TEXT = " ".join(
    f"We build tools {w} for customers and partners across every market, with care and quality {n}."
    for n, w in enumerate(["daily", "weekly", "remotely", "together", "openly", "safely", "fairly", "quickly"] * 4))


def postings(n: int) -> list[JobItem]:
    items = []
    for i in range(n):
        city = "Berlin"
        title = f"Role {i // 2}" if i % 100 == 1 else f"Role {i}"
        if i % 100 == 1:
            city = "Munich"  # a same-title copy of the previous posting, in another city: a real duplicate
        items.append(JobItem(ats="greenhouse", company="boiler", job_id=str(i), title=title, description_text=TEXT,
                             location=city, locations=[{"raw": city, "city": city, "region": None, "country": None}]))
    return items


def run(db, n: int) -> dict[str, float]:
    engine = DedupEngine(db, lambda: NOW, "bench")
    total = Counters()
    items = postings(n)
    started = time.monotonic()
    for start in range(0, n, 500):
        batch = items[start:start + 500]
        c = engine.process_batch(batch)
        for k, v in c.__dict__.items():
            setattr(total, k, getattr(total, k) + v)
        db.jobs.bulk_write([upsert_operation(i, NOW, "bench") for i in batch], ordered=False)
    batches = time.monotonic() - started
    c = engine.recheck(engine.dirty)
    recheck = time.monotonic() - batches - started
    groups = len({d["duplicate_group"] for d in db.jobs.find({"duplicate_group": {"$ne": None}}, {"duplicate_group": 1})})
    return {"postings": n, "batches_s": round(batches, 1), "recheck_s": round(recheck, 1),
            "candidates_per_posting": round((total.candidates + c.candidates) / n, 2),
            "groups": groups, **{f"batch_{k}": v for k, v in total.as_stats().items()},
            **{f"recheck_{k}": v for k, v in c.as_stats().items()}}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=6000)
    args = parser.parse_args()
    server = SecantusServer().start()
    try:
        client: MongoClient = MongoClient(server.uri, tz_aware=True)
        db = client["bench_boilerplate"]
        ensure_indexes(db)
        print(run(db, args.postings))
        client.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
