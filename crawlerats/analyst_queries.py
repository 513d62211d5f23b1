"""The analyst cookbook: each query lives here once, is quoted verbatim in docs/analysts.md and run by a test.

Every function takes a pymongo `Database` (plus parameters) and returns plain documents. The queries use
only operators that behave the same on MongoDB and on the embedded SecantusDB (no `$text`, no
`"$array.field"` paths through arrays of sub-documents).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from pymongo.database import Database


def riskiest_companies(db: Database, limit: int = 10, min_open: int = 3) -> list[dict[str, Any]]:
    """Boards whose open postings look most like ghost jobs: mean ghost score, and how many are high risk."""
    pipeline = [
        {"$match": {"status": "open", "health.ghost_score": {"$type": "number"}}},
        {"$group": {
            "_id": {"ats": "$ats", "company": "$company"},
            "open_postings": {"$sum": 1},
            "mean_ghost_score": {"$avg": "$health.ghost_score"},
            "high_or_very_high": {"$sum": {"$cond": [{"$in": ["$health.risk", ["high", "very_high"]]}, 1, 0]}},
        }},
        {"$match": {"open_postings": {"$gte": min_open}}},
        {"$project": {"_id": 0, "ats": "$_id.ats", "company": "$_id.company", "open_postings": 1,
                      "high_or_very_high": 1, "mean_ghost_score": {"$round": ["$mean_ghost_score", 1]}}},
        {"$sort": {"mean_ghost_score": -1, "open_postings": -1, "company": 1}},
        {"$limit": limit},
    ]
    return list(db["jobs"].aggregate(pipeline))


def reposts_last_30_days(db: Database, now: datetime) -> list[dict[str, Any]]:
    """Postings first seen in the last 30 days that repost an earlier posting of the same board."""
    since = now - timedelta(days=30)
    query = {"repost_of": {"$ne": None}, "first_seen": {"$gte": since}}
    fields = {"_id": 0, "ats": 1, "company": 1, "job_id": 1, "title": 1, "first_seen": 1,
              "repost_count": 1, "previous_job_id": "$repost_of.job_id"}
    return list(db["jobs"].find(query, fields).sort([("first_seen", -1), ("job_id", 1)]))


def open_over_90_days_by_department(db: Database, now: datetime) -> list[dict[str, Any]]:
    """Open postings live for more than 90 days (from the earlier of posted_at and first_seen), per department."""
    started = {"$min": ["$posted_at", "$first_seen"]}  # $min skips a null posted_at
    pipeline = [
        {"$match": {"status": "open"}},
        {"$match": {"$expr": {"$gt": [{"$dateDiff": {"startDate": started, "endDate": now, "unit": "day"}}, 90]}}},
        {"$group": {"_id": {"$ifNull": ["$department", "(none)"]}, "postings": {"$sum": 1}}},
        {"$project": {"_id": 0, "department": "$_id", "postings": 1}},
        {"$sort": {"postings": -1, "department": 1}},
    ]
    return list(db["jobs"].aggregate(pipeline))


def salary_disclosure_by_ats(db: Database) -> list[dict[str, Any]]:
    """Share of open postings with a parsed salary, per ATS."""
    pipeline = [
        {"$match": {"status": "open"}},
        {"$group": {
            "_id": "$ats",
            "postings": {"$sum": 1},
            "with_salary": {"$sum": {"$cond": [{"$eq": [{"$type": "$salary"}, "object"]}, 1, 0]}},
        }},
        {"$project": {"_id": 0, "ats": "$_id", "postings": 1, "with_salary": 1,
                      "disclosure_rate": {"$round": [{"$divide": ["$with_salary", "$postings"]}, 3]}}},
        {"$sort": {"disclosure_rate": -1, "ats": 1}},
    ]
    return list(db["jobs"].aggregate(pipeline))


def new_postings_per_day(db: Database, now: datetime, days: int = 30) -> list[dict[str, Any]]:
    """How many postings we first saw on each UTC day of the last `days` days (days with none are absent)."""
    pipeline = [
        {"$match": {"first_seen": {"$gte": now - timedelta(days=days), "$lte": now}}},
        {"$group": {"_id": {"$dateToString": {"format": "%Y-%m-%d", "date": "$first_seen"}},
                    "new_postings": {"$sum": 1}}},
        {"$project": {"_id": 0, "day": "$_id", "new_postings": 1}},
        {"$sort": {"day": 1}},
    ]
    return list(db["jobs"].aggregate(pipeline))


#: The cookbook, in the order docs/analysts.md presents it.
COOKBOOK = (riskiest_companies, reposts_last_30_days, open_over_90_days_by_department,
            salary_disclosure_by_ats, new_postings_per_day)
