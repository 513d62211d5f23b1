"""The promotion collections and every state change: request, token, activate, revoke, expire, purge.

`promotions`: `{_id, ats, company, job_id, email, email_hash, name, status, via, requested_at,
confirmed_at, expires_at, revoked_at, ended_at, ip_hash}`, status `pending_review|mailed|active|expired|
revoked`, at most one `active` per posting (a partial unique index). `promotion_tokens`: one per mailed
link, `used_at` set once, atomically. `promotion_events`: the audit log (`requested`, `mailed`,
`confirmed`, `approved`, `revoked`, `expired`, `rejected`) with a keyed hash of the client IP, never the
address. While a promotion is active the job document carries `promotion: {since, until}`; activating and
revoking rescore the posting at once, expiry is applied by `crawlerats rescore`, and a crawl that closes a
promoted posting ends its promotion in the same pass (see docs/promote.md).
"""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from pymongo import ASCENDING, DESCENDING, IndexModel, ReturnDocument
from pymongo.database import Database
from pymongo.errors import DuplicateKeyError

from crawlerats.db.indexes import register_indexes
from crawlerats.db.updates import conditional_set, key_only

Posting = tuple[str, str, str]

PROMOTIONS = "promotions"
TOKENS = "promotion_tokens"
EVENTS = "promotion_events"
STATUSES = ("pending_review", "mailed", "active", "expired", "revoked")
EVENT_TYPES = ("requested", "mailed", "confirmed", "approved", "revoked", "expired", "rejected")
#: The `reason` of the `expired` event of a promotion whose posting closed.
CLOSED_REASON = "posting closed"

PROMOTION_INDEXES = [
    IndexModel([("ats", ASCENDING), ("company", ASCENDING), ("job_id", ASCENDING)], unique=True,
               partialFilterExpression={"status": "active"}, name="one_active_per_posting"),
    IndexModel([("status", ASCENDING), ("expires_at", ASCENDING)], name="status_expires_at"),
    IndexModel([("requested_at", DESCENDING)], name="requested_at"),
]
TOKEN_INDEXES = [IndexModel([("promotion_id", ASCENDING)], name="promotion_id"),
                 IndexModel([("created_at", ASCENDING)], name="created_at")]
EVENT_INDEXES = [IndexModel([("at", DESCENDING)], name="at"),
                 IndexModel([("promotion_id", ASCENDING)], name="promotion_id")]
register_indexes(PROMOTIONS, PROMOTION_INDEXES)
register_indexes(TOKENS, TOKEN_INDEXES)
register_indexes(EVENTS, EVENT_INDEXES)
_ensured: set[tuple[int, str]] = set()


def ensure_indexes(db: Database) -> None:
    """Create this module's indexes once per database and process: the one-active-per-posting rule lives in
    a unique index, so it must exist before the first promotion is written (connect() creates it too)."""
    key = (id(db.client), db.name)
    if key not in _ensured:
        db[PROMOTIONS].create_indexes(PROMOTION_INDEXES)
        db[TOKENS].create_indexes(TOKEN_INDEXES)
        db[EVENTS].create_indexes(EVENT_INDEXES)
        _ensured.add(key)

#: Called after a posting's promotion changed: (db, posting, now) -> rescore it.
Rescore = Callable[[Database, Posting, datetime], Any]


def posting_of(doc: Mapping[str, Any]) -> Posting:
    return (str(doc["ats"]), str(doc["company"]), str(doc["job_id"]))


def record_event(db: Database, kind: str, posting: Posting, at: datetime, *, promotion_id: str | None = None,
                 ip_hash: str | None = None, **extra: Any) -> None:
    assert kind in EVENT_TYPES, kind
    db[EVENTS].insert_one({"at": at, "type": kind, "promotion_id": promotion_id, "ats": posting[0],
                           "company": posting[1], "job_id": posting[2], "ip_hash": ip_hash, **extra})


def create_promotion(db: Database, posting: Posting, *, email: str, email_hash: str, name: str | None,
                     status: str, via: str, now: datetime, ip_hash: str) -> str:
    ensure_indexes(db)
    promotion_id = "p" + secrets.token_hex(5)
    db[PROMOTIONS].insert_one({
        "_id": promotion_id, "ats": posting[0], "company": posting[1], "job_id": posting[2], "email": email,
        "email_hash": email_hash, "name": name, "status": status, "via": via, "requested_at": now,
        "confirmed_at": None, "expires_at": None, "revoked_at": None, "ended_at": None, "ip_hash": ip_hash})
    return promotion_id


def create_token(db: Database, token_id: str, promotion_id: str, posting: Posting, email_hash: str,
                 now: datetime, expires_at: datetime) -> None:
    db[TOKENS].insert_one({"_id": token_id, "promotion_id": promotion_id, "ats": posting[0],
                           "company": posting[1], "job_id": posting[2], "email_hash": email_hash,
                           "created_at": now, "expires_at": expires_at, "used_at": None})


def find_token(db: Database, token_id: str) -> dict[str, Any] | None:
    return db[TOKENS].find_one({"_id": token_id})


def use_token(db: Database, token_id: str, now: datetime) -> dict[str, Any] | None:
    """Mark the token used, atomically: only the first caller gets the record back."""
    return db[TOKENS].find_one_and_update({"_id": token_id, "used_at": None}, {"$set": {"used_at": now}},
                                          return_document=ReturnDocument.AFTER)


def get(db: Database, promotion_id: str) -> dict[str, Any] | None:
    return db[PROMOTIONS].find_one({"_id": promotion_id})


def active_for(db: Database, posting: Posting) -> dict[str, Any] | None:
    return db[PROMOTIONS].find_one({"ats": posting[0], "company": posting[1], "job_id": posting[2],
                                    "status": "active"})


def activate(db: Database, promotion_id: str, now: datetime, length: timedelta, *, event: str,
             rescore: Rescore, ip_hash: str | None = None) -> str:
    """Make a mailed or pending promotion active for `length`; returns `activated`, `already_active`
    (another promotion of the posting is active), `closed` (the posting is gone or closed) or `invalid`."""
    ensure_indexes(db)
    promotion = get(db, promotion_id)
    if promotion is None or promotion["status"] not in ("mailed", "pending_review"):
        return "invalid"
    posting = posting_of(promotion)
    job = db["jobs"].find_one(key_only(posting), {"status": 1})
    if job is None or job.get("status") != "open":
        return "closed"
    until = now + length
    try:
        done = db[PROMOTIONS].find_one_and_update(
            {"_id": promotion_id, "status": promotion["status"]},
            {"$set": {"status": "active", "confirmed_at": now, "expires_at": until}})
    except DuplicateKeyError:
        return "already_active"
    if done is None:
        return "invalid"
    db["jobs"].update_one(key_only(posting), conditional_set({"promotion": {"since": now, "until": until}},
                                                             {"$eq": ["$status", "open"]}))
    record_event(db, event, posting, now, promotion_id=promotion_id, ip_hash=ip_hash, via=promotion["via"])
    rescore(db, posting, now)
    return "activated"


def end(db: Database, promotion: Mapping[str, Any], status: str, now: datetime, *, rescore: Rescore | None,
        reason: str | None = None) -> bool:
    """Revoke or expire one promotion; clear the job's `promotion` if it was the active one."""
    was_active = promotion["status"] == "active"
    stamp = {"revoked_at": now} if status == "revoked" else {}
    done = db[PROMOTIONS].update_one({"_id": promotion["_id"], "status": promotion["status"]},
                                     {"$set": {"status": status, "ended_at": now, **stamp}})
    if not done.modified_count:
        return False
    posting = posting_of(promotion)
    if was_active:
        db["jobs"].update_one(key_only(posting), {"$unset": {"promotion": ""}})
    record_event(db, "revoked" if status == "revoked" else "expired", posting, now,
                 promotion_id=str(promotion["_id"]), **({"reason": reason} if reason else {}))
    if was_active and rescore is not None:
        rescore(db, posting, now)
    return True


def revoke(db: Database, promotion_id: str, now: datetime, rescore: Rescore) -> bool:
    promotion = get(db, promotion_id)
    if promotion is None or promotion["status"] in ("expired", "revoked"):
        return False
    return end(db, promotion, "revoked", now, rescore=rescore)


def expire_due(db: Database, now: datetime) -> int:
    """End active promotions past `expires_at` or whose posting closed (or vanished); returns how many.

    Run by `crawlerats rescore` before it rescores, so the signal goes with the badge.
    """
    ended = 0
    for promotion in db[PROMOTIONS].find({"status": "active"}):
        job = db["jobs"].find_one(key_only(posting_of(promotion)), {"status": 1})
        if promotion.get("expires_at") is not None and promotion["expires_at"] <= now:
            reason = "ended"
        elif job is None or job.get("status") != "open":
            reason = CLOSED_REASON
        else:
            continue
        ended += end(db, promotion, "expired", now, rescore=None, reason=reason)
    return ended


def end_for_closed(db: Database, ats: str, company: str, job_ids: list[str], now: datetime) -> int:
    """End the active promotions of postings a crawl has just closed, as `expire_due` would at the next rescore
    (status `expired`, reason `posting closed`); returns how many. Called by the crawl's close pass
    (crawlerats/dedup/engine.py) only for closed postings that carried `promotion`, which it has already removed."""
    ended = 0
    for promotion in db[PROMOTIONS].find({"ats": ats, "company": company, "job_id": {"$in": job_ids},
                                          "status": "active"}):
        ended += end(db, promotion, "expired", now, rescore=None, reason=CLOSED_REASON)
    return ended


def purge(db: Database, before: datetime) -> dict[str, int]:
    """Delete promotions requested before `before` (unless still active), their tokens, and old events."""
    old = [p["_id"] for p in db[PROMOTIONS].find({"requested_at": {"$lt": before}, "status": {"$ne": "active"}},
                                                  {"_id": 1})]
    removed = {"promotions": 0, "tokens": 0, "events": 0}
    if old:
        removed["promotions"] = db[PROMOTIONS].delete_many({"_id": {"$in": old}}).deleted_count
        removed["tokens"] += db[TOKENS].delete_many({"promotion_id": {"$in": old}}).deleted_count
    removed["tokens"] += db[TOKENS].delete_many({"created_at": {"$lt": before}}).deleted_count
    removed["events"] = db[EVENTS].delete_many({"at": {"$lt": before}}).deleted_count
    return removed


def listing(db: Database, statuses: list[str] | None = None) -> list[dict[str, Any]]:
    query = {"status": {"$in": statuses}} if statuses else {}
    return list(db[PROMOTIONS].find(query).sort([("requested_at", DESCENDING)]))
