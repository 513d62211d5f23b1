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
