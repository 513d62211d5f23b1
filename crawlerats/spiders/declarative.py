"""Declarative bases for the common ATS API shapes, so an ATS spider states its endpoint and mapping only.

- `WholeBoardSpider`: the whole board in one response (like alltheplaces' `JSONBlobSpider`): set
  `board_endpoint` (a template over `{company}` and the board params) and `postings_key` (the member holding
  the postings list; None when the body is the list), implement `posting(board, row)`.
- `PagedApiSpider`: a JSON list API paged by offset (or page number): set `page_endpoint`, `postings_key`,
  `page_size`, implement `posting(board, row)`; the base stops on a short or empty page, on the `total` the
  API reports (`total_key`), and on the paging guard (`page_guard`: page cap, a page without new ids).
- Both read a listed row with `board_row(board, row)` (default `posting`); a spider whose row mapping
  reads nothing but the board and the row sets `raw_fingerprints = True` (crawlerats/spiders/base.py).
- `JsonLdDetailSpider`: HTML list pages linking to job pages that carry a schema.org `JobPosting` JSON-LD
  block: set `list_endpoint`, implement `job_links(response, board)` -> (job id, job page URL) pairs (and
  `next_page(response, board)` for paged lists); `posting(board, job, job_id, url)` maps the JobPosting
  (default `jobposting_item`, the same reading as the `jsonld` spider).

Each hook receives plain data; requests carry plain `cb_kwargs` (picklable for JOBDIR).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from scrapy.http import Response

from crawlerats.board import Board
from crawlerats.discovery import jsonld as ld
from crawlerats.spiders.base import AtsSpider, dig
from crawlerats.spiders.pages import html_page


class WholeBoardSpider(AtsSpider):
    """An ATS that answers a whole board in one JSON response."""

    #: Board API URL template: `{company}` and the board params, e.g. `https://x/{company}/jobs`.
    board_endpoint: str = ""
    #: Member of the response holding the postings list; None when the body is the list.
    postings_key: str | None = None
    #: Key of a posting's id in a row (for `raw_fingerprints`).
    row_id_key: str = "id"

    def board_api_url(self, board: Board) -> str:
        """The board's API URL (override when a template is not enough)."""
        return self.board_endpoint.format(**{**dict(board.params), "company": board.company})

    def board_requests(self, board: Board) -> Iterator[Any]:
        yield self.request(board, self.board_api_url(board), self.parse_board)

    def parse_board(self, response: Response, board: Board) -> Iterator[Any]:
        yield from self.read_whole_board(response, board, self.postings_key, self.board_row,
                                         self.row_id_key if self.raw_fingerprints else None)

    def board_row(self, board: Board, row: Any) -> Any:
        """One listed row: an item (default `posting`) or a detail request."""
        return self.posting(board, row)

    def posting(self, board: Board, row: Any) -> Any:
        raise NotImplementedError


class PagedApiSpider(AtsSpider):
    """A JSON list API paged by offset (`{offset}`) or page number (`{page}`, from 1) in `page_endpoint`."""

    #: Page URL template: `{company}`, the board params, `{offset}`, `{page}` and `{limit}`.
    page_endpoint: str = ""
    #: Member of the response holding the postings list; None when the body is the list.
    postings_key: str | None = None
    #: Member holding the total number of postings, when the API reports it.
    total_key: str | None = None
    #: Postings asked per page (`{limit}`); a shorter page is the last one.
    page_size: int = 100
    #: Key of a posting's id in a row (for the paging guard and `raw_fingerprints`).
    row_id_key: str = "id"

    def page_url(self, board: Board, offset: int, page: int) -> str:
        return self.page_endpoint.format(**{**dict(board.params), "company": board.company, "offset": offset,
                                            "page": page, "limit": self.page_size})

    def board_requests(self, board: Board) -> Iterator[Any]:
        yield self.page_request(board, 0, 1)

    def page_request(self, board: Board, offset: int, page: int) -> Any:
        return self.request(board, self.page_url(board, offset, page), self.parse_page,
                            cb_kwargs={"offset": offset, "page": page})

    def parse_page(self, response: Response, board: Board, offset: int, page: int = 1) -> Iterator[Any]:
        data = self.parse_json(response, board, list if self.postings_key is None else dict)
        if data is None:
            return
        rows = data if self.postings_key is None else data.get(self.postings_key)
        if not isinstance(rows, list):
            self.board_failed(board, f"unexpected_payload (no {self.postings_key} list) at {response.url}")
            return
        total = dig(data, self.total_key, expect=int) if self.total_key and isinstance(data, dict) else None
        ids = [dig(row, self.row_id_key) for row in rows]
        stop = self.page_guard(board, ids)
        for job_id in ids:
            self.mark_seen(board, job_id)  # rows may become detail requests whose items come later
        yield from self.emit(board, rows, self.board_row, self.row_id_key if self.raw_fingerprints else None)
        following = offset + len(rows)
        if stop:
            self.board_truncated(board, stop)
        elif rows and len(rows) >= self.page_size and (not total or total <= 0 or following < total):
            yield self.page_request(board, following, page + 1)
        else:
            self.board_finished(board)

    def board_row(self, board: Board, row: Any) -> Any:
        """One listed row: an item (default `posting`) or a detail request."""
        return self.posting(board, row)

    def posting(self, board: Board, row: Any) -> Any:
        raise NotImplementedError


class JsonLdDetailSpider(AtsSpider):
    """HTML list pages -> job pages with a JobPosting JSON-LD block (one detail request per listed job)."""

    payload = "html"
    #: First list page URL template (`{company}` and the board params).
    list_endpoint: str = ""

    def list_url(self, board: Board) -> str:
        return self.list_endpoint.format(**{**dict(board.params), "company": board.company})

    def board_requests(self, board: Board) -> Iterator[Any]:
        yield self.request(board, self.list_url(board), self.parse_list, cb_kwargs={"page": 1})

    def job_links(self, response: Response, board: Board) -> Iterable[tuple[str, str]]:
        """(job id, absolute job page URL) for each posting on a list page."""
        raise NotImplementedError

    def next_page(self, response: Response, board: Board) -> str | None:
        """The next list page's URL, or None on the last page (default: one page)."""
        return None

    def parse_list(self, response: Response, board: Board, page: int) -> Iterator[Any]:
        links = list(dict.fromkeys(self.job_links(response, board)))
        stop = self.page_guard(board, [job_id for job_id, _ in links])
        for job_id, url in links:
            self.mark_seen(board, job_id)
            yield self.request(board, url, self.parse_job, cb_kwargs={"job_id": job_id, "url": url}, detail=True)
        following = None if stop else self.next_page(response, board)
        if stop:
            self.board_truncated(board, stop)
        elif following and links:
            yield self.request(board, following, self.parse_list, cb_kwargs={"page": page + 1})
        else:
            self.board_finished(board)

    def parse_job(self, response: Response, board: Board, job_id: str, url: str) -> Iterator[Any]:
        page = html_page(response)
        postings, _, _ = ld.job_postings(page) if page is not None else ([], 0, 0)
        if not postings:
            self.crawler.stats.inc_value("crawlerats/detail_failed/no_jobposting")
            self.logger.warning("No JobPosting JSON-LD for %s on %s", board, response.url)
            return
        yield from self.emit(board, [postings[0]], lambda b, job: self.posting(b, job, job_id, url))

    def posting(self, board: Board, job: dict[str, Any], job_id: str, url: str) -> Any:
        """The item of one JobPosting; override (or post-process `jobposting_item`) for ATS-specific fields."""
        return jobposting_item(self, board, job, job_id, url)


def jobposting_item(spider: AtsSpider, board: Board, job: dict[str, Any], job_id: str, url: str) -> Any:
    """A contract item from a schema.org JobPosting, read with crawlerats/discovery/jsonld.py (as `jsonld` does)."""
    salary = ld.salary_of(job)
    return spider.make_item(
        board,
        job_id=job_id,
        requisition_id=ld.identifier_of(job),
        title=ld.text_of(job.get("title")) or ld.text_of(job.get("name")),
        company_name=ld.organization_name(job),
        employment_type_raw=", ".join(ld.employment_types(job)) or None,
        workplace_type="remote" if ld.is_remote(job) else None,
        locations=ld.locations_of(job),
        salary=salary,
        salary_raw=job.get("baseSalary") if salary else None,
        description_html=ld.description_of(job),
        url=ld.text_of(job.get("url")) or url,
        posted_at=ld.text_of(job.get("datePosted")),
        updated_at=ld.text_of(job.get("dateModified")),
        extras={"valid_through": ld.text_of(job.get("validThrough"))},
    )
