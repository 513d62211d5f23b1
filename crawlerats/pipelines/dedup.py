"""Stage 2 (300): track postings across crawls: changes, reopenings, reposts, duplicates, closing.

Items are batched (`Batcher`, worker thread); each batch costs a few indexed queries (see
crawlerats/dedup/engine.py). When the crawl ends (`spider_closed`, which carries the finish reason),
postings missing from every board crawled completely and successfully are closed, the duplicate
groups touched by the crawl are rechecked against what every batch (and any concurrent crawl) wrote,
and postings whose group changed after the scoring stage scored them are announced with the
`postings_regrouped` signal (the scoring stage rescores them), so `health` always agrees with the stored
`duplicate_count`. Each item's outcome (`crawlerats.items.OUTCOMES`) is counted as
`crawlerats/outcome/<outcome>`; unchanged postings take the fast path (`CRAWLERATS_FAST_PATH`). The stage
enables the spiders' raw fingerprints (crawlerats/db/stored_fingerprints.py): it is what fills an item the spider
did not map from the stored posting, and drops one it cannot (`crawlerats/dropped/unmapped_stale`).
Rules and fields: docs/dedup.md.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from datetime import timedelta
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawlerats.board_source import stored_fingerprints
from crawlerats.clock import now as clock_now
from crawlerats.db.crawl import crawl_connection
from crawlerats.db.retry import ATTEMPTS, BACKOFF, Retrying
from crawlerats.dedup.engine import (
    BOILERPLATE_BAND_MAX,
    CANDIDATES_PER_BATCH,
    STORED_PROJECTION,
    Counters,
    DedupEngine,
    key_of,
)
from crawlerats.items import state_of
from crawlerats.pipelines.batching import Batcher
from crawlerats.pipelines.stage_signals import postings_regrouped

logger = logging.getLogger(__name__)


class _PhaseTimer:
    """Seconds spent in each phase of the end-of-crawl pass, as stats `<prefix>/<phase>`."""

    def __init__(self, stats: Any, prefix: str) -> None:
        self.stats, self.prefix = stats, prefix
        self.laps: dict[str, float] = {}
        self.started = time.monotonic()

    def lap(self, phase: str) -> None:
        now = time.monotonic()
        self.laps[phase] = round(now - self.started, 2)
        self.stats.set_value(f"{self.prefix}/{phase}", self.laps[phase])
        self.started = now


class DedupPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.batcher: Batcher[Any] = Batcher(
            self._handle, size=settings.getint("CRAWLERATS_BATCH_SIZE", 500),
            delay=settings.getfloat("CRAWLERATS_BATCH_DELAY", 0.1),
        )
        self.repost_min_age = timedelta(days=settings.getfloat("CRAWLERATS_DEDUP_REPOST_MIN_AGE_DAYS", 7))
        self.engine: DedupEngine | None = None
        self.started_at = clock_now(settings)
        self.fingerprints = stored_fingerprints(crawler)
        self.fingerprints.enable(lookups=settings.getbool("CRAWLERATS_FAST_PATH", True), prefetch=STORED_PROJECTION)
        crawler.signals.connect(self.spider_closed, signal=signals.spider_closed)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> DedupPipeline:
        return cls(crawler)

    async def open_spider(self) -> None:
        conn = await crawl_connection(self.crawler)
        self.started_at = clock_now(self.crawler.settings)
        settings = self.crawler.settings
        retry = Retrying("dedup stage", settings.getint("CRAWLERATS_WRITE_ATTEMPTS", ATTEMPTS),
                         settings.getfloat("CRAWLERATS_WRITE_BACKOFF", BACKOFF),
                         on_retry=lambda: self.crawler.stats.inc_value("crawlerats/db/retries"))
        self.engine = DedupEngine(conn.db, lambda: clock_now(settings),
                                  getattr(self.crawler.spider, "crawl_id", None), self.repost_min_age, retry,
                                  fast_path=settings.getbool("CRAWLERATS_FAST_PATH", True),
                                  boilerplate_band_max=settings.getint("CRAWLERATS_DEDUP_BOILERPLATE_BAND_MAX",
                                                                       BOILERPLATE_BAND_MAX),
                                  candidates_per_batch=settings.getint("CRAWLERATS_DEDUP_CANDIDATES_PER_BATCH",
                                                                       CANDIDATES_PER_BATCH),
                                  keep_unmapped=self.fingerprints.satisfied, prefetched=self.fingerprints.take,
                                  forget=self.fingerprints.forget)

    async def process_item(self, item: Any) -> Any:
        await self.batcher.submit(item)
        dropped = state_of(item).dropped
        if dropped:
            self.crawler.stats.inc_value(f"crawlerats/dropped/{dropped}")
            raise DropItem(f"{dropped}: the stored copy of {'/'.join(key_of(item))} changed since the spider read it")
        return item

    async def close_spider(self) -> None:
        await self.batcher.drain()

    def _handle(self, items: list[Any]) -> None:
        assert self.engine is not None
        self._count(self.engine.process_batch(items))
        outcomes = Counter(state_of(item).outcome for item in items if not state_of(item).dropped)
        for outcome, count in outcomes.items():
            self.crawler.stats.inc_value(f"crawlerats/outcome/{outcome}", count)

    def _count(self, counters: Counters) -> None:
        for name, value in counters.as_stats().items():
            self.crawler.stats.inc_value(f"crawlerats/dedup/{name}", value)

    async def spider_closed(self, spider: Any, reason: str) -> None:
        if self.engine is None:
            return
        try:
            finished = await asyncio.to_thread(self._finish, spider, reason)
        except Exception:  # a failed close pass must not hide the crawl's own result
            self.crawler.stats.inc_value("crawlerats/dedup/finish_errors")
            logger.exception("Dedup close pass failed; nothing more is closed by this crawl")
            return
        if finished and self.engine.regrouped:
            await self.crawler.signals.send_catch_log_async(
                signal=postings_regrouped, keys=set(self.engine.regrouped), retry=self.engine.retry)

    def _finish(self, spider: Any, reason: str) -> bool:
        """Close what complete boards no longer list, then recheck and recount duplicate groups; False when
        the crawl had a database error (nothing is done then)."""
        assert self.engine is not None
        stats = self.crawler.stats
        if stats.get_value("crawlerats/database_error"):
            logger.warning("Not closing postings: the crawl had a database error")
            return False
        closed_at = clock_now(self.crawler.settings)
        closed = 0
        timer = _PhaseTimer(stats, "crawlerats/dedup/finish_seconds")
        for (ats, company), outcome in sorted(getattr(spider, "outcomes", {}).items()):
            state = outcome.outcome(reason)
            if state != "ok":
                logger.info("Not closing postings of %s/%s: board crawl %s", ats, company, state)
                continue
            closed += self.engine.close_missing(ats, company, set(outcome.seen_ids), self.started_at, closed_at)
        stats.set_value("crawlerats/dedup/closed", closed)
        timer.lap("close")
        self._count(self.engine.recheck(self.engine.dirty))
        timer.lap("recheck")
        recounted = self.engine.recount(self.engine.left_groups)
        if recounted:
            stats.inc_value("crawlerats/dedup/members_updated", recounted)
        timer.lap("recount")
        logger.info("Dedup end-of-crawl pass: %d closed, %d postings rechecked, %d groups recounted, %d regrouped "
                    "(seconds: %s)", closed, len(self.engine.dirty), len(self.engine.left_groups),
                    len(self.engine.regrouped), timer.laps)
        return True
