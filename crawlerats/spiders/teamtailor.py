"""Teamtailor public feed: `GET https://{subdomain}.teamtailor.com/jobs.json`.

Current boards answer a JSON Feed 1.1 (`items[]`, each with a schema.org `_jobposting`, paged by
`next_url`); older boards answer `{"jobs": [...]}` with dasherised keys, possibly under `attributes`.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from crawlerats.ats import SUB, BoardUrl
from crawlerats.board import Board
from crawlerats.normalize import make_salary
from crawlerats.spiders.base import AtsSpider, dig

MAX_PAGES = 500
_JOB_NUMBER = re.compile(r"/jobs/(\d+)")
_REMOTE_STATUS = {"fully": "remote", "hybrid": "hybrid", "none": "onsite"}



def _name(value: Any) -> Any:
    """schema.org values may be plain or `{"name": ...}` objects."""
    return value.get("name") if isinstance(value, dict) else value


class TeamtailorSpider(AtsSpider):
    name = "teamtailor"
    board_urls = (BoardUrl(host=rf"{SUB}\.teamtailor\.com"),)
    public_url_template = "https://{company}.teamtailor.com"

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.visited: dict[tuple[str, str], set[str]] = {}

    def board_requests(self, board: Board) -> Iterator[Any]:
        yield self.page(board, f"https://{board.company}.teamtailor.com/jobs.json", 1)

    def page(self, board: Board, url: str, number: int) -> Any:
        return self.request(board, url, self.parse_page, cb_kwargs={"number": number})

    def parse_page(self, response: Response, board: Board, number: int) -> Iterator[Any]:
        data = self.parse_json(response, board, dict)
        if data is None:
            return
        items = data.get("items") if "items" in data else data.get("jobs")
        if not isinstance(items, list):
            self.board_failed(board, f"unexpected_payload (no items/jobs list) at {response.url}")
            return
        feed_name = data.get("title") if isinstance(data.get("title"), str) else None
        yield from self.emit(board, items, lambda b, item: self.job(b, item, feed_name))
        next_url = data.get("next_url")
        visited = self.visited.setdefault(board.key, {response.url})
        if isinstance(next_url, str) and next_url.strip():
            next_url = response.urljoin(next_url.strip())
            if next_url in visited or number >= MAX_PAGES:
                self.board_truncated(board, f"feed paging loops or exceeds {MAX_PAGES} pages at {next_url}")
                return
            visited.add(next_url)
            yield self.page(board, next_url, number + 1)
        else:
            self.board_finished(board)

    @staticmethod
    def job_id(item: dict[str, Any], posting: dict[str, Any], url: Any) -> Any:
        identifier = posting.get("identifier")
        value = identifier.get("value") if isinstance(identifier, dict) else identifier
        if value not in (None, ""):
            return value
        match = _JOB_NUMBER.search(str(url or ""))
        return match.group(1) if match else item.get("id")

    @staticmethod
    def locations(item: dict[str, Any], posting: dict[str, Any]) -> list[Any]:
        places = posting.get("jobLocation") or []
        result: list[Any] = []
        for place in places if isinstance(places, list) else [places]:
            address = dig(place, "address", default={}, expect=dict)
            if address:
                result.append({"city": _name(address.get("addressLocality")),
                               "region": _name(address.get("addressRegion")),
                               "country": _name(address.get("addressCountry"))})
        if not result and isinstance(item.get("location"), str):
            result.append(item["location"])
        return result

    @staticmethod
    def salary(posting: dict[str, Any]) -> dict[str, Any] | None:
        base = dig(posting, "baseSalary", default={}, expect=dict)
        value = base.get("value")
        amount = dig(value, default={}, expect=dict)
        if not amount and value is not None:
            amount = {"value": value}
        low = amount.get("minValue", amount.get("value"))
        high = amount.get("maxValue", amount.get("value"))
        unit = amount.get("unitText") if isinstance(amount.get("unitText"), str) else None
        return make_salary(low, high, base.get("currency") or amount.get("currency"), unit)

    def job(self, board: Board, item: dict[str, Any], feed_name: str | None) -> Any:
        item = {**dig(item, "attributes", default={}, expect=dict), **item}  # legacy JSON:API rows keep fields under attributes
        posting = dig(item, "_jobposting", default={}, expect=dict)
        employment = posting.get("employmentType") or item.get("employment-type")
        if isinstance(employment, list):
            employment = ", ".join(str(e) for e in employment)
        workplace = "remote" if posting.get("jobLocationType") == "TELECOMMUTE" else _REMOTE_STATUS.get(
            str(item.get("remote-status") or "").lower())
        url = item.get("url") if isinstance(item.get("url"), str) else item.get("careersite-job-url")
        return self.make_item(
            board,
            job_id=self.job_id(item, posting, url),
            title=item.get("title") or posting.get("title"),
            company_name=_name(posting.get("hiringOrganization")) or feed_name,
            department=_name(item.get("department")),
            employment_type_raw=employment,
            workplace_type=workplace,
            locations=self.locations(item, posting),
            salary=self.salary(posting),
            salary_raw=posting.get("baseSalary"),
            description_html=item.get("content_html") or posting.get("description") or item.get("body"),
            description_text=item.get("content_text"),
            url=url,
            apply_url=item.get("careersite-job-apply-url"),
            posted_at=item.get("date_published") or posting.get("datePosted") or item.get("created-at"),
            updated_at=item.get("date_modified") or item.get("updated-at"),
            extras={"feed_id": item.get("id"), "valid_through": posting.get("validThrough")},
        )
