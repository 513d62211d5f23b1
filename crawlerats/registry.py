"""The board registry: the `boards` collection, one document per (ats, company), unique.

Document: `{ats, company, company_name, url, params, source, found_on, domains, added_at,
last_crawl: {at, outcome, items, crawl_id, reason}, outcome_counts: {ok, failed, truncated, incomplete}}`.
Spiders run without `companies` crawl every registered board of their ATS (`AtsSpider.registered_boards`
reads `company`, `params` and `company_name`). `added_at` and `source` are set once and never overwritten.
`domains` (set by `crawlerats boards add/set --domain`) are the company's email domains, which the promote
flow trusts (docs/promote.md).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from pymongo import ASCENDING, UpdateOne
from pymongo.database import Database

from crawlerats import ats
from crawlerats.board import Board
from crawlerats.db.indexes import INDEXES

COLLECTION = "boards"
BOARD_INDEXES = INDEXES[COLLECTION]  # crawlerats/db/indexes.py

OUTCOMES = ("ok", "failed", "truncated", "incomplete")
_ensured: set[tuple[int, str]] = set()


def public_url(board: Board) -> str | None:
    """The public board page of a board (what `crawlerats detect` maps back to the same board), as its spider
    class declares it (crawlerats/ats.py)."""
    return ats.public_url(board)


def _ensure_indexes(db: Database) -> None:
    """Create the unique index once per database and process (connect() does it too when imported first)."""
    key = (id(db.client), db.name)
    if key not in _ensured:
        db[COLLECTION].create_indexes(BOARD_INDEXES)
        _ensured.add(key)


def _now(now: datetime | None) -> datetime:
    return (now or datetime.now(UTC)).astimezone(UTC)


def register(db: Database, boards: Iterable[Board], source: str, found_on: str | None = None,
             now: datetime | None = None) -> list[Board]:
    """Upsert `boards`; return the ones that were not registered before (in input order, deduplicated)."""
    unique: dict[tuple[str, str], Board] = {}
    for board in boards:
        unique.setdefault(board.key, board)
    if not unique:
        return []
    _ensure_indexes(db)
    at = _now(now)
    operations = []
    for board in unique.values():
        on_insert: dict[str, Any] = {"added_at": at, "source": source, "found_on": found_on,
                                     "url": public_url(board)}
        updates: dict[str, Any] = {}
        if board.name:
            updates["company_name"] = board.name
        else:
            on_insert["company_name"] = board.company
        if board.params:
            updates["params"] = dict(board.params)
        else:
            on_insert["params"] = {}
        operations.append(UpdateOne({"ats": board.ats, "company": board.company},
                                    {"$setOnInsert": on_insert, **({"$set": updates} if updates else {})},
                                    upsert=True))
    result = db[COLLECTION].bulk_write(operations, ordered=True)
    boards_in_order = list(unique.values())
    return [boards_in_order[index] for index in sorted(result.upserted_ids)]


def add_boards(db: Database, boards: list[Board], source: str, found_on: str | None = None,
               now: datetime | None = None) -> int:
    """Register boards (upsert, never overwriting `added_at`); return how many were new."""
    return len(register(db, boards, source, found_on, now))


def list_boards(db: Database, ats: str | None = None) -> list[dict[str, Any]]:
    """Registered boards (optionally of one ATS), sorted by ATS then board id, without `_id`."""
    query = {"ats": ats} if ats else {}
    return list(db[COLLECTION].find(query, {"_id": 0}).sort([("ats", ASCENDING), ("company", ASCENDING)]))


def set_domains(db: Database, ats: str, company: str, domains: list[str]) -> bool:
    """Replace a registered board's `domains` (already normalized); False if the board is not registered."""
    _ensure_indexes(db)
    return db[COLLECTION].update_one({"ats": ats, "company": company},
                                     {"$set": {"domains": list(dict.fromkeys(domains))}}).matched_count == 1


def record_outcomes(db: Database, outcomes: list[dict[str, Any]], crawl_id: str, at: datetime) -> None:
    """Set `last_crawl` (and count the outcome) for each crawled board; boards crawled by id without being
    registered are registered with source "crawl"."""
    if not outcomes:
        return
    _ensure_indexes(db)
    at = _now(at)
    operations = []
    for o in outcomes:
        outcome = o.get("outcome") if o.get("outcome") in OUTCOMES else "incomplete"
        board = Board(str(o["ats"]), str(o["company"]))
        last = {"at": at, "outcome": outcome, "items": int(o.get("items") or 0), "crawl_id": crawl_id,
                "reason": o.get("reason")}
        operations.append(UpdateOne(
            {"ats": board.ats, "company": board.company},
            {"$set": {"last_crawl": last}, "$inc": {f"outcome_counts.{outcome}": 1},
             "$setOnInsert": {"company_name": board.company, "url": public_url(board), "params": {},
                              "source": "crawl", "found_on": None, "added_at": at}},
            upsert=True))
    db[COLLECTION].bulk_write(operations, ordered=False)
