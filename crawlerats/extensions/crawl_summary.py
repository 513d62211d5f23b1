"""One log line at the end of every crawl: boards ok / failed / truncated, postings new / changed / unchanged /
closed / dropped, read from the crawl's stats (names in /work/coord/STATS.md and docs/operations.md).

    Crawl summary (lever): boards 3 ok, 1 failed, 0 truncated, 0 incomplete of 4; postings 10 new,
    2 changed, 30 unchanged, 0 reopened, 5 closed, 1 dropped

`summarize(stats)` is also what `scrapy crawl` uses for its exit status (crawlerats/commands/crawl.py): a crawl
of at least one board in which no board succeeded (ok or truncated) exits with `NO_BOARD_SUCCEEDED`.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler

from crawlerats.items import OUTCOMES

logger = logging.getLogger(__name__)

BOARD_STATES = ("ok", "failed", "truncated", "incomplete")


@dataclass(frozen=True)
class CrawlSummary:
    boards: dict[str, int]
    boards_total: int | None  # None: not a board crawl (e.g. `discover`)
    postings: dict[str, int]

    @property
    def board_crawl(self) -> bool:
        return self.boards_total is not None

    @property
    def no_board_succeeded(self) -> bool:
        """Boards were crawled and none ended ok or truncated (every one failed or was cut off)."""
        return bool(self.boards_total) and self.boards["ok"] + self.boards["truncated"] == 0

    def line(self, spider: str) -> str:
        boards = ", ".join(f"{self.boards[s]} {s}" for s in BOARD_STATES)
        postings = ", ".join(f"{count} {name}" for name, count in self.postings.items())
        return f"Crawl summary ({spider}): boards {boards} of {self.boards_total or 0}; postings {postings}"


def summarize(stats: Mapping[str, Any]) -> CrawlSummary:
    """The end-of-crawl figures from Scrapy stats (missing counters are 0)."""

    def count(key: str) -> int:
        value = stats.get(key)
        return int(value) if isinstance(value, (int, float)) else 0

    total = stats.get("crawlerats/boards/total")
    postings = {name: count(f"crawlerats/outcome/{name}") for name in OUTCOMES}
    postings["closed"] = count("crawlerats/dedup/closed")
    postings["dropped"] = sum(int(v) for k, v in stats.items()
                              if k.startswith("crawlerats/dropped/") and isinstance(v, (int, float)))
    return CrawlSummary({s: count(f"crawlerats/boards/{s}") for s in BOARD_STATES},
                        int(total) if isinstance(total, (int, float)) else None, postings)


class CrawlSummaryExtension:
    """Logs the summary line once the engine has stopped (after every close pass has counted)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlSummaryExtension:
        ext = cls(crawler)
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def engine_stopped(self) -> None:
        if self.crawler.stats is None or self.crawler.spider is None:
            return
        summary = summarize(self.crawler.stats.get_stats())
        if not summary.board_crawl:
            return
        level = logging.ERROR if summary.no_board_succeeded else logging.INFO
        logger.log(level, summary.line(self.crawler.spider.name))
