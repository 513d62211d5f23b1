"""List-page rows: parsed one by one (a broken row is dropped and counted) and filtered to those new on their board;
`read_html_list` reads one HTML list page with them (rows, page guard, new rows emitted, then the board's paging)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from typing import Any

from parsel import Selector

from crawlerats.board import Board
from crawlerats.spiders.pages import html_page

# What follows a list page: given (page markup, parsed rows, page_guard's stop reason or None), the next page's
# request(s) and/or the board's end (`board_truncated` / `board_finished`).
Then = Callable[[Selector, list[Any], str | None], Iterable[Any]]


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


def read_html_list(spider: Any, response: Any, board: Board, *, select: Callable[[Selector], Iterable[Any]],
                   row: Callable[[Any], Any], id_of: Callable[[Any], str | None],
                   build: Callable[[Board, Any], Any], then: Then, mark_seen: bool = False) -> Iterator[Any]:
    """One HTML list page: a page that is not HTML fails the board (`not_html at {url}`); else `row(node)` for each
    node of `select(markup)` (`parse_rows`), `page_guard` over their ids, `emit(board, new rows, build)`, then
    `then(markup, rows, stop)`. `mark_seen`: the new rows' ids count as seen before emitting, for a `build` that
    returns a detail-page request instead of an item."""
    markup = html_page(response)
    if markup is None:
        spider.board_failed(board, f"not_html at {response.url}")
        return
    rows = parse_rows(spider, board, select(markup), row)
    stop = spider.page_guard(board, [id_of(r) for r in rows])
    fresh = unseen(spider, board, rows, id_of)
    if mark_seen:
        for r in fresh:
            spider.mark_seen(board, id_of(r))
    yield from spider.emit(board, fresh, build)
    yield from then(markup, rows, stop)


def until_empty(spider: Any, board: Board, next_page: Callable[[], Any]) -> Then:
    """`then` for boards paged until an empty page: a guard stop truncates the board, a page with rows asks
    `next_page()`, an empty page finishes the board."""
    def then(markup: Selector, rows: list[Any], stop: str | None) -> Iterator[Any]:
        if stop:
            spider.board_truncated(board, stop)
        elif rows:
            yield next_page()
        else:
            spider.board_finished(board)
    return then
