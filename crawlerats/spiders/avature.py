"""Avature career portals: the `SearchJobs` result pages.

List: `GET https://{host}/{portal}/SearchJobs/?jobOffset={n}`; results are `article.article--result` with a title link
`/{portal}/JobDetail/{slug}/{id}`, `span.list-item-ref` ("Ref #13694", a reference number that differs from the URL
id), `span.list-item-posted` ("Posted 05-Oct-2026") and `span.list-item-country`; the legend
(`.list-controls__text__legend`, "1-20 of 720 results") gives the total. `jobOffset` advances by the rows read until
the total; a page of known ids, the page cap (`page_guard`) or an empty page before the total mark the board
truncated. No description, pay or employment type on result rows (no job page is fetched); workplace type only from
title words.

Board id: `{host}/{portal}` (e.g. `careers.unifiservice.com/careers`). Detection: `{portal}/SearchJobs` and
`{portal}/JobDetail/…` on `*.avature.net`; on other (vanity) hosts `{portal}/SearchJobs/` anywhere, a JobDetail URL only
when given as a board URL (`BoardUrl.generic`: a common action name). Job id: the id at the end of the JobDetail URL;
the "Ref #" number is the requisition id.

Verified on a real payload: a slice of one portal's result page (3 of 720 results with the legend). Unverified: the
paging parameter `jobOffset` (not in the sample), other tenants' themes (Avature markup is tenant-themed; rows without
the classes above are not read), and locale-prefixed portals (`/en_US/careers`), accepted by detection as the portal.
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
from crawlerats.spiders.base import AtsSpider
from crawlerats.spiders.rows import read_html_list

_HOST_GROUP = r"(?P<host>[a-z0-9][a-z0-9-]*(?:\.[a-z0-9][a-z0-9-]*)+)"
_PORTAL = r"(?P<portal>(?:[a-z]{2}_[A-Z]{2}/)?[A-Za-z0-9_-]+)"
_BOARD_ID = re.compile(rf"{_HOST_GROUP}/{_PORTAL}")
_DETAIL = re.compile(r"/JobDetail/(?:[^/?#]+/)?(\d+)/?(?:[?#]|$)")
_LEGEND = re.compile(r"of\s+([\d,.]+)")
_POSTED = re.compile(r"^\s*Posted\s+", re.I)


def _text(values: list[str]) -> str | None:
    return " ".join(" ".join(values).split()) or None


class AvatureSpider(AtsSpider):
    name = "avature"
    payload = "html"
    board_urls = (
        BoardUrl(host=r"(?P<host>[a-z0-9][a-z0-9-]*\.avature\.net)", path=rf"/{_PORTAL}/(?:SearchJobs|JobDetail)\b",
                 board="{host}/{portal}"),
        BoardUrl(host=_HOST_GROUP, path=rf"/{_PORTAL}/SearchJobs(?:/|$)", board="{host}/{portal}"),
        # `…/JobDetail/…` is a common action name outside Avature: on other hosts only when given as a board URL.
        BoardUrl(host=_HOST_GROUP, path=rf"/{_PORTAL}/JobDetail/", board="{host}/{portal}", generic=True),
    )
    public_url_template = "https://{company}/SearchJobs/"

    def looks_like_board_id(self, token: str) -> bool:
        return _BOARD_ID.fullmatch(token) is not None and "/SearchJobs" not in token

    valid_board_id = looks_like_board_id

    def board_requests(self, board: Board) -> Iterator[Any]:
        yield self.page(board, 0)

    def page(self, board: Board, offset: int) -> Any:
        url = f"https://{board.company}/SearchJobs/" + (f"?jobOffset={offset}" if offset else "")
        return self.request(board, url, self.parse_page, cb_kwargs={"offset": offset})

    def parse_page(self, response: Response, board: Board, offset: int) -> Iterator[Any]:
        yield from read_html_list(
            self, response, board, select=lambda markup: markup.css("article.article--result"),
            row=lambda a: self.row(a, response.url), id_of=lambda row: row["id"], build=self.posting,
            then=lambda markup, rows, stop: self.follow(markup, rows, stop, board, offset))

    def follow(self, markup: Selector, rows: list[Any], stop: str | None, board: Board, offset: int) -> Iterator[Any]:
        """After a list page: the next offset while the legend's total says more remain, else the board's end."""
        legend = _LEGEND.search(_text(markup.css(".list-controls__text__legend ::text").getall()) or "")
        total = int(re.sub(r"\D", "", legend.group(1))) if legend else None
        following = offset + len(rows)
        if stop:
            self.board_truncated(board, f"{stop} ({following} of {total})")
        elif rows and total is not None and following < total:
            yield self.page(board, following)
        elif not rows and total is not None and offset < total:
            self.board_truncated(board, f"empty page at jobOffset={offset} of {total}")
        else:
            self.board_finished(board)

    @staticmethod
    def row(article: Selector, page_url: str) -> dict[str, Any] | None:
        links = [href for href in article.css("a::attr(href)").getall() if _DETAIL.search(href)]
        if not links:
            return None
        title_link = article.css(".article__header__text__title a") or article.css("a")
        ref = _text(article.css(".list-item-ref ::text").getall())
        posted = _text(article.css(".list-item-posted ::text").getall())
        return {"id": _DETAIL.search(links[0]).group(1),  # type: ignore[union-attr]
                "title": _text(title_link[0].css("::text").getall()),
                "url": urljoin(page_url, links[0]),
                "ref": re.sub(r"^Ref\s*#?\s*", "", ref, flags=re.I) if ref else None,
                "posted": _POSTED.sub("", posted) if posted else None,
                "country": _text(article.css(".list-item-country ::text").getall())}

    def posting(self, board: Board, row: dict[str, Any]) -> Any:
        return self.make_item(
            board,
            job_id=row["id"],
            requisition_id=row.get("ref"),
            title=row["title"],
            locations=[{"raw": row["country"], "country": row["country"]}] if row.get("country") else [],
            url=row["url"],
            posted_at=row.get("posted"),
        )
