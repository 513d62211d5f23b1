"""Every index of the database in one list, each with the query it serves (docs/schema.md "Indexes").

`ensure_indexes(db)` creates the ones missing (one `listIndexes` per collection, `createIndexes` only for
what is not there), at every connection: a crawl, `crawlerats db`, the web app. An index costs on every write
of its collection (on SecantusDB every update rewrites every index entry of the document; on mongod, those
whose keys changed), so each one here names a query that needs it, and fields that change on every crawl
(`last_seen`, `crawl_id`) are in none.

Adding an index: append an `Index` to the list of its owner below (the web views' list and sort indexes go in
`WEB`), naming the query, and add its row to docs/schema.md (jobs) or docs/analysts.md (the others).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, UpdateOne
from pymongo.database import Database

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Index:
    """One index: its collection, name, keys and options, and the query it serves."""

    collection: str
    name: str
    keys: tuple[tuple[str, int], ...]
    serves: str
    options: dict[str, Any] = field(default_factory=dict)

    @property
    def model(self) -> IndexModel:
        return IndexModel(list(self.keys), name=self.name, **self.options)


def _jobs(name: str, keys: list[tuple[str, int]], serves: str, **options: Any) -> Index:
    return Index("jobs", name, tuple(keys), serves, options)


#: `jobs`: identity, the crawl's own reads (dedup, closing, rescoring) and health queries.
JOBS: list[Index] = [
    _jobs("ats_company_job_id", [("ats", ASCENDING), ("company", ASCENDING), ("job_id", ASCENDING)],
          "identity (unique): every read and write of postings by key, one board at a time "
          "(`{ats, company, job_id: {$in}}`): the dedup stage's stored read, the writer's inserts, upserts and "
          "fast-path `last_seen` moves, rescoring regrouped postings, the job page", unique=True),
    _jobs("company_status", [("ats", ASCENDING), ("company", ASCENDING), ("status", ASCENDING)],
          "closing: a board's open postings (`{ats, company, status: open}`); company pages"),
    _jobs("dedup_duplicate_group", [("ats", ASCENDING), ("company", ASCENDING), ("duplicate_group", ASCENDING)],
          "members of duplicate groups (`{ats, company, duplicate_group: {$in}}`): dedup, the job page"),
    _jobs("status_health_risk", [("status", ASCENDING), ("health.risk", ASCENDING),
                                 ("health.ghost_score", DESCENDING)],
          "open postings (`{status: open}`: `crawlerats rescore`, the analysts' cookbook), by risk and score "
          "(riskiest open postings first, counts per risk, the web's score bands under a risk filter)"),
    _jobs("health_ghost_score", [("health.ghost_score", DESCENDING)],
          "the web list's ghost-score bands (`{health.ghost_score: range}`)"),
    _jobs("posted_at", [("posted_at", DESCENDING)],
          "the web list's posted-date bands (`{posted_at: range}`), newest first"),
]

#: `jobs`, for the web views (crawlerats/web/queries.py): list bands, sorts and links. Add new ones here.
WEB: list[Index] = [
    _jobs("web_first_seen", [("first_seen", DESCENDING)],
          "newest postings we saw (analysts' new postings per day; docs/analysts.md)"),
    # SecantusDB loses documents equal to an inclusive bound when the range is on a key that is not the
    # index's last (measured 0.7.0b3), so every range below is on the last key of the index it uses.
    _jobs("web_posted", [("posted_at", DESCENDING), ("first_seen", DESCENDING)],
          "\"newest posted\" bands: posted_at null and a first_seen range"),
    _jobs("web_risk_posted_at", [("health.risk", ASCENDING), ("posted_at", DESCENDING)],
          "\"newest posted\" bands under a risk filter (a posted_at range), and one whole risk level"),
    _jobs("web_risk_posted", [("health.risk", ASCENDING), ("posted_at", DESCENDING), ("first_seen", DESCENDING)],
          "\"newest posted\" bands under a risk filter: posted_at null and a first_seen range"),
    _jobs("web_ghost_posted_at", [("health.ghost_score", DESCENDING), ("posted_at", DESCENDING)],
          "\"ghost score\" sorts: posted-date sub-bands inside one crowded score (a posted_at range)"),
    _jobs("web_ghost_posted", [("health.ghost_score", DESCENDING), ("posted_at", DESCENDING),
                               ("first_seen", DESCENDING)],
          "\"ghost score\" sorts: inside one crowded score, posted_at null and a first_seen range"),
    _jobs("web_salary_max", [("salary.interval", ASCENDING), ("salary.max", DESCENDING)],
          "\"highest salary\" bands: one pay interval and a salary.max range"),
    _jobs("web_salary_min", [("salary.interval", ASCENDING), ("salary.max", DESCENDING), ("salary.min", DESCENDING)],
          "\"highest salary\" bands: one pay interval, salary.max null and a salary.min range"),
    _jobs("web_promotion", [("promotion.until", DESCENDING)],
          "active promotions first in every list (`{promotion.until: {$gt: now}}`)"),
    _jobs("web_company", [("company", ASCENDING), ("first_seen", DESCENDING)], "the company filter across ATSs"),
    _jobs("web_repost_of", [("repost_of.job_id", ASCENDING), ("repost_of.company", ASCENDING)],
          "the job page: the postings that repost this one"),
]

#: The other collections (docs/analysts.md lists them with their queries).
OTHERS: list[Index] = [
    # The band keys live in their own collection so that the 17 multikey entries per posting are written only
    # when its features change, not on every write of the posting (crawlerats/dedup/engine.py BANDS_COLLECTION).
    Index("job_bands", "board_bands", (("ats", ASCENDING), ("company", ASCENDING), ("bands", ASCENDING)),
          "dedup candidates: a board's postings sharing an LSH band or title+location key "
          "(`{ats, company, bands: {$in}}`, multikey)"),
    Index("job_bands", "posting", (("ats", ASCENDING), ("company", ASCENDING), ("job_id", ASCENDING)),
          "identity (unique): one band document per posting, upserted when its features are computed",
          {"unique": True}),
    Index("job_events", "posting_at", (("ats", ASCENDING), ("company", ASCENDING), ("job_id", ASCENDING),
                                       ("at", ASCENDING)), "a posting's history, in order (the job page, analysts)"),
    Index("job_events", "type_at", (("type", ASCENDING), ("at", DESCENDING)),
          "recent events of one type (reposts in the last 30 days, analysts)"),
    Index("boards", "ats_company", (("ats", ASCENDING), ("company", ASCENDING)),
          "identity of a registered board (unique): registering, recording crawl outcomes", {"unique": True}),
    Index("crawls", "spider_started_at", (("spider", ASCENDING), ("started_at", DESCENDING)),
          "a spider's latest crawls (operations, monitors)"),
    Index("crawls", "started_at", (("started_at", DESCENDING),), "latest crawls (the web's crawl page)"),
    Index("discoveries", "url", (("url", ASCENDING),), "identity of a discovered careers page (unique)",
          {"unique": True}),
]

ALL: list[Index] = [*JOBS, *WEB, *OTHERS]

#: Indexes earlier versions created and nothing uses any more, dropped by `ensure_indexes` where present:
#: `status_last_seen` (status, last_seen) held a field every crawl rewrites and served no query that
#: `status_health_risk` does not; `web_risk` (health.risk, first_seen) was replaced by `web_risk_posted`.
#: `dedup_bands` (ats, company, dedup.bands) moved to `job_bands.board_bands` (backfilled once, see
#: `ensure_indexes`).
DROPPED: dict[str, tuple[str, ...]] = {"jobs": ("status_last_seen", "web_risk", "dedup_bands")}


def _by_collection(indexes: list[Index]) -> dict[str, list[IndexModel]]:
    grouped: dict[str, list[IndexModel]] = {}
    for index in indexes:
        grouped.setdefault(index.collection, []).append(index.model)
    return grouped


#: Index models per collection (what `ensure_indexes` creates); `register_indexes` adds to it.
INDEXES: dict[str, list[IndexModel]] = _by_collection(ALL)


def register_indexes(collection: str, indexes: list[IndexModel]) -> None:
    """Add indexes of a collection outside the list above (a feature module's own collections)."""
    known = {idx.document["name"] for idx in INDEXES.setdefault(collection, [])}
    INDEXES[collection].extend(idx for idx in indexes if idx.document["name"] not in known)


def ensure_indexes(db: Database) -> None:
    """Create the indexes that are missing (existing ones, by name, are left alone); drop `DROPPED` ones."""
    for collection, indexes in INDEXES.items():
        existing = {ix["name"] for ix in db[collection].list_indexes()}
        for name in sorted(existing.intersection(DROPPED.get(collection, ()))):
            db[collection].drop_index(name)
            logger.info("Dropped the unused index %s.%s", collection, name)
        missing = [idx for idx in indexes if idx.document["name"] not in existing]
        if missing:
            db[collection].create_indexes(missing)
            logger.info("Created indexes on %s: %s", collection, ", ".join(i.document["name"] for i in missing))
            if collection == "job_bands" and "posting" not in existing:
                _backfill_bands(db)


def _backfill_bands(db: Database, batch: int = 1000) -> None:
    """Once, when `job_bands` is first created on a database that already holds postings: copy each stored
    posting's `dedup.bands` (so closed postings stay findable as repost candidates). `$setOnInsert`: a band
    document a crawl wrote meanwhile wins."""
    ops: list[UpdateOne] = []
    copied = 0
    for doc in db["jobs"].find({"dedup.bands": {"$exists": True}},
                               {"_id": 0, "ats": 1, "company": 1, "job_id": 1, "dedup.bands": 1}, batch_size=batch):
        key = {"ats": doc["ats"], "company": doc["company"], "job_id": doc["job_id"]}
        ops.append(UpdateOne(key, {"$setOnInsert": {"bands": doc["dedup"]["bands"]}}, upsert=True))
        if len(ops) >= batch:
            db["job_bands"].bulk_write(ops, ordered=False)
            copied += len(ops)
            ops.clear()
    if ops:
        db["job_bands"].bulk_write(ops, ordered=False)
        copied += len(ops)
    if copied:
        logger.info("Copied the band keys of %d stored postings into job_bands", copied)
