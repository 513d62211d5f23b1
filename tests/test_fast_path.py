"""The fast path for unchanged postings, end to end: real `scrapy crawl lever` runs over two boards built from
the real Lever payloads, each step crawled into one database with the fast path and into another without it
(`CRAWLERATS_FAST_PATH=False`, every posting through features, matching, scoring and a per-posting write).

Steps: a first crawl; an hour later one description edited and two postings removed (closed); a day later
one removed posting back under a new id (a repost) and the other back under its own (reopened); minutes
later nothing changed. After every step the stored documents and events of both databases are equal field
by field, and the last step's stats show the fast path doing nothing but moving `last_seen`. The steps come
after the payloads' posted dates, so the spider takes raw fingerprints: within a day the unchanged postings are
not even mapped (unmapped items, filled from the stored documents), a day later they are (health is rescored).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo import MongoClient
from pymongo.database import Database

from tests.lever_boards import SPOTIFY, VOLTUS, load, serve_lever, varied
from tests.support.ats_server import AtsServer
from tests.support.crawl import run_crawl

BOARD_A, BOARD_B = "fast-a", "fast-b"
STEPS = (datetime(2026, 9, 1, 9, 0, tzinfo=UTC), datetime(2026, 9, 1, 10, 0, tzinfo=UTC),
         datetime(2026, 9, 2, 10, 30, tzinfo=UTC), datetime(2026, 9, 2, 10, 45, tzinfo=UTC))


def boards(step: int) -> dict[str, list[dict[str, Any]]]:
    a, b = varied(load(SPOTIFY), 6, BOARD_A), varied(load(VOLTUS), 4, BOARD_B)
    if step >= 1:
        a[0]["description"] += "<p>Edited: the team doubled since this was posted.</p>"
    if step == 1:
        del a[1]
        del b[0]
    if step >= 2:
        a[1] = copy.deepcopy(a[1])
        a[1]["id"] = a[1]["id"] + "-repost"
    return {BOARD_A: a, BOARD_B: b}


@pytest.fixture
def slow_db(mongo_client: MongoClient, mongo_db_name: str) -> Iterator[Database]:
    name = mongo_db_name + "_slow"
    yield mongo_client[name]
    mongo_client.drop_database(name)


def crawl(settings: dict[str, str], step: int, database: str, fast: bool) -> dict[str, Any]:
    return run_crawl("lever", {"companies": f"{BOARD_A},{BOARD_B}"},
                     {**settings, "MONGO_DATABASE": database, "CRAWLERATS_NOW": STEPS[step].isoformat(),
                      "CRAWLERATS_FAST_PATH": str(fast), "RETRY_TIMES": "0"}).stats


def stored(db: Database) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    """Documents by job id and events, without what differs between two runs of the same data (ids, crawl ids)."""
    jobs = {d["job_id"]: {k: v for k, v in d.items() if k not in ("_id", "crawl_id")} for d in db.jobs.find()}
    events = sorted(({k: v for k, v in e.items() if k != "crawl_id"} for e in db.job_events.find()),
                    key=lambda e: e["_id"])
    return jobs, events


def test_fast_path_stores_what_the_full_path_stores(ats_server: AtsServer, crawl_settings: dict[str, str],
                                                    mongo_db: Database, slow_db: Database) -> None:
    stats: dict[str, Any] = {}
    for step in range(len(STEPS)):
        for site, postings in boards(step).items():
            serve_lever(ats_server, site, postings)
        stats = crawl(crawl_settings, step, mongo_db.name, fast=True)
        slow = crawl(crawl_settings, step, slow_db.name, fast=False)
        fast_jobs, fast_events = stored(mongo_db)
        slow_jobs, slow_events = stored(slow_db)
        assert fast_jobs.keys() == slow_jobs.keys()
        for job_id, doc in fast_jobs.items():
            for field in doc.keys() | slow_jobs[job_id].keys():
                assert doc.get(field) == slow_jobs[job_id].get(field), (step, job_id, field)
        assert fast_events == slow_events, step
        assert all(d.get("raw_fingerprint") for d in fast_jobs.values()), step  # stored by both runs alike
        if step == 1:  # the edit and the closings go down the full path in both runs
            assert stats["crawlerats/outcome/changed"] == 1 and stats["crawlerats/dedup/closed"] == 2
            assert stats["crawlerats/dedup/features_computed"] == 1
            assert stats["crawlerats/spider/unmapped"] == 7  # the other 7 listed postings were not mapped
        if step == 2:  # a day passed: every open posting is rescored, the repost and the reopening are found
            assert stats["crawlerats/outcome/new"] == 1 and stats["crawlerats/outcome/reopened"] == 1
            assert stats["crawlerats/dedup/reposted"] == 1
            assert stats["crawlerats/health/computed"] == 10
            assert "crawlerats/spider/unmapped" not in stats  # stored health out of date: every posting mapped
            assert all(d["health"]["scored_at"] == STEPS[2] for d in fast_jobs.values() if d["status"] == "open")
        # the full path computes everything
        assert slow.get("crawlerats/dedup/features_computed") == sum(map(len, boards(step).values()))

    # The last crawl saw the same content: no features, no scoring, no health written, every last_seen moved.
    assert stats["crawlerats/outcome/unchanged"] == 10 and stats["item_scraped_count"] == 10
    assert stats["crawlerats/spider/unmapped"] == 10 and "crawlerats/dropped/unmapped_stale" not in stats
    for name in ("crawlerats/dedup/features_computed", "crawlerats/health/computed", "crawlerats/health/changed",
                 "crawlerats/outcome/new", "crawlerats/outcome/changed", "crawlerats/outcome/reopened"):
        assert name not in stats, name
    assert stats["crawlerats/db/touched"] == 10 and stats["crawlerats/db/documents_written/jobs"] == 10
    assert "crawlerats/db/documents_written/job_events" not in stats
    # every stored posting came with its board's one read: the dedup stage read none of them again
    assert stats["crawlerats/dedup/prefetched"] == 10
    jobs, _ = stored(mongo_db)
    assert sorted(d["last_seen"] for d in jobs.values() if d["status"] == "open") == [STEPS[3]] * 10
    assert all(d["health"]["scored_at"] == STEPS[2] for d in jobs.values() if d["status"] == "open")
