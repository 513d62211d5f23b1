"""`scrapy crawl discover -a urls=URL,...|-a urls_file=PATH`: which ATS boards a careers page uses.

Each start URL is rendered in headless Chromium (scrapy-playwright, see crawlerats.discovery.browser);
boards are detected (crawlerats.detect) in the page's links, iframes, script sources and the network
requests it made. A page without a board is followed at most one hop, to its best same-site
"careers"/"jobs" links (at most CRAWLERATS_DISCOVER_MAX_PAGES pages per start URL in all). Found boards are
registered in `boards` (source "discover", found_on = the page); every start URL gets one `discoveries`
document with the boards, the pages visited and, when none was found, the reason.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import scrapy
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy_playwright.page import PageMethod
from scrapy_spider_metadata import Args
from twisted.python.failure import Failure

from crawlerats.clock import now as clock_now
from crawlerats.detect import UnknownBoardUrl, detect
from crawlerats.discovery.args import UrlArgs
from crawlerats.discovery.browser import browser_settings, collect_urls, settle
from crawlerats.discovery.find import FoundBoard, careers_links, find_boards
from crawlerats.discovery.handler import POPUPS_META
from crawlerats.discovery.record import Discovery, save_discovery


class DiscoverSpider(Args[UrlArgs], scrapy.Spider):
    name = "discover"
    custom_settings = {
        **browser_settings(max_pages=4),
        "CONCURRENT_REQUESTS": 4,
        # Settings read by this spider (override with -s):
        "CRAWLERATS_DISCOVER_MAX_PAGES": 3,  # pages rendered per start URL: the page + up to 2 careers links
        "CRAWLERATS_RENDER_IDLE_TIMEOUT_MS": 10_000,  # longest wait for network idle after load
        "CRAWLERATS_RENDER_SETTLE_MS": 1_000,  # then wait this long for timers that insert embeds
        # The whole crawl ends after this many seconds; unfinished start URLs are recorded as such.
        "CLOSESPIDER_TIMEOUT": 1_800,
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.crawl_id: str = kwargs.get("_job") or f"discover-{uuid.uuid4().hex[:12]}"
        self.start_list = self.args.start_urls()
        self.states: dict[str, Discovery] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler, *args: Any, **kwargs: Any) -> DiscoverSpider:
        spider = super().from_crawler(crawler, *args, **kwargs)
        crawler.signals.connect(spider.save_unfinished, signal=signals.spider_closed)
        return spider

    # --- requests -------------------------------------------------------------------------------------
    async def start(self) -> AsyncIterator[Any]:
        self.logger.info("Discovering boards on %d start URL(s)", len(self.start_list))
        if not self.start_list:
            self.logger.warning("No start URLs: pass -a urls=URL,... or -a urls_file=PATH")
        self.crawler.stats.set_value("crawlerats/discover/start_urls", len(self.start_list))
        for url in self.start_list:
            state = self.states[url] = Discovery(url)
            try:
                board = detect(url, page_evidence=True)
            except UnknownBoardUrl:
                yield self.render(state, url, hop=0)
                continue
            # The start URL is a board URL itself: nothing to render.
            state.pages.append(url)
            state.add([FoundBoard(board, url, ["url"], [url])])
            await self.finish(state)

    def render(self, state: Discovery, url: str, hop: int) -> scrapy.Request:
        settings = self.crawler.settings
        network: list[str] = []
        methods = [
            PageMethod(settle, settings.getfloat("CRAWLERATS_RENDER_IDLE_TIMEOUT_MS"),
                       settings.getfloat("CRAWLERATS_RENDER_SETTLE_MS")),
            PageMethod(collect_urls),
        ]
        return scrapy.Request(
            url, callback=self.parse_page, errback=self.page_failed, dont_filter=True,
            meta={"playwright": True, "playwright_page_methods": methods,
                  "playwright_page_event_handlers": {"request": lambda req: network.append(req.url)},
                  "discovery": state, "hop": hop, "network": network},
        )

    # --- callbacks ------------------------------------------------------------------------------------
    async def parse_page(self, response: Response) -> AsyncIterator[Any]:
        state: Discovery = response.meta["discovery"]
        hop: int = response.meta["hop"]
        collected: dict[str, Any] = response.meta["playwright_page_methods"][1].result or {}
        self.crawler.stats.inc_value("crawlerats/discover/pages_rendered")
        state.pages.append(response.url)
        state.popups += response.meta.get(POPUPS_META, 0)
        found = find_boards(response.url, {
            "url": [response.url],
            "link": [link.get("href") for link in collected.get("links", [])],
            "iframe": collected.get("iframes", []),
            "script": collected.get("scripts", []),
            "request": response.meta.get("network", []),
        })
        state.add(found)
        self.logger.info("%s: %d board(s) on %s%s", state.url, len(found), response.url,
                         f" ({', '.join(str(f.board) for f in found)})" if found else "")
        if not state.boards and hop == 0:
            limit = max(self.crawler.settings.getint("CRAWLERATS_DISCOVER_MAX_PAGES") - 1, 0)
            links = careers_links(response.url, collected.get("main_links", []), limit + 1)
            state.candidates = links[:limit]
            state.no_careers_link = not links
            state.links_not_followed = len(links) - len(state.candidates)
        next_request = self.next_hop(state)
        if next_request is not None:
            yield next_request
            return
        await self.finish(state)

    async def page_failed(self, failure: Failure) -> AsyncIterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        state: Discovery = request.meta["discovery"]
        state.popups += request.meta.get(POPUPS_META, 0)
        response = getattr(failure.value, "response", None)
        reason = f"http_{response.status}" if response is not None else type(failure.value).__name__
        message = str(failure.value).splitlines()[0][:200] if response is None and str(failure.value) else ""
        state.errors.append(f"{reason} at {request.url}" + (f": {message}" if message else ""))
        self.crawler.stats.inc_value(f"crawlerats/discover/page_failed/{reason}")
        self.logger.warning("Rendering %s failed: %s", request.url, state.errors[-1])
        next_request = self.next_hop(state)
        if next_request is not None:
            yield next_request
            return
        await self.finish(state)

    def next_hop(self, state: Discovery) -> scrapy.Request | None:
        """The next careers link to render while no board was found (popups count as rendered pages)."""
        if state.boards or not state.candidates:
            return None
        budget = self.crawler.settings.getint("CRAWLERATS_DISCOVER_MAX_PAGES")
        if len(state.pages) + len(state.errors) + state.popups >= budget:
            state.links_not_followed += len(state.candidates)
            state.candidates = []
            return None
        return self.render(state, state.candidates.pop(0), hop=1)

    # --- records --------------------------------------------------------------------------------------
    async def finish(self, state: Discovery, unfinished: str | None = None) -> None:
        if state.done:
            return
        state.done = True
        from crawlerats.db.crawl import crawl_connection

        conn = await crawl_connection(self.crawler)
        added = await asyncio.to_thread(save_discovery, conn.db, state, at=clock_now(self.crawler.settings),
                                        crawl_id=self.crawl_id, unfinished=unfinished)
        stats = self.crawler.stats
        stats.inc_value(f"crawlerats/discover/{'found' if state.boards else 'none'}")
        stats.inc_value("crawlerats/discover/boards_found", len(state.boards))
        stats.inc_value("crawlerats/discover/boards_registered", added)
        if not state.boards:
            self.logger.info("%s: no board found: %s", state.url, state.reason(unfinished))

    async def save_unfinished(self, spider: scrapy.Spider, reason: str) -> None:
        """Record start URLs the crawl did not finish (shutdown, timeout) with that reason."""
        for state in self.states.values():
            if not state.done:
                await self.finish(state, unfinished=reason)
