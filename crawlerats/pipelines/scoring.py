"""Stage 3 (500): compute each item's `health` (ghost score, risk, signal breakdown). Pure CPU, no database.

The stored document the dedup stage put on `item._stored` supplies `first_seen` and, when the dedup stage
did not set them on the item, the repost/duplicate facts; a new posting's first_seen is the crawl's now.
"""

from __future__ import annotations

from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from crawlerats.clock import now as clock_now
from crawlerats.scoring.config import config_from_settings
from crawlerats.scoring.score import score_posting


class ScoringPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.config = config_from_settings(crawler.settings)
        self.now = clock_now(crawler.settings)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ScoringPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        stored = getattr(item, "_stored", None) or {}
        doc: dict[str, Any] = {**stored, **dict(adapter.items())}  # crawled and dedup values win
        doc["first_seen"] = stored.get("first_seen") or adapter.get("first_seen") or self.now
        doc["status"] = "open"  # the crawl sees it, so it is live now
        doc["closed_at"] = None
        health = score_posting(doc, self.now, self.config)
        adapter["health"] = health
        stats = self.crawler.stats
        if stats is not None:
            stats.inc_value(f"crawlerats/health/{health['risk']}")
        return item
