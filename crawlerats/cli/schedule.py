"""`crawlerats schedule`: post sharded crawls to the least-loaded Scrapyd nodes, once or every N seconds."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from crawlerats.scheduling.planner import format_report, key_values, next_slot, node_list, schedule_round


def ats_spiders() -> list[str]:
    """Every board spider of the project (crawlerats/ats.py: the ATS spiders and `jsonld`), by name."""
    from crawlerats.ats import board_spider_names

    return list(board_spider_names())


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "schedule", help="schedule sharded crawls on Scrapyd nodes (least-loaded first)",
        description="Post one Scrapyd job per shard (schedule.json) to the least-loaded nodes. Job ids are "
                    "deterministic per spider, shard and time slot, so re-running in the same slot schedules "
                    "nothing twice; shards whose previous job is still pending or running are skipped.",
    )
    parser.add_argument("--nodes", required=True,
                        help="comma-separated Scrapyd URLs, e.g. http://a:6800,http://b:6800, or @FILE: read them "
                             "from FILE (keeps credentials out of crontabs and process lists; # comments)")
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--spider", action="append", help="spider to schedule (repeatable)")
    which.add_argument("--all", action="store_true", help="every board spider (the ATS spiders and jsonld)")
    parser.add_argument("--shards", type=int, default=1, help="split each spider's boards into N shards (default 1)")
    parser.add_argument("--project", default="crawlerats", help="Scrapyd project name (default crawlerats)")
    parser.add_argument("--setting", action="append", metavar="K=V", help="Scrapy setting for the jobs (repeatable)")
    parser.add_argument("--arg", action="append", metavar="k=v", help="spider argument for the jobs (repeatable)")
    parser.add_argument("--egg-version", default=None, metavar="VERSION",
                        help="run this deployed egg version (Scrapyd _version; default the latest)")
    parser.add_argument("--every", type=int, default=None, metavar="SECONDS",
                        help="keep running: one round per time slot of SECONDS (Ctrl-C stops)")
    parser.add_argument("--slot", type=int, default=None, metavar="SECONDS",
                        help="time-slot length for job ids (default: --every, else 3600)")
    parser.add_argument("--dry-run", action="store_true", help="show where jobs would go; post nothing")
    parser.add_argument("--timeout", type=float, default=10.0, help="seconds to wait for each node (default 10)")
    parser.set_defaults(func=run)


def nodes_value(value: str) -> str:
    """`--nodes` as given, or the URLs in the file named by `@FILE` (one or more per line, `#` comments)."""
    if not value.startswith("@"):
        return value
    lines = Path(value[1:]).expanduser().read_text().splitlines()
    return ",".join(line.split("#", 1)[0].strip() for line in lines if line.split("#", 1)[0].strip())


def run(args: argparse.Namespace) -> int:
    try:
        nodes = node_list(nodes_value(args.nodes))
    except OSError as exc:
        print(f"crawlerats schedule: cannot read the nodes file: {exc}", file=sys.stderr)
        return 2
    for node in nodes:
        node.timeout = args.timeout
    spiders = ats_spiders() if args.all else list(dict.fromkeys(args.spider))
    settings = key_values(args.setting, "--setting")
    spider_args = key_values(args.arg, "--arg")
    if "shard" in spider_args:
        raise ValueError("--arg shard=... is set by --shards")
    slot_seconds = args.slot or args.every or 3600
    if slot_seconds < 1:
        raise ValueError("--slot/--every must be at least 1 second")
    while True:
        report = schedule_round(nodes, spiders, args.shards, project=args.project, args=spider_args,
                                settings=settings, slot_seconds=slot_seconds, dry_run=args.dry_run,
                                version=args.egg_version)
        print(format_report(report), flush=True)
        if not args.every:
            return 0 if report.ok else 1
        wake = next_slot(datetime.now(UTC), slot_seconds)
        print(f"Next round at {wake:%Y-%m-%d %H:%M:%S} UTC", flush=True)
        time.sleep(max(0.0, (wake - datetime.now(UTC)).total_seconds()))
