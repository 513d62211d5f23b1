"""scrapy-playwright's download handler with the discovery browser's limits (docs/discovery.md "Safety").

- Chromium is launched behind `GuardProxy` (crawlerats.discovery.guard): every connection it makes, redirects
  and popups included, reaches only public addresses or `CRAWLERATS_BROWSER_ALLOWED_ORIGINS`.
- Every render has a deadline (`CRAWLERATS_RENDER_TIMEOUT_S`): past it the page is closed (which also stops
  a page stuck in a JavaScript loop) and the request fails with `RenderTimeout`; it is not retried.
- Every page operation has a timeout (`CRAWLERATS_PAGE_OPERATION_TIMEOUT_MS`, Playwright's default timeout).
- Popups are closed as they open and counted (`request.meta["crawlerats_popups"]`, stat
  `crawlerats/browser/popups_closed`), so a page cannot open more pages than the configured cap.
- Refused connections are counted (`crawlerats/browser/refused/<reason>`); a page whose main frame ends on
  a refused destination (its URL, a redirect, a form post, a script navigation) fails with
  `RefusedNavigation`, so the internal URL is never treated as a rendered page.

Written against scrapy-playwright 0.0.48 (pinned): it overrides `_launch`, `_close`, `_create_page` and
`_download_request`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page
from playwright.async_api import Response as PlaywrightResponse
from scrapy import Request, Spider
from scrapy.crawler import Crawler
from scrapy.http import Response
from scrapy_playwright.handler import ScrapyPlaywrightDownloadHandler

from crawlerats.discovery.guard import REFUSED_HEADER, DestinationGuard, GuardProxy

logger = logging.getLogger(__name__)

#: Defaults of the settings read here.
RENDER_TIMEOUT_S = 60.0
PAGE_OPERATION_TIMEOUT_MS = 15_000
#: How long closing a page may take before we stop waiting for it.
CLOSE_SECONDS = 10.0
POPUPS_META = "crawlerats_popups"
REFUSED_META = "crawlerats_refused"


class RenderTimeout(Exception):
    """A page took longer than CRAWLERATS_RENDER_TIMEOUT_S to render; it was closed."""


class RefusedNavigation(Exception):
    """The page itself (its URL, a redirect, a form post or a script) navigated to a refused destination.

    The message names the kind of address only; the refused URL is neither rendered nor reported."""


class GuardedPlaywrightHandler(ScrapyPlaywrightDownloadHandler):
    """The Playwright handler behind the destination guard, with render deadlines and popup closing."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler)
        settings = crawler.settings
        self.render_seconds = settings.getfloat("CRAWLERATS_RENDER_TIMEOUT_S", RENDER_TIMEOUT_S)
        self.operation_ms = settings.getfloat("CRAWLERATS_PAGE_OPERATION_TIMEOUT_MS", PAGE_OPERATION_TIMEOUT_MS)
        self.guard = DestinationGuard(settings.getlist("CRAWLERATS_BROWSER_ALLOWED_ORIGINS"),
                                      on_refuse=self._refused)
        self.proxy = GuardProxy(self.guard)
        self.proxy.bind()
        self.config.launch_options = {**self.config.launch_options, "proxy": {"server": self.proxy.url}}
        # A closed page (our deadline) must fail the request, not be re-rendered.
        self.config.target_closed_max_retries = 0
        self._pages: dict[int, Page] = {}

    def _refused(self, reason: str, host: str, port: int) -> None:
        self.stats.inc_value(f"crawlerats/browser/refused/{reason.replace(' ', '_')}")
        logger.info("Browser connection refused (%s): %s:%d", reason, host, port)

    async def _launch(self) -> None:
        await self.proxy.start()
        await super()._launch()

    async def _close(self) -> None:
        try:
            await super()._close()
        finally:
            await self.proxy.close()

    async def _create_page(self, request: Request, spider: Spider) -> Page:
        page = await super()._create_page(request, spider)
        page.set_default_timeout(self.operation_ms)
        self._pages[id(request)] = page
        request.meta.setdefault(POPUPS_META, 0)

        def close_popup(popup: Page) -> None:
            request.meta[POPUPS_META] = request.meta.get(POPUPS_META, 0) + 1
            self.stats.inc_value("crawlerats/browser/popups_closed")
            asyncio.ensure_future(_close_quietly(popup))

        def watch_navigation(response: PlaywrightResponse) -> None:
            with contextlib.suppress(PlaywrightError):
                refused = response.headers.get(REFUSED_HEADER.lower())
                if refused and response.frame == page.main_frame and response.request.is_navigation_request():
                    request.meta[REFUSED_META] = refused

        page.on("popup", close_popup)
        page.on("response", watch_navigation)
        return page

    async def _download_request(self, request: Request, spider: Spider | None = None) -> Response:
        try:
            response = await asyncio.wait_for(super()._download_request(request, spider), self.render_seconds)
            if request.meta.get(REFUSED_META):
                self.stats.inc_value("crawlerats/browser/navigation_refused")
                raise RefusedNavigation(f"navigation {request.meta[REFUSED_META]}")
            return response
        except TimeoutError:
            self.stats.inc_value("crawlerats/browser/render_timeout")
            page = self._pages.get(id(request))
            if page is not None and not page.is_closed():
                await _close_quietly(page)
                self.stats.inc_value("playwright/page_count/closed")
            raise RenderTimeout(f"render took longer than {self.render_seconds:g} s "
                                "(CRAWLERATS_RENDER_TIMEOUT_S); the page was closed") from None
        finally:
            self._pages.pop(id(request), None)


async def _close_quietly(page: Page) -> None:
    with contextlib.suppress(PlaywrightError, TimeoutError):
        await asyncio.wait_for(page.close(run_before_unload=False), CLOSE_SECONDS)
