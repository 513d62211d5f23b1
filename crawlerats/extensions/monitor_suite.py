"""The Spidermon monitors run at the close of every crawl, with their thresholds read from settings.

Each monitor is a plain assertion over the crawl's final stats (and the spider's board outcomes):
items stored, errors logged, finish reason, failed and truncated boards, and per-field coverage of the
contract fields computed from `crawlerats/field/<name>/missing` over `crawlerats/field/checked`.
The suite is usable with Spidermon's own extension too (`SPIDERMON_SPIDER_CLOSE_MONITORS`), but
CrawlerATS runs it from `crawlerats.extensions.monitors` so the crawl record can store the results.
"""

from __future__ import annotations

from typing import Any

from spidermon import Monitor, MonitorSuite, monitors

#: Default thresholds; each is a Scrapy setting of the same name (see docs/operations.md).
DEFAULTS: dict[str, Any] = {
    "CRAWLERATS_MONITOR_MIN_ITEMS": 1,
    "CRAWLERATS_MONITOR_MAX_ERRORS": 0,
    "CRAWLERATS_MONITOR_FINISH_REASONS": ["finished"],
    "CRAWLERATS_MONITOR_MAX_FAILED_BOARDS": 0,
    "CRAWLERATS_MONITOR_MAX_TRUNCATED_BOARDS": 0,
    # Minimum share (0..1) of stored-candidate items that carry each contract field.
    "CRAWLERATS_MONITOR_FIELD_COVERAGE": {
        "title": 1.0, "location": 0.8, "posted_at": 0.5, "description_text": 0.8, "salary": 0.0,
    },
}


def setting(crawler: Any, name: str) -> Any:
    """A monitor threshold: the Scrapy setting when set, else the default above."""
    value = crawler.settings.get(name) if crawler is not None else None
    if value is None:
        return DEFAULTS[name]
    if isinstance(DEFAULTS[name], dict):
        return crawler.settings.getdict(name)
    if isinstance(DEFAULTS[name], list):
        return crawler.settings.getlist(name)
    return crawler.settings.getint(name)


def board_counts(spider: Any, reason: str | None) -> dict[str, int]:
    """ok/failed/truncated/incomplete board counts from the spider's outcomes (0 for non-board spiders)."""
    counts = {"ok": 0, "failed": 0, "truncated": 0, "incomplete": 0}
    for outcome in (getattr(spider, "outcomes", None) or {}).values():
        counts[outcome.outcome(reason)] += 1
    return counts


def board_problems(spider: Any, reason: str | None, state: str) -> list[str]:
    return [f"{o.board} ({o.reason or 'not finished'})" for o in (getattr(spider, "outcomes", None) or {}).values()
            if o.outcome(reason) == state]


class CrawlMonitor(Monitor):
    """Base: easy access to stats, thresholds, the spider and the finish reason."""

    longMessage = False  # our assertion messages say everything; no "1 not less than 0 :" prefix

    @property
    def stats(self) -> Any:
        return self.data.stats

    @property
    def reason(self) -> str | None:
        return self.data.get("reason") or self.stats.get("finish_reason")

    def threshold(self, name: str) -> Any:
        return setting(self.data.crawler, name)


@monitors.name("Items")
class ItemCountMonitor(CrawlMonitor):
    @monitors.name("stored items reach CRAWLERATS_MONITOR_MIN_ITEMS")
    def test_minimum_items(self) -> None:
        if not self.stats.get("crawlerats/boards/total", 0):
            self.skipTest("no boards in this crawl")
        minimum = self.threshold("CRAWLERATS_MONITOR_MIN_ITEMS")
        stored = self.stats.get("crawlerats/items/stored", self.stats.get("item_scraped_count", 0))
        self.assertGreaterEqual(stored, minimum, f"{stored} item(s) stored, expected at least {minimum}")


@monitors.name("Errors")
class ErrorCountMonitor(CrawlMonitor):
    @monitors.name("logged errors stay within CRAWLERATS_MONITOR_MAX_ERRORS")
    def test_errors(self) -> None:
        maximum = self.threshold("CRAWLERATS_MONITOR_MAX_ERRORS")
        errors = self.stats.get("log_count/ERROR", 0)
        self.assertLessEqual(errors, maximum, f"{errors} error(s) logged, at most {maximum} allowed")


@monitors.name("Finish reason")
class FinishReasonMonitor(CrawlMonitor):
    @monitors.name("finish reason is expected")
    def test_finish_reason(self) -> None:
        allowed = self.threshold("CRAWLERATS_MONITOR_FINISH_REASONS")
        self.assertIn(self.reason, allowed, f"finish reason {self.reason!r}, expected one of {allowed}")


@monitors.name("Boards")
class BoardMonitor(CrawlMonitor):
    def _check(self, state: str, setting_name: str) -> None:
        maximum = self.threshold(setting_name)
        problems = board_problems(self.data.spider, self.reason, state)
        self.assertLessEqual(len(problems), maximum,
                             f"{len(problems)} board(s) {state} (at most {maximum}): {', '.join(problems[:20])}")

    @monitors.name("failed boards stay within CRAWLERATS_MONITOR_MAX_FAILED_BOARDS")
    def test_failed_boards(self) -> None:
        self._check("failed", "CRAWLERATS_MONITOR_MAX_FAILED_BOARDS")

    @monitors.name("truncated boards stay within CRAWLERATS_MONITOR_MAX_TRUNCATED_BOARDS")
    def test_truncated_boards(self) -> None:
        self._check("truncated", "CRAWLERATS_MONITOR_MAX_TRUNCATED_BOARDS")


@monitors.name("Field coverage")
class FieldCoverageMonitor(CrawlMonitor):
    @monitors.name("contract fields reach CRAWLERATS_MONITOR_FIELD_COVERAGE")
    def test_field_coverage(self) -> None:
        checked = self.stats.get("crawlerats/field/checked", 0)
        if not checked:
            self.skipTest("no items reached validation")
        low = []
        for name, minimum in sorted(self.threshold("CRAWLERATS_MONITOR_FIELD_COVERAGE").items()):
            missing = self.stats.get(f"crawlerats/field/{name}/missing", 0)
            coverage = (checked - missing) / checked
            if coverage < float(minimum):
                low.append(f"{name} {coverage:.0%} < {float(minimum):.0%}")
        self.assertFalse(low, f"low field coverage over {checked} item(s): {'; '.join(low)}")


class CrawlCloseMonitorSuite(MonitorSuite):
    """Every CrawlerATS close monitor; each reads its thresholds from settings, none needs configuring."""

    monitors = [ItemCountMonitor, ErrorCountMonitor, FinishReasonMonitor, BoardMonitor, FieldCoverageMonitor]
