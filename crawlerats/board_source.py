"""Where a spider run without `companies` gets its boards: a `BoardSource` handed to the spider.

Spiders never open the database themselves: `AtsSpider.start()` asks `board_source(crawler).boards(ats)`.
The source is the `CRAWLERATS_BOARD_SOURCE` setting (an import path; built with the crawler): by default
`crawlerats.db.board_source.RegistryBoardSource`, the `boards` registry; tests and tools can hand another
(e.g. a fixed list) without a database.

Likewise `stored_fingerprints(crawler)` hands spiders the stored `raw_fingerprint` of a board's open postings, so
a spider can skip mapping a posting whose raw payload did not change (docs/dedup.md "The fast path").
"""

from __future__ import annotations

from typing import Any, Protocol

from scrapy.crawler import Crawler
from scrapy.utils.misc import build_from_crawler, load_object

from crawlerats.board import Board

DEFAULT_BOARD_SOURCE = "crawlerats.db.board_source.RegistryBoardSource"
_ATTR = "_crawlerats_board_source"


class BoardSource(Protocol):
    async def boards(self, ats: str) -> list[Board]:
        """Every board of `ats` to crawl (the spider then applies `shard`)."""
        ...


def board_source(crawler: Crawler) -> Any:
    """The crawl's board source (built once per crawler from CRAWLERATS_BOARD_SOURCE)."""
    source = getattr(crawler, _ATTR, None)
    if source is None:
        cls = load_object(crawler.settings.get("CRAWLERATS_BOARD_SOURCE") or DEFAULT_BOARD_SOURCE)
        source = build_from_crawler(cls, crawler)
        setattr(crawler, _ATTR, source)
    return source


def stored_fingerprints(crawler: Crawler) -> Any:
    """The crawl's source of stored raw fingerprints (crawlerats/db/stored_fingerprints.py), created once per
    crawler: inert unless the dedup stage, which can take unmapped postings, enabled it. Spiders read it
    through `AtsSpider.start()`, one query per board, never the database itself."""
    source = getattr(crawler, _FINGERPRINTS_ATTR, None)
    if source is None:
        from crawlerats.db.stored_fingerprints import StoredFingerprints

        source = StoredFingerprints(crawler)
        setattr(crawler, _FINGERPRINTS_ATTR, source)
    return source


_FINGERPRINTS_ATTR = "_crawlerats_stored_fingerprints"
