"""Taleo Business Edition (`{pod}.tbe.taleo.net`) career sections: the v2 search results page.

List: `GET https://{pod}.tbe.taleo.net/{podcode}/ats/careers/v2/searchResults?org={ORG}&cws={cws}` (later pages with
`&pageNo=2, 3, …` until an empty page; a page repeating known requisitions or the page cap (`page_guard`) marks the
board truncated). Rows: `div.oracletaleocwsv2-accordion-head-
info` > `h4 a.viewJobLink[href=…/viewRequisition?org=…&cws=…&rid={rid}]`, followed by `div[tabindex]` columns whose
order and meaning the tenant configures (SFU: department, type, location; NFINDY: location, department, type). So the
columns are read by what they say, not where they stand: one naming an employment type ("Permanent Full Time", "Per
Diem") is the employment type, one shaped "ST - City" with a US state or Canadian province code ("IN - Lafayette")
is a location; every column is kept in order in `extras.columns`, and workplace words ("Burnaby (Hybrid)") are read
from all of them. Apply URL: the
`applyRequisition` form of the same rid. No dates, descriptions or pay on the rows (no detail page is fetched).

Board id: `{pod}/{podcode}/{ORG}/{cws}` (e.g. `tre/tre01/SIMOFRAS/37`). Job id: `rid`.

Verified on real payloads: the accordion rows of two tenants (one an author's "faithful slice", one a 3-row slice,
`&` unescaped in its links). Unverified: paging (`pageNo` is reported by another scraper; its first value is assumed
to be 1, and a server that answers pages past the end with the last page leaves the board truncated), a tenant's
location column that is a bare city ("Surrey" stays in `extras.columns`), job pages, and Taleo Enterprise
(`{tenant}.taleo.net/careersection/…`), which this spider does not read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qs, urljoin, urlsplit

from parsel import Selector
from scrapy.http import Response

from crawlerats import normalize as n
from crawlerats.ats import BoardUrl
from crawlerats.board import Board
from crawlerats.spiders.base import AtsSpider
from crawlerats.spiders.rows import read_html_list, until_empty

_BOARD_ID = re.compile(r"(?P<pod>[a-z0-9]+)/(?P<podcode>[a-z0-9]+)/(?P<org>[A-Za-z0-9_]+)/(?P<cws>\d+)")
_CODED_PLACE = re.compile(r"(?P<region>[A-Z]{2}) - (?P<city>.+)")


def _text(values: list[str]) -> str | None:
    return " ".join(" ".join(values).split()) or None


class TaleoSpider(AtsSpider):
    name = "taleo"
    payload = "html"
    board_urls = (
        BoardUrl(host=r"(?P<pod>[a-z0-9]+)\.tbe\.taleo\.net", path=r"/(?P<podcode>[a-z0-9]+)/ats/careers/",
                 query=("org", "cws"), board="{pod}/{podcode}/{org}/{cws}"),
    )
    public_url_template = "https://{pod}.tbe.taleo.net/{podcode}/ats/careers/v2/searchResults?org={org}&cws={cws}"

    @classmethod
    def public_url(cls, board: Board) -> str:
        return cls.public_url_template.format(**cls.parts(board))

    @staticmethod
    def parts(board: Board) -> dict[str, str]:
        match = _BOARD_ID.fullmatch(board.company)
        if not match:
            raise ValueError(f"not a Taleo Business Edition board id ({{pod}}/{{podcode}}/{{ORG}}/{{cws}}): "
                             f"{board.company!r}")
        return match.groupdict()

    def valid_board_id(self, token: str) -> bool:
        return _BOARD_ID.fullmatch(token) is not None

    def board_requests(self, board: Board) -> Iterator[Any]:
        yield self.page(board, 1)

    def page(self, board: Board, number: int) -> Any:
        url = self.public_url(board) + (f"&pageNo={number}" if number > 1 else "")
        return self.request(board, url, self.parse_page, cb_kwargs={"number": number})

    def parse_page(self, response: Response, board: Board, number: int) -> Iterator[Any]:
        yield from read_html_list(
            self, response, board, select=lambda markup: markup.css("div.oracletaleocwsv2-accordion-head-info"),
            row=lambda head: self.row(head, response.url), id_of=lambda row: row["rid"], build=self.posting,
            then=until_empty(self, board, lambda: self.page(board, number + 1)))

    @staticmethod
    def row(head: Selector, page_url: str) -> dict[str, Any] | None:
        href = head.css("a.viewJobLink::attr(href)").get() or ""
        rid = (parse_qs(urlsplit(href).query).get("rid") or [""])[0].strip()
        if not rid:
            return None
        return {"rid": rid, "title": _text(head.css("a.viewJobLink ::text").getall()), "url": urljoin(page_url, href),
                "columns": [c for c in (_text(div.css("::text").getall()) for div in head.xpath("./div[@tabindex]"))
                            if c]}

    def posting(self, board: Board, row: dict[str, Any]) -> Any:
        columns = [c for c in row["columns"] if isinstance(c, str)]
        kind = next((c for c in columns if n.employment_type(c)), None)
        places = [n.parse_location(m.group(0), city=m["city"], region=m["region"])
                  for m in map(_CODED_PLACE.fullmatch, columns) if m]
        return self.make_item(
            board,
            job_id=row["rid"],
            title=row["title"],
            employment_type_raw=kind,
            workplace_type=n.workplace_from_text(*columns),
            locations=[place for place in places if place and place["country"]],  # "IT - Support" is no place
            url=row["url"],
            apply_url=row["url"].replace("/viewRequisition?", "/applyRequisition?"),
            extras={"columns": columns or None},
        )
