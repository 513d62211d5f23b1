"""Jobvite: `jobs.jobvite.com/{company}` list pages + one JSON-LD job page per posting.

List: `GET https://jobs.jobvite.com/{company}/search?p={page0}`. Rows in either live markup: table rows
(`td.jv-job-list-name` / `td.jv-job-list-location`) or list items (`ul.jv-job-list > li.job > a.jv-job-list-name` +
`p.jv-job-list-location`); every link to `/{company}/job/{jobId}` is a posting, its location the row's
`.jv-job-list-location`. Paging: the next page is asked while `div.jv-pagination-text` ("{first}-{last} of {total}")
says more remain; a page that repeats known ids, lists nothing while the text says more remain, or the page cap
(`page_guard`) marks the board truncated. Detail: `https://jobs.jobvite.com/{company}/job/{jobId}` with a JSON-LD
JobPosting (`identifier` = job id, `industry` = Jobvite category → department, `datePosted`, `jobLocation[].address`,
an often empty `baseSalary`).

Board id: the company path segment. Job id: the id in the posting link.

Verified on real payloads: the list-item variant (NeoGenomics slice, live whitespace in locations), the table variant
only from a reduced skeleton (Feeding America: links and `td.jv-job-list-location`), the JSON-LD block of a job page
(empty-string `baseSalary`). Unverified: the paging parameter and pagination text (reported by another scraper), the
markup of a full job page around the JSON-LD, `hiringOrganization` and `employmentType` values.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

from parsel import Selector
from scrapy.http import Response

from crawlerats.ats import BoardUrl
from crawlerats.board import Board
from crawlerats.discovery import jsonld as ld
from crawlerats.spiders.base import AtsSpider
from crawlerats.spiders.detail_fallback import JsonLdListedFallback
from crawlerats.spiders.rows import read_html_list

_PAGINATION = re.compile(r"(\d[\d,]*)\s*[-–]\s*(\d[\d,]*)\s+of\s+(\d[\d,]*)")


def _text(values: list[str]) -> str | None:
    return " ".join(" ".join(values).split()) or None


class JobviteSpider(JsonLdListedFallback, AtsSpider):
    name = "jobvite"
    payload = "html"
    board_urls = (
        BoardUrl(host=r"jobs\.jobvite\.com", path=r"/(?P<company>[A-Za-z0-9][A-Za-z0-9_.\-]*)",
                 exclude=frozenset({"api", "careers", "jobs", "static"})),
    )
    public_url_template = "https://jobs.jobvite.com/{company}/jobs"

    def board_requests(self, board: Board) -> Iterator[Any]:
        yield self.page(board, 0)

    def page(self, board: Board, number: int) -> Any:
        url = f"https://jobs.jobvite.com/{board.company}/search?p={number}"
        return self.request(board, url, self.parse_page, cb_kwargs={"number": number})

    def parse_page(self, response: Response, board: Board, number: int) -> Iterator[Any]:
        link = re.compile(rf"/{re.escape(board.company)}/job/([A-Za-z0-9]+)/?(?:[?#]|$)", re.I)
        yield from read_html_list(
            self, response, board, select=lambda markup: markup.xpath("//a[@href]"),
            row=lambda anchor: self.row(anchor, link), id_of=lambda row: row["id"],
            build=lambda b, r: self.detail_request(b, r["url"], r), mark_seen=True,
            then=lambda markup, rows, stop: self.follow(markup, rows, stop, board, number))

    def follow(self, markup: Selector, rows: list[Any], stop: str | None, board: Board, number: int) -> Iterator[Any]:
        """After a list page: the next page while the pagination text says more remain, else the board's end."""
        counts = _PAGINATION.search(_text(markup.css(".jv-pagination-text ::text").getall()) or "")
        last, total = (int(counts.group(2).replace(",", "")), int(counts.group(3).replace(",", ""))) if counts \
            else (0, 0)
        if stop:
            self.board_truncated(board, f"{stop} ({last} of {total} listed)")
        elif last < total and rows:
            yield self.page(board, number + 1)
        elif last < total:
            self.board_truncated(board, f"page {number} listed no postings ({last} of {total} listed)")
        else:
            self.board_finished(board)

    @staticmethod
    def row(anchor: Selector, link: re.Pattern[str]) -> dict[str, Any] | None:
        href = anchor.xpath("@href").get() or ""
        match = link.search(href)
        if not match:
            return None
        row = anchor.xpath("ancestor::*[self::tr or self::li][1]")
        return {"id": match.group(1), "title": _text(anchor.xpath(".//text()").getall()),
                "url": urljoin("https://jobs.jobvite.com/", href.split("?")[0]),
                "location": _text(row.css(".jv-job-list-location ::text").getall())}

    def posting(self, board: Board, row: dict[str, Any], ld_posting: dict[str, Any] | None) -> Any:
        p = ld_posting or {}
        kinds = ld.employment_types(p)
        return self.make_item(
            board,
            job_id=row["id"],
            title=ld.text_of(p.get("title")) or row["title"],
            company_name=ld.organization_name(p),
            department=ld.text_of(p.get("industry")),
            employment_type_raw=kinds[0] if kinds else None,
            workplace_type="remote" if ld.is_remote(p) else None,
            locations=ld.locations_of(p) or ([row["location"]] if row.get("location") else []),
            salary=ld.salary_of(p),
            description_html=ld.description_of(p),
            url=row["url"],
            posted_at=ld.text_of(p.get("datePosted")),
            extras={"valid_through": ld.text_of(p.get("validThrough")),
                    "identifier": ld.identifier_of(p) if ld.identifier_of(p) != row["id"] else None,
                    "detail_missing": True if ld_posting is None else None},
        )
