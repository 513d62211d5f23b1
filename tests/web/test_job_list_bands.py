"""The banded job list returns exactly what one plain MongoDB query with sort/skip/limit returns."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from pymongo import DESCENDING, MongoClient
from pymongo.database import Database

from crawlerats.db.indexes import ensure_indexes
from crawlerats.web.queries import PAGE_SIZE, ListParams, WebQueries, candidate_bands
from tests.web.seed import NOW, health, job, seed_crawls

RISK_BY_SCORE = [(85, "very_high"), (60, "high"), (30, "medium"), (0, "low")]


def postings(count: int) -> list[dict]:
    rng = random.Random(11)
    docs = []
    for n in range(count):
        score = rng.randrange(0, 101)
        risk = next(level for floor, level in RISK_BY_SCORE if score >= floor)
        docs.append(job(
            rng.choice(["lever", "greenhouse", "workday"]), f"co{n % 7}", f"j{n:04d}",
            rng.choice(["Data Engineer", "Sales Lead", "Support Agent", "Staff Data Scientist", "C++ (Senior)"]),
            first_seen=NOW - timedelta(hours=rng.randrange(0, 24 * 900)), status=rng.choice(["open", "open", "closed"]),
            location=rng.choice(["Berlin, Germany", "Remote", "New York, NY"]),
            workplace_type=rng.choice(["remote", "onsite", None]),
            health=None if n % 17 == 0 else health(score, risk, rng.randrange(0, 400))))
    return docs


@pytest.fixture(scope="module")
def list_db(mongo_client: MongoClient) -> Iterator[Database]:
    """400 random postings spread over 900 days, seeded once for the module."""
    name = f"t_bands_{uuid.uuid4().hex[:8]}"
    db = mongo_client[name]
    ensure_indexes(db)
    db["jobs"].insert_many(postings(400))
    db["crawls"].insert_many(seed_crawls())
    yield db
    mongo_client.drop_database(name)


@pytest.fixture
def queries(list_db: Database) -> WebQueries:
    return WebQueries(list_db, cache_seconds=0)


def reference(db: Database, params: ListParams) -> list[str]:
    """The plain query: full filter, MongoDB sort (ties by _id, like the windows), skip and limit."""
    sort = [("first_seen", DESCENDING), ("_id", DESCENDING)] if params.sort == "newest" else \
        [("health.ghost_score", DESCENDING), ("first_seen", DESCENDING), ("_id", DESCENDING)]
    cursor = db["jobs"].find(params.query()).sort(sort).skip((params.page - 1) * PAGE_SIZE).limit(PAGE_SIZE)
    return [doc["job_id"] for doc in cursor]


@pytest.mark.parametrize("query", [
    {}, {"sort": "ghost"}, {"status": "any"}, {"status": "closed", "sort": "ghost"}, {"page": "3"},
    {"sort": "ghost", "page": "5"}, {"q": "data"}, {"q": "c++ (", "status": "any"}, {"company": "co3"},
    {"company": "co3", "ats": "lever", "sort": "ghost"}, {"ats": "workday", "page": "2"},
    {"risk": "high"}, {"risk": "low", "sort": "ghost"}, {"risk": "very_high", "page": "2", "status": "any"},
    {"location": "berlin", "workplace": "remote"}, {"workplace": "onsite", "sort": "ghost", "page": "2"},
    {"page": "99"},
])
def test_windowed_list_equals_plain_query(list_db: Database, queries: WebQueries, query: dict[str, str]) -> None:
    params = ListParams.parse(query)
    page = queries.job_list(params)
    assert [row["job_id"] for row in page.rows] == reference(list_db, params)
    if page.total is not None:
        assert page.total == list_db["jobs"].count_documents(params.query())


def test_bands_are_index_shaped_and_disjoint(list_db: Database) -> None:
    for params in [ListParams(), ListParams(sort="ghost"), ListParams(risk="high"), ListParams(company="x"),
                   ListParams(risk="low", sort="ghost"), ListParams(q="data", ats="lever", status="any")]:
        bands = list(candidate_bands(params, NOW))
        for flt in bands:
            ranges = [k for k, v in flt.items() if isinstance(v, dict)]
            assert len(ranges) <= 1 and "title" not in flt and "location" not in flt and "ats" not in flt
        # Disjoint and complete: every posting falls in exactly one band (before the filters in Python).
        base = {k: v for k, v in bands[0].items() if not isinstance(v, dict | type(None)) and k != "first_seen"
                and k != "health.ghost_score"}
        counts = [list_db["jobs"].count_documents(b) for b in bands]
        assert sum(counts) == list_db["jobs"].count_documents(base), (params, counts)


def test_scan_budget_stops_a_rare_search_and_offers_all(monkeypatch: pytest.MonkeyPatch, list_db: Database,
                                                         queries: WebQueries) -> None:
    monkeypatch.setattr("crawlerats.web.queries.SCAN_BUDGET", 50)
    partial = queries.job_list(ListParams.parse({"q": "c++ (senior", "status": "closed"}))
    assert partial.partial and partial.total is None and 50 <= partial.scanned < 400
    assert [r["job_id"] for r in partial.rows] == reference(list_db, partial.params)[:len(partial.rows)]
    full = queries.job_list(ListParams.parse({"q": "c++ (senior", "status": "closed", "deep": "1"}))
    assert not full.partial and full.scanned == 400
    assert [r["job_id"] for r in full.rows] == reference(list_db, full.params)
    assert full.total == list_db["jobs"].count_documents(full.params.query())
    assert full.params.as_query_string() == {"q": "c++ (senior", "status": "closed", "deep": "1"}
