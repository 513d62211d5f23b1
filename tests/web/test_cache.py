"""The stats cache: fresh values are reused, stale ones are served while one background refresh runs."""

from __future__ import annotations

import threading
import time

import pytest
from pymongo.database import Database

from crawlerats.web.queries import _TtlCache


def test_stale_value_served_while_refreshing() -> None:
    cache = _TtlCache(seconds=0.2)
    calls: list[int] = []
    release = threading.Event()

    def compute() -> int:
        calls.append(1)
        if len(calls) > 1:
            release.wait(5)
        return len(calls)

    assert cache.get(("k",), compute) == 1          # first use computes in the caller
    assert cache.get(("k",), compute) == 1 and len(calls) == 1  # fresh
    time.sleep(0.25)
    assert cache.get(("k",), compute) == 1          # stale: served at once, refresh started
    assert cache.get(("k",), compute) == 1 and len(calls) == 2  # one refresh at a time
    release.set()
    deadline = time.monotonic() + 5
    while cache.get(("k",), compute) != 2:
        assert time.monotonic() < deadline
        time.sleep(0.01)


def test_zero_seconds_always_recomputes() -> None:
    cache = _TtlCache(seconds=0)
    values = iter(range(10))
    assert [cache.get(("k",), lambda: next(values)) for _ in range(3)] == [0, 1, 2]


def test_get_nowait_never_waits_for_the_first_value() -> None:
    cache = _TtlCache(seconds=60)
    release = threading.Event()
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        release.wait(5)
        return 42

    assert cache.get_nowait(("k",), compute) is None  # computing in the background
    assert cache.get_nowait(("k",), compute) is None and len(calls) == 1  # one computation at a time
    release.set()
    deadline = time.monotonic() + 5
    while cache.get_nowait(("k",), compute) != 42:
        assert time.monotonic() < deadline
        time.sleep(0.01)
    assert len(calls) == 1
    assert _TtlCache(seconds=0).get_nowait(("k",), lambda: 7) == 7  # no cache: computed in the caller


def test_list_total_waits_for_no_aggregation(seeded_db) -> None:  # noqa: ANN001 - pymongo Database fixture
    """With caching on, the first list request does not wait for the facet counts: "at least N" until they are
    ready, then the exact total."""
    from crawlerats.web.queries import ListParams, WebQueries

    queries = WebQueries(seeded_db, cache_seconds=60)
    params = ListParams(per_page=2)
    first = queries.job_list(params)
    assert first.total is None and first.found == 3 and len(first.rows) == 2
    deadline = time.monotonic() + 10
    while queries.job_list(params).total != 8:
        assert time.monotonic() < deadline
        time.sleep(0.05)


def test_stats_page_never_waits_for_the_first_count(seeded_db) -> None:  # noqa: ANN001 - pymongo Database fixture
    from starlette.testclient import TestClient

    from crawlerats.web import create_app

    with TestClient(create_app(seeded_db, cache_seconds=60)) as client:
        first = client.get("/stats").text
        assert 'id="counting"' in first and "No open postings stored yet" not in first
        deadline = time.monotonic() + 10
        while 'id="counting"' in (html := client.get("/stats").text):
            assert time.monotonic() < deadline
            time.sleep(0.05)
        assert '<tr data-ats="lever">' in html


def test_active_promotions_are_read_once_per_few_seconds_and_expire_exactly(mongo_db: Database,
                                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    """`WebQueries.active_promotions`: one read serves the list pages of the next `PROMOTIONS_SECONDS` (counted
    on the wire); a promotion whose time is up is left out at once, from the cached read; `forget_promotions`
    and the end of those seconds read again; no cache (`cache_seconds=0`) reads every time."""
    from datetime import UTC, datetime, timedelta

    from pymongo import MongoClient, monitoring

    from crawlerats.web import queries as web_queries
    from crawlerats.web.queries import LIST_FIELDS, WebQueries

    class Finds(monitoring.CommandListener):
        count = 0

        def started(self, event: monitoring.CommandStartedEvent) -> None:
            if event.command_name == "find" and "promotion.until" in str(event.command.get("filter")):
                Finds.count += 1

        def succeeded(self, event: object) -> None: ...

        def failed(self, event: object) -> None: ...

    now = datetime(2026, 12, 1, 12, tzinfo=UTC)
    mongo_db["jobs"].insert_many([
        {"ats": "lever", "company": "a", "job_id": "1", "title": "Soon over", "promotion": {"until": now + timedelta(minutes=1)}},
        {"ats": "lever", "company": "a", "job_id": "2", "title": "Plain"}])
    client = MongoClient(mongo_db.client.address[0], mongo_db.client.address[1], event_listeners=[Finds()],
                         tz_aware=True)
    try:
        queries = WebQueries(client[mongo_db.name], cache_seconds=60)
        assert [d["job_id"] for d in queries.active_promotions(LIST_FIELDS, now)] == ["1"] and Finds.count == 1
        rows = queries.active_promotions(LIST_FIELDS, now)
        rows[0]["title"] = "changed by a caller"
        assert [d["title"] for d in queries.active_promotions(LIST_FIELDS, now)] == ["Soon over"]
        assert queries.active_promotions(LIST_FIELDS, now + timedelta(minutes=2)) == [] and Finds.count == 1
        mongo_db["jobs"].update_one({"job_id": "2"}, {"$set": {"promotion": {"until": now + timedelta(days=30)}}})
        queries.forget_promotions()
        assert sorted(d["job_id"] for d in queries.active_promotions(LIST_FIELDS, now)) == ["1", "2"]
        assert Finds.count == 2
        monkeypatch.setattr(web_queries, "PROMOTIONS_SECONDS", 0.05)
        short = WebQueries(client[mongo_db.name], cache_seconds=60)
        short.active_promotions(LIST_FIELDS, now)
        time.sleep(0.1)
        mongo_db["jobs"].update_one({"job_id": "1"}, {"$unset": {"promotion": ""}})
        assert [d["job_id"] for d in short.active_promotions(LIST_FIELDS, now)] == ["2"]  # read again, not stale
        assert Finds.count == 4
        uncached = WebQueries(client[mongo_db.name], cache_seconds=0)
        for _ in range(2):
            uncached.active_promotions(LIST_FIELDS, now)
        assert Finds.count == 6
    finally:
        client.close()


def test_clear_drops_a_value_computed_before_it() -> None:
    cache = _TtlCache(seconds=60)
    started, release = threading.Event(), threading.Event()

    def slow() -> str:
        started.set()
        release.wait(5)
        return "old"

    worker = threading.Thread(target=lambda: cache.get(("k",), slow))
    worker.start()
    assert started.wait(5)
    cache.clear()  # (what was read before the change must not be kept)
    release.set()
    worker.join(5)
    assert cache.get(("k",), lambda: "new") == "new"
