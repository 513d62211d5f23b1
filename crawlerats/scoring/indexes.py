"""Indexes for health queries (riskiest open postings first, counts per risk level); registered at import."""

from __future__ import annotations

from pymongo import ASCENDING, DESCENDING, IndexModel

from crawlerats.db.indexes import register_indexes

HEALTH_INDEXES = [
    IndexModel([("status", ASCENDING), ("health.risk", ASCENDING), ("health.ghost_score", DESCENDING)],
               name="status_health_risk"),
    IndexModel([("health.ghost_score", DESCENDING)], name="health_ghost_score"),
]

register_indexes("jobs", HEALTH_INDEXES)
