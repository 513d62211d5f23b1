"""The analyst cookbook (docs/analysts.md): each query quoted verbatim and run against known documents."""

from __future__ import annotations

import inspect
from datetime import timedelta

import pytest
from pymongo.database import Database

import crawlerats.dedup.events  # noqa: F401 - registers the job_events indexes the doc lists
import crawlerats.extensions.crawl_record  # noqa: F401 - registers the crawls indexes
import crawlerats.registry  # noqa: F401 - registers the boards index
import crawlerats.web  # noqa: F401 - registers the web indexes (and the dedup/scoring ones it uses)
from crawlerats import analyst_queries as q
from crawlerats.db.indexes import INDEXES
from tests.support.paths import REPO
from tests.web.seed import NOW, job, seed

DOC = (REPO / "docs" / "analysts.md").read_text()


@pytest.fixture
def db(mongo_db: Database) -> Database:
    seed(mongo_db)
    return mongo_db


@pytest.mark.parametrize("query", q.COOKBOOK, ids=lambda f: f.__name__)
def test_doc_quotes_each_query_verbatim(query) -> None:  # noqa: ANN001
    assert f"```python\n{inspect.getsource(query).rstrip()}\n```" in DOC


@pytest.mark.parametrize("collection", ["jobs", "job_events", "boards", "crawls"])
def test_doc_lists_every_index(collection: str) -> None:
    for index in INDEXES[collection]:
        assert f"| `{collection}` | `{index.document['name']}`" in DOC, index.document["name"]


def test_riskiest_companies(db: Database) -> None:
    assert q.riskiest_companies(db) == [
        {"ats": "lever", "company": "acme", "open_postings": 4, "mean_ghost_score": 60.5, "high_or_very_high": 3},
        {"ats": "greenhouse", "company": "globex", "open_postings": 4, "mean_ghost_score": 56.5,
         "high_or_very_high": 3},
    ]
    assert [r["company"] for r in q.riskiest_companies(db, limit=1)] == ["acme"]
    assert q.riskiest_companies(db, min_open=5) == []


def test_riskiest_companies_ignores_unscored_and_closed(db: Database) -> None:
    db["jobs"].insert_many([job("ashby", "hooli", f"h{n}", "Role", health=None) for n in range(3)])
    db["jobs"].insert_one(job("lever", "acme", "old", "Closed role", status="closed"))
    assert [r["company"] for r in q.riskiest_companies(db)] == ["acme", "globex"]


def test_reposts_last_30_days(db: Database) -> None:
    rows = q.reposts_last_30_days(db, NOW)
    assert [(r["ats"], r["company"], r["job_id"], r["previous_job_id"], r["repost_count"]) for r in rows] == [
        ("greenhouse", "globex", "g4", "g0", 1),
        ("lever", "acme", "a1", "a0", 1),
    ]
    assert rows[0]["title"] == "Recruiter" and rows[0]["first_seen"] == NOW - timedelta(days=1, hours=3)
    # A month later neither is recent any more.
    assert q.reposts_last_30_days(db, NOW + timedelta(days=31)) == []


def test_open_over_90_days_by_department(db: Database) -> None:
    # a4 Support (posted Sep 1), g1 + g2 Sales (Oct 1; first seen Nov 20), g4 People (posted Aug 1, first seen
    # yesterday: the earlier date counts). a0 is closed; the rest are days old.
    assert q.open_over_90_days_by_department(db, NOW) == [
        {"department": "Sales", "postings": 2},
        {"department": "People", "postings": 1},
        {"department": "Support", "postings": 1},
    ]
    db["jobs"].insert_one(job("lever", "acme", "nodept", "Role", department=None, posted_at=None,
                              first_seen=NOW - timedelta(days=91)))
    assert {"department": "(none)", "postings": 1} in q.open_over_90_days_by_department(db, NOW)


def test_salary_disclosure_by_ats(db: Database) -> None:
    db["jobs"].insert_one(job("greenhouse", "globex", "g5", "Paid role",
                              salary={"min": 1.0, "max": 2.0, "currency": "USD", "interval": "hour", "raw": "$1-2"}))
    db["jobs"].update_one({"job_id": "g1"}, {"$unset": {"salary": ""}})  # missing counts as not disclosed
    assert q.salary_disclosure_by_ats(db) == [
        {"ats": "greenhouse", "postings": 5, "with_salary": 2, "disclosure_rate": 0.4},
        {"ats": "lever", "postings": 4, "with_salary": 1, "disclosure_rate": 0.25},
    ]


def test_new_postings_per_day(db: Database) -> None:
    assert q.new_postings_per_day(db, NOW) == [
        {"day": "2026-03-17", "new_postings": 1},
        {"day": "2026-03-18", "new_postings": 2},
        {"day": "2026-03-19", "new_postings": 2},
    ]
    # Two days back from noon on March 20 excludes the March 18 postings (09:00).
    assert q.new_postings_per_day(db, NOW, days=2) == [{"day": "2026-03-19", "new_postings": 2}]
