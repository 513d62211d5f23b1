"""The default board source: every registered board of an ATS in the `boards` collection (crawlerats/registry.py),
read off the reactor thread on the crawl's shared connection."""

from __future__ import annotations

import asyncio

from scrapy.crawler import Crawler

from crawlerats.board import Board
from crawlerats.db.crawl import crawl_connection


class RegistryBoardSource:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> RegistryBoardSource:
        return cls(crawler)

    async def boards(self, ats: str) -> list[Board]:
        conn = await crawl_connection(self.crawler)

        def load() -> list[Board]:
            rows = conn.db["boards"].find({"ats": ats}, {"company": 1, "params": 1, "company_name": 1})
            return [Board(ats, r["company"], tuple(sorted((r.get("params") or {}).items())), r.get("company_name"))
                    for r in rows]

        return await asyncio.to_thread(load)
