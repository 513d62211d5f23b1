"""SAP SuccessFactors Recruiting Marketing career sites: the RSS job feed, with the search pages as fallback.

Board id: the career site host (`careers.qorvo.com`, `jobs.example.com`). Detection: the feed URL
`https://{host}/services/rss/job/` (an RMK path) anywhere; a posting URL `https://{host}/job/{slug}/{id}/` only when given
as a board URL, never as evidence on a page (`BoardUrl.generic`: other sites use that form). Feed: `GET https://{host}/services/rss/job/
?locale=en_US&keywords=&rows={rows}` (RSS 2.0, newest first): item `title` "Job Title (City, ST, CC, ZIP)" (the last
parenthesised group is the location), `pubDate` (RFC 822), `link` `https://{host}/job/{slug}/{id}/?feedId=…&utm_…`
(query dropped; job id = the trailing number), `description` HTML. When the feed fails (HTTP error, not RSS) or
holds `rows` items or more (it may be capped), the board is read from the search pages instead:
`GET https://{host}/search/?q=&sortColumn=referencedate&sortDirection=desc&startrow={n}` — rows
`table#searchresults tr.data-row` with `a.jobTitle-link` (`/job/{slug}/{id}/`), `span.jobLocation`, `span.jobDate`
("Sep 23, 2026") and tenant columns (`span.jobFacility`, … kept in extras); total in `span.paginationLabel`
("Results 1 – 25 of N"); `startrow` advances by the rows read until the total; a page of known ids, the page cap
(`page_guard`) or an empty page before the total mark the board truncated. Search rows carry no description. No
salary field; "remote" appears only in location text.

Verified on real payloads: a trimmed feed (Qorvo, 2 items, descriptions replaced by "..." by its saver) and a slice of
search rows with the pagination label (unnamed employer, 3 rows, host not in the file). Unverified: the feed's row
cap, the search page's request parameters and page size (reported by other scrapers), the `li.job-tile` card
markup some tenants use (not parsed), and full descriptions.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from parsel import Selector
from scrapy.http import Response
from twisted.python.failure import Failure

from crawlerats import normalize as n
from crawlerats.ats import BoardUrl
from crawlerats.board import Board
from crawlerats.spiders.base import AtsSpider
from crawlerats.spiders.rows import read_html_list, unseen

_HOST = re.compile(r"[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+\.[a-z]{2,}")
_HOST_GROUP = r"(?P<company>[a-z0-9][a-z0-9-]*(?:\.[a-z0-9][a-z0-9-]*)+)"
_JOB_ID = re.compile(r"/job/[^/]+/(\d+)/?$")
_TITLE_LOCATION = re.compile(r"^(?P<title>.*\S)\s*\((?P<location>[^()]*)\)\s*$", re.S)
_POSTAL = re.compile(r"^(?=.*\d)[A-Z0-9 -]{3,10}$", re.I)
_TOTAL = re.compile(r"of\s+([\d,.]+)\s*$")


def _text(values: list[str] | str | None) -> str | None:
    joined = " ".join(values) if isinstance(values, list) else values
    return (" ".join(joined.split()) or None) if isinstance(joined, str) else None


def _location(text: str | None) -> dict[str, Any] | None:
    """ "Richardson, TX, US, 75080" / "Europe, remote, IT": postal codes and "remote" dropped from the parts."""
    if not text:
        return None
    parts = [p.strip() for p in text.split(",") if p.strip()]
    kept = [p for p in parts if p.lower() != "remote" and not (p is parts[-1] and _POSTAL.match(p))]
    location = n.parse_location(", ".join(kept)) if kept else None
    return {**location, "raw": text} if location else {"raw": text, "city": None, "region": None, "country": None}


class SuccessfactorsSpider(AtsSpider):
    name = "successfactors"
    payload = "html"
    board_urls = (
        BoardUrl(host=_HOST_GROUP, path=r"/services/rss/job/?$"),
        # A posting URL `/job/{slug}/{id}/` is common outside RMK too: only when given as a board URL.
        BoardUrl(host=_HOST_GROUP, path=r"/job/[^/]+/\d{7,12}/?$", generic=True),  # RMK job ids: 9-10 digits seen
    )
    public_url_template = "https://{company}/services/rss/job/"
    rows = 1000

    def looks_like_board_id(self, token: str) -> bool:
        return _HOST.fullmatch(token.lower()) is not None

    valid_board_id = looks_like_board_id

    def board_requests(self, board: Board) -> Iterator[Any]:
        url = f"https://{board.company}/services/rss/job/?locale=en_US&keywords=&rows={self.rows}"
        yield self.request(board, url, self.parse_feed, errback=self.feed_failed)

    def feed_failed(self, failure: Failure) -> Iterator[Any]:
        board: Board = failure.request.cb_kwargs["board"]  # type: ignore[attr-defined]
        self.crawler.stats.inc_value(f"crawlerats/successfactors/feed_failed/{self._failure_reason(failure)}")
        yield self.search_page(board, 0)

    def parse_feed(self, response: Response, board: Board) -> Iterator[Any]:
        head = response.body.lstrip()[:512].lower()
        if not (head.startswith(b"<?xml") or head.startswith(b"<rss")) or b"<rss" not in head:
            self.crawler.stats.inc_value("crawlerats/successfactors/feed_failed/not_rss")
            yield self.search_page(board, 0)
            return
        root = self.parse_xml(response, board, "rss")
        if root is None:
            return
        items = root.findall("channel/item")
        if len(items) >= self.rows:  # the feed may be capped: read the paged search instead
            self.crawler.stats.inc_value("crawlerats/successfactors/feed_full")
            yield self.search_page(board, 0)
            return
        yield from self.emit(board, unseen(self, board, items, self.feed_id), self.feed_posting)
        self.board_finished(board)

    @staticmethod
    def feed_id(item: Any) -> str | None:
        try:
            path = urlsplit((item.findtext("link") or item.findtext("guid") or "").strip()).path
        except ValueError:  # e.g. a malformed IPv6 host
            return None
        match = _JOB_ID.search(path)
        return match.group(1) if match else None

    def feed_posting(self, board: Board, item: Any) -> Any:
        link = (item.findtext("link") or item.findtext("guid") or "").strip()
        parts = urlsplit(link)
        url = urlunsplit((parts.scheme, parts.netloc, parts.path, "", "")) if link else None
        heading = _text(item.findtext("title"))
        split = _TITLE_LOCATION.match(heading or "")
        place = _location(split["location"]) if split else None
        return self.make_item(
            board,
            job_id=self.feed_id(item),
            title=split["title"] if split else heading,
            locations=[place] if place else [],
            description_html=item.findtext("description"),
            url=url,
            posted_at=_text(item.findtext("pubDate")),
        )

    def search_page(self, board: Board, startrow: int) -> Any:
        url = (f"https://{board.company}/search/?q=&sortColumn=referencedate&sortDirection=desc"
               f"&startrow={startrow}")
        return self.request(board, url, self.parse_search, cb_kwargs={"startrow": startrow})

    def parse_search(self, response: Response, board: Board, startrow: int) -> Iterator[Any]:
        yield from read_html_list(
            self, response, board, select=lambda markup: markup.css("tr.data-row"),
            row=lambda tr: self.search_row(tr, response.url), id_of=lambda row: row["id"], build=self.search_posting,
            then=lambda markup, rows, stop: self.follow_search(markup, rows, stop, board, startrow))

    def follow_search(self, markup: Selector, rows: list[Any], stop: str | None, board: Board,
                      startrow: int) -> Iterator[Any]:
        """After a search page: the next startrow while the pagination label's total says more remain, else the
        board's end."""
        total = _TOTAL.search(_text(markup.css(".paginationLabel ::text").getall()) or "")
        count = int(re.sub(r"\D", "", total.group(1))) if total else None
        following = startrow + len(rows)
        if stop:
            self.board_truncated(board, f"{stop} ({following} of {count})")
        elif rows and count is not None and following < count:
            yield self.search_page(board, following)
        elif not rows and count is not None and startrow < count:
            self.board_truncated(board, f"empty search page at startrow {startrow} of {count}")
        else:
            self.board_finished(board)

    @staticmethod
    def search_row(row: Selector, page_url: str) -> dict[str, Any] | None:
        href = row.css("a.jobTitle-link::attr(href)").get()
        match = _JOB_ID.search(urlsplit(href or "").path)
        if not href or not match:
            return None
        columns = {}
        for span in row.css("td[class^=col]:not(.colTitle) span[class^=job]"):
            key = (span.xpath("@class").get() or "x").split()[0]
            if key not in ("jobLocation", "jobDate") and _text(span.css("::text").getall()):
                columns[key[3:].lower()] = _text(span.css("::text").getall())
        cell = row.css("td.colLocation") or row
        return {"id": match.group(1), "title": _text(row.css("a.jobTitle-link")[0].css("::text").getall()),
                "url": urljoin(page_url, href.split("?")[0]),
                "location": _text(cell.css("span.jobLocation ::text").getall()),
                "date": _text(row.css("span.jobDate ::text").get()), "columns": columns}

    def search_posting(self, board: Board, row: dict[str, Any]) -> Any:
        place = _location(row.get("location"))
        return self.make_item(
            board,
            job_id=row["id"],
            title=row["title"],
            locations=[place] if place else [],
            url=row["url"],
            posted_at=row.get("date"),
            extras={"columns": row.get("columns") or None},
        )
