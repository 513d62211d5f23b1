"""Index definitions for every collection, created idempotently at start."""

from __future__ import annotations

from pymongo import ASCENDING, DESCENDING, IndexModel
from pymongo.database import Database

INDEXES: dict[str, list[IndexModel]] = {
    "jobs": [
        IndexModel([("ats", ASCENDING), ("company", ASCENDING), ("job_id", ASCENDING)],
                   unique=True, name="ats_company_job_id"),
        IndexModel([("status", ASCENDING), ("last_seen", DESCENDING)], name="status_last_seen"),
        IndexModel([("ats", ASCENDING), ("company", ASCENDING), ("status", ASCENDING)], name="company_status"),
        IndexModel([("posted_at", DESCENDING)], name="posted_at"),
    ],
}


def register_indexes(collection: str, indexes: list[IndexModel]) -> None:
    """Let a feature module add the indexes its queries need (dedup keys, health, boards, crawls)."""
    known = {idx.document["name"] for idx in INDEXES.setdefault(collection, [])}
    INDEXES[collection].extend(idx for idx in indexes if idx.document["name"] not in known)


def ensure_indexes(db: Database) -> None:
    """Create every registered index (no-op for ones that exist)."""
    for collection, indexes in INDEXES.items():
        if indexes:
            db[collection].create_indexes(indexes)
