"""Run the Spidermon close monitors once per crawl and keep their results for the crawl record.

`run_monitors(crawler, spider, reason)` runs `crawlerats.extensions.monitor_suite.CrawlCloseMonitorSuite`
(or the suites in CRAWLERATS_MONITOR_SUITES) at most once per crawl and returns
`{"passed": bool, "failures": [{"monitor", "message"}], "skipped": [...], "ran": n}`. The extension calls it on
`spider_closed`; the crawl record extension calls it too, so whichever runs first does the work and the
record always carries the results, whatever the order of the two extensions. Each failure is logged as one
ERROR line (`[Spidermon] FAIL: <monitor>: <message>`), then a WARNING summary; stats
`crawlerats/monitors/passed` and `crawlerats/monitors/failed` count them.
A failed monitor does not change the process exit code.
"""

from __future__ import annotations

import logging
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.utils.misc import load_object
from spidermon import MonitorSuite
from spidermon.contrib.scrapy.runners import SpiderMonitorResult, SpiderMonitorRunner

logger = logging.getLogger(__name__)

_ATTR = "_crawlerats_monitor_results"
DEFAULT_SUITES = ["crawlerats.extensions.monitor_suite.CrawlCloseMonitorSuite"]


class _RecordingResult(SpiderMonitorResult):
    """Spidermon's logging result, also keeping each failure's short message."""

    def __init__(self, spider: Any) -> None:
        super().__init__(spider)
        self.monitor_failures: list[dict[str, str]] = []
        self.monitor_skipped: list[dict[str, str]] = []

    def log(self, msg: str, level: int = logging.DEBUG) -> None:
        # Spidermon calls the deprecated Spider.log(); the spider's logger says the same without a warning.
        self.spider.logger.log(level, "[Spidermon] %s", msg)

    def write_errors(self) -> None:
        # One ERROR line per failed monitor, with its message (Spidermon would log a traceback per failure).
        for failure in self.monitor_failures:
            self.log(f"FAIL: {failure['monitor']}: {failure['message']}", level=logging.ERROR)

    def addFailure(self, test: Any, error: Any) -> None:  # noqa: N802 - unittest API
        super().addFailure(test, error)
        self.monitor_failures.append({"monitor": test.name, "message": str(error[1])})

    def addError(self, test: Any, error: Any) -> None:  # noqa: N802 - unittest API
        super().addError(test, error)
        self.monitor_failures.append({"monitor": test.name, "message": f"{type(error[1]).__name__}: {error[1]}"})

    def addSkip(self, test: Any, reason: str) -> None:  # noqa: N802 - unittest API
        super().addSkip(test, reason)
        self.monitor_skipped.append({"monitor": test.name, "reason": reason})


class _Runner(SpiderMonitorRunner):
    def create_result(self) -> _RecordingResult:
        return _RecordingResult(self.spider)


def enabled(crawler: Crawler) -> bool:
    return crawler.settings.getbool("CRAWLERATS_MONITORS_ENABLED", True)


def run_monitors(crawler: Crawler, spider: Any, reason: str | None) -> dict[str, Any] | None:
    """Run the close suites once for this crawl; None when monitors are disabled."""
    if not enabled(crawler):
        return None
    cached = getattr(crawler, _ATTR, None)
    if cached is not None:
        return cached
    stats = crawler.stats
    if reason and stats.get_value("finish_reason") is None:
        stats.set_value("finish_reason", reason)
    failures: list[dict[str, str]] = []
    skipped: list[dict[str, str]] = []
    ran = 0
    for path in crawler.settings.getlist("CRAWLERATS_MONITOR_SUITES") or DEFAULT_SUITES:
        suite_cls = load_object(path)
        if not (isinstance(suite_cls, type) and issubclass(suite_cls, MonitorSuite)):
            raise TypeError(f"CRAWLERATS_MONITOR_SUITES: {path} is not a spidermon MonitorSuite")
        runner = _Runner(spider=spider)
        result = runner.run(suite_cls(crawler=crawler), stats=stats.get_stats(), crawler=crawler, spider=spider,
                            reason=reason)
        failures += result.monitor_failures
        skipped += result.monitor_skipped
        ran += result.testsRun
    results = {"passed": not failures, "failures": failures, "skipped": skipped, "ran": ran}
    setattr(crawler, _ATTR, results)
    stats.set_value("crawlerats/monitors/passed", not failures)
    stats.set_value("crawlerats/monitors/failed", len(failures))
    if failures:
        logger.warning("Monitors FAILED for %s: %d of %d checks failed (see the [Spidermon] FAIL lines)",
                       getattr(spider, "name", "?"), len(failures), ran)
    else:
        logger.info("Monitors passed (%d checks)", ran)
    return results


class MonitorsExtension:
    """Runs the close monitors on `spider_closed` (CRAWLERATS_MONITORS_ENABLED, default on)."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MonitorsExtension:
        if not enabled(crawler):
            raise NotConfigured("CRAWLERATS_MONITORS_ENABLED is off")
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    def spider_closed(self, spider: Any, reason: str) -> None:
        run_monitors(self.crawler, spider, reason)
