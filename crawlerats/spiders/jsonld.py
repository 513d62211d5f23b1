"""`scrapy crawl jsonld -a urls=URL,... [-a render=true]`: schema.org JobPosting (JSON-LD) pages.

For careers sites that use no supported ATS. A "board" is one site: `ats = "jsonld"`, `company` = the
site's domain (host without "www."). Each page is fetched plainly first; only when it holds no JobPosting
is it rendered in headless Chromium (or always, with `render=true`). Items go through the same
validate/dedup/scoring/writer stages as every ATS spider. A board is "ok" only when every page of the site
was read, parsed cleanly and listed postings; a page with malformed JSON-LD (counted in
`crawlerats/jsonld/malformed`, the other blocks still read) or without any JobPosting marks the site
truncated, so nothing of it is closed on evidence that weak.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

import scrapy
from pydantic import Field
from scrapy.http import Response
from scrapy_playwright.page import PageMethod
from scrapy_spider_metadata import Args

from crawlerats.board import Board
from crawlerats.discovery import jsonld as ld
from crawlerats.discovery.args import UrlArgs
from crawlerats.discovery.browser import browser_settings, settle
from crawlerats.spiders.base import AtsSpider, BoardArgs, BoardOutcome
from crawlerats.spiders.pages import html_page


class JsonLdArgs(BoardArgs, UrlArgs):
    render: bool = Field(default=False, description="Render every page in Chromium, not only pages whose "
                                                    "plain HTML has no JobPosting.")


def site_board(url: str) -> Board:
    """The jsonld board of a page: its host without a leading "www."."""
    host = (urlsplit(url).hostname or "").lower()
    return Board("jsonld", host[4:] if host.startswith("www.") else host)


class JsonLdSpider(AtsSpider, Args[JsonLdArgs]):
    name = "jsonld"
    payload = "html"
    public_url_template = "https://{company}"  # the board id is the careers site (host and path)
    custom_settings = {
        **browser_settings(max_pages=4),
        "CONCURRENT_REQUESTS": 8,
        "CRAWLERATS_RENDER_IDLE_TIMEOUT_MS": 10_000,
        "CRAWLERATS_RENDER_SETTLE_MS": 500,
    }
    args: JsonLdArgs

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.start_list = self.args.start_urls()
        self.pending: dict[tuple[str, str], int] = {}

    async def start(self) -> AsyncIterator[Any]:
        by_board: dict[Board, list[str]] = {}
        for url in self.start_list:
            by_board.setdefault(site_board(url), []).append(url)
        self.logger.info("Reading JSON-LD from %d page(s) on %d site(s)", len(self.start_list), len(by_board))
        if not self.start_list:
            self.logger.warning("No pages: pass -a urls=URL,... or -a urls_file=PATH")
        self.crawler.stats.set_value("crawlerats/boards/total", len(by_board))
        for board, urls in by_board.items():
            self.outcomes.setdefault(board.key, BoardOutcome(board))
            self.pending[board.key] = len(urls)
            for url in urls:
                yield self.page_request(board, url, render=self.args.render)

    def page_request(self, board: Board, url: str, render: bool) -> scrapy.Request:
        meta: dict[str, Any] = {"board": board.key, "detail": False, "fallback": None, "rendered": render}
        if render:
            settings = self.crawler.settings
            meta["playwright"] = True
            meta["playwright_page_methods"] = [PageMethod(
                settle, settings.getfloat("CRAWLERATS_RENDER_IDLE_TIMEOUT_MS"),
                settings.getfloat("CRAWLERATS_RENDER_SETTLE_MS"))]
        return scrapy.Request(url, callback=self.parse_page, errback=self.on_error, dont_filter=True,
                              cb_kwargs={"board": board}, meta=meta)

    def parse_page(self, response: Response, board: Board) -> Iterator[Any]:
        stats = self.crawler.stats
        rendered = bool(response.meta.get("rendered"))
        page = html_page(response)
        if page is None:
            self.board_failed(board, f"not_html at {response.url}")
            return
        postings, blocks, malformed = ld.job_postings(page)
        stats.inc_value("crawlerats/jsonld/pages_rendered" if rendered else "crawlerats/jsonld/pages_plain")
        stats.inc_value("crawlerats/jsonld/blocks", blocks)
        if malformed:
            stats.inc_value("crawlerats/jsonld/malformed", malformed)
            self.logger.warning("%d malformed JSON-LD block(s) skipped on %s", malformed, response.url)
            self.board_truncated(board, f"malformed JSON-LD at {response.url}")
        if not postings and not rendered:
            stats.inc_value("crawlerats/jsonld/render_fallback")
            yield self.page_request(board, response.url, render=True)
            return
        stats.inc_value("crawlerats/jsonld/postings", len(postings))
        yield from self.emit(board, postings, lambda b, p: self.posting(b, p, response.url))
        if not postings:
            self.board_truncated(board, f"no JobPosting at {response.url}")
        self.pending[board.key] -= 1
        if self.pending[board.key] == 0:
            self.board_finished(board)

    def posting(self, board: Board, p: dict[str, Any], page_url: str) -> Any:
        title = ld.text_of(p.get("title")) or ld.text_of(p.get("name"))  # some sites use name
        url = p.get("url") if isinstance(p.get("url"), str) and p.get("url").strip() else None
        url = urljoin(page_url, url) if url else page_url
        identifier = ld.identifier_of(p)
        kinds = ld.employment_types(p)
        amount = p.get("baseSalary")
        return self.make_item(
            board,
            job_id=identifier or ld.stable_id(url, title),
            title=title,
            company_name=ld.organization_name(p) or board.company,
            employment_type_raw=kinds[0] if kinds else None,
            workplace_type="remote" if ld.is_remote(p) else None,
            locations=ld.locations_of(p),
            salary=ld.salary_of(p),
            salary_raw=amount if amount not in (None, "", {}, []) else None,
            description_html=ld.description_of(p),
            url=url,
            posted_at=ld.text_of(p.get("datePosted")),
            updated_at=ld.text_of(p.get("dateModified")),
            extras={
                "valid_through": ld.text_of(p.get("validThrough")),
                "employment_types": kinds if len(kinds) > 1 else None,
                "identifier_hashed": None if identifier else True,
                "industry": ld.text_of(p.get("industry")),
                "occupational_category": ld.text_of(p.get("occupationalCategory")),
                "page_url": page_url if page_url != url else None,
            },
        )
