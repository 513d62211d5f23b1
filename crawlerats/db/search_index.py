"""The `job_search` collection: one small document per posting holding the trigrams of its title and company
names and, marked `l:`, of its location, so the web's text search (`?q=`) and location filter (`?location=`,
crawlerats/web/search.py) read an index range instead of every posting.

SecantusDB has no text index, and a case-insensitive substring match cannot use an index range. A word of three
or more characters occurs in a text only if each of its trigrams does, so the postings whose `grams` hold one
trigram of a query word are a superset of those whose title or company name contains the word: the web reads
them (index `grams_status_posted`, in posted-date bands), checks the words on `text`, then on the posting.

Document: `{ats, company, job_id, job, status, posted, score, pay, grams, text, place}` — `job` is the posting's
`_id` when the writer knows it (an insert), `posted` is `posted_at`, else `first_seen` (the "newest" order),
`score` its `health.ghost_score` and `pay` its `salary.annual_max` (None when it has none: the keys of the
"ghost score" and "highest salary" orders, `search_grams_status_score` and `search_grams_status_pay`), `text` is the
title, company name and board id, case-folded, one per line, `place` the location, case-folded. A location gram
is `l:` and three characters, so it never equals a three-character gram of a query word.

Kept out of `jobs` (like `job_bands`): its multikey entries are written only when a posting is new, when its
title, company name, location, posted date, status, ghost score or annual salary change, or when it closes — never
by the `last_seen` move of an unchanged posting (on SecantusDB every update of a document rewrites every index entry
it has). Every writer of `health` or `salary` writes `score` and `pay` with it (the crawl's writer, the rescoring,
crawlerats/scoring/rescore.py); they are copies, so a rescoring racing a crawl of the same posting can leave one a
score behind until its next change: it then lists a few places off in a score order, never drops out of the list.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from pymongo import UpdateMany, UpdateOne
from pymongo.database import Database
from pymongo.errors import BulkWriteError

logger = logging.getLogger(__name__)

SEARCH_COLLECTION = "job_search"
#: The search index (crawlerats/db/indexes.py); the web searches through `job_search` only once it exists: it is
#: created after the backfill. Renamed from `grams_status_posted` when location grams were added, so that a
#: database searched before rebuilds its search documents once (`ensure_indexes` drops the old name).
SEARCH_INDEX = "search_grams_status_posted"
#: The indexes of the sorted text searches (ghost score, lowest ghost score; highest salary: partial, postings
#: with an annual salary only). Created after their backfill, like `SEARCH_INDEX`; the web uses them once they exist.
SCORE_INDEX = "search_grams_status_score"
PAY_INDEX = "search_grams_status_pay"
#: What marks a location gram in `grams`.
LOCATION_MARK = "l:"
#: The gram length: query words shorter than this cannot use the index (the web reads the list's own bands).
GRAM = 3
#: Posting fields whose change rewrites the posting's search document (and the sort keys, `sort_keys`).
SEARCHED_FIELDS = ("title", "company_name", "location", "posted_at", "status")
#: What a backfill or a web fetch reads from `jobs` to build a search document.
SOURCE_PROJECTION = {"ats": 1, "company": 1, "job_id": 1, "title": 1, "company_name": 1, "location": 1,
                     "posted_at": 1, "first_seen": 1, "status": 1, "health.ghost_score": 1, "salary.annual_max": 1}


def _number(value: Any) -> float | int | None:
    return value if isinstance(value, int | float) and not isinstance(value, bool) else None


def ghost_score(doc: Mapping[str, Any]) -> float | int | None:
    """A posting's `health.ghost_score` when it is a number (the ghost-score orders' key), else None."""
    health = doc.get("health")
    return _number(health.get("ghost_score")) if isinstance(health, Mapping) else None


def annual_pay(salary: Any) -> float | int | None:
    """A stored `salary`'s `annual_max` when it is a positive number (the salary order's and filter's key), else
    None."""
    pay = _number(salary.get("annual_max")) if isinstance(salary, Mapping) else None
    return pay if pay is not None and pay > 0 else None


def sort_keys(doc: Mapping[str, Any]) -> dict[str, Any]:
    """A posting's sort keys as its search document holds them: `score` (its ghost score) and `pay` (its stored
    annual salary, when positive), None when it has none (the readings the web's orders use too)."""
    return {"score": ghost_score(doc), "pay": annual_pay(doc.get("salary"))}


def search_parts(doc: Mapping[str, Any]) -> list[str]:
    """The searched texts of a posting, case-folded: title, company name (as the ATS gives it) and board id.
    (The readable board id the pages show is made of the board id's own letters; `boards` registry names are
    matched by the web from the registry itself.)"""
    parts = [doc.get("title"), doc.get("company_name"), doc.get("company")]
    return [p.casefold() for p in parts if isinstance(p, str) and p]


def grams_of(text: str) -> set[str]:
    """Every run of `GRAM` characters in `text` without whitespace (a query word never holds any)."""
    runs = (text[i:i + GRAM] for i in range(len(text) - GRAM + 1))
    return {run for run in runs if not any(c.isspace() for c in run)}


def place_of(doc: Mapping[str, Any]) -> str:
    """The searched location of a posting, case-folded (the list's location filter matches `location`)."""
    location = doc.get("location")
    return location.casefold() if isinstance(location, str) else ""


def location_grams(place: str) -> set[str]:
    """The marked grams of a case-folded location (or of a location filter's text)."""
    return {LOCATION_MARK + gram for gram in grams_of(place)}


def _moment(value: Any) -> datetime | None:
    return value if isinstance(value, datetime) else None


def search_fields(doc: Mapping[str, Any], first_seen: Any = None) -> dict[str, Any]:
    """The search document's fields for a posting (`first_seen`: when the posting does not carry it yet)."""
    parts = search_parts(doc)
    grams: set[str] = set()
    for part in parts:
        grams |= grams_of(part)
    place = place_of(doc)
    grams |= location_grams(place)
    return {"status": doc.get("status"),
            "posted": _moment(doc.get("posted_at")) or _moment(doc.get("first_seen")) or _moment(first_seen),
            **sort_keys(doc), "grams": sorted(grams), "text": "\n".join(parts), "place": place}


def search_update(doc: Mapping[str, Any], first_seen: Any = None, job: Any = None) -> UpdateOne:
    """The idempotent upsert of one posting's search document (`job`: its `_id` in `jobs`, when known)."""
    fields = search_fields(doc, first_seen)
    if job is not None:
        fields["job"] = job
    return UpdateOne(_key(doc), {"$set": fields}, upsert=True)


def search_changed(doc: Mapping[str, Any], stored: Mapping[str, Any] | None) -> bool:
    """Whether a posting about to be written needs its search document written: new, or a searched field or a
    sort key changed (`stored`: the stored document the dedup stage read; None when nothing is stored)."""
    return stored is None or any(doc.get(name) != stored.get(name) for name in SEARCHED_FIELDS) \
        or sort_keys(doc) != sort_keys(stored)


def score_operations(scores: Iterable[tuple[tuple[str, str, str], Any]]) -> list[UpdateOne]:
    """The search documents' `score` of rescored postings ((ats, company, job_id), ghost score as `ghost_score`
    reads it); a posting without a search document is left to the backfill."""
    return [UpdateOne(dict(zip(("ats", "company", "job_id"), key, strict=True)),
                      {"$set": {"score": score}}) for key, score in scores]


def close_operations(ats: str, company: str, job_ids: Iterable[str]) -> list[UpdateMany]:
    """Closed postings' search documents follow their status (one update for the board)."""
    ids = sorted(set(job_ids))
    return [UpdateMany({"ats": ats, "company": company, "job_id": {"$in": ids}},
                       {"$set": {"status": "closed"}})] if ids else []


def _key(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {"ats": doc["ats"], "company": doc["company"], "job_id": doc["job_id"]}


def _insert_new(db: Database, docs: list[dict[str, Any]]) -> None:
    """Insert search documents; one a crawl wrote meanwhile (duplicate key) wins."""
    try:
        db[SEARCH_COLLECTION].insert_many(docs, ordered=False)
    except BulkWriteError as exc:
        if any(e.get("code") != 11000 for e in exc.details.get("writeErrors", [])):
            raise


def backfill_search(db: Database, batch: int = 1000) -> int:
    """Once, when a search index is missing on a database that already holds postings: a search document for
    every stored posting, inserted (one a crawl inserted meanwhile wins). Search documents of an earlier layout
    (without `score`: before the sort keys, or before location grams) are deleted first and inserted anew (on
    SecantusDB an update that finds its document by key cost ~10 ms here: 100,000 updates ran for over 12
    minutes); one a crawl rewrote meanwhile has `score` and stays. The postings are read in large batches before
    anything is written (on SecantusDB a cursor's later batches cost more: 10,000 postings read twice as slowly
    in batches of 1,000 as in one)."""
    docs = [{**_key(doc), **search_fields(doc), "job": doc["_id"]}
            for doc in db["jobs"].find({}, SOURCE_PROJECTION, batch_size=10_000)
            if all(isinstance(doc.get(k), str) for k in ("ats", "company", "job_id"))]
    current = {(d.get("ats"), d.get("company"), d.get("job_id"))
               for d in db[SEARCH_COLLECTION].find({"score": {"$exists": True}},
                                                   {"_id": 0, "ats": 1, "company": 1, "job_id": 1},
                                                   batch_size=10_000)}
    deleted = db[SEARCH_COLLECTION].delete_many({"score": {"$exists": False}}).deleted_count
    if deleted:
        logger.info("Deleted %d search documents of an earlier layout (no sort keys), to insert them anew", deleted)
    missing = [d for d in docs if (d["ats"], d["company"], d["job_id"]) not in current]
    written = 0
    for start in range(0, len(missing), batch):
        _insert_new(db, missing[start:start + batch])
        written += len(missing[start:start + batch])
    if written:
        logger.info("Wrote the search documents of %d stored postings into %s", written, SEARCH_COLLECTION)
    return written
