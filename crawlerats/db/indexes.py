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

from crawlerats.db.salary_backfill import SALARY_INDEX, backfill_annual_salary
from crawlerats.db.search_index import (
    PAY_INDEX,
    SCORE_INDEX,
    SEARCH_COLLECTION,
    SEARCH_INDEX,
    backfill_search,
)

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
]

#: `jobs`, for the web views (crawlerats/web/queries.py): list bands, sorts and links. Add new ones here.
WEB: list[Index] = [
    _jobs("web_first_seen", [("first_seen", DESCENDING)],
          "newest postings we saw (analysts' new postings per day; docs/analysts.md)"),
    # SecantusDB loses documents equal to an inclusive bound when an equality prefix is followed by a range on a
    # key that is not the index's last (measured 0.7.0b3), so every such range below is either on the last key
    # of the index it uses or sent with exclusive bounds (crawlerats/web/ats_workplace_bands.py `exclusive`); a
    # range on an index's leading key is exact (tests/test_index_plans.py checks every shape).
    _jobs("web_posted", [("posted_at", DESCENDING), ("first_seen", DESCENDING)],
          "\"newest posted\" bands: posted_at null and a first_seen range; by its leading key, the posted-date "
          "bands (`{posted_at: range}`), newest first"),
    _jobs("web_risk_posted", [("health.risk", ASCENDING), ("posted_at", DESCENDING), ("first_seen", DESCENDING)],
          "\"newest posted\" bands under a risk filter: a posted_at range (exclusive bounds), or posted_at null "
          "and a first_seen range; by its leading key, one whole risk level"),
    _jobs("web_ghost_posted", [("health.ghost_score", DESCENDING), ("posted_at", DESCENDING),
                               ("first_seen", DESCENDING)],
          "\"ghost score\" sorts: inside one crowded score, a posted_at range (exclusive bounds), or posted_at "
          "null and a first_seen range; by its leading key, the ghost-score bands (`{health.ghost_score: range}`) "
          "and riskiest postings first"),
    _jobs("web_salary_annual", [("status", ASCENDING), ("salary.annual_max", DESCENDING)],
          "\"highest salary\" bands and the salary filters: one status and a salary.annual_max range"),
    _jobs("web_ats_workplace", [("ats", ASCENDING), ("workplace_type", ASCENDING), ("posted_at", DESCENDING),
                                ("first_seen", DESCENDING)],
          "\"newest posted\" bands under an ATS and a workplace filter: a posted_at range (exclusive bounds), "
          "or posted_at null and a first_seen range"),
    # Sparse: only the few postings with the field have an entry, so the others' writes skip these two.
    _jobs("web_promotion", [("promotion.until", DESCENDING)],
          "active promotions first in every list (`{promotion.until: {$gt: now}}`); sparse", sparse=True),
    _jobs("web_company", [("company", ASCENDING), ("first_seen", DESCENDING)], "the company filter across ATSs"),
    _jobs("web_repost_of", [("repost_of.job_id", ASCENDING), ("repost_of.company", ASCENDING)],
          "the job page: the postings that repost this one (`{repost_of.job_id: id}`); sparse", sparse=True),
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
    # Text search: the trigrams of each posting's title, company name and location, in their own collection so
    # that the ~50 multikey entries per posting are written only when those change (crawlerats/db/search_index.py).
    Index(SEARCH_COLLECTION, "posting", (("ats", ASCENDING), ("company", ASCENDING), ("job_id", ASCENDING)),
          "identity (unique): one search document per posting, written when it is new, its title, company name, "
          "location, posted date or status change, or it closes", {"unique": True}),
    Index(SEARCH_COLLECTION, SEARCH_INDEX, (("grams", ASCENDING), ("status", ASCENDING), ("posted", DESCENDING)),
          "the web's text search (`?q=`) and location filter: postings whose title or company name holds a "
          "trigram of a query word, or whose location holds one of the filter's (`l:` grams), "
          "in posted-date bands (`{grams, status, posted: range}`, multikey)"),
    Index(SEARCH_COLLECTION, SCORE_INDEX, (("grams", ASCENDING), ("status", ASCENDING), ("score", DESCENDING)),
          "text search sorted by ghost score (highest or lowest) for a word too common to read all its matches: "
          "ghost-score bands (`{grams, status, score: range}`, multikey)"),
    Index(SEARCH_COLLECTION, PAY_INDEX, (("grams", ASCENDING), ("status", ASCENDING), ("pay", DESCENDING)),
          "text search sorted by highest salary for a word too common to read all its matches: annual salary "
          "bands (`{grams, status, pay: range > 0}`, multikey; partial: postings with an annual salary only)",
          {"partialFilterExpression": {"pay": {"$gt": 0}}}),
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
#: The indexes of `job_search` the web reads by (created after the search documents' backfill).
SEARCH_INDEXES = (SEARCH_INDEX, SCORE_INDEX, PAY_INDEX)

#: Indexes earlier versions created and nothing uses any more, dropped by `ensure_indexes` where present:
#: `status_last_seen` (status, last_seen) held a field every crawl rewrites and served no query that
#: `status_health_risk` does not; `web_risk` (health.risk, first_seen) was replaced by `web_risk_posted`.
#: `dedup_bands` (ats, company, dedup.bands) moved to `job_bands.board_bands` (backfilled once, see
#: `ensure_indexes`). `web_salary_max` (salary.interval, salary.max) and `web_salary_min` (.., salary.min) were
#: replaced by `web_salary_annual` on the stored annualised salary (backfilled once, see `ensure_indexes`).
#: `health_ghost_score` (health.ghost_score) and `posted_at` (posted_at) were prefixes of `web_ghost_posted_at`
#: and `web_posted`, which serve their range queries by their leading key: each index cost ~0.08 ms of SecantusDB
#: CPU on every write of every posting (issue 13). `job_search.grams_status_posted` is `SEARCH_INDEX` under its
#: name from before search documents held location grams: dropping it rebuilds them once (`ensure_indexes`).
#: `web_risk_posted_at` (health.risk, posted_at) and `web_ghost_posted_at` (health.ghost_score, posted_at) were
#: prefixes of `web_risk_posted` and `web_ghost_posted`, kept only for inclusive posted_at ranges, now sent with
#: exclusive bounds (~0.18 ms of SecantusDB CPU per index on every update of every posting, measured here).
DROPPED: dict[str, tuple[str, ...]] = {"jobs": ("status_last_seen", "web_risk", "dedup_bands", "web_salary_max",
                                                "web_salary_min", "health_ghost_score", "posted_at",
                                                "web_risk_posted_at", "web_ghost_posted_at"),
                                       SEARCH_COLLECTION: ("grams_status_posted",)}


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


def _definition(index: dict[str, Any]) -> tuple[Any, ...]:
    """What makes two indexes of one name the same: keys with directions, unique, sparse."""
    keys = tuple((k, v if isinstance(v, str) else int(v)) for k, v in dict(index["key"]).items())
    return keys, bool(index.get("unique")), bool(index.get("sparse"))


def ensure_indexes(db: Database) -> None:
    """Create the indexes that are missing; drop `DROPPED` ones, and recreate one whose keys, `unique` or `sparse`
    differ from the list (existing ones, by name and definition, are left alone)."""
    for collection, indexes in INDEXES.items():
        listed = {ix["name"]: ix for ix in db[collection].list_indexes()}
        wanted = {idx.document["name"]: idx.document for idx in indexes}
        dropped = set(listed) & set(DROPPED.get(collection, ()))
        for name in sorted(dropped):
            db[collection].drop_index(name)
            logger.info("Dropped the unused index %s.%s", collection, name)
        changed = {n for n in set(listed) & set(wanted) if _definition(listed[n]) != _definition(wanted[n])}
        for name in sorted(changed):
            db[collection].drop_index(name)
            logger.info("Dropped the index %s.%s to recreate it with its new definition", collection, name)
        existing = set(listed) - dropped - changed
        missing = [idx for idx in indexes if idx.document["name"] not in existing]
        if collection == "jobs" and SALARY_INDEX in {idx.document["name"] for idx in missing}:
            backfill_annual_salary(db)  # before the index: an interrupted backfill runs again next time
        searching = {idx.document["name"] for idx in missing} & set(SEARCH_INDEXES)
        if collection == SEARCH_COLLECTION and searching:
            # identity first, then the documents, then the search indexes: an interrupted backfill runs again
            first = [idx for idx in missing if idx.document["name"] not in SEARCH_INDEXES]
            if first:
                db[collection].create_indexes(first)
            backfill_search(db)
            missing = [idx for idx in missing if idx.document["name"] in searching]
        if missing:
            db[collection].create_indexes(missing)
            logger.info("Created indexes on %s: %s", collection, ", ".join(i.document["name"] for i in missing))
            if collection == "job_bands" and "posting" not in existing:
                _backfill_bands(db)


def _backfill_bands(db: Database, batch: int = 1000) -> None:
    """Once, when `job_bands` is first created on a database that already holds postings: copy each stored
    posting's index keys, `dedup.bands` plus its title key (as the dedup engine writes them, so closed postings
    stay findable as repost candidates, also by title). `$setOnInsert`: a band document a crawl wrote meanwhile
    wins."""
    from crawlerats.dedup.features import stored_index_keys  # here: numpy/pycountry only when backfilling

    ops: list[UpdateOne] = []
    copied = 0
    for doc in db["jobs"].find({"dedup.bands": {"$exists": True}},
                               {"_id": 0, "ats": 1, "company": 1, "job_id": 1, "dedup.bands": 1, "dedup.title_key": 1},
                               batch_size=batch):
        key = {"ats": doc["ats"], "company": doc["company"], "job_id": doc["job_id"]}
        ops.append(UpdateOne(key, {"$setOnInsert": {"bands": stored_index_keys(doc["dedup"])}}, upsert=True))
        if len(ops) >= batch:
            db["job_bands"].bulk_write(ops, ordered=False)
            copied += len(ops)
            ops.clear()
    if ops:
        db["job_bands"].bulk_write(ops, ordered=False)
        copied += len(ops)
    if copied:
        logger.info("Copied the band keys of %d stored postings into job_bands", copied)
