"""The one index list (crawlerats/db/indexes.py): documented with its queries, created only when missing,
obsolete indexes dropped, no index on a field every crawl rewrites."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo import MongoClient, monitoring
from pymongo.database import Database

from crawlerats.db.indexes import DROPPED, JOBS, WEB, ensure_indexes
from tests.support.paths import REPO


class Commands(monitoring.CommandListener):
    def __init__(self) -> None:
        self.names: list[str] = []

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        self.names.append(event.command_name)

    def succeeded(self, event: Any) -> None:
        pass

    def failed(self, event: Any) -> None:
        pass


def test_schema_lists_every_jobs_index_with_its_keys_and_query() -> None:
    schema = (REPO / "docs" / "schema.md").read_text()
    for index in JOBS + WEB:
        keys = ", ".join(k for k, _ in index.keys)
        assert f"| `{index.name}` | `{keys}`" in schema and index.serves in schema, index.name


def test_no_index_holds_a_field_every_crawl_rewrites() -> None:
    for index in JOBS + WEB:
        assert not {k for k, _ in index.keys} & {"last_seen", "crawl_id"}, index.name


def test_indexes_are_created_only_when_missing_and_obsolete_ones_dropped(mongo_uri: str, mongo_db: Database) -> None:
    mongo_db.jobs.create_index([("status", 1), ("last_seen", -1)], name="status_last_seen")
    listener = Commands()
    client: MongoClient = MongoClient(mongo_uri, event_listeners=[listener])
    try:
        db = client[mongo_db.name]
        ensure_indexes(db)
        assert "createIndexes" in listener.names and "dropIndexes" in listener.names
        names = {ix["name"] for ix in db.jobs.list_indexes()}
        assert {i.name for i in JOBS + WEB} <= names and not names & set(DROPPED["jobs"])
        listener.names.clear()
        ensure_indexes(db)  # everything there: only listIndexes
        assert set(listener.names) == {"listIndexes"}
    finally:
        client.close()


def test_an_index_whose_definition_changed_is_recreated_once(mongo_db: Database) -> None:
    """`web_promotion` from before it was sparse: recreated sparse (its few entries only), then left alone."""
    mongo_db.jobs.create_index([("promotion.until", -1)], name="web_promotion")
    mongo_db.jobs.insert_many([{"ats": "lever", "company": "acme", "job_id": str(n)} for n in range(3)])
    ensure_indexes(mongo_db)
    listed = {ix["name"]: ix for ix in mongo_db.jobs.list_indexes()}
    assert listed["web_promotion"].get("sparse") is True and listed["web_repost_of"].get("sparse") is True
    before = {name: dict(ix) for name, ix in listed.items()}
    ensure_indexes(mongo_db)
    assert {ix["name"]: dict(ix) for ix in mongo_db.jobs.list_indexes()} == before


def test_band_keys_of_stored_postings_are_copied_once_into_job_bands(mongo_db: Database) -> None:
    """A database from before `job_bands`: its postings' stored band keys stay findable (closed ones too)."""
    mongo_db.jobs.insert_many([
        {"ats": "lever", "company": "acme", "job_id": "1", "status": "closed", "dedup": {"bands": [11, 12]}},
        {"ats": "lever", "company": "acme", "job_id": "2", "status": "open"},
    ])
    mongo_db.jobs.create_index([("ats", 1), ("company", 1), ("dedup.bands", 1)], name="dedup_bands")
    ensure_indexes(mongo_db)
    assert [(d["job_id"], d["bands"]) for d in mongo_db.job_bands.find({"bands": {"$in": [12]}})] == [("1", [11, 12])]
    assert mongo_db.job_bands.count_documents({}) == 1
    assert "dedup_bands" not in {ix["name"] for ix in mongo_db.jobs.list_indexes()}


def test_stored_postings_get_their_search_documents_once(mongo_db: Database) -> None:
    """A database from before `job_search`: every stored posting gets its search document before the search index
    is created; a backfill cut short (the identity index there, the search index not) runs again, keeping the
    documents already written."""
    from crawlerats.db.search_index import SEARCH_COLLECTION, SEARCH_INDEX, search_fields

    mongo_db.jobs.insert_many([
        {"ats": "lever", "company": "acme", "job_id": "1", "title": "Data Engineer", "company_name": "Acme",
         "status": "closed", "first_seen": datetime(2026, 3, 1, tzinfo=UTC)},
        {"ats": "lever", "company": "acme", "job_id": "2", "title": "Sales Lead", "status": "open"},
    ])
    mongo_db[SEARCH_COLLECTION].create_index([("ats", 1), ("company", 1), ("job_id", 1)], name="posting",
                                             unique=True)
    mongo_db[SEARCH_COLLECTION].insert_one({"ats": "lever", "company": "acme", "job_id": "2", "grams": ["kept"],
                                            "place": "", "score": None, "pay": None})
    ensure_indexes(mongo_db)
    docs = {d["job_id"]: d for d in mongo_db[SEARCH_COLLECTION].find({}, {"_id": 0})}
    first = mongo_db.jobs.find_one({"job_id": "1"})
    assert docs["1"] == {"ats": "lever", "company": "acme", "job_id": "1", "job": first["_id"], **search_fields(first)}
    assert docs["1"]["status"] == "closed" and "gin" in docs["1"]["grams"] and "acm" in docs["1"]["grams"]
    assert docs["2"]["grams"] == ["kept"]  # written meanwhile (by a crawl): left alone
    assert SEARCH_INDEX in {ix["name"] for ix in mongo_db[SEARCH_COLLECTION].list_indexes()}
    mongo_db.jobs.insert_one({"ats": "lever", "company": "acme", "job_id": "3", "title": "Recruiter"})
    ensure_indexes(mongo_db)  # once only: the search index exists
    assert mongo_db[SEARCH_COLLECTION].count_documents({}) == 2


def test_search_documents_from_before_location_grams_are_rebuilt_once(mongo_db: Database) -> None:
    """A database searched before search documents held location grams (index `grams_status_posted`, documents
    without `place`): the old index is dropped, those documents are rewritten with their location grams (one a
    crawl rewrote meanwhile is left alone), then the search index is created and the location filter finds them."""
    from crawlerats.db.search_index import SEARCH_COLLECTION, SEARCH_INDEX, search_fields
    from crawlerats.web.queries import ListParams, WebQueries

    when = datetime(2026, 3, 1, tzinfo=UTC)
    mongo_db.jobs.insert_many([
        {"ats": "lever", "company": "acme", "job_id": str(n), "title": "Data Engineer", "location": place,
         "status": "open", "first_seen": when, "last_seen": when}
        for n, place in enumerate(["Berlin, Germany", "Paris", "Berlin"])])
    search = mongo_db[SEARCH_COLLECTION]
    search.create_index([("ats", 1), ("company", 1), ("job_id", 1)], name="posting", unique=True)
    search.create_index([("grams", 1), ("status", 1), ("posted", -1)], name="grams_status_posted")
    for doc in mongo_db.jobs.find():
        old = {k: v for k, v in search_fields(doc).items() if k not in ("place", "score", "pay")}
        old["grams"] = [g for g in old["grams"] if not g.startswith("l:")]
        search.insert_one({"ats": "lever", "company": "acme", "job_id": doc["job_id"], **old})
    current = search_fields(mongo_db.jobs.find_one({"job_id": "2"}))  # a crawl's rewrite, after the backfill's read
    search.update_one({"job_id": "2"}, {"$set": {**current, "text": current["text"] + "\nmeanwhile"}})

    ensure_indexes(mongo_db)
    names = {ix["name"] for ix in search.list_indexes()}
    assert SEARCH_INDEX in names and "grams_status_posted" not in names
    docs = {d["job_id"]: d for d in search.find()}
    for job_id, place, gram in (("0", "berlin, germany", "l:ber"), ("1", "paris", "l:par")):
        assert docs[job_id]["place"] == place and gram in docs[job_id]["grams"]
    assert docs["2"]["text"].endswith("meanwhile")
    assert {d["job_id"] for d in search.find({"grams": "l:ber"})} == {"0", "2"}
    assert "l:ber" not in docs["1"]["grams"] and "l:par" in docs["1"]["grams"]
    queries = WebQueries(mongo_db, cache_seconds=0)
    assert queries.search_ready()
    rows = queries.job_list(ListParams(location="berlin", status="any")).rows
    assert sorted(r["job_id"] for r in rows) == ["0", "2"]


def test_search_documents_from_before_the_sort_keys_are_rebuilt_once(mongo_db: Database,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """A database searched before search documents held their sort keys (`score`, `pay`; the search index there,
    the sort-key indexes not): those documents are rewritten with them (one a crawl rewrote meanwhile is left
    alone), then the sort-key indexes are created, and a sorted search of a common word reads through them."""
    from crawlerats.db.search_index import (
        PAY_INDEX,
        SCORE_INDEX,
        SEARCH_COLLECTION,
        SEARCH_INDEX,
        search_fields,
    )
    from crawlerats.web.queries import ListParams, WebQueries

    when = datetime(2026, 3, 1, tzinfo=UTC)
    monkeypatch.setenv("CRAWLERATS_NOW", when.isoformat())
    mongo_db.jobs.insert_many([
        {"ats": "lever", "company": "acme", "job_id": str(n), "title": "Data Engineer", "status": "open",
         "first_seen": when, "last_seen": when, "health": {"ghost_score": score},
         "salary": {"min": pay - 10_000, "max": pay, "currency": "USD", "interval": "year", "annual_max": pay}
         if pay else None}
        for n, (score, pay) in enumerate([(10, 90_000.0), (70, None), (40, 120_000.0)])])
    search = mongo_db[SEARCH_COLLECTION]
    search.create_index([("ats", 1), ("company", 1), ("job_id", 1)], name="posting", unique=True)
    search.create_index([("grams", 1), ("status", 1), ("posted", -1)], name=SEARCH_INDEX)
    for doc in mongo_db.jobs.find():
        old = {k: v for k, v in search_fields(doc).items() if k not in ("score", "pay")}
        search.insert_one({"ats": "lever", "company": "acme", "job_id": doc["job_id"], **old})
    search.update_one({"job_id": "2"}, {"$set": {"score": 41, "pay": None}})  # a crawl's rewrite meanwhile

    ensure_indexes(mongo_db)
    names = {ix["name"] for ix in search.list_indexes()}
    assert {SEARCH_INDEX, SCORE_INDEX, PAY_INDEX} <= names
    assert {d["job_id"]: (d["score"], d["pay"]) for d in search.find()} == {
        "0": (10, 90_000.0), "1": (70, None), "2": (41, None)}
    monkeypatch.setattr("crawlerats.web.search.SORTED_SEARCH_BUDGET", 0)  # "data" given up on: the sort keys
    queries = WebQueries(mongo_db, cache_seconds=0)
    assert queries.sort_ready()
    assert [r["job_id"] for r in queries.job_list(ListParams(q="data", sort="ghost")).rows] == ["1", "2", "0"]
    assert [r["job_id"] for r in queries.job_list(ListParams(q="data", sort="low")).rows] == ["0", "2", "1"]
