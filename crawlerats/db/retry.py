"""Retry one blocking MongoDB call through transient faults: a lost connection, a stalled or restarting server.

Only `ConnectionFailure` (AutoReconnect, NetworkTimeout, ServerSelectionTimeoutError and the "operation
cancelled" pymongo raises when a failed heartbeat interrupts in-flight operations) is retried; any other
error is a real one and is raised at once. Callers retry only idempotent calls (reads, conditional sets,
upserts), so a call that reached the server before the fault can safely run again.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import TypeVar

from pymongo.errors import ConnectionFailure

logger = logging.getLogger(__name__)

T = TypeVar("T")

#: Attempts in all and the base of the exponential backoff (base * 2**(n-1) s before the n-th retry);
#: the crawl settings CRAWLERATS_WRITE_ATTEMPTS / CRAWLERATS_WRITE_BACKOFF override them.
ATTEMPTS = 5
BACKOFF = 1.0


class Retrying:
    """`retrying(call)` runs `call()` and retries it on `ConnectionFailure` with exponential backoff."""

    def __init__(self, what: str, attempts: int = ATTEMPTS, backoff: float = BACKOFF,
                 on_retry: Callable[[], None] | None = None) -> None:
        self.what = what
        self.attempts = max(1, attempts)
        self.backoff = backoff
        self.on_retry = on_retry

    def __call__(self, call: Callable[[], T]) -> T:
        for attempt in range(1, self.attempts):
            try:
                return call()
            except ConnectionFailure as exc:
                delay = self.backoff * 2 ** (attempt - 1)
                logger.warning("%s: MongoDB call failed (%s: %s); retry %d/%d in %.1f s", self.what,
                               exc.__class__.__name__, str(exc)[:200], attempt, self.attempts - 1, delay)
                if self.on_retry is not None:
                    self.on_retry()
                time.sleep(delay)
        return call()


def no_retry(call: Callable[[], T]) -> T:
    return call()
