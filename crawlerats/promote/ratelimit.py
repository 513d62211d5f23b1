"""Rate limits persisted in MongoDB (the `limits` library's MongoDB storage, fixed windows), so they hold
across restarts and several web processes.

The storage reuses the app's own client and database (collections `rate_limits`, with a TTL index on
`expireAt` that the library creates). Fixed windows were checked against SecantusDB; the library's
sliding-window-counter strategy fails there (an internal server error on its update pipeline), so it is
not used.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

from limits import RateLimitItem, parse
from limits.storage import MongoDBStorage
from limits.strategies import FixedWindowRateLimiter
from pymongo import MongoClient
from pymongo.database import Database

COUNTERS = "rate_limits"
WINDOWS = "rate_limit_windows"


class _SharedClientStorage(MongoDBStorage):
    """MongoDBStorage on an existing pymongo client instead of one it opens from a URI."""

    def __init__(self, db: Database) -> None:
        self._shared_client = db.client
        super().__init__("mongodb://shared-client", database_name=db.name, counter_collection_name=COUNTERS,
                         window_collection_name=WINDOWS)

    def _init_mongo_client(self, uri: str | None, **options: int | str | bool) -> MongoClient:
        return self._shared_client

    def __del__(self) -> None:
        """The library closes its client when collected; this one belongs to the app."""


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    name: str = ""
    retry_after: int = 0
    #: The first refusal of this key in this window (only that one is written to the audit log, so a flood
    #: of refused requests cannot flood the log).
    first_refusal: bool = False


class RateLimits:
    """Named limits (`{"ip": "5/hour", ...}`); `hit(name, key)` counts one request and says if it may pass."""

    def __init__(self, db: Database, rates: dict[str, str]) -> None:
        self.items: dict[str, RateLimitItem] = {name: parse(rate) for name, rate in rates.items()}
        self.once: dict[str, RateLimitItem] = {
            name: type(item)(1, item.multiples, item.namespace) for name, item in self.items.items()}
        self.limiter = FixedWindowRateLimiter(_SharedClientStorage(db))

    def hit(self, name: str, key: str) -> Verdict:
        item = self.items[name]
        if self.limiter.hit(item, "promote", name, key):
            return Verdict(True, name)
        reset = self.limiter.get_window_stats(item, "promote", name, key).reset_time
        first = self.limiter.hit(self.once[name], "promote-refused", name, key)
        return Verdict(False, name, max(1, math.ceil(reset - time.time())), first)
