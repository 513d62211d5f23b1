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

from crawlerats.db.updates import insert_expected_new

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
    """Insert the events not already present (insert-if-absent: one an earlier run or another crawl wrote stays);
    returns how many were new."""
    return insert_expected_new(collection, [UpdateOne({"_id": e["_id"]}, {"$setOnInsert": {
        k: v for k, v in e.items() if k != "_id"}}, upsert=True) for e in events])
