"""The banded job list returns exactly what one plain MongoDB query (every filter, the documented order,
skip and limit) returns, for every filter and sort; the bands are index-shaped and disjoint."""

from __future__ import annotations

import itertools
import random
from collections.abc import Iterator
from datetime import timedelta

import pytest
from pymongo import MongoClient
from pymongo.collection import Collection
from pymongo.database import Database

from crawlerats.db.search_index import PAY_INDEX, SCORE_INDEX, SEARCH_INDEX
from crawlerats.web.paging import MIN_SKIP
from crawlerats.web.queries import SORT_KEYS, ListParams, WebQueries, candidate_bands, is_promoted
from tests.web.seed import NOW, health, job, list_database

RISK_BY_SCORE = [(85, "very_high"), (60, "high"), (30, "medium"), (0, "low")]
SALARIES = [None, None, {"min": 50000.0, "max": 70000.0, "currency": "USD", "interval": "year"},
            {"min": 60000.0, "max": 80000.0, "currency": "EUR", "interval": "year"},  # exactly on a band bound
            {"min": 4000.0, "max": None, "currency": "EUR", "interval": "month"},
            {"min": 30.0, "max": 55.0, "currency": "USD", "interval": "hour"},
            {"min": 120000.0, "max": 160000.0, "currency": "GBP", "interval": "year"},
            {"min": 80000.0, "max": None, "currency": "USD", "interval": "year"},  # ties the EUR range's top
            {"min": 5000.0, "max": None, "currency": "USD", "interval": None}]  # no interval: no annual amount


def postings(count: int) -> list[dict]:
    rng = random.Random(11)
    docs = []
    for n in range(count):
        score = rng.randrange(0, 101)
        risk = next(level for floor, level in RISK_BY_SCORE if score >= floor)
        first_seen = NOW - timedelta(hours=rng.randrange(0, 24 * 900))
        posted = None if n % 3 == 0 else first_seen - timedelta(days=rng.randrange(0, 40))
        doc = job(
            rng.choice(["lever", "greenhouse", "workday"]), f"co{n % 7}", f"j{n:04d}",
            rng.choice(["Data Engineer", "Sales Lead", "Support Agent", "Staff Data Scientist", "C++ (Senior)"]),
            company_name=f"Company {'ABCDEFG'[n % 7]}", first_seen=first_seen, posted_at=posted,
            status=rng.choice(["open", "open", "closed"]), location=rng.choice(["Berlin, Germany", "Remote", "New York, NY"]),
            workplace_type=rng.choice(["remote", "onsite", None]),
            employment_type=rng.choice(["full_time", "part_time", None]), salary=rng.choice(SALARIES),
            health=None if n % 17 == 0 else health(score, risk, rng.randrange(0, 400)))
        if n % 50 == 7:  # an active promotion, and (n % 100 == 57) an expired one
            until = NOW + timedelta(days=10) if n % 100 == 7 else NOW - timedelta(days=1)
            doc["promotion"] = {"since": NOW - timedelta(days=20), "until": until}
        docs.append(doc)
    return docs


@pytest.fixture(scope="module")
def list_db(mongo_client: MongoClient) -> Iterator[Database]:
    """400 random postings spread over 900 days, seeded once for the module."""
    with list_database(mongo_client, "t_bands", lambda db: postings(400)) as db:
        yield db


@pytest.fixture
def queries(list_db: Database, monkeypatch: pytest.MonkeyPatch) -> WebQueries:
    monkeypatch.setenv("CRAWLERATS_NOW", NOW.isoformat())
    return WebQueries(list_db, cache_seconds=0)


def reference(db: Database, params: ListParams) -> list[str]:
    """One plain MongoDB query with the whole filter, ordered as documented (active promotions first), paged."""
    docs = list(db["jobs"].find(params.mongo_filter(NOW)))
    docs.sort(key=lambda d: (is_promoted(d, NOW), *SORT_KEYS[params.sort](d)), reverse=True)
    start = (params.page - 1) * params.per_page
    return [doc["job_id"] for doc in docs[start: start + params.per_page]]


def count_fetches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The number of search documents each `TextSearch.fetch` call of the test fetches postings for."""
    from crawlerats.web.search import TextSearch

    fetched: list[int] = []
    fetch = TextSearch.fetch

    def counted(self: TextSearch, rows: list) -> list:
        fetched.append(len(rows))
        return fetch(self, rows)

    monkeypatch.setattr(TextSearch, "fetch", counted)
    return fetched


QUERIES = [
    {}, {"sort": "ghost"}, {"sort": "low"}, {"sort": "salary"}, {"status": "any"}, {"status": "closed", "sort": "ghost"},
    {"page": "3"}, {"sort": "ghost", "page": "5"}, {"sort": "low", "page": "4", "status": "any"},
    {"sort": "salary", "page": "3"}, {"q": "data"}, {"q": "c++ (", "status": "any"}, {"q": "company c engineer"},
    {"company": "company c"}, {"company": "CO3", "ats": "lever", "sort": "ghost"}, {"ats": "workday", "page": "2"},
    {"risk": "high"}, {"risk": "low", "sort": "ghost"}, {"risk": "medium", "sort": "low"},
    {"risk": "very_high", "page": "2", "status": "any"}, {"location": "berlin", "workplace": "remote"},
    {"workplace": "onsite", "sort": "ghost", "page": "2"}, {"employment": "part_time"},
    {"salary": "known"}, {"salary": "known", "sort": "salary", "page": "2"}, {"min_salary": "100000"},
    {"min_salary": "100000", "sort": "salary"}, {"min_salary": "60000", "sort": "ghost", "status": "any"},
    {"posted": "30"}, {"posted": "7", "status": "any"}, {"posted": "30", "sort": "low"},
    {"per_page": "7", "page": "3"}, {"page": "99"},
]
#: Deep "newest" pages under equality filters: the rows they skip are counted from the cached date index.
DEEP_PAGES = [
    {"page": "9", "per_page": "10"}, {"page": "12", "per_page": "20"}, {"risk": "low", "page": "5", "per_page": "15"},
    {"status": "any", "page": "7"}, {"status": "closed", "page": "8", "per_page": "10"},
    {"status": "any", "page": "16"}, {"ats": "lever", "workplace": "remote", "page": "2", "per_page": "6"},
    {"employment": "part_time", "status": "any", "page": "8", "per_page": "10"},
    # score sorts: the better scores counted from the cached per-score counts
    {"sort": "ghost", "page": "9", "per_page": "10"}, {"sort": "low", "page": "6", "per_page": "20"},
    {"sort": "ghost", "status": "any", "page": "12", "per_page": "25"},
    {"sort": "ghost", "risk": "low", "status": "closed", "page": "5", "per_page": "6"},
    {"sort": "low", "risk": "medium", "page": "4", "per_page": "17"},
    # salary sort: the better-paid postings counted from the cached salary histogram
    {"sort": "salary", "page": "6", "per_page": "15"}, {"sort": "salary", "status": "any", "page": "4", "per_page": "25"},
    {"sort": "salary", "salary": "known", "page": "3", "per_page": "30"},
    {"sort": "salary", "min_salary": "60000", "status": "any", "page": "7", "per_page": "10"},
]
#: Text searches, read through the `job_search` collection (crawlerats/web/search.py) in the "newest" order.
SEARCHES = [
    {"q": "data"}, {"q": "DATA engineer"}, {"q": "ata eng", "status": "any"}, {"q": "company c"},
    {"q": "c++ (", "status": "closed"}, {"q": "scien", "page": "2", "per_page": "5"}, {"q": "zzz"},
    {"q": "lead", "posted": "30"}, {"q": "support", "risk": "high", "status": "any"}, {"q": "co3 agent"},
    {"q": "data", "page": "3"}, {"q": "ompany sales", "location": "berlin"},
    {"q": "data", "sort": "ghost"}, {"q": "scien", "sort": "low", "status": "any"},
    {"q": "company c sales", "sort": "salary", "page": "2", "per_page": "5"},
    {"q": "c++ (", "sort": "salary", "salary": "known", "status": "any"}, {"q": "agent", "sort": "low", "posted": "30"},
    # the location filter, alone or with words: its `l:` grams drive the read when they look rarer
    {"location": "berlin"}, {"location": "BERLIN", "page": "2", "per_page": "5"},
    {"location": "new york, ny", "status": "any"}, {"location": "ny"}, {"location": "rk, N", "risk": "high"},
    {"location": "remote", "sort": "ghost"}, {"location": "erlin, germ", "q": "data"},
    {"location": "york", "sort": "salary", "status": "closed"}, {"location": "nowhere"},
    {"location": "remote", "posted": "30", "page": "2", "per_page": "1"},
]


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()) or "default")
def test_windowed_list_equals_plain_query(list_db: Database, queries: WebQueries, query: dict[str, str]) -> None:
    params = ListParams.parse({**query, "deep": "1"})
    page = queries.job_list(params)
    assert [row["job_id"] for row in page.rows] == reference(list_db, params)
    if page.total is not None:
        assert page.total == list_db["jobs"].count_documents(params.mongo_filter(NOW))


@pytest.mark.parametrize("query", DEEP_PAGES, ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()))
def test_deep_pages_read_about_one_page(monkeypatch: pytest.MonkeyPatch, list_db: Database, queries: WebQueries,
                                       query: dict[str, str]) -> None:
    params = ListParams.parse(query)
    page = queries.job_list(params)
    assert [row["job_id"] for row in page.rows] == reference(list_db, params)
    assert page.total == list_db["jobs"].count_documents(params.mongo_filter(NOW))
    skipped = (params.page - 1) * params.per_page
    if params.sort == "salary":  # few distinct amounts here: the page's amount is read whole, ties and all
        monkeypatch.setattr("crawlerats.web.queries.MIN_SKIP", 10**6)  # no deep start: read from the top
        assert page.scanned < queries.job_list(params).scanned
    elif skipped >= MIN_SKIP + 10:  # (a shallow page reads its rows: the last case)
        assert page.scanned < skipped  # the rows before the page were counted, not read


CROWDED_DEEP_PAGES = [{"sort": "ghost", "page": "9", "per_page": "10"}, {"sort": "low", "page": "7", "per_page": "12"},
                      {"sort": "ghost", "status": "any", "page": "11", "per_page": "25"},
                      {"sort": "low", "risk": "low", "page": "3", "per_page": "25"}]


@pytest.mark.parametrize("query", CROWDED_DEEP_PAGES, ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()))
def test_deep_score_pages_inside_a_crowded_score(monkeypatch: pytest.MonkeyPatch, list_db: Database,
                                                 queries: WebQueries, query: dict[str, str]) -> None:
    """A deep page whose first row lies in a crowded score (read in posted-date sub-bands) is placed inside that
    score by the date index of the score: same rows as the plain query, without reading those before."""
    monkeypatch.setattr("crawlerats.web.queries.CROWDED_SCORE", 2)
    params = ListParams.parse(query)
    page = queries.job_list(params)
    assert [row["job_id"] for row in page.rows] == reference(list_db, params)
    assert page.total == list_db["jobs"].count_documents(params.mongo_filter(NOW))
    assert page.scanned < (params.page - 1) * params.per_page


def test_deep_page_past_the_scored_postings_reads_from_the_top(list_db: Database, queries: WebQueries) -> None:
    """The unscored postings come last in the score sorts and no count places them: read, still exact."""
    scored = list_db["jobs"].count_documents({"status": "open", "health.ghost_score": {"$gte": 0}})
    params = ListParams(sort="ghost", per_page=10, page=scored // 10 + 1)
    page = queries.job_list(params)
    assert page.rows and [row["job_id"] for row in page.rows] == reference(list_db, params)
    assert page.scanned >= scored


@pytest.mark.parametrize("query", SEARCHES, ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()))
def test_text_search_equals_plain_query(list_db: Database, queries: WebQueries, query: dict[str, str]) -> None:
    params = ListParams.parse(query)
    page = queries.job_list(params)
    assert not page.partial  # no scan budget: the search index narrows the read
    assert [row["job_id"] for row in page.rows] == reference(list_db, params)
    total = list_db["jobs"].count_documents(params.mongo_filter(NOW))
    assert page.total in (None, total) and (page.total is not None or page.has_next)


@pytest.mark.parametrize("query", [q for q in SEARCHES if q.get("sort", "newest") == "newest"],
                         ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()))
def test_text_search_in_date_ranges_cut_by_the_match_rate(monkeypatch: pytest.MonkeyPatch, list_db: Database,
                                                          queries: WebQueries, query: dict[str, str]) -> None:
    """The "newest" search reads date ranges cut from the cached dates at the match rate seen so far (here from a
    first range of one posting per wanted match, so several ranges are read): contiguous, the same rows."""
    from crawlerats.web.search import DatePlan

    monkeypatch.setattr(DatePlan, "FIRST_PER_MATCH", 1)
    cut: list[dict] = []
    ranges = DatePlan.ranges

    def recorded(self: DatePlan):  # noqa: ANN202 - a generator of ranges
        for rng in ranges(self):
            cut.append(rng)
            yield rng

    monkeypatch.setattr(DatePlan, "ranges", recorded)
    params = ListParams.parse(query)
    page = queries.job_list(params)
    assert [row["job_id"] for row in page.rows] == reference(list_db, params)
    if not params.posted:  # (30 days hold fewer postings than a first range: one range down to the cutoff)
        assert len(cut) >= 2 or page.has_next  # several ranges, unless the first held the page and more
    for newer, older in zip(cut, cut[1:], strict=False):
        assert older["$lt"] == newer["$gte"]  # contiguous, newest first


@pytest.mark.parametrize("query", [
    {"location": "berlin", "page": "4"}, {"location": "york, ny", "page": "3", "per_page": "7", "status": "any"},
    {"location": "Remote", "page": "5", "status": "any"}, {"location": "erlin", "page": "6", "per_page": "9"},
    {"location": "berlin", "page": "3", "per_page": "10", "status": "closed"}], ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()))
@pytest.mark.parametrize("first_per_match", [1, 4])
def test_deep_location_pages_count_the_rows_before_them(monkeypatch: pytest.MonkeyPatch, list_db: Database,
                                                        queries: WebQueries, query: dict[str, str],
                                                        first_per_match: int) -> None:
    """A deep page of the location filter alone counts the matches before it from the search documents (which hold
    the location) instead of fetching their postings: the same rows, the same total, fewer postings fetched.
    (Here without the cached dates per location, as while they are first computed: see the next test.)"""
    from crawlerats.web.search import DatePlan

    monkeypatch.setattr(WebQueries, "_place_window", lambda *args: None)
    monkeypatch.setattr(DatePlan, "FIRST_PER_MATCH", first_per_match)  # 1: many small date ranges
    fetched = count_fetches(monkeypatch)
    params = ListParams.parse(query)
    page = queries.job_list(params)
    assert [row["job_id"] for row in page.rows] == reference(list_db, params)
    assert page.rows and page.total in (None, list_db["jobs"].count_documents(params.mongo_filter(NOW)))
    skip = (params.page - 1) * params.per_page
    assert sum(fetched) < skip + len(page.rows)  # (without counting, every posting up to the page's end is fetched)


@pytest.mark.parametrize("query", [
    {"location": "berlin", "page": "4"}, {"location": "york, ny", "page": "3", "per_page": "7", "status": "any"},
    {"location": "Remote", "page": "5", "status": "any"}, {"location": "erlin", "page": "6", "per_page": "9"},
    {"location": "berlin", "page": "3", "per_page": "10", "status": "closed"}, {"location": "BERLIN"},
    {"location": "remote", "posted": "30", "page": "2", "per_page": "1"}, {"location": "ny", "page": "2"},
    {"location": "nowhere"}], ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()))
def test_location_pages_are_placed_by_the_cached_dates_per_location(list_db: Database, queries: WebQueries,
                                                                     query: dict[str, str]) -> None:
    """The date index also holds the dates per status and location: a location page (alone, or with status and
    "posted within") reads one band of search documents that holds it, its total is exact, and a deep page reads
    far fewer search documents than the rows it skips."""
    params = ListParams.parse(query)
    page = queries.job_list(params)
    assert [row["job_id"] for row in page.rows] == reference(list_db, params)
    count = list_db["jobs"].count_documents(params.mongo_filter(NOW))
    assert page.total == count
    promoted = list_db["jobs"].count_documents({"promotion.until": {"$gt": NOW}})
    skip = (params.page - 1) * params.per_page
    deep = skip - promoted >= MIN_SKIP  # (a shallow page reads the rows before it: its first band holds them)
    if len(params.location) >= 3:  # (a shorter text has no gram to look up: the list's bands, the same total)
        assert page.scanned <= promoted + (0 if deep else skip) + 2 * params.per_page + 2  # promotions, a page


def test_dates_per_location_are_case_folded_by_status_with_undated_counted() -> None:
    from crawlerats.web.paging import build_date_index

    day = NOW - timedelta(days=3)
    rows = [(("open",), day, "Berlin, Germany"), (("open",), day - timedelta(days=1), "berlin"),
            (("closed",), day, "BERLIN"), (("open",), None, "Berlin"), (("open",), day, None), (("open",), day, 7)]
    index = build_date_index(("status",), rows, status_at=0)
    assert index.at_place("berlin", "open") == ([day - timedelta(days=1), day], 1)
    assert index.at_place("berlin", "any") == ([day - timedelta(days=1), day, day], 1)
    assert index.at_place("germany", "closed") == ([], 0)
    assert index.at_place("", "open") == ([day - timedelta(days=1), day, day, day], 1)  # any location, none too
    assert index.matching({"status": "open"}) == [day - timedelta(days=1), day, day, day]  # as before


def test_dates_per_location_memo_stays_within_its_budget(monkeypatch: pytest.MonkeyPatch) -> None:
    from crawlerats.web.paging import build_date_index

    monkeypatch.setattr("crawlerats.web.paging.PLACE_MEMO_DATES", 3)
    rows = [(("open",), NOW - timedelta(days=n), place) for n, place in enumerate(["Berlin", "Bern", "Paris"] * 2)]
    index = build_date_index(("status",), rows, status_at=0)
    assert len(index.at_place("ber", "open")[0]) == 4  # (over the budget alone: kept until the next one)
    assert len(index.at_place("paris", "open")[0]) == 2 and len(index.at_place("bern", "any")[0]) == 2
    assert list(index._at_place) == [("bern", "any")]  # the memo started afresh at each one over the budget


@pytest.mark.parametrize("query", [{"q": "data"}, {"q": "company c sales", "status": "any"},
                                   {"location": "berlin", "q": "lead", "page": "2", "per_page": "5"}],
                         ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()))
def test_a_search_starts_at_the_match_rate_it_ended_with_last_time(
        monkeypatch: pytest.MonkeyPatch, list_db: Database, query: dict[str, str]) -> None:
    """The "newest" search remembers the match rate it ended with: the next request of the same search cuts its
    first date range at that rate (fewer ranges), with the same rows."""
    from crawlerats.web.search import DatePlan

    monkeypatch.setenv("CRAWLERATS_NOW", NOW.isoformat())
    monkeypatch.setattr(DatePlan, "FIRST_PER_MATCH", 1)  # without a rate: a small first range, then more
    hints: list[float | None] = []
    ranges: list[int] = []
    plan_ranges = DatePlan.ranges

    def recorded(self: DatePlan):  # noqa: ANN202 - a generator of ranges
        hints.append(self.hint)
        for rng in plan_ranges(self):
            ranges.append(len(hints))
            yield rng

    monkeypatch.setattr(DatePlan, "ranges", recorded)
    queries = WebQueries(list_db, cache_seconds=3600)
    queries.facets(wait=True)
    while queries.date_index() is None:  # computed in the background
        pass
    params = ListParams.parse(query)
    for _ in range(2):
        assert [row["job_id"] for row in queries.job_list(params).rows] == reference(list_db, params)
    assert hints[0] is None and hints[1] is not None and 0 < hints[1] <= 1
    assert ranges.count(2) < ranges.count(1)


def test_a_band_far_larger_than_the_page_fetches_its_newest_rows_first(
        monkeypatch: pytest.MonkeyPatch, list_db: Database, queries: WebQueries) -> None:
    """A date range holding many more matches than the page still needs fetches the postings of its newest
    search documents first, and the older ones only if the list reads on."""
    from crawlerats.web.search import DatePlan

    monkeypatch.setattr(DatePlan, "FIRST_PER_MATCH", 40)  # one range holds far more than a page
    fetched = count_fetches(monkeypatch)
    for query in ({"q": "data", "per_page": "5"}, {"q": "data", "per_page": "10", "page": "3", "status": "any"}):
        fetched.clear()
        params = ListParams.parse(query)
        page = queries.job_list(params)
        assert [row["job_id"] for row in page.rows] == reference(list_db, params)
        wanted = params.page * params.per_page + 1
        matching = list_db["jobs"].count_documents(params.mongo_filter(NOW))
        assert matching > 3 * wanted and sum(fetched) <= 2 * wanted


def test_text_search_reads_the_search_index(list_db: Database, queries: WebQueries) -> None:
    promoted = list_db["jobs"].count_documents({"promotion.until": {"$gt": NOW}})
    assert queries.job_list(ListParams(q="zzz")).scanned == promoted  # nothing but the promotions read
    assert queries.job_list(ListParams(location="nowhere")).scanned == promoted
    berlin = list_db["job_search"].count_documents({"grams": "l:ber", "status": "open"})
    assert 0 < queries.job_list(ListParams(location="berlin", deep=True)).scanned <= promoted + berlin
    plan = list_db.command("explain", {"find": "job_search", "filter": {
        "grams": "dat", "status": "open", "posted": {"$gte": NOW}}})["queryPlanner"]["winningPlan"]
    assert plan["inputStage"]["stage"] == "IXSCAN" and plan["inputStage"]["indexName"] == SEARCH_INDEX
    data = queries.job_list(ListParams(q="data", status="any", per_page=100, page=2))
    assert data.total == queries.job_list(ListParams(q="data", status="any", sort="ghost")).total
    stored = sum(1 for d in list_db["jobs"].find({}, {"title": 1}) if "data" in d["title"].casefold())
    assert data.total == stored and data.scanned < 400  # only candidates read, every band of them


def test_promotions_lead_every_sort(list_db: Database, queries: WebQueries) -> None:
    promoted = {d["job_id"] for d in list_db["jobs"].find({"promotion.until": {"$gt": NOW}, "status": "open"})}
    assert promoted  # the fixture has active promotions
    for sort in ("newest", "ghost", "low", "salary"):
        rows = queries.job_list(ListParams(sort=sort)).rows
        assert {r["job_id"] for r in rows[: len(promoted)]} == promoted, sort


def test_bands_are_index_shaped_and_disjoint(list_db: Database) -> None:
    for params in [ListParams(), ListParams(sort="ghost"), ListParams(sort="low"), ListParams(sort="salary"),
                   ListParams(sort="salary", status="any"), ListParams(sort="salary", status="closed", min_salary=80000),
                   ListParams(risk="high"), ListParams(risk="low", sort="ghost"), ListParams(risk="low", sort="low"),
                   ListParams(q="data", ats="lever", status="any"), ListParams(posted="7")]:
        bands = list(candidate_bands(params, NOW, NOW))
        seen: dict[object, int] = {}
        for band in bands:
            for flt in band.queries:
                ranges = [k for k, v in flt.items() if isinstance(v, dict)]
                assert len(ranges) <= 1 and not {"title", "location", "ats", "$or", "$and"} & set(flt)
                plan = list_db.command("explain", {"find": "jobs", "filter": flt})["queryPlanner"]["winningPlan"]
                assert plan.get("inputStage", {}).get("stage") == "IXSCAN", (flt, plan)
            ids = {d["_id"] for flt in band.queries for d in list_db["jobs"].find(flt, {"_id": 1, "salary": 1,
                                                                                       "promotion": 1})
                   if band.keep is None or band.keep(d)}
            for _id in ids:
                seen[_id] = seen.get(_id, 0) + 1
        assert all(n == 1 for n in seen.values()), params  # disjoint
        matching = {d["_id"] for d in list_db["jobs"].find(params.mongo_filter(NOW), {"_id": 1})}
        assert matching <= set(seen), params  # complete: every posting the filters match is in a band
        if not (params.risk or params.posted or params.sort == "salary"):  # salary bands: one status
            assert len(seen) == list_db["jobs"].count_documents({}), params


@pytest.mark.parametrize("query", [{"q": "data", "sort": "ghost"}, {"q": "sales", "sort": "low", "status": "any"},
                                   {"q": "data", "sort": "salary", "page": "2", "per_page": "10"}],
                         ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()))
def test_a_word_too_common_to_search_is_remembered_and_sizes_the_bands(
        monkeypatch: pytest.MonkeyPatch, list_db: Database, query: dict[str, str]) -> None:
    """A sorted search gives up on a word too common for the search index once: later requests read at once the
    search documents of its trigram in bands of the sort key (`search_grams_status_score` / `_pay`), sized by the
    match rate it estimated; without those indexes, the list's own bands, sized the same way. Same rows as the
    plain query every time."""
    from crawlerats.web.search import TextSearch

    monkeypatch.setenv("CRAWLERATS_NOW", NOW.isoformat())
    monkeypatch.setattr("crawlerats.web.search.SORTED_SEARCH_BUDGET", 10)  # "data" and "sales" are too common
    params = ListParams.parse(query)
    searched: list[str] = []
    all_matches = TextSearch.all_matches

    def recorded(self: TextSearch, gram: str, *args: object, **kwargs: object) -> object:
        searched.append(gram)
        return all_matches(self, gram, *args, **kwargs)

    reads: list[tuple[str, object]] = []
    find = Collection.find

    def counted(self: Collection, *args: object, **kwargs: object) -> object:
        reads.append((self.name, next(iter((args[0] if args else kwargs.get("filter")) or {}), None)))
        return find(self, *args, **kwargs)

    def second_reads() -> list[tuple[str, object]]:
        """The reads of the second of two requests (cached counts ready, as in a running app)."""
        queries = WebQueries(list_db, cache_seconds=3600)
        queries.facets(wait=True)
        while queries.date_index() is None or queries.salary_histogram() is None:  # computed in the background
            pass
        searched.clear()
        assert [row["job_id"] for row in queries.job_list(params).rows] == reference(list_db, params)
        reads.clear()
        assert [row["job_id"] for row in queries.job_list(params).rows] == reference(list_db, params)
        assert len(searched) == 1  # given up once, then remembered
        return list(reads)

    monkeypatch.setattr(TextSearch, "all_matches", recorded)
    monkeypatch.setattr(Collection, "find", counted)
    banded = second_reads()
    key = "pay" if params.sort == "salary" else "score"
    assert any(name == "job_search" and read == "grams" for name, read in banded)
    plans = [list_db.command("explain", {"find": "job_search", "filter": {"grams": "dat", "status": "open",
                                                                          key: condition}})
             for condition in ({"$gte": 50}, {"$gte": 10, "$lt": 20})]
    index = PAY_INDEX if key == "pay" else SCORE_INDEX
    assert all(plan["queryPlanner"]["winningPlan"]["inputStage"]["indexName"] == index for plan in plans)
    monkeypatch.setattr(WebQueries, "sort_ready", lambda self: False)  # before the sort-key indexes exist
    listed = second_reads()
    assert not any(name == "job_search" for name, _ in listed)
    monkeypatch.setattr(WebQueries, "_match_rate", lambda *args: 1.0)  # bands sized for a page of postings
    assert len(listed) < len(second_reads())


def test_scan_budget_stops_a_rare_search_and_offers_all(monkeypatch: pytest.MonkeyPatch, list_db: Database,
                                                         queries: WebQueries) -> None:
    monkeypatch.setattr("crawlerats.web.queries.SCAN_BUDGET", 50)
    # A word too common for the search index's limits (tested below) reads the search documents in bands of the
    # sort key, up to the budget,
    monkeypatch.setattr("crawlerats.web.search.SORTED_SEARCH_BUDGET", 0)
    for budget in (1, 50):  # (1: no band after the active promotions)
        monkeypatch.setattr("crawlerats.web.queries.SCAN_BUDGET", budget)
        banded = queries.job_list(ListParams.parse({"q": "data", "sort": "ghost", "page": "5"}))
        assert banded.partial and banded.total is None and budget <= banded.scanned < 400
        assert [r["job_id"] for r in banded.rows] == reference(list_db, banded.params)[:len(banded.rows)]
    monkeypatch.setattr("crawlerats.web.queries.SCAN_BUDGET", 50)
    # ... or, before the sort-key indexes exist, the list's bands, up to the budget.
    monkeypatch.setattr(WebQueries, "sort_ready", lambda self: False)
    partial = queries.job_list(ListParams.parse({"q": "c++ (senior", "status": "closed", "sort": "ghost"}))
    assert partial.partial and partial.total is None and 50 <= partial.scanned < 400
    assert [r["job_id"] for r in partial.rows] == reference(list_db, partial.params)[:len(partial.rows)]
    full = queries.job_list(ListParams.parse({"q": "c++ (senior", "status": "closed", "sort": "ghost", "deep": "1"}))
    assert not full.partial and full.scanned >= 400  # every posting (active promotions are read twice)
    assert [r["job_id"] for r in full.rows] == reference(list_db, full.params)
    assert full.total == list_db["jobs"].count_documents(full.params.mongo_filter(NOW))
    assert full.params.as_query_string() == {"q": "c++ (senior", "status": "closed", "sort": "ghost", "deep": "1"}


SCORE_QUERIES = [q for q in QUERIES if q.get("sort") in ("ghost", "low")] + [
    {"sort": "ghost", "risk": "high", "page": "2"}, {"sort": "low", "posted": "30", "status": "any"}]


@pytest.mark.parametrize("query", SCORE_QUERIES, ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()))
def test_score_sorts_banded_by_counts_equal_plain_query(monkeypatch: pytest.MonkeyPatch, list_db: Database,
                                                         queries: WebQueries, query: dict[str, str]) -> None:
    """With the per-score counts as a hint, crowded scores are read in posted-date sub-bands: same rows."""
    monkeypatch.setattr("crawlerats.web.queries.CROWDED_SCORE", 2)
    params = ListParams.parse({**query, "deep": "1"})
    hint = queries.score_counts(params)
    assert hint and max(hint.values()) > 2  # some scores are crowded, so sub-bands are used
    page = queries.job_list(params)
    assert [row["job_id"] for row in page.rows] == reference(list_db, params)


def test_score_bands_from_stale_counts_are_index_shaped_disjoint_and_complete(
        monkeypatch: pytest.MonkeyPatch, list_db: Database) -> None:
    monkeypatch.setattr("crawlerats.web.queries.CROWDED_SCORE", 3)
    stale = {score: 10 if score % 3 else 0 for score in range(0, 101)}  # a hint that matches nothing stored
    explained: set[tuple] = set()
    for params in [ListParams(sort="ghost"), ListParams(sort="low"), ListParams(risk="high", sort="ghost")]:
        bands = list(candidate_bands(params, NOW, NOW, scores=stale))
        assert any(set(flt) >= {"health.ghost_score", "first_seen"} for band in bands for flt in band.queries)
        seen: dict[object, int] = {}
        for band in bands:
            for flt in band.queries:
                ranges = [k for k, v in flt.items() if isinstance(v, dict)]
                assert len(ranges) <= 1 and (not ranges or list(flt)[-1] == ranges[0])  # range on the last key
                # explained once per query shape (fields, operators, value types: what the planner chooses by,
                # as mongod's plan cache keys it); 101 scores give a few shapes and hundreds of filters
                shape = tuple((k, tuple(v) if isinstance(v, dict) else type(v).__name__) for k, v in flt.items())
                if shape not in explained:
                    plan = list_db.command("explain", {"find": "jobs", "filter": flt})["queryPlanner"]["winningPlan"]
                    assert plan.get("inputStage", {}).get("stage") == "IXSCAN", (flt, plan)
                    explained.add(shape)
                for doc in list_db["jobs"].find(flt, {"_id": 1, "promotion": 1}):
                    if band.keep is None or band.keep(doc):
                        seen[doc["_id"]] = seen.get(doc["_id"], 0) + 1
        assert all(n == 1 for n in seen.values()), params  # disjoint
        if not params.risk:  # complete (active promotions come from their own first band)
            assert len(seen) == list_db["jobs"].count_documents({}), params


def test_a_common_word_under_a_score_sort_is_given_up_early(monkeypatch: pytest.MonkeyPatch, list_db: Database,
                                                             queries: WebQueries) -> None:
    """A sorted search first reads every search document of its word; once the newest bands cover
    `ESTIMATE_SHARE` of the postings and, scaled up, the word's documents exceed the budget, it stops there (the
    list's bands serve a common word) instead of reading the whole budget first. Same rows either way."""
    from crawlerats.web import search

    monkeypatch.setattr(search, "SORTED_SEARCH_BUDGET", 60)
    read: list[int] = []

    class Counting:
        def __init__(self, collection: object) -> None:
            self.collection = collection

        def find(self, *args: object, **kwargs: object) -> list:
            rows = list(self.collection.find(*args, **kwargs))  # type: ignore[attr-defined]
            read.append(len(rows))
            return rows

    made = search.TextSearch.__init__

    def counted(self: search.TextSearch, *args: object, **kwargs: object) -> None:
        made(self, *args, **kwargs)  # type: ignore[arg-type]
        self.search = Counting(self.search)  # type: ignore[assignment]

    monkeypatch.setattr(search.TextSearch, "__init__", counted)
    params = ListParams(q="data", sort="ghost", status="any")
    matching = list_db["job_search"].count_documents({"grams": "dat"})
    assert matching > 60  # more than the budget: given up
    page = queries.job_list(params)
    assert [row["job_id"] for row in page.rows] == reference(list_db, params)
    assert 0 < sum(read) < 60  # stopped on the estimate, before the budget

    # The same on the matching documents: within the document budget, but more matches than can be fetched.
    monkeypatch.setattr(search, "SORTED_SEARCH_BUDGET", 10_000)
    monkeypatch.setattr(search, "SORTED_MATCHES_LIMIT", 20)
    read.clear()
    params = ListParams(q="data engineer", sort="low", status="any")
    assert list_db["jobs"].count_documents(params.mongo_filter(NOW)) > 20
    page = queries.job_list(params)
    assert [row["job_id"] for row in page.rows] == reference(list_db, params)
    driver = list_db["job_search"].count_documents({"grams": search.driver_gram(["data", "engineer"])[1]})
    assert 0 < sum(read) < driver  # stopped on the matches (estimated or read), before every document of the word


#: Sorted searches read through the sort-key indexes of `job_search` (every word given up on as too common).
SORTED_SEARCHES = [q for q in SEARCHES if q.get("sort", "newest") != "newest"] + [
    {"q": "data", "sort": "ghost", "page": "3"}, {"q": "data", "sort": "low", "status": "any", "page": "2"},
    {"q": "data", "sort": "salary", "page": "4", "per_page": "10"}, {"q": "staff data", "sort": "salary"},
    {"q": "data", "sort": "salary", "min_salary": "60000", "status": "any"},
    {"q": "sales", "sort": "salary", "salary": "known", "status": "closed"},
    {"q": "lead", "sort": "ghost", "risk": "high"}, {"q": "data", "sort": "ghost", "posted": "30"},
    {"location": "berlin", "sort": "low"}, {"q": "company", "sort": "salary", "page": "9"},
    {"q": "agent", "sort": "low", "page": "2", "per_page": "5", "status": "closed"},
]


@pytest.mark.parametrize("hinted", [True, False], ids=["hinted", "no-hint"])
@pytest.mark.parametrize("query", SORTED_SEARCHES, ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()))
def test_sorted_search_in_sort_key_bands_equals_plain_query(monkeypatch: pytest.MonkeyPatch, list_db: Database,
                                                            query: dict[str, str], hinted: bool) -> None:
    """A word too common to read every match first is read in bands of the search documents' `score` or `pay`
    (sized by the cached per-score counts and salary histogram when ready, fixed bands before): the same rows and
    total as the plain query, active promotions first."""
    from crawlerats.web.search import TextSearch

    monkeypatch.setenv("CRAWLERATS_NOW", NOW.isoformat())
    monkeypatch.setattr("crawlerats.web.search.SORTED_SEARCH_BUDGET", 0)
    keys: list[str] = []
    sorted_bands = TextSearch.sorted_bands

    def recorded(self: TextSearch, gram: str, key: str, *args: object, **kwargs: object) -> object:
        keys.append(key)
        return sorted_bands(self, gram, key, *args, **kwargs)

    monkeypatch.setattr(TextSearch, "sorted_bands", recorded)
    queries = WebQueries(list_db, cache_seconds=3600)
    if hinted:
        queries.facets(wait=True)
        while queries.salary_histogram() is None:  # computed in the background
            pass
    else:  # the hints are still being computed
        monkeypatch.setattr(WebQueries, "score_counts", lambda self, params: None)
        monkeypatch.setattr(WebQueries, "salary_histogram", lambda self: None)
    params = ListParams.parse({**query, "deep": "1"})
    page = queries.job_list(params)
    assert keys == ["pay" if params.sort == "salary" else "score"]
    assert [row["job_id"] for row in page.rows] == reference(list_db, params)
    total = list_db["jobs"].count_documents(params.mongo_filter(NOW))
    assert page.total in (None, total) and (page.total is not None or page.has_next)


def test_sort_key_ranges_are_disjoint_and_complete() -> None:
    from crawlerats.web.search import pay_ranges, score_ranges, within

    values = [None, -5, 0, 0.5, 1, 9.99, 10, 42, 55, 99, 100, 100.5, 1e9]
    counts = {0: 3, 10: 40, 42: 1, 55: 7, 99: 2, 100: 30}
    for hint in (counts, None, {}):
        for ascending in (True, False):
            for first in (1, 5, 26, 10_000):
                conditions = score_ranges(hint, ascending, first)
                assert conditions[-1] is None
                held = [[v for v in values if within(v, c)] for c in conditions]
                assert sorted(map(str, sum(held, []))) == sorted(map(str, values))  # each value in one band
                flat = [v for band in held[:-1] for v in band]
                assert all(a <= b if ascending else a >= b for a, b in itertools.pairwise(
                    [min(b) if ascending else max(b) for b in held[:-1] if b]))
                assert len(flat) == len(values) - 1
    crowded = {score: 1670 for score in range(10, 25)}  # one score holds most of what the page needs
    assert score_ranges(crowded, True, 1990)[:2] == [{"$lt": 12}, {"$gte": 12, "$lt": 15}]
    assert score_ranges(crowded, False, 1990)[:2] == [{"$gte": 23}, {"$gte": 20, "$lt": 23}]
    assert score_ranges(crowded, False, 1000)[0] == {"$gte": 24}
    pay = {30_000.0: 5, 80_000.0: 12, 150_000.0: 2, 400_000.0: 1}
    for hint in (pay, None):
        for minimum in (0, 80_000):
            conditions = pay_ranges(hint, minimum, 3)
            amounts = [1.0, 29_999.0, 30_000.0, 79_999.0, 80_000.0, 150_000.0, 1e7]
            for amount in amounts:
                assert sum(within(amount, c) for c in conditions) == (1 if amount >= max(minimum, 1) else 0), amount
            assert not any(within(None, c) or within(0, c) for c in conditions)


@pytest.mark.parametrize("query", [{"q": "data", "sort": "ghost"}, {"q": "data", "sort": "low", "status": "any"},
                                   {"q": "data", "sort": "salary", "page": "2", "per_page": "10"},
                                   {"q": "data", "sort": "ghost", "posted": "30"}, {"q": "a", "sort": "low"},
                                   {"q": "company", "sort": "ghost", "page": "3", "per_page": "20"}],
                         ids=lambda q: "&".join(f"{k}={v}" for k, v in q.items()))
def test_a_sort_key_band_far_larger_than_the_page_fetches_its_best_rows_first(
        monkeypatch: pytest.MonkeyPatch, list_db: Database, queries: WebQueries, query: dict[str, str]) -> None:
    """One band holding every score (or salary): its postings are fetched best first (by the search documents'
    key, then newest posted), the rest only when the page needs them; the same rows as the plain query."""
    monkeypatch.setattr("crawlerats.web.search.SORTED_SEARCH_BUDGET", 0)
    monkeypatch.setattr("crawlerats.web.queries.score_ranges", lambda *args: [{"$type": "number"}, None])
    monkeypatch.setattr("crawlerats.web.queries.pay_ranges", lambda *args: [{"$gt": 0}])
    fetched = count_fetches(monkeypatch)
    params = ListParams.parse(query)
    page = queries.job_list(params)
    assert [row["job_id"] for row in page.rows] == reference(list_db, params)
    if params.q != "a":  # (a one-letter word is not searched through `job_search`)
        statuses = ["open", "closed"] if params.status == "any" else [params.status]
        survivors = [d for d in list_db["job_search"].find({"status": {"$in": statuses}})
                     if all(word in d["text"] for word in params.q.casefold().split())]
        assert params.page * params.per_page < fetched[0] < len(survivors) / 2 and sum(fetched) <= len(survivors)
