"""`crawlerats rescore`: recompute `health` for every open posting (run daily so unvisited postings age)."""

from __future__ import annotations

import argparse

from crawlerats.cli.settings import project_settings
from crawlerats.clock import now as clock_now
from crawlerats.clock import parse_now
from crawlerats.db.connection import connect
from crawlerats.promote.store import expire_due
from crawlerats.scoring.config import config_from_settings
from crawlerats.scoring.rescore import rescore_open, risk_counts


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("rescore", help="recompute the health score of every open posting")
    parser.add_argument("--now", default=None, help="score as of this ISO-8601 instant (default: now, or CRAWLERATS_NOW)")
    parser.add_argument("--batch", type=int, default=500, help="documents per bulk update (default 500)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = project_settings()
    now = parse_now(args.now) if args.now else clock_now(settings)
    config = config_from_settings(settings)
    conn = connect(settings)
    try:
        ended = expire_due(conn.db, now)  # promotions past their end or on closed postings lose the signal
        count = rescore_open(conn.db, now, config, batch=args.batch)
        counts = risk_counts(conn.db)
    finally:
        conn.close()
    summary = ", ".join(f"{level} {counts.get(level, 0)}" for level in ("low", "medium", "high", "very_high"))
    if ended:
        print(f"Ended {ended} promotion(s) past their end or on closed postings")
    print(f"Rescored {count} open postings as of {now.isoformat()} with scoring {config['version']} ({summary})")
    return 0
