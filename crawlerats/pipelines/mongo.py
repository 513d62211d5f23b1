"""Stage 4: bulk, unordered writes of job documents into `jobs`, off the reactor thread.

Identity is `(ats, company, job_id)` (unique index). `first_seen` only moves earlier (`$min`), `last_seen`
only later (`$max`), so re-runs are idempotent and replays of older data do not regress them. A posting
the dedup stage found no stored document for is inserted (cheaper than an upsert); if a concurrent crawl
inserted it first, the duplicate-key error turns that insert into the upsert.
A write that still fails after retries with backoff stops the crawl with finish reason `database_error`;
nothing is closed by such a crawl (see docs/reliability.md).
"""

from __future__ import annotations

import asyncio
import logging
import time
from typing import Any

import bson
from bson.errors import InvalidDocument
from itemadapter import ItemAdapter
from pymongo import InsertOne, UpdateOne
from pymongo.errors import BulkWriteError, PyMongoError
from scrapy import signals
from scrapy.crawler import Crawler

from crawlerats.clock import now as clock_now
from crawlerats.db.crawl import crawl_connection
from crawlerats.db.retry import ATTEMPTS as WRITE_ATTEMPTS
from crawlerats.db.retry import BACKOFF as WRITE_BACKOFF
from crawlerats.pipelines.batching import Batcher

logger = logging.getLogger(__name__)

#: Never written with $set: maintained with $min/$max or $setOnInsert.
_MANAGED = frozenset({"first_seen", "last_seen"})
#: `item._stored` when no dedup stage ran: whether the posting is stored is unknown.
_UNKNOWN = object()


class DatabaseWriteError(RuntimeError):
    """A batch could not be written after every retry."""


def job_key(item: Any) -> dict[str, str]:
    adapter = ItemAdapter(item)
    return {"ats": adapter["ats"], "company": adapter["company"], "job_id": adapter["job_id"]}


def _fields(item: Any, crawl_id: str | None) -> dict[str, Any]:
    fields = {k: v for k, v in ItemAdapter(item).items() if k not in _MANAGED}
    fields.setdefault("status", "open")
    if crawl_id:
        fields["crawl_id"] = crawl_id
    return fields


def upsert_operation(item: Any, seen_at: Any, crawl_id: str | None) -> UpdateOne:
    """The upsert for one item: every crawled/stage field set, first/last seen maintained."""
    fields = _fields(item, crawl_id)
    stored = getattr(item, "_stored", None)
    if stored:
        # Most postings are unchanged between crawls: send only what differs from the stored document.
        fields = {k: v for k, v in fields.items() if k not in stored or stored[k] != v}
    update: dict[str, Any] = {"$min": {"first_seen": seen_at}, "$max": {"last_seen": seen_at}}
    if fields:
        update["$set"] = fields
    return UpdateOne(job_key(item), update, upsert=True)


def write_operation(item: Any, seen_at: Any, crawl_id: str | None) -> InsertOne | UpdateOne:
    """An insert when the dedup stage found no stored document (`item._stored is None`), else the upsert.

    On SecantusDB an insert costs 1.3 ms of server CPU against 2.2 ms for the same document upserted.
    """
    if getattr(item, "_stored", _UNKNOWN) is not None:
        return upsert_operation(item, seen_at, crawl_id)
    return InsertOne({**_fields(item, crawl_id), "first_seen": seen_at, "last_seen": seen_at})


class MongoWriterPipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        settings = crawler.settings
        self.batcher: Batcher[Any] = Batcher(
            self._write, size=settings.getint("CRAWLERATS_BATCH_SIZE", 500),
            delay=settings.getfloat("CRAWLERATS_BATCH_DELAY", 0.1),
        )
        self.attempts = settings.getint("CRAWLERATS_WRITE_ATTEMPTS", WRITE_ATTEMPTS)
        self.backoff = settings.getfloat("CRAWLERATS_WRITE_BACKOFF", WRITE_BACKOFF)
        self.failed = False
        self.collection: Any = None
        crawler.signals.connect(self.item_error, signal=signals.item_error)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MongoWriterPipeline:
        return cls(crawler)

    def item_error(self, item: Any, response: Any, spider: Any, failure: Any) -> None:
        """An earlier stage lost an item to a database error (e.g. the dedup stage's reads during an
        outage): stop the crawl as if the write had failed, so the loss is never silent and nothing is
        closed; the next run stores the item."""
        if not failure.check(PyMongoError):
            return  # the writer's own DatabaseWriteError was counted by _give_up
        self.crawler.stats.inc_value("crawlerats/dropped/database_error")
        if self.failed:
            return
        self.failed = True
        exc = failure.value
        self.crawler.stats.set_value("crawlerats/database_error", f"{exc.__class__.__name__}: {str(exc)[:300]}")
        logger.error("A pipeline stage lost an item to a database error, stopping the crawl: %s", exc)
        self._close_engine()

    async def open_spider(self) -> None:
        conn = await crawl_connection(self.crawler)
        self.collection = conn.db["jobs"]

    async def process_item(self, item: Any) -> Any:
        if self.failed:
            self.crawler.stats.inc_value("crawlerats/dropped/database_error")
            return item
        await self.batcher.submit(item)
        return item

    async def close_spider(self) -> None:
        await self.batcher.drain()

    def _write(self, items: list[Any]) -> None:
        seen_at = clock_now(self.crawler.settings)
        crawl_id = getattr(self.crawler.spider, "crawl_id", None)
        pending = [(item, write_operation(item, seen_at, crawl_id)) for item in items]
        inserted = upserted = modified = 0
        for attempt in range(1, self.attempts + 1):
            try:
                if pending:
                    result = self.collection.bulk_write([op for _, op in pending], ordered=False)
                    inserted += result.inserted_count
                    upserted += result.upserted_count
                    modified += result.modified_count
                break
            except (InvalidDocument, UnicodeEncodeError, OverflowError) as exc:
                # One document BSON cannot hold must not lose the batch: drop it (counted) and write the rest.
                pending = self._storable(pending, exc)
                continue
            except BulkWriteError as exc:
                # Duplicate keys: a concurrent crawl inserted the posting first. What was written stays
                # written; the colliding operations are retried as upserts, which update its document.
                errors = exc.details.get("writeErrors", [])
                if errors and all(e.get("code") == 11000 for e in errors) and attempt < self.attempts:
                    inserted += int(exc.details.get("nInserted", 0))
                    upserted += int(exc.details.get("nUpserted", 0))
                    modified += int(exc.details.get("nModified", 0))
                    retry = [pending[e["index"]][0] for e in errors]
                    pending = [(item, upsert_operation(item, seen_at, crawl_id)) for item in retry]
                    continue
                self._give_up(items, exc)
            except PyMongoError as exc:
                if attempt == self.attempts:
                    self._give_up(items, exc)
                delay = self.backoff * 2 ** (attempt - 1)
                logger.warning("MongoDB write failed (%s); retry %d/%d in %.1f s", exc, attempt,
                               self.attempts - 1, delay)
                self.crawler.stats.inc_value("crawlerats/db/retries")
                time.sleep(delay)
        stats = self.crawler.stats
        stats.inc_value("crawlerats/items/stored", len(items))
        stats.inc_value("crawlerats/db/inserted", inserted + upserted)
        stats.inc_value("crawlerats/db/upserted", upserted)
        stats.inc_value("crawlerats/db/modified", modified)
        for item in items:
            adapter = ItemAdapter(item)
            stored = getattr(item, "_stored", None) or {}
            adapter["first_seen"] = stored.get("first_seen") or seen_at
            adapter["last_seen"] = seen_at
            adapter.setdefault("status", "open")

    def _storable(self, pending: list[tuple[Any, Any]], exc: Exception) -> list[tuple[Any, Any]]:
        keep = []
        for item, operation in pending:
            try:
                bson.encode(operation._doc)
            except (InvalidDocument, UnicodeEncodeError, OverflowError):
                self.crawler.stats.inc_value("crawlerats/dropped/unstorable")
                logger.error("Dropped an unstorable posting %s: %s", job_key(item), exc)
            else:
                keep.append((item, operation))
        return keep

    def _give_up(self, items: list[Any], exc: Exception) -> None:
        self.failed = True
        self.crawler.stats.inc_value("crawlerats/dropped/database_error", len(items))
        self.crawler.stats.set_value("crawlerats/database_error", f"{exc.__class__.__name__}: {str(exc)[:300]}")
        logger.error("MongoDB write failed after %d attempts, stopping the crawl: %s", self.attempts, exc)
        from twisted.internet import reactor

        reactor.callFromThread(self._close_engine)
        raise DatabaseWriteError(str(exc)) from exc

    def _close_engine(self) -> None:
        if self.crawler.engine is not None:
            asyncio.ensure_future(self.crawler.engine.close_spider_async(reason="database_error"))
