"""The `job_events` history: opened, changed, closed, reopened, reposted, written idempotently.

Each event's `_id` is derived from the posting key and the state transition it records (not from the
clock), so a re-run, a replay or two concurrent crawls making the same transition write one event.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.collection import Collection
from pymongo.errors import BulkWriteError

EVENT_TYPES = ("opened", "changed", "closed", "reopened", "reposted")
COLLECTION = "job_events"


def event_id(ats: str, company: str, job_id: str, type_: str, *transition: Any) -> str:
    raw = "\x1f".join(str(p) for p in (ats, company, job_id, type_, *transition))
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()


def make_event(key: tuple[str, str, str], type_: str, at: datetime, crawl_id: str | None,
               transition: tuple[Any, ...] = (), details: dict[str, Any] | None = None) -> dict[str, Any]:
    """An event document; `transition` names the state change and makes the id deterministic."""
    ats, company, job_id = key
    return {"_id": event_id(ats, company, job_id, type_, *transition), "ats": ats, "company": company,
            "job_id": job_id, "type": type_, "at": at, "crawl_id": crawl_id, "details": details or {}}


def write_events(collection: Collection, events: list[dict[str, Any]]) -> int:
    """Insert events not already present; returns how many were new. Duplicate-key races are ignored."""
    if not events:
        return 0
    ops = [UpdateOne({"_id": e["_id"]}, {"$setOnInsert": {k: v for k, v in e.items() if k != "_id"}}, upsert=True)
           for e in events]
    try:
        return collection.bulk_write(ops, ordered=False).upserted_count
    except BulkWriteError as exc:  # another crawl inserted the same event between our check and insert
        errors = exc.details.get("writeErrors", [])
        if errors and all(e.get("code") == 11000 for e in errors):
            return int(exc.details.get("nUpserted", 0))
        raise
