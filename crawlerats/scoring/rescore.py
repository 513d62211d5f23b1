"""Recompute `health` for every open posting so scores age even when nobody re-crawls a board.

Closed postings are left alone: they keep the final score computed up to their `closed_at`. Each update is
guarded by the `last_seen` the document had when we read it, so a crawl that stores a newer sighting in the
meantime wins (its own scoring stage wrote a fresher `health`).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.database import Database

from crawlerats.scoring.score import score_posting

logger = logging.getLogger(__name__)

#: Fields the signals read; descriptions in HTML are only fetched when the text twin is missing.
SCORING_FIELDS = (
    "title", "team", "status", "locations", "salary", "salary_raw", "description_text", "posted_at",
    "updated_at", "first_seen", "last_seen", "closed_at", "updated_seen_at", "repost_count",
    "earlier_postings", "duplicate_count",
)


def rescore_open(db: Database, now: datetime, config: Mapping[str, Any], batch: int = 500) -> int:
    """Rescore every open posting at `now`; returns how many documents were updated."""
    jobs = db["jobs"]
    projection = dict.fromkeys(SCORING_FIELDS, 1)
    updated = 0
    ops: list[UpdateOne] = []

    def flush() -> int:
        if not ops:
            return 0
        result = jobs.bulk_write(ops, ordered=False)
        ops.clear()
        return result.matched_count

    for doc in jobs.find({"status": "open"}, projection, batch_size=batch):
        if not doc.get("description_text"):
            extra = jobs.find_one({"_id": doc["_id"]}, {"description_html": 1}) or {}
            doc["description_html"] = extra.get("description_html")
        health = score_posting(doc, now, config)
        ops.append(UpdateOne({"_id": doc["_id"], "status": "open", "last_seen": doc.get("last_seen")},
                             {"$set": {"health": health}}))
        if len(ops) >= batch:
            updated += flush()
    updated += flush()
    logger.info("Rescored %d open postings at %s (scoring %s)", updated, now.isoformat(), config["version"])
    return updated


def risk_counts(db: Database) -> dict[str, int]:
    """Open postings per risk level (for the CLI summary)."""
    counts: dict[str, int] = {}
    for row in db["jobs"].aggregate([{"$match": {"status": "open"}},
                                     {"$group": {"_id": "$health.risk", "n": {"$sum": 1}}}]):
        counts[str(row["_id"])] = int(row["n"])
    return counts
