"""Dover careers pages: the board's careers-page id, then its job list.

1. `GET https://app.dover.com/api/v1/careers-page-slug/{slug}` → `{id, …}` (a board given by slug), or
   `GET https://app.dover.com/api/v1/careers-page/{id}` (a board given by its careers-page UUID).
2. `GET https://app.dover.com/api/v1/careers-page/{id}/jobs?limit=100` → `{count, next, results[]}`; `next` is
   followed (on app.dover.com only) until it is null; a page without new ids or the page cap truncates the board.
Rows with `is_sample: true` or `is_published: false` are skipped (counted as `crawlerats/dover/skipped`).

Board id: the slug of `app.dover.com/jobs/{slug}` / `app.dover.com/apply/{slug}/{job}`, or the careers-page UUID of
`app.dover.com/{anything}/careers/{uuid}` (the first path part there is not always the board's slug).
Posting URL: `https://app.dover.com/apply/{slug}/{id}` (needs the slug: from the board id, else the careers-page
object's `slug`). The public URL of a UUID board is `app.dover.com/dover/careers/{uuid}` (unverified form).

Limits (what the real payload allows): the only saved payload is a trimmed `results` array (2 rows: `id`, `title`,
`locations[{location_type, location_option{display_name, city, state, country}, name, is_primary}]`,
`workplace_type`, `is_published`, `is_sample`). The two lookup answers, the `{count, next}` envelope and paging are
reported by other scrapers, not captured. The list carries no description, posted date, employment type or pay; a
per-job detail endpoint (`/api/v1/inbound/application-portal-job/{id}`) is reported to have them, but with no payload
to map it on it is not used: those fields stay null.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

from scrapy.http import Response

from crawlerats import normalize as n
from crawlerats.ats import TOKEN, BoardUrl
from crawlerats.board import Board
from crawlerats.spiders.base import AtsSpider, dicts
from crawlerats.spiders.rows import unseen

_API = "https://app.dover.com/api/v1"
_UUID = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"


class DoverSpider(AtsSpider):
    name = "dover"
    board_urls = (
        BoardUrl(host=r"app\.dover\.com", path=rf"/[^/]+/careers/(?P<company>{_UUID})(?:/|$)"),
        BoardUrl(host=r"app\.dover\.com", path=rf"/(?:jobs|apply)/{TOKEN}"),
    )
    public_url_template = "https://app.dover.com/jobs/{company}"

    @classmethod
    def public_url(cls, board: Board) -> str | None:
        if re.fullmatch(_UUID, board.company):
            return f"https://app.dover.com/dover/careers/{board.company}"  # any first part: the id decides
        return super().public_url(board)

    def board_requests(self, board: Board) -> Iterator[Any]:
        if re.fullmatch(_UUID, board.company):
            yield self.request(board, f"{_API}/careers-page/{board.company}", self.parse_careers_page)
        else:
            yield self.request(board, f"{_API}/careers-page-slug/{board.company}", self.parse_careers_page)

    def parse_careers_page(self, response: Response, board: Board) -> Iterator[Any]:
        page = self.parse_json(response, board)
        if page is None:
            return
        page_id = page.get("id")
        if not isinstance(page_id, str) or not re.fullmatch(_UUID, page_id):
            self.board_failed(board, f"unexpected_payload (no careers-page id) at {response.url}")
            return
        slug = board.company if not re.fullmatch(_UUID, board.company) else page.get("slug")
        yield self.page(board, f"{_API}/careers-page/{page_id}/jobs?limit=100", slug if isinstance(slug, str)
                        else None, page.get("name") if isinstance(page.get("name"), str) else None)

    def page(self, board: Board, url: str, slug: str | None, company: str | None) -> Any:
        return self.request(board, url, self.parse_jobs, cb_kwargs={"slug": slug, "company": company})

    def parse_jobs(self, response: Response, board: Board, slug: str | None, company: str | None) -> Iterator[Any]:
        data = self.parse_json(response, board)
        if data is None:
            return
        rows = data.get("results")
        if not isinstance(rows, list):
            self.board_failed(board, f"unexpected_payload (no results list) at {response.url}")
            return
        stop = self.page_guard(board, [r.get("id") for r in dicts(rows)])
        fresh = unseen(self, board, dicts(rows), lambda r: str(r["id"]) if r.get("id") is not None else None)
        listed = [r for r in fresh if r.get("is_sample") is not True and r.get("is_published") is not False]
        if len(listed) < len(fresh):
            self.crawler.stats.inc_value("crawlerats/dover/skipped", len(fresh) - len(listed))
            for row in fresh:
                self.mark_seen(board, row.get("id"))  # skipped rows are seen, not missing
        yield from self.emit(board, listed, lambda b, r: self.posting(b, r, slug, company))
        following = data.get("next")
        if stop:
            self.board_truncated(board, stop)
        elif not rows or not isinstance(following, str) or urlsplit(following).hostname != "app.dover.com":
            self.board_finished(board)
        else:
            yield self.page(board, following, slug, company)

    def posting(self, board: Board, r: dict[str, Any], slug: str | None, company: str | None) -> Any:
        locations = []
        for loc in dicts(r.get("locations")):
            option = loc.get("location_option") if isinstance(loc.get("location_option"), dict) else {}
            locations.append(n.parse_location(loc.get("name") or option.get("display_name"), option.get("city"),
                                              option.get("state"), option.get("country")))
        kinds = {str(loc.get("location_type")).lower() for loc in dicts(r.get("locations")) if loc.get("location_type")}
        return self.make_item(
            board,
            job_id=r.get("id"),
            title=r.get("title"),
            company_name=company,
            workplace_type=r.get("workplace_type") or (kinds.pop() if len(kinds) == 1 else None),
            locations=[loc for loc in locations if loc],
            url=f"https://app.dover.com/apply/{slug}/{r.get('id')}" if slug else None,
        )
