"""`crawlerats promotions list|approve|revoke|purge`: review and manage hiring-manager promotions."""

from __future__ import annotations

import argparse
import re
from datetime import datetime, timedelta
from typing import Any

from crawlerats.cli.settings import project_settings
from crawlerats.clock import now as clock_now
from crawlerats.db.connection import connect
from crawlerats.promote import store
from crawlerats.promote.config import PROMOTION_DAYS
from crawlerats.promote.flow import rescorer
from crawlerats.scoring.config import config_from_settings


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("promotions", help="review and manage hiring-manager promotions")
    commands = parser.add_subparsers(dest="promotions_command", required=True, metavar="ACTION")
    lst = commands.add_parser("list", help="show promotions, newest first (active, expired, revoked, ...)")
    lst.add_argument("--pending", action="store_true", help="only requests waiting for review")
    lst.set_defaults(func=run_list)
    approve = commands.add_parser("approve", help="activate a pending request (review path)")
    approve.add_argument("id", help="promotion id, as `promotions list --pending` shows")
    approve.set_defaults(func=run_approve)
    revoke = commands.add_parser("revoke", help="end a promotion now (removes the badge and the signal)")
    revoke.add_argument("id", help="promotion id")
    revoke.set_defaults(func=run_revoke)
    purge = commands.add_parser("purge", help="delete old requests, their tokens and audit events")
    purge.add_argument("--older-than", required=True, type=parse_age, metavar="AGE",
                       help="age such as 365d (days) or 52w (weeks); active promotions are kept")
    purge.set_defaults(func=run_purge)


def parse_age(value: str) -> timedelta:
    match = re.fullmatch(r"\s*(\d+)\s*([dw])\s*", value or "")
    if not match:
        raise argparse.ArgumentTypeError(f"{value!r} is not an age like 365d or 52w")
    number = int(match.group(1))
    return timedelta(days=number * (7 if match.group(2) == "w" else 1))


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else "-"


def run_list(args: argparse.Namespace) -> int:
    conn = connect(project_settings())
    try:
        docs = store.listing(conn.db, ["pending_review"] if args.pending else None)
    finally:
        conn.close()
    if not docs:
        print("No promotion requests waiting for review" if args.pending else "No promotions")
        return 0
    rows = [("ID", "STATUS", "VIA", "REQUESTED", "UNTIL", "EMAIL", "NAME", "POSTING")]
    for doc in docs:
        rows.append((str(doc["_id"]), doc.get("status", ""), doc.get("via", ""), _when(doc.get("requested_at")),
                     _when(doc.get("ended_at") or doc.get("expires_at")), doc.get("email", ""),
                     doc.get("name") or "", "/".join(store.posting_of(doc))))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1])
    print(f"{len(docs)} promotion(s)")
    return 0


def run_approve(args: argparse.Namespace) -> int:
    settings = project_settings()
    now = clock_now(settings)
    conn = connect(settings)
    try:
        result = store.activate(conn.db, args.id, now, timedelta(days=PROMOTION_DAYS), event="approved",
                                rescore=rescorer(config_from_settings(settings)))
    finally:
        conn.close()
    messages = {"activated": f"Approved {args.id}: promoted until {_when(now + timedelta(days=PROMOTION_DAYS))}",
                "already_active": f"{args.id}: another promotion of this posting is active",
                "closed": f"{args.id}: the posting is closed or gone",
                "invalid": f"{args.id}: no pending or mailed promotion with this id"}
    print(messages[result])
    return 0 if result == "activated" else 1


def run_revoke(args: argparse.Namespace) -> int:
    settings = project_settings()
    conn = connect(settings)
    try:
        done = store.revoke(conn.db, args.id, clock_now(settings), rescorer(config_from_settings(settings)))
    finally:
        conn.close()
    print(f"Revoked {args.id}" if done else f"{args.id}: no such promotion, or it already ended")
    return 0 if done else 1


def run_purge(args: argparse.Namespace) -> int:
    settings = project_settings()
    before = clock_now(settings) - args.older_than
    conn = connect(settings)
    try:
        removed = store.purge(conn.db, before)
    finally:
        conn.close()
    print(f"Purged records older than {_when(before)}: {removed['promotions']} promotion(s), "
          f"{removed['tokens']} token(s), {removed['events']} event(s)")
    return 0
