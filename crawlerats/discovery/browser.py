"""Opt-in headless Chromium for the discover/jsonld spiders (scrapy-playwright with Debian's chromium).

Only spiders that merge `browser_settings()` into their `custom_settings` install the Playwright download
handler; requests render only with `meta["playwright"] = True`, and the browser starts at the first such
request, so the API spiders never start one. Pages are closed by scrapy-playwright after the page methods
ran (no `playwright_include_page`); the browser is closed when the download handler closes. The handler
(crawlerats.discovery.handler) keeps Chromium behind the destination guard and bounds every render.
"""

from __future__ import annotations

import asyncio
import os
from contextlib import suppress
from typing import Any

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page
from playwright.async_api import Request as PlaywrightRequest

from crawlerats.detect import UnknownBoardUrl, detect
from crawlerats.discovery.guard import refused_scheme

CHROMIUM = os.environ.get("CRAWLERATS_CHROMIUM", "/usr/bin/chromium")
#: Run Chromium with its sandbox (needs a non-root user; docs/discovery.md "Running Chromium sandboxed").
SANDBOX = os.environ.get("CRAWLERATS_CHROMIUM_SANDBOX", "").strip().lower() in {"1", "true", "yes"}
CHROMIUM_ARGS = [*([] if SANDBOX else ["--no-sandbox"]), "--headless", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]
#: Longest a single `evaluate` in a frame may run (a page stuck in a JavaScript loop never answers).
EVALUATE_SECONDS = 10.0
#: Resource types a discovery or JSON-LD render never needs.
_SKIPPED_RESOURCES = frozenset({"image", "media", "font"})


def browser_settings(max_pages: int = 4) -> dict[str, Any]:
    """Scrapy settings that make `meta["playwright"]` requests render in one shared Chromium.

    `max_pages` bounds the pages open at once (one context, so it is the total browser concurrency).
    """
    return {
        # scrapy-playwright's handler behind the destination guard, with render deadlines and popup closing.
        "DOWNLOAD_HANDLERS": {
            "http": "crawlerats.discovery.handler.GuardedPlaywrightHandler",
            "https": "crawlerats.discovery.handler.GuardedPlaywrightHandler",
        },
        "PLAYWRIGHT_BROWSER_TYPE": "chromium",
        "PLAYWRIGHT_LAUNCH_OPTIONS": {"executable_path": CHROMIUM, "args": list(CHROMIUM_ARGS),
                                      "headless": True, "chromium_sandbox": SANDBOX},
        "PLAYWRIGHT_MAX_CONTEXTS": 1,
        "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": max_pages,
        "PLAYWRIGHT_DEFAULT_NAVIGATION_TIMEOUT": 30_000,
        # Read by crawlerats.discovery.handler (override with -s):
        "CRAWLERATS_RENDER_TIMEOUT_S": 60,  # whole render (navigation, page methods, content); then closed
        "CRAWLERATS_PAGE_OPERATION_TIMEOUT_MS": 15_000,  # any single page operation
        "CRAWLERATS_BROWSER_ALLOWED_ORIGINS": [],  # scheme://host:port allowed despite a private address
        "PLAYWRIGHT_ABORT_REQUEST": abort_request,
        # Company career sites are websites, not ATS APIs: ask for HTML and honour robots.txt.
        "DEFAULT_REQUEST_HEADERS": {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"},
        "ROBOTSTXT_OBEY": True,
    }


def abort_request(request: PlaywrightRequest) -> bool:
    """Abort images/media/fonts, and any in-page request to an ATS host.

    An ATS request is observed (the page's "request" event fires before routing) and detected from its URL;
    loading it would only add load on the ATS and hang offline. Main-frame navigations are never aborted,
    so a careers URL that redirects to an ATS board still loads.
    """
    if request.resource_type in _SKIPPED_RESOURCES or refused_scheme(request.url):
        return True  # file:, chrome:, ... never load (network destinations are checked by the guard proxy)
    try:
        detect(request.url, page_evidence=True)
    except UnknownBoardUrl:
        return False
    try:
        main_navigation = request.is_navigation_request() and request.frame.parent_frame is None
    except PlaywrightError:
        main_navigation = False
    return not main_navigation


async def settle(page: Page, idle_timeout_ms: float, settle_ms: float) -> None:
    """Page method: wait for network idle (bounded), then `settle_ms` for timers that insert embeds."""
    with suppress(PlaywrightError):
        await page.wait_for_load_state("networkidle", timeout=idle_timeout_ms)
    if settle_ms > 0:
        await page.wait_for_timeout(settle_ms)


_COLLECT_JS = """() => ({
  links: Array.from(document.querySelectorAll('a[href]'), a => ({href: a.href, text: (a.innerText || a.textContent || '').trim().slice(0, 200)})),
  iframes: Array.from(document.querySelectorAll('iframe[src], frame[src]'), f => f.src),
  scripts: Array.from(document.querySelectorAll('script[src]'), s => s.src),
})"""


async def collect_urls(page: Page) -> dict[str, Any]:
    """Page method: links (with text), iframe and script sources of every frame; `main_links` are the
    main frame's links (candidates for the careers hop)."""
    result: dict[str, Any] = {"links": [], "iframes": [], "scripts": [], "main_links": []}
    for frame in page.frames:
        try:
            found = await asyncio.wait_for(frame.evaluate(_COLLECT_JS), EVALUATE_SECONDS)
        except (PlaywrightError, TimeoutError):
            continue  # detached frame, an aborted ATS iframe showing Chromium's error page, or a busy frame
        result["links"] += found["links"]
        result["iframes"] += found["iframes"]
        result["scripts"] += found["scripts"]
        if frame == page.main_frame:
            result["main_links"] = found["links"]
    return result
