"""The stored `raw_fingerprint` of a board's open postings, for spiders (crawlerats/board_source.py): one query
per board, read off the reactor thread on the crawl's shared connection.

The source is inert until the dedup stage enables it (only a crawl with a dedup stage can take an item the
spider did not map). With `prefetch` (the dedup stage's projection of a stored posting) the one read per board
returns the postings as the dedup stage needs them, which keeps them for it (`take`): a board whose postings are
all stored and open costs one read, not two. They are held as the server's BSON bytes, at most
`PREFETCH_BYTES` of them (the oldest boards' are let go first; the dedup stage then reads those itself), and the
dedup stage `forget`s a posting it rewrites before its item arrives. With `lookups` off
(`CRAWLERATS_FAST_PATH = False`) spiders still compute and store raw fingerprints but never skip a mapping. Later stages add conditions a stored posting must meet to be skipped
(`require`): the scoring stage asks that its stored `health` is current, so a skipped posting never needs its
description to be scored. The dedup stage checks the same conditions again on the document it reads
(`satisfied`) and completes the posting from the database when one no longer holds.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections.abc import Callable, Iterable
from typing import Any

import bson
from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument
from scrapy.crawler import Crawler

from crawlerats.board import Board
from crawlerats.db.crawl import crawl_connection

logger = logging.getLogger(__name__)

#: Most bytes of stored documents (BSON, without their text: ~1-5 KB each) held for the dedup stage at once;
#: boards read earlier are let go first. Scrapy reads `start()` far ahead of the items a slow database lets
#: through: 20,000 documents held as Python objects took the 2,000-board re-crawl of bench/load.py from ~360 to
#: 713 MiB, about 25 KB a document.
PREFETCH_BYTES = 16 * 1024 * 1024


class StoredFingerprints:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        #: A dedup stage runs: spiders compute `raw_fingerprint` (and may emit unmapped items when `lookups`).
        self.active = False
        self.lookups = False
        self.fields: dict[str, int] = {"_id": 0, "job_id": 1, "raw_fingerprint": 1}
        self.conditions: list[Callable[[dict[str, Any]], bool]] = []
        #: The dedup stage's projection of a stored posting, when it takes the documents read here (`take`).
        self.prefetch: dict[str, int] | None = None
        #: Per board, the documents read for the dedup stage and not taken yet (BSON), by job id.
        self._held: dict[tuple[str, str], dict[str, bytes]] = {}
        self._held_bytes = 0
        self._codec: CodecOptions | None = None
        self._lock = threading.Lock()

    def enable(self, lookups: bool, prefetch: dict[str, int] | None = None) -> None:
        """Called by the dedup stage: spiders compute raw fingerprints, and with `lookups` read the stored ones
        (with `prefetch`, whole documents under that projection, kept for the dedup stage)."""
        self.active, self.lookups = True, lookups
        self.prefetch = prefetch if lookups else None

    def require(self, fields: Iterable[str], condition: Callable[[dict[str, Any]], bool]) -> None:
        """Only postings whose stored document (`fields` of it read) meets `condition` may be skipped."""
        self.fields.update(dict.fromkeys(fields, 1))
        self.conditions.append(condition)

    def satisfied(self, doc: dict[str, Any]) -> bool:
        return all(condition(doc) for condition in self.conditions)

    async def for_board(self, board: Board) -> dict[str, str]:
        """`{job_id: raw_fingerprint}` of the board's open postings that may be skipped; {} without lookups
        or when the read fails (then every posting is mapped: slower, never wrong)."""
        if not self.lookups:
            return {}
        try:
            conn = await crawl_connection(self.crawler)
            rows = await asyncio.to_thread(self._read, conn.db, board)
            if self.prefetch is not None:
                rows = self._hold(board, rows, conn.db.codec_options)
        except Exception as exc:  # noqa: BLE001 - a failed read costs speed only
            self.crawler.stats.inc_value("crawlerats/spider/raw_fingerprints_failed")
            logger.warning("Could not read stored raw fingerprints of %s, mapping every posting: %s", board, exc)
            return {}
        return {r["job_id"]: r["raw_fingerprint"] for r in rows
                if r.get("raw_fingerprint") and self.satisfied(r)}

    def _read(self, db: Any, board: Board) -> list[Any]:
        # the closing query's filter exactly (index company_status); the rest is checked here
        jobs = db["jobs"]
        if self.prefetch is not None:  # kept as the server's bytes (see `_hold`)
            jobs = jobs.with_options(codec_options=db.codec_options.with_options(document_class=RawBSONDocument))
        return list(jobs.find({"ats": board.ats, "company": board.company, "status": "open"},
                              self.prefetch if self.prefetch is not None else self.fields))

    def _hold(self, board: Board, raw: list[RawBSONDocument], codec: CodecOptions) -> list[RawBSONDocument]:
        """Keep the board's documents (BSON) for the dedup stage; return them to the spider as they came, decoded
        lazily (a `RawBSONDocument` decodes its top level when first read, each sub-document when it is read:
        the spider reads a few fields of each, and decoding every stored posting whole took ~15 % of a
        re-crawl's main thread)."""
        docs = {row["job_id"]: row.raw for row in raw if "job_id" in row}
        with self._lock:
            self._codec = codec
            self._held_bytes -= sum(map(len, self._held.pop((board.ats, board.company), {}).values()))
            self._held[(board.ats, board.company)] = docs
            self._held_bytes += sum(map(len, docs.values()))
            while self._held_bytes > PREFETCH_BYTES and len(self._held) > 1:
                oldest = next(iter(self._held))
                self._held_bytes -= sum(map(len, self._held.pop(oldest).values()))
                self.crawler.stats.inc_value("crawlerats/dedup/prefetch_evicted_boards")
        return raw

    def take(self, key: tuple[str, str, str]) -> dict[str, Any] | None:
        """The stored document of posting `key` read with its board, once (None when not held)."""
        with self._lock:
            held = self._held.get(key[:2])
            raw = held.pop(key[2], None) if held is not None else None
            if raw is not None:
                self._held_bytes -= len(raw)
                if not held:
                    del self._held[key[:2]]
        return bson.decode(raw, codec_options=self._codec) if raw is not None else None

    def forget(self, key: tuple[str, str, str]) -> None:
        """The dedup stage rewrote posting `key`: what was read of it is stale."""
        self.take(key)
