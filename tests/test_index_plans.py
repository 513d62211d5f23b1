"""Every query shape the web list and the crawl send to `jobs` returns, through the index the server picks, exactly
what a collection scan returns.

SecantusDB (0.7.0b3) loses documents equal to an inclusive bound when a range is on a key that is not the last of
the compound index it picked (crawlerats/db/indexes.py), and which index it picks follows from which indexes
exist: so dropping or reshaping an index (the index diet of issue 13) can silently change a page's results.
The data puts values exactly on the band bounds the queries use.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.database import Database

from crawlerats.db.indexes import ensure_indexes
from crawlerats.web.queries import GHOST_BANDS, NEWEST_BAND_DAYS, ListParams, candidate_bands

NOW = datetime(2026, 6, 1, 12, tzinfo=UTC)
RISKS = ("low", "medium", "high", "very_high")


def _postings(count: int = 160) -> list[dict[str, Any]]:
    rnd = random.Random(13)
    # dates exactly on the "newest" band bounds, a millisecond either side, and none
    bounds = [NOW - timedelta(days=d) for d in NEWEST_BAND_DAYS]
    dates = [*bounds, *(b + timedelta(milliseconds=1) for b in bounds), *(b - timedelta(milliseconds=1) for b in bounds)]
    docs = []
    for n in range(count):
        score: Any = rnd.choice([*GHOST_BANDS[:: 7], 42, 42, 42, 99.5, None])
        doc: dict[str, Any] = {
            "ats": rnd.choice(["lever", "greenhouse"]), "company": f"c{n % 9}", "job_id": str(n),
            "workplace_type": rnd.choice(["remote", "onsite", None]),
            "status": rnd.choice(["open", "open", "closed"]),
            "posted_at": rnd.choice([*dates, None, None]),
            "first_seen": rnd.choice(dates), "last_seen": NOW,
            "duplicate_group": rnd.choice([None, None, f"dup-{n % 5}"]),
            "health": {"ghost_score": score, "risk": rnd.choice(RISKS)},
            "repost_of": rnd.choice([None, None, {"ats": "lever", "company": f"c{n % 9}", "job_id": str(n // 2)}]),
            "salary": rnd.choice([None, {"annual_max": float(rnd.choice([50_000, 80_000, 120_000])),
                                         "annual_min": 40_000.0, "interval": "year"}]),
        }
        if n % 37 == 0:
            doc["promotion"] = {"since": NOW - timedelta(days=3), "until": NOW + timedelta(days=n % 3 - 1)}
        docs.append(doc)
    return docs


def _web_queries() -> list[dict[str, Any]]:
    crowded = {float(s): 10_000 for s in (42, 100, 0, 56)}  # sub-banded by posted date (the hint's path)
    queries: list[dict[str, Any]] = []
    for sort in ("newest", "ghost", "low", "salary"):
        for risk in ("", "medium"):
            for status in ("open", "any"):
                for posted in ("", "30"):
                    for ats, workplace in (("", ""), ("lever", "remote")):
                        params = ListParams(sort=sort, risk=risk, status=status, posted=posted, ats=ats,
                                            workplace=workplace)
                        for scores in (None, crowded):
                            for band in candidate_bands(params, NOW, NOW, scores=scores):
                                queries.extend(band.queries)
    return queries


def _crawl_queries() -> list[dict[str, Any]]:
    return [
        {"ats": "lever", "company": "c1", "status": "open"},
        {"ats": "lever", "company": "c2", "job_id": {"$in": ["2", "11", "20", "999"]}},
        {"ats": "greenhouse", "company": "c4", "duplicate_group": {"$in": ["dup-1", "dup-4"]}},
        {"status": "open"},
        {"company": {"$in": ["c3", "c5"]}},
        {"repost_of.job_id": "7"},
        {"promotion.until": {"$gt": NOW}},
        {"first_seen": {"$gte": NOW - timedelta(days=8)}},
    ]


def test_each_query_returns_through_its_index_what_a_collection_scan_returns(mongo_db: Database) -> None:
    ensure_indexes(mongo_db)
    mongo_db.jobs.insert_many(_postings())
    queries = _web_queries() + _crawl_queries()
    assert len(queries) > 200
    seen: set[str] = set()
    for query in queries:
        shape = repr(query)
        if shape in seen:
            continue
        seen.add(shape)
        picked = sorted(d["job_id"] for d in mongo_db.jobs.find(query, {"job_id": 1}))
        scanned = sorted(d["job_id"] for d in mongo_db.jobs.find(query, {"job_id": 1}).hint([("$natural", 1)]))
        assert picked == scanned, (query, mongo_db.jobs.find(query).explain().get("queryPlanner"))
