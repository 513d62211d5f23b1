"""Write the crawl's final Scrapy stats as JSON to CRAWLERATS_STATS_FILE (for tests and scripts), credentials in
any URI removed (crawlerats/redact.py)."""

from __future__ import annotations

import json
from pathlib import Path

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

from crawlerats.extensions.crawl_record import record_peak_memory
from crawlerats.redact import redact


class StatsFileExtension:
    def __init__(self, crawler: Crawler, path: str) -> None:
        self.crawler = crawler
        self.path = Path(path)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> StatsFileExtension:
        path = crawler.settings.get("CRAWLERATS_STATS_FILE")
        if not path:
            raise NotConfigured
        ext = cls(crawler, path)
        crawler.signals.connect(ext.engine_stopped, signal=signals.engine_stopped)
        return ext

    def engine_stopped(self) -> None:
        if self.crawler.stats is not None:
            record_peak_memory(self.crawler)
        stats = self.crawler.stats.get_stats() if self.crawler.stats else {}
        self.path.write_text(json.dumps(redact(stats), default=str, sort_keys=True))
