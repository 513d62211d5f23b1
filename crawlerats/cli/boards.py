"""`crawlerats boards add|set|import|list`: register job boards from their public URLs, set their email domains,
and show the registry."""

from __future__ import annotations

import argparse
import csv
import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime
from pathlib import Path
from typing import Any

from crawlerats import registry
from crawlerats.ats import board_spider_names
from crawlerats.board import Board
from crawlerats.cli.settings import project_settings
from crawlerats.db.connection import connect
from crawlerats.detect import UnknownBoardUrl, detect
from crawlerats.promote.domains import normalize_domain


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("boards", help="register job boards and list the registry")
    commands = parser.add_subparsers(dest="boards_command", required=True, metavar="ACTION")
    add = commands.add_parser("add", help="register boards from their public URLs")
    add.add_argument("urls", nargs="+", metavar="URL", help="public board URL, e.g. https://jobs.lever.co/spotify")
    add.add_argument("--name", default=None, help="display name (only with a single URL)")
    add.add_argument("--domain", action="append", default=None, metavar="DOMAIN",
                     help="the company's email domain, e.g. spotify.com (repeatable; only with a single URL); "
                          "promotion requests from addresses there are mailed a confirmation link")
    add.set_defaults(func=run_add)
    bset = commands.add_parser("set", help="change a registered board (ats:company, as `boards list` shows)")
    bset.add_argument("board", metavar="ATS:COMPANY", help="e.g. lever:spotify")
    bset.add_argument("--domain", action="append", default=None, metavar="DOMAIN",
                      help="the company's email domains (repeatable; replaces the stored list)")
    bset.add_argument("--no-domains", action="store_true", help="remove the stored domains")
    bset.set_defaults(func=run_set)
    imp = commands.add_parser("import", help="register boards from a CSV (url[,name] columns) or a URL-per-line file")
    imp.add_argument("file", type=Path, help="CSV with a `url` column (optional `name`), or one URL per line")
    imp.set_defaults(func=run_import)
    lst = commands.add_parser("list", help="show registered boards")
    lst.add_argument("--ats", choices=board_spider_names(), default=None, help="only boards of this ATS")
    lst.set_defaults(func=run_list)



def read_entries(text: str) -> Iterator[tuple[int, str, str | None]]:
    """(line number, url, name) from CSV text with a `url` header, or from one URL per line (# comments)."""
    lines = text.splitlines()
    first = next((line for line in lines if line.strip() and not line.lstrip().startswith("#")), "")
    header = [cell.strip().lower() for cell in next(csv.reader([first]), [])]
    if "url" in header:
        reader = csv.DictReader(io.StringIO(text))
        reader.fieldnames = [(f or "").strip().lower() for f in reader.fieldnames or []]
        for row in reader:
            url = (row.get("url") or "").strip()
            if url and not url.startswith("#"):
                yield reader.line_num, url, (row.get("name") or "").strip() or None
        return
    for number, line in enumerate(lines, 1):
        url = line.split(" #", 1)[0].strip()
        if url and not url.startswith("#"):
            yield number, url, None


def _detect(url: str, name: str | None) -> Board:
    board = detect(url)
    return replace(board, name=name) if name else board


def _connect() -> Any:
    return connect(project_settings())


def _add(entries: list[tuple[str, str, str | None]], source: str, found_on: str | None) -> int:
    """Detect and register `(label, url, name)` entries; print a line per entry and a summary."""
    boards: list[tuple[str, Board]] = []
    rejected = 0
    for label, url, name in entries:
        try:
            boards.append((label, _detect(url, name)))
        except UnknownBoardUrl as exc:
            rejected += 1
            print(f"rejected  {label}: cannot tell the ATS: {exc}")
    added: list[Board] = []
    if boards:
        conn = _connect()
        try:
            added = registry.register(conn.db, [b for _, b in boards], source, found_on, datetime.now().astimezone())
        finally:
            conn.close()
    new_keys = {b.key for b in added}
    reported: set[tuple[str, str]] = set()
    for label, board in boards:
        state = "added" if board.key in new_keys and board.key not in reported else "present"
        reported.add(board.key)
        print(f"{state:<9} {label}: {board}")
    present = len(boards) - len(added)
    print(f"{len(added)} added, {present} already present, {rejected} rejected")
    return 1 if rejected else 0


def run_add(args: argparse.Namespace) -> int:
    if args.name and len(args.urls) > 1:
        raise ValueError("--name needs exactly one URL")
    if args.domain and len(args.urls) > 1:
        raise ValueError("--domain needs exactly one URL")
    domains = [normalize_domain(d) for d in args.domain or []]
    code = _add([(url, url, args.name) for url in args.urls], "cli", None)
    if domains and code == 0:
        board = detect(args.urls[0])
        _set_domains(board.ats, board.company, domains)
    return code


def _set_domains(ats: str, company: str, domains: list[str]) -> None:
    conn = _connect()
    try:
        if not registry.set_domains(conn.db, ats, company, domains):
            raise ValueError(f"{ats}:{company} is not registered: add it with `crawlerats boards add URL`")
    finally:
        conn.close()
    print(f"domains   {ats}:{company}: {', '.join(domains) or '(none)'}")


def run_set(args: argparse.Namespace) -> int:
    ats, sep, company = args.board.partition(":")
    if not sep or not ats or not company:
        raise ValueError(f"{args.board!r} is not ATS:COMPANY (e.g. lever:spotify)")
    if args.domain is None and not args.no_domains:
        raise ValueError("nothing to set: give --domain DOMAIN (or --no-domains)")
    domains = [] if args.no_domains else [normalize_domain(d) for d in args.domain]
    _set_domains(ats, company, domains)
    return 0


def run_import(args: argparse.Namespace) -> int:
    text = args.file.read_text(encoding="utf-8-sig")
    entries = [(f"line {number} ({url})", url, name) for number, url, name in read_entries(text)]
    if not entries:
        print(f"{args.file}: no URLs found")
        return 1
    return _add(entries, "import", str(args.file))


def _last_crawl(doc: dict[str, Any]) -> str:
    last = doc.get("last_crawl") or {}
    if not last:
        return "never"
    at = last.get("at")
    when = at.strftime("%Y-%m-%d %H:%M") if isinstance(at, datetime) else "?"
    return f"{when} {last.get('outcome')} ({last.get('items', 0)} items)"


def run_list(args: argparse.Namespace) -> int:
    conn = _connect()
    try:
        docs = registry.list_boards(conn.db, args.ats)
    finally:
        conn.close()
    if not docs:
        print("No boards registered" + (f" for {args.ats}" if args.ats else "") + ": add some with "
              "`crawlerats boards add URL`")
        return 0
    rows = [("ATS", "BOARD", "NAME", "ADDED", "LAST CRAWL", "URL")]
    for doc in docs:
        added = doc.get("added_at")
        rows.append((doc.get("ats", ""), doc.get("company", ""), doc.get("company_name") or "",
                     added.strftime("%Y-%m-%d") if isinstance(added, datetime) else "", _last_crawl(doc),
                     doc.get("url") or ""))
    widths = [max(len(str(row[i])) for row in rows) for i in range(len(rows[0]) - 1)]
    for row in rows:
        print("  ".join(str(cell).ljust(width) for cell, width in zip(row, widths, strict=False)) + "  " + row[-1])
    print(f"{len(docs)} board(s)")
    return 0
