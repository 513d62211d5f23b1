"""Collect items from concurrent `process_item` calls into batches handled off the reactor thread.

`await batcher.submit(item)` returns when the batch holding the item has been handled, so Scrapy sees
each item finish only after its batch is written: nothing is buffered when the spider closes.
A batch is handled when it is full or `delay` seconds after its first item, whichever comes first.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any, Generic, TypeVar

T = TypeVar("T")


class Batcher(Generic[T]):
    def __init__(self, handle: Callable[[list[T]], Any], size: int = 500, delay: float = 0.1) -> None:
        """`handle(batch)` runs in a worker thread; its exception fails every item of the batch."""
        self.handle = handle
        self.size = max(1, size)
        self.delay = delay
        self._items: list[T] = []
        self._futures: list[asyncio.Future[None]] = []
        self._timer: asyncio.TimerHandle | None = None

    async def submit(self, item: T) -> None:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[None] = loop.create_future()
        self._items.append(item)
        self._futures.append(future)
        if len(self._items) >= self.size:
            self._flush_now()
        elif self._timer is None:
            self._timer = loop.call_later(self.delay, self._flush_now)
        await future

    def _flush_now(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        items, futures = self._items, self._futures
        self._items, self._futures = [], []
        if items:
            asyncio.ensure_future(self._run(items, futures))

    async def _run(self, items: list[T], futures: list[asyncio.Future[None]]) -> None:
        try:
            await asyncio.to_thread(self.handle, items)
        except BaseException as exc:  # noqa: BLE001 - handed to every waiting item
            for future in futures:
                if not future.done():
                    future.set_exception(exc)
        else:
            for future in futures:
                if not future.done():
                    future.set_result(None)

    async def drain(self) -> None:
        """Handle whatever is buffered now (used at close)."""
        futures = list(self._futures)
        self._flush_now()
        if futures:
            await asyncio.gather(*futures, return_exceptions=True)
