"""The "newest" list under an ATS and a workplace filter reads the `web_ats_workplace` index: the same rows as one
plain query, with postings exactly on the band bounds (SecantusDB's inclusive-bound loss on a middle key), and
bands that are index-shaped, disjoint and complete."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from pymongo import MongoClient
from pymongo.database import Database

from crawlerats.web.ats_workplace_bands import INDEX, OLDEST, exclusive, merge_newest
from crawlerats.web.queries import NEWEST_BAND_DAYS, ListParams, WebQueries, candidate_bands
from tests.web.seed import NOW, job, list_database
from tests.web.test_job_list_bands import postings, reference


@pytest.fixture(scope="module")
def pair_db(mongo_client: MongoClient) -> Iterator[Database]:
    def docs(db: Database) -> list[dict]:
        anchor = WebQueries(db, cache_seconds=0).anchor()
        on_bounds = []
        for n, days in enumerate(NEWEST_BAND_DAYS[:8]):  # posted, or first seen, exactly on a band bound
            bound = anchor - timedelta(days=days)
            on_bounds.append(job("lever", "edge", f"p{n}", "Edge", workplace_type="remote", posted_at=bound,
                                 first_seen=bound + timedelta(days=1)))
            on_bounds.append(job("lever", "edge", f"s{n}", "Edge", workplace_type="remote", posted_at=None,
                                 first_seen=bound))
        return postings(400) + on_bounds

    with list_database(mongo_client, "t_pair", docs) as db:
        yield db


@pytest.fixture
def queries(pair_db: Database, monkeypatch: pytest.MonkeyPatch) -> WebQueries:
    monkeypatch.setenv("CRAWLERATS_NOW", NOW.isoformat())
    return WebQueries(pair_db, cache_seconds=0)


PAIRS = [{"ats": "lever", "workplace": "remote"}, {"ats": "lever", "workplace": "remote", "page": "2"},
         {"ats": "lever", "workplace": "remote", "per_page": "4", "page": "5"},
         {"ats": "workday", "workplace": "onsite", "status": "any"},
         {"ats": "greenhouse", "workplace": "remote", "status": "closed", "per_page": "5", "page": "2"},
         {"ats": "lever", "workplace": "remote", "posted": "30", "status": "any"},
         {"ats": "lever", "workplace": "remote", "risk": "low"}, {"ats": "workday", "workplace": "remote", "q": "data"},
         {"ats": "lever", "workplace": "remote", "page": "12", "per_page": "5"},  # deep: the cached date index
         {"ats": "lever", "workplace": "hybrid"}]


@pytest.mark.parametrize("query", PAIRS, ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()))
def test_pair_list_equals_plain_query(pair_db: Database, queries: WebQueries, query: dict[str, str]) -> None:
    params = ListParams.parse({**query, "deep": "1"})
    page = queries.job_list(params)
    assert [row["job_id"] for row in page.rows] == reference(pair_db, params)
    if page.total is not None:
        assert page.total == pair_db["jobs"].count_documents(params.mongo_filter(NOW))


def test_on_bound_postings_are_listed(queries: WebQueries) -> None:
    rows = queries.job_list(ListParams.parse({"ats": "lever", "workplace": "remote", "company": "edge",
                                              "per_page": "100"})).rows
    assert sorted(r["job_id"] for r in rows) == sorted([f"p{n}" for n in range(8)] + [f"s{n}" for n in range(8)])


@pytest.mark.parametrize("params", [ListParams(ats="lever", workplace="remote"),
                                    ListParams(ats="lever", workplace="remote", status="any", posted="30"),
                                    ListParams(ats="workday", workplace="onsite", status="closed")])
def test_pair_bands_index_shaped_disjoint_complete(pair_db: Database, queries: WebQueries,
                                                   params: ListParams) -> None:
    seen: dict[object, int] = {}
    dates = queries.pair_dates(params)
    assert dates  # the cached date index sizes the first band
    for band in candidate_bands(params, queries.anchor(), NOW, dates=dates):
        for flt in band.queries:
            plan = pair_db.command("explain", {"find": "jobs", "filter": flt})["queryPlanner"]["winningPlan"]
            assert plan.get("inputStage", {}).get("stage") == "IXSCAN", (flt, plan)
            if "ats" in flt:
                assert plan["inputStage"].get("indexName") == INDEX
                bounds = flt["posted_at"] if isinstance(flt["posted_at"], dict) else {}
                assert not {"$gte", "$lte"} & set(bounds)  # no inclusive bound on the middle key
            for doc in pair_db["jobs"].find(flt, {"_id": 1, "promotion": 1}):
                if band.keep is None or band.keep(doc):
                    seen[doc["_id"]] = seen.get(doc["_id"], 0) + 1
    assert all(n == 1 for n in seen.values())
    matching = {d["_id"] for d in pair_db["jobs"].find(params.mongo_filter(NOW), {"_id": 1})}
    assert matching and matching <= set(seen)


def test_first_ranges_merged_until_they_hold_the_page() -> None:
    d1, d2, d3 = NOW - timedelta(days=8), NOW - timedelta(days=4), NOW - timedelta(days=2)
    ranges = [{"$gte": d3}, {"$gte": d2, "$lt": d3}, {"$gte": d1, "$lt": d2}, {"$lt": d1}]
    dates = sorted([d1 - timedelta(days=1), d1, d2, d2 + timedelta(hours=1), d3 + timedelta(hours=1)])
    assert merge_newest(ranges, dates, 1) == ranges  # the first range holds one
    assert merge_newest(ranges, dates, 3) == [{"$gte": d2}, *ranges[2:]]  # d2 itself counts (inclusive)
    assert merge_newest(ranges, dates, 4) == [{"$gte": d1}, ranges[3]]
    assert merge_newest(ranges, dates, 99) == [{}]  # everything in one band
    assert merge_newest(ranges, None, 99) == ranges


def test_exclusive_bounds_keep_the_same_dates(mongo_client: MongoClient) -> None:
    """`exclusive` turns `$gte` into `$gt` the millisecond before (stored dates are whole milliseconds): the same
    documents, with a lower bound that carries microseconds too; open below, it stops above `OLDEST`."""
    low = NOW.replace(microsecond=250_700)
    assert exclusive({"$gte": low, "$lt": NOW + timedelta(days=1)}) == {
        "$gt": NOW.replace(microsecond=249_000), "$lt": NOW + timedelta(days=1)}
    assert exclusive({"$lt": NOW}) == {"$gt": OLDEST, "$lt": NOW} and exclusive({"$gte": OLDEST}) == {"$gt": OLDEST}
    collection = mongo_client["t_exclusive"]["dates"]
    collection.drop()
    moments = [low - timedelta(milliseconds=1), low.replace(microsecond=250_000), low,
               low + timedelta(milliseconds=1), None]
    collection.insert_many([{"n": n, "at": at} for n, at in enumerate(moments)])
    for rng in ({"$gte": low}, {"$gte": low, "$lt": low + timedelta(milliseconds=1)}, {"$lt": low}):
        assert {d["n"] for d in collection.find({"at": exclusive(rng)})} == \
            {d["n"] for d in collection.find({"at": rng})}, rng
    mongo_client.drop_database("t_exclusive")
