"""Stage 4: bulk, unordered writes of job documents into `jobs`, off the reactor thread.

Identity is `(ats, company, job_id)` (unique index). `first_seen` only moves earlier (`$min`), `last_seen`
only later (`$max`), so re-runs are idempotent and replays of older data do not regress them. A posting
the dedup stage found no stored document for is inserted (cheaper than an upsert); if a concurrent crawl
inserted it first, the duplicate-key error turns that insert into the upsert. Unchanged postings on the
fast path whose `health` did not change (`PostingState`) are not written one by one: one `UpdateMany` per
board moves their `last_seen` (and `crawl_id`), all of a batch's boards in one bulk call. The text-search
documents of new postings and of those whose title, company name, location, posted date or status changed are written
just before the batch (crawlerats/pipelines/search_writes.py).
A write that still fails after retries with backoff stops the crawl with finish reason `database_error`;
nothing is closed by such a crawl (see docs/reliability.md).
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import Counter
from typing import Any

import bson
from bson.errors import InvalidDocument
from itemadapter import ItemAdapter
from pymongo import InsertOne, UpdateMany, UpdateOne
from pymongo.errors import BulkWriteError, PyMongoError
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawlerats.clock import now as clock_now
from crawlerats.db.crawl import crawl_connection
from crawlerats.db.retry import ATTEMPTS as WRITE_ATTEMPTS
from crawlerats.db.retry import BACKOFF as WRITE_BACKOFF
from crawlerats.db.search_index import SEARCH_COLLECTION
from crawlerats.db.updates import board_clauses, insert_expected_new
from crawlerats.items import INTERNAL_FIELDS, state_of
from crawlerats.pipelines.batching import Batcher
from crawlerats.pipelines.search_writes import search_operations
from crawlerats.pipelines.validate import bson_size_bound

logger = logging.getLogger(__name__)

#: Never written with $set: maintained with $min/$max or $setOnInsert; and the stages' internal state.
_MANAGED = frozenset({"first_seen", "last_seen"}) | INTERNAL_FIELDS


#: Server write errors that reject one document, not the batch: BadValue, dollar-prefixed / dotted / empty field
#: names, document validation, BSONObjectTooLarge (10334), index key too large, document too large after update.
REJECTED_CODES = frozenset({2, 52, 55, 56, 57, 121, 10334, 17280, 17419, 17420})
#: MongoDB's document limit, when the server does not say (`hello.maxBsonObjectSize`).
_DEFAULT_MAX_BSON = 16 * 1024 * 1024


class DatabaseWriteError(RuntimeError):
    """A batch could not be written after every retry."""


def job_key(item: Any) -> dict[str, str]:
    adapter = ItemAdapter(item)
    return {"ats": adapter["ats"], "company": adapter["company"], "job_id": adapter["job_id"]}


def _fields(item: Any, crawl_id: str | None) -> dict[str, Any]:
    state_of(item)  # decides `status` when no earlier stage did
    fields = {k: v for k, v in ItemAdapter(item).items() if k not in _MANAGED}
    if crawl_id:
        fields["crawl_id"] = crawl_id
    return fields


def job_key_tuple(item: Any) -> tuple[str, str, str]:
    adapter = ItemAdapter(item)
    return (adapter["ats"], adapter["company"], adapter["job_id"])


def unchanged_in_store(item: Any) -> bool:
    """An unchanged posting on the fast path with its stored `health`: only `last_seen` moves."""
    state = state_of(item)
    return state.fast and not state.health_changed


def upsert_operation(item: Any, seen_at: Any, crawl_id: str | None) -> UpdateOne:
    """The upsert for one item: every crawled/stage field set, first/last seen maintained."""
    fields = _fields(item, crawl_id)
    stored = state_of(item).stored
    if stored:
        # Most postings are unchanged between crawls: send only what differs from the stored document.
        fields = {k: v for k, v in fields.items() if k not in stored or stored[k] != v}
    update: dict[str, Any] = {"$min": {"first_seen": seen_at}, "$max": {"last_seen": seen_at}}
    if fields:
        update["$set"] = fields
    return UpdateOne(job_key(item), update, upsert=True)


def write_operation(item: Any, seen_at: Any, crawl_id: str | None) -> InsertOne | UpdateOne:
    """An insert when the dedup stage found no stored document (`PostingState.stored is None`), else the upsert.

    On SecantusDB an insert costs 1.3 ms of server CPU against 2.2 ms for the same document upserted.
    """
    state = state_of(item)
    if not state.looked_up or state.stored is not None:
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
        #: `id()` of the items the database refused (`_reject`): dropped, not passed on as stored.
        self.rejected: set[int] = set()
        self._server_limit: int | None = None
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
        if id(item) in self.rejected:
            self.rejected.discard(id(item))
            raise DropItem(f"rejected: the database cannot store {'/'.join(job_key_tuple(item))}")
        return item

    async def close_spider(self) -> None:
        await self.batcher.drain()

    def _write(self, items: list[Any]) -> None:
        """Write a batch. The loop ends only in success or `_give_up` (which stops the crawl): a document the
        client or the server rejects on its own (too large, 10334, invalid BSON) is that document's counted
        drop (`crawlerats/dropped/rejected`) and the rest of the batch is written; duplicate keys become
        upserts; other errors are retried with backoff. `crawlerats/items/stored` counts acknowledged writes."""
        seen_at = clock_now(self.crawler.settings)
        crawl_id = getattr(self.crawler.spider, "crawl_id", None)
        unchanged = [item for item in items if unchanged_in_store(item)]
        touched = self._touch(unchanged, items, seen_at, crawl_id) if unchanged else 0
        pending = self._storable([(item, write_operation(item, seen_at, crawl_id)) for item in items
                                  if not unchanged_in_store(item)])
        self._write_search(*search_operations(pending, seen_at), items)
        acknowledged: Counter[str] = Counter()
        attempt = 1
        while pending:
            try:
                result = self.collection.bulk_write([op for _, op in pending], ordered=False)
            except (InvalidDocument, UnicodeEncodeError, OverflowError) as exc:
                # Refused by the client before (part of) the batch was sent: drop what cannot be sent, resend the
                # rest (idempotent: a repeated insert comes back as a duplicate key and becomes the upsert).
                kept = self._storable(pending, exc, strict=True)
                if len(kept) == len(pending):
                    self._give_up(items, exc)
                pending = kept
                continue
            except BulkWriteError as exc:
                details = exc.details
                acknowledged.update({k: int(details.get(k, 0)) for k in ("nInserted", "nUpserted", "nMatched",
                                                                          "nModified")})
                errors = details.get("writeErrors", [])
                rejected = [e for e in errors if e.get("code") in REJECTED_CODES]
                duplicates = [e for e in errors if e.get("code") == 11000]
                if (len(rejected) + len(duplicates) < len(errors) or details.get("writeConcernErrors")
                        or (duplicates and attempt >= self.attempts)):
                    self._give_up(items, exc)
                for error in rejected:
                    self._reject(pending[error["index"]][0], f"server error {error.get('code')}: "
                                 f"{str(error.get('errmsg'))[:200]}")
                # Duplicate keys: a concurrent crawl inserted the posting first. What was written stays written;
                # the colliding operations are retried as upserts, which update its document.
                pending = [(item, upsert_operation(item, seen_at, crawl_id))
                           for item in (pending[e["index"]][0] for e in duplicates)]
                attempt += 1 if duplicates else 0
                continue
            except PyMongoError as exc:
                if attempt >= self.attempts:
                    self._give_up(items, exc)
                self._wait_before_retry("write", exc, attempt)
                attempt += 1
                continue
            acknowledged.update(nInserted=result.inserted_count, nUpserted=result.upserted_count,
                                nMatched=result.matched_count, nModified=result.modified_count)
            break
        stats = self.crawler.stats
        stats.inc_value("crawlerats/items/stored",
                        touched + acknowledged["nInserted"] + acknowledged["nUpserted"] + acknowledged["nMatched"])
        stats.inc_value("crawlerats/db/inserted", acknowledged["nInserted"] + acknowledged["nUpserted"])
        stats.inc_value("crawlerats/db/upserted", acknowledged["nUpserted"])
        stats.inc_value("crawlerats/db/modified", acknowledged["nModified"])
        for item in items:
            adapter = ItemAdapter(item)
            stored = state_of(item).stored or {}
            adapter["first_seen"] = stored.get("first_seen") or seen_at
            adapter["last_seen"] = seen_at

    def _touch(self, unchanged: list[Any], items: list[Any], seen_at: Any, crawl_id: str | None) -> int:
        """The fast path: one `UpdateMany` per board moving `last_seen` (only later) and `crawl_id`, all in one
        bulk call, retried like the batch write (it is idempotent); the whole batch fails with it."""
        update: dict[str, Any] = {"$max": {"last_seen": seen_at}}
        if crawl_id:
            update["$set"] = {"crawl_id": crawl_id}
        ops = [UpdateMany(query, update) for query in board_clauses(job_key_tuple(item) for item in unchanged)]
        for attempt in range(1, self.attempts + 1):
            try:
                result = self.collection.bulk_write(ops, ordered=False)
                break
            except PyMongoError as exc:
                if attempt == self.attempts:
                    self._give_up(items, exc)
                self._wait_before_retry("last_seen update", exc, attempt)
        self.crawler.stats.inc_value("crawlerats/db/touched", result.matched_count)
        return int(result.matched_count)

    def _write_search(self, new: list[UpdateOne], upserts: list[UpdateOne], items: list[Any]) -> None:
        """The batch's `job_search` documents (crawlerats/pipelines/search_writes.py), before the postings: new
        postings' inserted, the others' upserted; retried like the batch write (both idempotent); the whole batch
        fails with it."""
        search = self.collection.database[SEARCH_COLLECTION]
        for attempt in range(1, self.attempts + 1):
            try:
                insert_expected_new(search, new)
                if upserts:
                    search.bulk_write(upserts, ordered=False)
                return
            except PyMongoError as exc:
                if attempt == self.attempts:
                    self._give_up(items, exc)
                self._wait_before_retry("search documents write", exc, attempt)

    def _wait_before_retry(self, what: str, exc: Exception, attempt: int) -> None:
        """Log and count a failed attempt, then sleep the exponential backoff before the next one."""
        delay = self.backoff * 2 ** (attempt - 1)
        logger.warning("MongoDB %s failed (%s); retry %d/%d in %.1f s", what, exc, attempt, self.attempts - 1, delay)
        self.crawler.stats.inc_value("crawlerats/db/retries")
        time.sleep(delay)

    def _storable(self, pending: list[tuple[Any, Any]], exc: Exception | None = None,
                  strict: bool = False) -> list[tuple[Any, Any]]:
        """The operations the client can send: a document BSON cannot encode, or over the server's size limit,
        is dropped (counted) instead of failing its batch. Sizes are checked only for large documents unless
        `strict` (after the client refused the batch: every document is encoded)."""
        keep = []
        for item, operation in pending:
            doc = operation._doc
            if not strict and bson_size_bound(doc) < _DEFAULT_MAX_BSON // 2:
                keep.append((item, operation))
                continue
            try:
                size = len(bson.encode(doc))
            except (InvalidDocument, UnicodeEncodeError, OverflowError) as error:
                self._reject(item, f"unencodable: {str(exc or error)[:200]}")
                continue
            if size > (limit := self._max_bson_size()):
                self._reject(item, f"{size:,} bytes, over the server's {limit:,}")
            else:
                keep.append((item, operation))
        return keep

    def _max_bson_size(self) -> int:
        """The server's document limit (asked once, only when a large document shows up) less a margin for the
        write command's own fields."""
        if self._server_limit is None:
            try:
                hello = self.collection.database.client.admin.command("hello")
                self._server_limit = int(hello.get("maxBsonObjectSize") or _DEFAULT_MAX_BSON)
            except (PyMongoError, TypeError, ValueError):
                self._server_limit = _DEFAULT_MAX_BSON
        return self._server_limit - 16 * 1024

    def _reject(self, item: Any, why: str) -> None:
        """One document refused (by the client or the server): drop it, counted and logged on one line."""
        self.crawler.stats.inc_value("crawlerats/dropped/rejected")
        self.rejected.add(id(item))
        logger.error("Dropped a posting the database cannot store (%s): %s", "/".join(job_key_tuple(item)), why)

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
