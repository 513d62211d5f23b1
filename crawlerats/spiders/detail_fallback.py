"""One detail request per listed posting, falling back to the listed data (base's picklable `fallback=`).

A spider mixing in `ListedFallback` calls `self.detail_request(board, url, listed)` for a posting seen on a list
page and implements `parse_detail(response, board, listed)` and `posting(board, listed, detail)`. When the detail
request fails (HTTP error, timeout), `AtsSpider.on_error` counts it (`crawlerats/detail_failed/<reason>`) and stores
`self.listed_posting(board, listed)`, i.e. `posting(board, listed, None)`. Only a method name and the plain listed
dict travel with the request, so it survives a `JOBDIR` pause/resume.
"""

from __future__ import annotations

from typing import Any

import scrapy

from crawlerats.board import Board


class ListedFallback:
    """Mixin for `AtsSpider` subclasses with one detail request per listed posting."""

    def detail_request(self, board: Board, url: str, listed: dict[str, Any]) -> scrapy.Request:
        return self.request(board, url, self.parse_detail, cb_kwargs={"listed": listed},  # type: ignore[attr-defined]
                            detail=True, fallback="listed_posting")

    def listed_posting(self, board: Board, listed: dict[str, Any]) -> Any:
        return self.posting(board, listed, None)  # type: ignore[attr-defined]
