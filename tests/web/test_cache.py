"""The stats cache: fresh values are reused, stale ones are served while one background refresh runs."""

from __future__ import annotations

import threading
import time

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
