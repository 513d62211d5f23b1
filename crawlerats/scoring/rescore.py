"""Recompute `health` of stored postings: every open one (so scores age even when nobody re-crawls a
board), or given ones (postings whose duplicate group the dedup stage changed after they were scored).

Closed postings are left alone: they keep the final score computed up to their `closed_at`. Each update is
guarded by the `last_seen` the document had when we read it, so a crawl that stores a newer sighting in the
meantime wins (its own scoring stage wrote a fresher `health`). The guard lives in the update pipeline and
the filter is `_id` alone, which SecantusDB serves by its `_id` point lookup (a filter naming `status` and
`last_seen` too missed it: 2.6 ms instead of 0.4 ms per update at 80,000 documents). A result equal to the
stored `health` but for `scored_at` is not written (docs/scoring.md, "When health is written"). Counts are of
documents whose `health` really changed. A changed ghost score is also written to the posting's search document
(its sort key, crawlerats/db/search_index.py), after the postings.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from typing import Any

from pymongo import UpdateOne
from pymongo.database import Database

from crawlerats.db.retry import no_retry
from crawlerats.db.search_index import SEARCH_COLLECTION, ghost_score, score_operations
from crawlerats.db.updates import board_clauses, conditional_set
from crawlerats.scoring.score import same_health, score_posting

logger = logging.getLogger(__name__)

#: Fields the signals read; descriptions in HTML are only fetched when the text twin is missing.
SCORING_FIELDS = (
    "title", "team", "status", "locations", "salary", "salary_raw", "description_text", "posted_at",
    "updated_at", "first_seen", "last_seen", "closed_at", "updated_seen_at", "repost_count",
    "earlier_postings", "duplicate_count", "health", "promotion",
)


#: What names a posting: the key its search document is found by.
KEY_FIELDS = ("ats", "company", "job_id")


def _rescored(doc: Mapping[str, Any], health: Mapping[str, Any], scores: list[tuple[tuple, Any]]) -> None:
    """Note a changed ghost score in `scores` (the search documents' sort key to write)."""
    score = ghost_score({"health": health})
    if score != ghost_score(doc) and all(isinstance(doc.get(k), str) for k in KEY_FIELDS):
        scores.append((tuple(doc[k] for k in KEY_FIELDS), score))


def health_update(doc: Mapping[str, Any], health: dict[str, Any]) -> UpdateOne:
    """Set `health` on the document read as `doc`, unless it closed or a crawl saw it again since."""
    still = {"$and": [{"$eq": ["$status", "open"]}, {"$eq": ["$last_seen", {"$literal": doc.get("last_seen")}]}]}
    return UpdateOne({"_id": doc["_id"]}, conditional_set({"health": health}, still))


def rescore_open(db: Database, now: datetime, config: Mapping[str, Any], batch: int = 500) -> int:
    """Rescore every open posting at `now`; returns how many documents were updated."""
    jobs = db["jobs"]
    projection = dict.fromkeys((*SCORING_FIELDS, *KEY_FIELDS), 1)
    updated = 0
    ops: list[UpdateOne] = []
    scores: list[tuple[tuple, Any]] = []

    def flush() -> int:
        if not ops:
            return 0
        result = jobs.bulk_write(ops, ordered=False)
        ops.clear()
        if scores:
            db[SEARCH_COLLECTION].bulk_write(score_operations(scores), ordered=False)
            scores.clear()
        return result.modified_count

    for doc in jobs.find({"status": "open"}, projection, batch_size=batch):
        if not doc.get("description_text"):
            extra = jobs.find_one({"_id": doc["_id"]}, {"description_html": 1}) or {}
            doc["description_html"] = extra.get("description_html")
        health = score_posting(doc, now, config)
        if not same_health(health, doc.get("health")):
            ops.append(health_update(doc, health))
            _rescored(doc, health, scores)
        if len(ops) >= batch:
            updated += flush()
    updated += flush()
    logger.info("Rescored %d open postings at %s (scoring %s)", updated, now.isoformat(), config["version"])
    return updated


def rescore_keys(db: Database, keys: Iterable[tuple[str, str, str]], now: datetime, config: Mapping[str, Any],
                 retry: Callable[[Callable[[], Any]], Any] = no_retry) -> int:
    """Rescore the open postings among `keys` (ats, company, job_id); returns how many were updated.

    One indexed query per board (`board_clauses`, the unique key), one bulk write in all.
    """
    jobs = db["jobs"]
    projection = {**dict.fromkeys((*SCORING_FIELDS, *KEY_FIELDS), 1), "description_html": 1}
    ops: list[UpdateOne] = []
    scores: list[tuple[tuple, Any]] = []
    for query in board_clauses(keys):
        for doc in retry(lambda q=query: list(jobs.find(q, projection))):
            if doc.get("status") == "open":
                health = score_posting(doc, now, config)
                if not same_health(health, doc.get("health")):
                    ops.append(health_update(doc, health))
                    _rescored(doc, health, scores)
    if not ops:
        return 0
    modified = int(retry(lambda: jobs.bulk_write(ops, ordered=False)).modified_count)
    if scores:
        retry(lambda: db[SEARCH_COLLECTION].bulk_write(score_operations(scores), ordered=False))
    return modified


def risk_counts(db: Database) -> dict[str, int]:
    """Open postings per risk level (for the CLI summary)."""
    counts: dict[str, int] = {}
    for row in db["jobs"].aggregate([{"$match": {"status": "open"}},
                                     {"$group": {"_id": "$health.risk", "n": {"$sum": 1}}}]):
        counts[str(row["_id"])] = int(row["n"])
    return counts
