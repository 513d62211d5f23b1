"""Indexes the web views need on `jobs` (bands of the job list, job-page links); registered on import.

The list's "ghost score" bands use the scoring stage's `health_ghost_score` index and the job page's
duplicate-group lookup uses the dedup stage's `dedup_duplicate_group`; their modules are imported here so
`crawlerats web` creates them too. Title and location search are case-insensitive regexes applied to a
band of candidates, so no index serves them (SecantusDB has no `$text`, and an unanchored regex cannot
use an index range).
"""

from __future__ import annotations

from pymongo import ASCENDING, DESCENDING, IndexModel

import crawlerats.dedup.engine  # noqa: F401 - registers dedup_duplicate_group (ats, company, duplicate_group)
import crawlerats.scoring.indexes  # noqa: F401 - registers health_ghost_score and status_health_risk
from crawlerats.db.indexes import register_indexes

WEB_INDEXES: list[IndexModel] = [
    # "Newest" bands: anchor - 2N days <= first_seen < anchor - N days.
    IndexModel([("first_seen", DESCENDING)], name="web_first_seen"),
    # Risk filter with "newest" bands: health.risk == r and a first_seen band.
    IndexModel([("health.risk", ASCENDING), ("first_seen", DESCENDING)], name="web_risk"),
    # Company filter across ATSs.
    IndexModel([("company", ASCENDING), ("first_seen", DESCENDING)], name="web_company"),
    # Job page: the postings that repost this one.
    IndexModel([("repost_of.job_id", ASCENDING), ("repost_of.company", ASCENDING)], name="web_repost_of"),
]

register_indexes("jobs", WEB_INDEXES)
