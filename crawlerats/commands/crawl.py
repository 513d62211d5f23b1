"""`scrapy crawl` that exits non-zero when the crawl stopped on an error (e.g. `database_error`).

Scrapy's own command exits 0 whatever the finish reason once the spider has started, so a crawl the
MongoDB writer had to stop would look successful to cron, CI and Scrapyd logs. Reasons listed in
CRAWLERATS_FAILED_FINISH_REASONS make the process exit with status 1; everything else is unchanged.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.crawler import Crawler

logger = logging.getLogger(__name__)

DEFAULT_FAILED_REASONS = ("database_error",)


class Command(ScrapyCrawlCommand):
    def _create_crawler(self, spidercls: Any) -> Crawler:
        crawler = super()._create_crawler(spidercls)
        self._crawler = crawler
        return crawler

    def run(self, args: list[str], opts: argparse.Namespace) -> None:
        super().run(args, opts)
        crawler: Crawler | None = getattr(self, "_crawler", None)
        if crawler is None or crawler.stats is None:
            return
        reason = crawler.stats.get_value("finish_reason")
        failed = crawler.settings.getlist("CRAWLERATS_FAILED_FINISH_REASONS", list(DEFAULT_FAILED_REASONS))
        if reason in failed:
            logger.error("Crawl stopped with finish reason %r: exiting with status 1", reason)
            self.exitcode = 1
