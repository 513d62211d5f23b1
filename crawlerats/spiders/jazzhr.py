"""JazzHR: `{sub}.applytojob.com/apply/` list page + one job page per posting (JSON-LD when present, markup otherwise).

List: `GET https://{sub}.applytojob.com/apply/`, the whole board on one page: one `li.list-group-item` per posting
with `h3.list-group-item-heading > a[href=…/apply/{id}/{Title-Slug}]` (title padded with whitespace), an optional
`i.fa-map-marker` item (location) and `i.fa-sitemap` item (department). No dates on the list. A retired board
redirects to `app.applytojob.com/notfound.html` with HTTP 200: that fails the board.
Detail: `GET https://{sub}.applytojob.com/apply/{id}/{slug}`. Its JSON-LD JobPosting (on many boards, not all) gives
`datePosted` (the only posted date JazzHR shows), `validThrough`, `employmentType`, `jobLocation.address`,
`experienceRequirements`, `uniqueJobCode` (the API job id) and sometimes `baseSalary`; the page markup, present on
every board, gives `.job-attributes-container` (Location / `#resumator-job-employment` / Department /
`#resumator-job-experience`) and `#job-description`.

Board id: the `applytojob.com` subdomain. Job id: the 10-character id in the posting link.

Verified on real payloads: list rows with both quote styles and padded titles (two boards; one trimmed to 4 of 70
rows), a job page with JSON-LD and the attributes container (description cut by its saver). Unverified: a job page
without JSON-LD (the markup path is tested on the saved page with its JSON-LD removed and a saver's trim that broke
the `#job-description` attribute repaired), `baseSalary` values, the retired-board redirect (reported by other
scrapers, no saved response), and an empty board's page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit

from parsel import Selector
from scrapy.http import Response

from crawlerats.ats import SUB, BoardUrl
from crawlerats.board import Board
from crawlerats.discovery import jsonld as ld
from crawlerats.spiders.base import AtsSpider
from crawlerats.spiders.detail_fallback import ListedFallback
from crawlerats.spiders.pages import html_page
from crawlerats.spiders.rows import parse_rows, unseen

_JOB_LINK = re.compile(r"/apply/([A-Za-z0-9]{6,16})/([^/?#]*)")


def _text(values: list[str]) -> str | None:
    return " ".join(" ".join(values).split()) or None


def _attribute(page: Selector, selector: str) -> str | None:
    return _text(page.css(f".job-attributes-container {selector} ::text").getall())


class JazzhrSpider(ListedFallback, AtsSpider):
    name = "jazzhr"
    payload = "html"
    board_urls = (BoardUrl(host=rf"{SUB}\.applytojob\.com"),)
    public_url_template = "https://{company}.applytojob.com/apply/"

    def board_requests(self, board: Board) -> Iterator[Any]:
        yield self.request(board, f"https://{board.company}.applytojob.com/apply/", self.parse_list)

    def parse_list(self, response: Response, board: Board) -> Iterator[Any]:
        final = urlsplit(response.url)
        if final.hostname != f"{board.company}.applytojob.com" or "notfound" in final.path.lower():
            self.board_failed(board, f"retired board (redirected to {response.url})")
            return
        markup = html_page(response)
        if markup is None:
            self.board_failed(board, f"not_html at {response.url}")
            return
        rows = unseen(self, board, parse_rows(self, board, markup.css("li.list-group-item"),
                                              lambda item: self.row(item, response.url)), lambda row: row["id"])
        for row in rows:
            self.mark_seen(board, row["id"])
        yield from self.emit(board, rows, lambda b, r: self.detail_request(b, r["url"], r))
        self.board_finished(board)

    @staticmethod
    def row(item: Selector, page_url: str) -> dict[str, Any] | None:
        anchor = item.css("h3.list-group-item-heading a[href]")
        href = anchor.xpath("@href").get() or ""
        match = _JOB_LINK.search(href)
        if not match:
            return None
        return {"id": match.group(1), "title": _text(anchor.xpath(".//text()").getall()),
                "url": urljoin(page_url, href),
                "location": _text(item.xpath(".//li[i[contains(@class, 'fa-map-marker')]]//text()").getall()),
                "department": _text(item.xpath(".//li[i[contains(@class, 'fa-sitemap')]]//text()").getall())}

    def parse_detail(self, response: Response, board: Board, listed: dict[str, Any]) -> Iterator[Any]:
        page = html_page(response)
        postings = ld.job_postings(page)[0] if page is not None else []
        if page is None or not (postings or page.css(".job-attributes-container, #job-description")):
            self.crawler.stats.inc_value("crawlerats/detail_failed/no_job_markup")
            page = None
        detail = {"ld": postings[0] if postings else {},
                  "location": _attribute(page, "[title=Location]") if page else None,
                  "type": _attribute(page, "#resumator-job-employment") if page else None,
                  "department": _attribute(page, "[title=Department]") if page else None,
                  "experience": _attribute(page, "#resumator-job-experience") if page else None,
                  "html": page.css("#job-description").get() if page else None} if page is not None else None
        yield from self.emit(board, [listed], lambda b, r: self.posting(b, r, detail))

    def posting(self, board: Board, row: dict[str, Any], detail: dict[str, Any] | None) -> Any:
        d = detail or {}
        p = d.get("ld") or {}
        kinds = ld.employment_types(p)
        return self.make_item(
            board,
            job_id=row["id"],
            title=ld.text_of(p.get("title")) or row["title"],
            company_name=ld.organization_name(p),
            department=d.get("department") or row.get("department"),
            employment_type_raw=d.get("type") or (kinds[0] if kinds else None),
            workplace_type="remote" if ld.is_remote(p) else None,
            locations=ld.locations_of(p) or [loc for loc in (d.get("location") or row.get("location"),) if loc],
            salary=ld.salary_of(p),
            salary_raw=p.get("baseSalary") if ld.salary_of(p) else None,
            description_html=ld.description_of(p) or d.get("html"),
            url=row["url"],
            posted_at=ld.text_of(p.get("datePosted")),
            extras={"valid_through": ld.text_of(p.get("validThrough")),
                    "experience": d.get("experience") or ld.text_of(p.get("experienceRequirements")),
                    "job_code": ld.text_of(p.get("uniqueJobCode")),
                    "detail_missing": True if detail is None else None},
        )
