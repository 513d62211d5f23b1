"""`scrapy crawl` that exits non-zero when the crawl stopped on an error (e.g. `database_error`), or when
boards were crawled and none succeeded.

Scrapy's own command exits 0 whatever the finish reason once the spider has started, so a crawl the
MongoDB writer had to stop would look successful to cron, CI and Scrapyd logs. Reasons listed in
CRAWLERATS_FAILED_FINISH_REASONS (crawlerats/settings.py: `database_error` and the resource limits such as
`memusage_exceeded` and `closespider_timeout`) make the process exit with status 1; everything else is unchanged.
"""

from __future__ import annotations

import argparse
import logging
from typing import Any

from scrapy.commands.crawl import Command as ScrapyCrawlCommand
from scrapy.crawler import Crawler

from crawlerats import settings as project_settings
from crawlerats.extensions.crawl_summary import summarize

logger = logging.getLogger(__name__)

#: The project's list (crawlerats/settings.py), used when the setting is missing (e.g. settings of another project).
DEFAULT_FAILED_REASONS = tuple(project_settings.CRAWLERATS_FAILED_FINISH_REASONS)
#: Exit statuses (README "Exit codes"): 0 done, 1 stopped on a failed finish reason, 2 usage error (Scrapy),
#: 3 boards were crawled and none succeeded (every board failed or was left incomplete).
STOPPED_ON_ERROR = 1
NO_BOARD_SUCCEEDED = 3


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
            logger.error("Crawl stopped with finish reason %r: exiting with status %d", reason, STOPPED_ON_ERROR)
            self.exitcode = STOPPED_ON_ERROR
        elif summarize(crawler.stats.get_stats()).no_board_succeeded:
            logger.error("No board of this crawl succeeded: exiting with status %d", NO_BOARD_SUCCEEDED)
            self.exitcode = NO_BOARD_SUCCEEDED
