"""The stored `raw_fingerprint` of a board's open postings, for spiders (crawlerats/board_source.py): one query
per board, read off the reactor thread on the crawl's shared connection.

The source is inert until the dedup stage enables it (only a crawl with a dedup stage can take an item the
spider did not map). With `lookups` off (`CRAWLERATS_FAST_PATH = False`) spiders still compute and store raw
fingerprints but never skip a mapping. Later stages add conditions a stored posting must meet to be skipped
(`require`): the scoring stage asks that its stored `health` is current, so a skipped posting never needs its
description to be scored. The dedup stage checks the same conditions again on the document it reads
(`satisfied`) and completes the posting from the database when one no longer holds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable
from typing import Any

from scrapy.crawler import Crawler

from crawlerats.board import Board
from crawlerats.db.crawl import crawl_connection

logger = logging.getLogger(__name__)


class StoredFingerprints:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        #: A dedup stage runs: spiders compute `raw_fingerprint` (and may emit unmapped items when `lookups`).
        self.active = False
        self.lookups = False
        self.fields: dict[str, int] = {"_id": 0, "job_id": 1, "raw_fingerprint": 1}
        self.conditions: list[Callable[[dict[str, Any]], bool]] = []

    def enable(self, lookups: bool) -> None:
        """Called by the dedup stage: spiders compute raw fingerprints, and with `lookups` read the stored ones."""
        self.active, self.lookups = True, lookups

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
        except Exception as exc:  # noqa: BLE001 - a failed read costs speed only
            self.crawler.stats.inc_value("crawlerats/spider/raw_fingerprints_failed")
            logger.warning("Could not read stored raw fingerprints of %s, mapping every posting: %s", board, exc)
            return {}
        return {r["job_id"]: r["raw_fingerprint"] for r in rows
                if r.get("raw_fingerprint") and self.satisfied(r)}

    def _read(self, db: Any, board: Board) -> list[dict[str, Any]]:
        # the closing query's filter exactly (index company_status); the rest is checked here
        return list(db["jobs"].find({"ats": board.ats, "company": board.company, "status": "open"}, self.fields))
