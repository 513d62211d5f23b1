"""BambooHR careers JSON: `GET https://{subdomain}.bamboohr.com/careers/list`, then `/careers/{id}/detail`
for the description and posted date. A failed detail stores the posting from the list data (counted)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from crawlerats.ats import SUB, BoardUrl
from crawlerats.board import Board
from crawlerats.normalize import parse_salary_text
from crawlerats.spiders.base import dig
from crawlerats.spiders.declarative import WholeBoardSpider

#: `locationType` codes (undocumented; reported by two independent public scrapers): 0 on-site, 1 remote, 2 hybrid.
_LOCATION_TYPES = {"0": "onsite", "1": "remote", "2": "hybrid"}
#: The opening id at the end of a detail's `jobOpeningShareUrl` (`…/careers/{id}`, query or fragment aside).
_SHARE_URL_ID = re.compile(r"/careers/([^/?#\s]+)/?(?:[?#].*)?$")


class BambooHrSpider(WholeBoardSpider):
    name = "bamboohr"
    board_urls = (BoardUrl(host=rf"{SUB}\.bamboohr\.com"),)
    public_url_template = "https://{company}.bamboohr.com/careers"
    board_endpoint = "https://{company}.bamboohr.com/careers/list"
    postings_key = "result"

    def base_url(self, board: Board) -> str:
        return f"https://{board.company}.bamboohr.com/careers"

    def board_row(self, board: Board, listed: dict[str, Any]) -> Any:
        """A detail request per listed opening (the list has no description or date)."""
        job_id = listed.get("id")
        if job_id in (None, ""):
            return self.posting(board, listed, None)  # no id: dropped by validation, counted there
        self.mark_seen(board, job_id)
        return self.request(board, f"{self.base_url(board)}/{job_id}/detail", self.parse_detail,
                            cb_kwargs={"listed": listed}, detail=True,
                            fallback="posting")

    def parse_detail(self, response: Response, board: Board, listed: dict[str, Any]) -> Iterator[Any]:
        data = self.detail_json(response, board)
        opening = dig(data, "result", "jobOpening", default={}, expect=dict)
        if data is not None and not opening:
            self.crawler.stats.inc_value("crawlerats/detail_failed/no_job_opening")
        elif opening and not self.detail_is_for(board, listed.get("id"), self.opening_id(opening), response.url):
            opening = {}  # another opening's detail: stored from the list data
        yield from self.emit(board, [listed], lambda b, p: self.posting(b, p, opening or None))

    @staticmethod
    def opening_id(opening: dict[str, Any]) -> Any:
        """The id a detail's `jobOpening` names: its `id` when given, else the last segment of
        `jobOpeningShareUrl` (`https://{company}.bamboohr.com/careers/{id}`); None when neither says."""
        if opening.get("id") not in (None, ""):
            return opening["id"]
        match = _SHARE_URL_ID.search(str(opening.get("jobOpeningShareUrl") or ""))
        return match[1] if match else None

    @staticmethod
    def location(listed: dict[str, Any], opening: dict[str, Any]) -> dict[str, Any] | None:
        for source in (opening, listed):
            ats, loc = dig(source, "atsLocation", default={}, expect=dict), dig(source, "location", default={}, expect=dict)
            city = ats.get("city") or loc.get("city")
            region = ats.get("state") or ats.get("province") or loc.get("state")
            country = ats.get("country") or loc.get("addressCountry") or loc.get("country")
            if city or region or country:
                return {"city": city, "region": region, "country": country}
        return None

    def posting(self, board: Board, listed: dict[str, Any], opening: dict[str, Any] | None = None) -> Any:
        detail = opening or {}
        job_id = listed.get("id")
        remote = listed.get("isRemote") if listed.get("isRemote") is not None else detail.get("isRemote")
        location_type = str(listed.get("locationType", detail.get("locationType")))
        workplace = "remote" if remote is True else _LOCATION_TYPES.get(location_type)
        compensation = detail.get("compensation")
        location = self.location(listed, detail)
        return self.make_item(
            board,
            job_id=job_id,
            title=detail.get("jobOpeningName") or listed.get("jobOpeningName"),
            department=listed.get("departmentLabel") or detail.get("departmentLabel"),
            employment_type_raw=listed.get("employmentStatusLabel") or detail.get("employmentStatusLabel"),
            workplace_type=workplace,
            locations=[location] if location else [],
            salary=parse_salary_text(compensation),
            salary_raw=compensation,
            description_html=detail.get("description"),
            url=f"{self.base_url(board)}/{job_id}" if job_id not in (None, "") else None,
            posted_at=detail.get("datePosted"),
            extras={"department_id": listed.get("departmentId"), "location_type": listed.get("locationType"),
                    "status": detail.get("jobOpeningStatus"), "detail_missing": opening is None or None},
        )
