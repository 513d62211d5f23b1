"""Bounded paging for every paged ATS spider: a per-board page cap, and a page that brings no new posting id
ends the board. Either way the board is `truncated` with the reason (never `ok`, so nothing is closed).

A hostile or broken board that returns the same page forever, fresh ids forever, or no total would otherwise
page until the crawl is killed. API (docs/reliability.md "Bounded resources"), called once per list page,
*before* the page's postings are emitted or marked seen:

    stop = self.page_guard(board, [p.get("id") for p in postings])   # AtsSpider method
    yield from self.emit(board, postings, self.posting)
    if stop:
        self.board_truncated(board, stop)
    elif more_pages:
        yield self.page(...)
    else:
        self.board_finished(board)

`stop` is None to go on, else the reason (`page_cap (N pages)` or `no_new_ids on page N`); counted as
`crawlerats/paging/page_cap` and `crawlerats/paging/no_new_ids`. The cap is the setting
`CRAWLERATS_MAX_PAGES_PER_BOARD` (default 1000).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

DEFAULT_MAX_PAGES = 1000


@dataclass
class PageGuard:
    """Pages read per board; `check` decides whether a board may ask for another page."""

    max_pages: int = DEFAULT_MAX_PAGES
    pages: dict[Any, int] = field(default_factory=dict)

    def check(self, board_key: Any, seen: set[str], ids_on_page: Iterable[Any]) -> str | None:
        """None to go on, or why the board must stop after this page. `seen`: the ids already seen on the board
        (before this page); `ids_on_page`: the raw ids of this page (None entries ignored)."""
        number = self.pages[board_key] = self.pages.get(board_key, 0) + 1
        ids = [str(i) for i in ids_on_page if i is not None and str(i).strip()]
        if number > 1 and ids and all(i in seen for i in ids):  # an empty page is a normal end, not a repeat
            return f"no_new_ids on page {number}"
        if number >= self.max_pages:
            return f"page_cap ({self.max_pages} pages)"
        return None


def page_guard(spider: Any, board: Any, ids_on_page: Iterable[Any]) -> str | None:
    """`PageGuard.check` for `spider`'s board: one guard per spider, ids seen from its board outcome."""
    guard = spider.__dict__.get("_page_guard")
    if guard is None:
        limit = spider.crawler.settings.getint("CRAWLERATS_MAX_PAGES_PER_BOARD", DEFAULT_MAX_PAGES)
        guard = spider.__dict__["_page_guard"] = PageGuard(max(1, limit))
    outcome = spider.outcomes.get(board.key)
    reason = guard.check(board.key, outcome.seen_ids if outcome is not None else set(), ids_on_page)
    if reason is not None:
        spider.crawler.stats.inc_value(f"crawlerats/paging/{reason.split()[0]}")
    return reason
