"""The "highest salary" sort and the salary filters on the stored annualised salary (`salary.annual_max`):
the order checked independently of the code's sort keys (amount, then newest posted; postings without an
annual amount last), bands sized by the cached histogram (equal to one plain query, index-shaped, disjoint,
complete, also from a stale histogram), and the once-only backfill of postings stored without the field."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime

import pytest
from pymongo import MongoClient
from pymongo.database import Database

from crawlerats.db.indexes import DROPPED, ensure_indexes
from crawlerats.db.salary_backfill import SALARY_INDEX, backfill_annual_salary
from crawlerats.web.queries import ListParams, WebQueries, candidate_bands
from crawlerats.web.salary_bands import FALLBACK_BOUNDS, KEY, bounds, ranges
from tests.web.seed import NOW, job, list_database
from tests.web.test_job_list_bands import postings, reference

#: Written out again here (not imported) so that the test checks the code's arithmetic.
YEARLY = {"year": 1, "month": 12, "week": 52, "day": 260, "hour": 2080}


def expected_annual(salary: dict | None) -> float | None:
    if not salary or salary.get("interval") not in YEARLY:
        return None
    top = salary.get("max") or salary.get("min")
    return top * YEARLY[salary["interval"]] if top else None


@pytest.fixture(scope="module")
def pay_db(mongo_client: MongoClient) -> Iterator[Database]:
    with list_database(mongo_client, "t_pay", lambda db: postings(400)) as db:
        yield db


@pytest.fixture
def queries(pay_db: Database, monkeypatch: pytest.MonkeyPatch) -> WebQueries:
    monkeypatch.setenv("CRAWLERATS_NOW", NOW.isoformat())
    return WebQueries(pay_db, cache_seconds=0)


def every_row(queries: WebQueries, **query: str) -> list[dict]:
    rows: list[dict] = []
    for page in range(1, 10):
        found = queries.job_list(ListParams.parse({**query, "per_page": "100", "page": str(page), "deep": "1"}))
        rows += found.rows
        if not found.has_next:
            return rows
    raise AssertionError("more than 9 pages")


def posted(doc: dict) -> datetime:
    return doc.get("posted_at") or doc["first_seen"]


@pytest.mark.parametrize("status", ["open", "any"])
def test_salary_order_amount_then_newest_then_without_salary(queries: WebQueries, pay_db: Database,
                                                              monkeypatch: pytest.MonkeyPatch, status: str) -> None:
    monkeypatch.setattr("crawlerats.web.salary_bands.GROWTH", 1)  # every band as small as the first
    rows = every_row(queries, sort="salary", status=status)
    flt = {} if status == "any" else {"status": status}
    assert sorted(r["job_id"] for r in rows) == sorted(d["job_id"] for d in pay_db["jobs"].find(flt))
    promoted = [r for r in rows if r.get("promotion") and r["promotion"]["until"] > NOW]
    rest = rows[len(promoted):]
    assert promoted and all(not (r.get("promotion") and r["promotion"]["until"] > NOW) for r in rest)
    amounts = [expected_annual(r["salary"]) for r in rest]
    paid = [a for a in amounts if a is not None]
    assert amounts[: len(paid)] == paid and paid == sorted(paid, reverse=True)  # unpaid last, best paid first
    assert len(set(paid)) < len(paid)  # there are ties ...
    for before, after in zip(rest, rest[1:], strict=False):
        if expected_annual(before["salary"]) == expected_annual(after["salary"]):
            assert posted(before) >= posted(after)  # ... broken by the newest posted date
    unpaid = rest[len(paid):]
    assert any(r["salary"] for r in unpaid)  # a salary without an interval has no annual amount
    assert [posted(r) for r in unpaid] == sorted((posted(r) for r in unpaid), reverse=True)


@pytest.mark.parametrize("query", [{"min_salary": "80000"}, {"salary": "known", "status": "closed"},
                                   {"min_salary": "100000", "status": "any", "sort": "newest"}])
def test_salary_filters_keep_exactly_the_amounts_at_least_the_minimum(queries: WebQueries, pay_db: Database,
                                                                      query: dict[str, str]) -> None:
    rows = every_row(queries, **{"sort": "salary", **query})
    minimum = float(query.get("min_salary", 0))
    status = query.get("status", "open")
    expected = {d["job_id"] for d in pay_db["jobs"].find({} if status == "any" else {"status": status})
                if (expected_annual(d["salary"]) or 0) > 0 and expected_annual(d["salary"]) >= minimum}
    assert expected and {r["job_id"] for r in rows} == expected and len(rows) == len(expected)
    if minimum == 80000:  # the bound itself is kept (80,000 a year is a stored amount)
        assert any(expected_annual(r["salary"]) == minimum for r in rows)


HISTOGRAM_QUERIES = [{"sort": "salary"}, {"sort": "salary", "page": "3"}, {"sort": "salary", "status": "any"},
                     {"sort": "salary", "status": "closed", "page": "2"}, {"sort": "salary", "salary": "known"},
                     {"sort": "salary", "min_salary": "80000"}, {"sort": "salary", "min_salary": "80001"},
                     {"sort": "salary", "min_salary": "60000", "ats": "lever", "workplace": "remote"},
                     {"sort": "salary", "q": "data", "page": "2"}, {"sort": "salary", "posted": "30"}]


@pytest.mark.parametrize("per_page", ["3", "25"])
@pytest.mark.parametrize("query", HISTOGRAM_QUERIES, ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()))
def test_histogram_bands_equal_plain_query(monkeypatch: pytest.MonkeyPatch, pay_db: Database, queries: WebQueries,
                                           query: dict[str, str], per_page: str) -> None:
    """Bands cut after the page's rows (`per_page` 3: bands of a single amount), growing: the same rows."""
    monkeypatch.setattr("crawlerats.web.salary_bands.MIN_BAND", 1)
    params = ListParams.parse({**query, "per_page": per_page, "deep": "1"})
    assert queries.salary_histogram()  # computed (no cache in tests), so it sizes the bands
    page = queries.job_list(params)
    assert [row["job_id"] for row in page.rows] == reference(pay_db, params)


@pytest.mark.parametrize("histogram", [None, {"open": {200000.0: 10, 80000.0: 3, 333.0: 7}, "closed": {1e9: 5}},
                                       "real"])
def test_salary_bands_index_shaped_disjoint_complete(pay_db: Database, queries: WebQueries,
                                                     histogram: dict | str | None) -> None:
    """Fixed bounds, a stale histogram (amounts nobody has) or the real one: every band query is a status and
    one range on the index's last key (IXSCAN), bands are disjoint, and they cover every matching posting."""
    pay = queries.salary_histogram() if histogram == "real" else histogram
    for params in [ListParams(sort="salary"), ListParams(sort="salary", status="any"),
                   ListParams(sort="salary", status="closed", salary="known"),
                   ListParams(sort="salary", min_salary=80000)]:
        seen: dict[object, int] = {}
        for band in candidate_bands(params, NOW, NOW, pay=pay):
            for flt in band.queries:
                ranges = [k for k, v in flt.items() if isinstance(v, dict)]
                assert len(ranges) <= 1 and (not ranges or list(flt)[-1] == ranges[0])  # range on the last key
                plan = pay_db.command("explain", {"find": "jobs", "filter": flt})["queryPlanner"]["winningPlan"]
                assert plan.get("inputStage", {}).get("stage") == "IXSCAN", (flt, plan)
                for doc in pay_db["jobs"].find(flt, {"_id": 1, "salary": 1, "promotion": 1}):
                    if band.keep is None or band.keep(doc):
                        seen[doc["_id"]] = seen.get(doc["_id"], 0) + 1
        assert all(n == 1 for n in seen.values()), params
        matching = {d["_id"] for d in pay_db["jobs"].find(params.mongo_filter(NOW), {"_id": 1})}
        assert matching and matching <= set(seen), params


def test_histogram_counts_postings_per_status_and_amount(pay_db: Database, queries: WebQueries) -> None:
    counts = queries.salary_histogram()
    assert counts is not None
    for status in ("open", "closed"):
        expected: dict[float, int] = {}
        for doc in pay_db["jobs"].find({"status": status}):
            amount = expected_annual(doc["salary"])
            if amount:
                expected[amount] = expected.get(amount, 0) + 1
        assert counts[status] == expected


def test_backfill_stores_the_annual_amounts_once_before_the_index(mongo_client: MongoClient) -> None:
    """A database from before the field: ensure_indexes drops the two old salary indexes, fills the annual
    amounts of stored postings (salary without an interval: nulls; no salary: untouched), then creates the
    index; the next connection writes nothing."""
    db = mongo_client[f"t_backfill_{uuid.uuid4().hex[:8]}"]
    try:
        docs = [job("lever", "acme", f"b{n}", "Engineer", salary=salary) for n, salary in enumerate([
            {"min": 30.0, "max": 40.0, "currency": "USD", "interval": "hour", "raw": "$30-40/h"},
            {"min": 4000.0, "max": None, "currency": "EUR", "interval": "month", "raw": "4000 a month"},
            {"min": 5000.0, "max": None, "currency": "USD", "interval": None, "raw": "5000"},
            None])]
        for doc in docs:
            if doc["salary"]:
                for key in ("annual_min", "annual_max"):
                    del doc["salary"][key]  # stored by an earlier version
        db["jobs"].insert_many(docs)
        db["jobs"].create_index([("salary.interval", 1), ("salary.max", -1)], name="web_salary_max")
        assert {"web_salary_max"} <= set(DROPPED["jobs"])
        ensure_indexes(db)
        names = {ix["name"] for ix in db["jobs"].list_indexes()}
        assert SALARY_INDEX in names and "web_salary_max" not in names
        stored = {d["job_id"]: d["salary"] for d in db["jobs"].find({}, {"job_id": 1, "salary": 1})}
        assert (stored["b0"]["annual_min"], stored["b0"]["annual_max"]) == (30.0 * 2080, 40.0 * 2080)
        assert (stored["b1"]["annual_min"], stored["b1"]["annual_max"]) == (48000.0, 48000.0)
        assert (stored["b2"]["annual_min"], stored["b2"]["annual_max"]) == (None, None)
        assert stored["b3"] is None and stored["b0"]["raw"] == "$30-40/h"  # nothing else changed
        assert db["jobs"].count_documents({KEY: {"$gte": 48000}}) == 2
        assert backfill_annual_salary(db) == 0  # already done: nothing rewritten
    finally:
        mongo_client.drop_database(db.name)


def test_bounds_cut_after_the_page_then_growing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("crawlerats.web.salary_bands.MIN_BAND", 1)
    counts = {100.0: 10, 90.0: 10, 80.0: 10, 70.0: 10, 60.0: 40, 50.0: 5}
    assert bounds(counts, 0, first=20) == [90.0, 60.0]  # 20 postings, then 40 (80, 70, 60 hold 60), then 80
    assert bounds(counts, 60, first=20) == [90.0]  # above the minimum only; the last band is [60, 90)
    assert bounds(counts, 0, first=1) == [100.0, 90.0, 80.0, 70.0, 60.0]  # each amount holds more than asked
    assert bounds(None, 100_000, first=20) == [b for b in FALLBACK_BOUNDS if b > 100_000]
    assert [r for r, _, _ in ranges([90.0], 60)] == [{"$gte": 90.0}, {"$gte": 60, "$lt": 90.0}]
    assert [r for r, _, _ in ranges([], 0)] == [{"$gt": 0}]


@pytest.mark.parametrize("query", [{"salary": "known"}, {"min_salary": "80000", "sort": "salary"},
                                   {"min_salary": "100000", "status": "any"}, {"salary": "known", "status": "closed"}])
def test_salary_filter_totals_are_exact_from_the_histogram(pay_db: Database, queries: WebQueries,
                                                           query: dict[str, str]) -> None:
    params = ListParams.parse(query)
    page = queries.job_list(params)
    assert page.has_next and page.total == pay_db["jobs"].count_documents(params.mongo_filter(NOW))
    assert queries.job_list(ListParams.parse({**query, "ats": "lever"})).total is None  # not from the histogram
