"""One database connection per crawl, shared by every pipeline and extension, opened off the reactor thread."""

from __future__ import annotations

import asyncio
from typing import Any

from scrapy import signals
from scrapy.crawler import Crawler

from crawlerats.db.connection import Connection, connect
from crawlerats.db.counting import CommandCounter

_ATTR = "_crawlerats_connection"


class _Holder:
    """Owns the connection future; releases the connection (and embedded server) when the engine stops."""

    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.task: asyncio.Future[Connection] | None = None
        self.lock = asyncio.Lock()
        crawler.signals.connect(self.engine_stopped, signal=signals.engine_stopped)

    async def get(self) -> Connection:
        async with self.lock:
            if self.task is None:
                listeners = [CommandCounter(self.crawler.stats)] if self.crawler.stats is not None else None
                self.task = asyncio.ensure_future(
                    asyncio.to_thread(connect, self.crawler.settings, listeners=listeners))
        return await self.task

    async def engine_stopped(self) -> None:
        if self.task is not None and self.task.done() and not self.task.exception():
            await asyncio.to_thread(self.task.result().close)


async def crawl_connection(crawler: Crawler) -> Connection:
    """The crawl's connection, opened at first use (starting the embedded server when needed)."""
    holder: Any = getattr(crawler, _ATTR, None)
    if holder is None:
        holder = _Holder(crawler)
        setattr(crawler, _ATTR, holder)
    return await holder.get()
