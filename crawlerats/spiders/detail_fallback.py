"""One detail request per listed posting, falling back to the listed data (base's picklable `fallback=`).

A spider mixing in `ListedFallback` calls `self.detail_request(board, url, listed)` for a posting seen on a list
page and implements `parse_detail(response, board, listed)` and `posting(board, listed, detail)`. When the detail
request fails (HTTP error, timeout), `AtsSpider.on_error` counts it (`crawlerats/detail_failed/<reason>`) and stores
`self.listed_posting(board, listed)`, i.e. `posting(board, listed, None)`. Only a method name and the plain listed
dict travel with the request, so it survives a `JOBDIR` pause/resume. `JsonLdListedFallback` also reads the job page:
its first JSON-LD JobPosting goes to `posting(board, listed, ld_posting)`.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import scrapy
from scrapy.http import Response

from crawlerats.board import Board
from crawlerats.discovery import jsonld as ld
from crawlerats.spiders.pages import html_page


class ListedFallback:
    """Mixin for `AtsSpider` subclasses with one detail request per listed posting."""

    def detail_request(self, board: Board, url: str, listed: dict[str, Any]) -> scrapy.Request:
        return self.request(board, url, self.parse_detail, cb_kwargs={"listed": listed},  # type: ignore[attr-defined]
                            detail=True, fallback="listed_posting")

    def listed_posting(self, board: Board, listed: dict[str, Any]) -> Any:
        return self.posting(board, listed, None)  # type: ignore[attr-defined]


class JsonLdListedFallback(ListedFallback):
    """`ListedFallback` whose job page carries a JSON-LD JobPosting: `posting(board, listed, ld_posting)` gets the
    page's first one, or None (counted `crawlerats/detail_failed/no_jobposting`) when the page has none."""

    def parse_detail(self, response: Response, board: Board, listed: dict[str, Any]) -> Iterator[Any]:
        page = html_page(response)
        postings = ld.job_postings(page)[0] if page is not None else []
        if not postings:
            self.crawler.stats.inc_value("crawlerats/detail_failed/no_jobposting")  # type: ignore[attr-defined]
        yield from self.emit(board, [listed],  # type: ignore[attr-defined]
                             lambda b, r: self.posting(b, r, postings[0] if postings else None))  # type: ignore[attr-defined]
