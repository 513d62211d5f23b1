"""Count a crawl's database round-trips and documents written, from pymongo's command monitoring.

Every command the crawl's client sends (reads, `getMore`s, writes, index checks) is one round-trip; the
documents written are what the server reports inserted, modified, upserted or deleted, per collection.
These carry over to a real MongoDB deployment, where the server's CPU per command differs from the
embedded one's. Stats: `crawlerats/db/round_trips`, `crawlerats/db/documents_written` and
`crawlerats/db/documents_written/<collection>`.
"""

from __future__ import annotations

import threading
from typing import Any

from pymongo import monitoring

_WRITES = frozenset({"insert", "update", "delete", "findAndModify"})


def documents_written(command: str, reply: dict[str, Any]) -> int:
    """Documents a successful write command changed, as its reply reports."""
    if command == "update":
        return int(reply.get("nModified", 0)) + len(reply.get("upserted") or ())
    if command == "findAndModify":
        last = reply.get("lastErrorObject") or {}
        return 1 if last.get("updatedExisting") or last.get("upserted") or last.get("n") else 0
    return int(reply.get("n", 0))


class CommandCounter(monitoring.CommandListener):
    """Adds each command of one client to `stats` (a Scrapy stats collector); callbacks run in any thread."""

    def __init__(self, stats: Any) -> None:
        self.stats = stats
        self._lock = threading.Lock()
        self._collections: dict[int, str] = {}

    def started(self, event: monitoring.CommandStartedEvent) -> None:
        with self._lock:
            self.stats.inc_value("crawlerats/db/round_trips")
            if event.command_name in _WRITES:
                self._collections[event.request_id] = str(event.command.get(event.command_name))

    def succeeded(self, event: monitoring.CommandSucceededEvent) -> None:
        if event.command_name not in _WRITES:
            return
        written = documents_written(event.command_name, event.reply)
        with self._lock:
            collection = self._collections.pop(event.request_id, "?")
            if written:
                self.stats.inc_value("crawlerats/db/documents_written", written)
                self.stats.inc_value(f"crawlerats/db/documents_written/{collection}", written)

    def failed(self, event: monitoring.CommandFailedEvent) -> None:
        with self._lock:
            self._collections.pop(event.request_id, None)
