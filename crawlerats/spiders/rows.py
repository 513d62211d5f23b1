"""List-page rows: parsed one by one (a broken row is dropped and counted) and filtered to those new on their board."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from crawlerats.board import Board


def unseen(spider: Any, board: Board, rows: Iterable[Any], key: Callable[[Any], str | None]) -> list[Any]:
    """Rows whose id (`key(row)`) is not among the board's seen ids yet, once each, in page order; rows without an
    id are left out. Call it after `page_guard` (which compares the page with the same seen ids)."""
    outcome = spider.outcomes.get(board.key)
    known = outcome.seen_ids if outcome is not None else set()
    fresh: dict[str, Any] = {}
    for row in rows:
        job_id = key(row)
        if job_id and job_id not in known:
            fresh.setdefault(job_id, row)
    return list(fresh.values())


def parse_rows(spider: Any, board: Board, nodes: Iterable[Any], parse: Callable[[Any], Any]) -> list[Any]:
    """`parse(node)` for each list-page node (HTML row, feed item), None results left out. A node whose parsing
    raises is dropped and counted (`crawlerats/dropped/parse_error`), like a posting whose mapping raises in `emit`."""
    rows = []
    for node in nodes:
        try:
            row = parse(node)
        except Exception as exc:  # noqa: BLE001 - one bad row must not lose the page
            spider.crawler.stats.inc_value("crawlerats/dropped/parse_error")
            spider.logger.warning("Dropped a %s row on %s: %s: %s", spider.name, board, type(exc).__name__, exc)
            continue
        if row is not None:
            rows.append(row)
    return rows
