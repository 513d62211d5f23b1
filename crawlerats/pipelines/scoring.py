"""Stage 3 (500): compute each item's `health` (ghost score, risk, signal breakdown). Pure CPU, but for the
end-of-crawl rescore of postings the dedup stage regrouped (`postings_regrouped`).

The stored document (`PostingState.stored`, read by the dedup stage) supplies `first_seen` and what the item
does not carry; a new posting's first_seen is the crawl's now. The health write rule (docs/scoring.md): an
unchanged posting on the fast path keeps its stored `health` while `health_is_current` (same scoring version,
the clock has not moved on by a day); otherwise `health` is computed, and a result equal to the stored one but
for `scored_at` keeps the stored object, so `health` is written only when something in it changed and
`scored_at` says when the stored score was computed. `PostingState.health_changed` tells the writer.
Spiders skip mapping a posting only while its stored `health` is current (the stage's condition on the stored
raw fingerprints, crawlerats/db/stored_fingerprints.py), so an unmapped posting is never scored without its text.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler

from crawlerats.board_source import stored_fingerprints
from crawlerats.clock import now as clock_now
from crawlerats.db.crawl import crawl_connection
from crawlerats.items import INTERNAL_FIELDS, state_of
from crawlerats.pipelines.stage_signals import postings_regrouped
from crawlerats.scoring.config import config_from_settings
from crawlerats.scoring.score import HEALTH_CURRENT_FIELDS, health_is_current, same_health, score_posting

logger = logging.getLogger(__name__)


class ScoringPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.config = config_from_settings(crawler.settings)
        self.now = clock_now(crawler.settings)
        crawler.signals.connect(self.rescore_regrouped, signal=postings_regrouped)
        stored_fingerprints(crawler).require(HEALTH_CURRENT_FIELDS,
                                             lambda doc: health_is_current(doc, self.now, self.config))

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ScoringPipeline:
        return cls(crawler)

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        state = state_of(item)
        stored = state.stored or {}
        stats = self.crawler.stats
        # an item still unmapped after the dedup stage met this stage's condition there (its health is current)
        if state.fast and (state.unmapped or health_is_current(stored, self.now, self.config)):
            health = stored["health"]
        else:
            doc: dict[str, Any] = {**stored, **{k: v for k, v in adapter.items() if k not in INTERNAL_FIELDS}}
            doc["first_seen"] = stored.get("first_seen") or adapter.get("first_seen") or self.now
            health = score_posting(doc, self.now, self.config)
            if stats is not None:
                stats.inc_value("crawlerats/health/computed")
            if same_health(health, stored.get("health")):
                health = stored["health"]
        state.health_changed = health is not stored.get("health")
        adapter["health"] = health
        if stats is not None:
            stats.inc_value(f"crawlerats/health/{health['risk']}")
            if state.health_changed:
                stats.inc_value("crawlerats/health/changed")
        return item

    async def rescore_regrouped(self, keys: set[tuple[str, str, str]],
                                retry: Callable[[Callable[[], Any]], Any]) -> None:
        """Rescore the stored postings whose duplicate group the dedup stage changed after they were scored."""
        from crawlerats.scoring.rescore import rescore_keys

        started = time.monotonic()
        conn = await crawl_connection(self.crawler)
        now = clock_now(self.crawler.settings)
        rescored = await asyncio.to_thread(rescore_keys, conn.db, keys, now, self.config, retry)
        stats = self.crawler.stats
        stats.set_value("crawlerats/dedup/rescored", rescored)
        stats.set_value("crawlerats/dedup/finish_seconds/rescore", round(time.monotonic() - started, 2))
        logger.info("Rescored %d regrouped postings", rescored)
