"""Breezy HR public feed: `GET https://{subdomain}.breezy.hr/json` -> a JSON array of positions, one page.

The list has no description; pay is free text ("$1 – $5 / year").
"""

from __future__ import annotations

from typing import Any

from crawlerats.ats import SUB, BoardUrl
from crawlerats.board import Board
from crawlerats.normalize import make_salary, parse_location, parse_salary_text
from crawlerats.spiders.base import dig
from crawlerats.spiders.declarative import WholeBoardSpider


def _part(value: Any, *keys: str) -> Any:
    """A location part that may be a string or an object such as `{"id": "US", "name": "United States"}`."""
    if isinstance(value, dict):
        return next((value[k] for k in keys if value.get(k)), None)
    return value


class BreezySpider(WholeBoardSpider):
    name = "breezy"
    board_urls = (BoardUrl(host=rf"{SUB}\.breezy\.hr"),)
    public_url_template = "https://{company}.breezy.hr"

    board_endpoint = "https://{company}.breezy.hr/json"
    postings_key = None  # the body is the list of positions
    raw_fingerprints = True  # `posting` reads the row and the board only

    @staticmethod
    def locations(p: dict[str, Any]) -> tuple[list[dict[str, Any]], bool]:
        listed = p.get("locations") if isinstance(p.get("locations"), list) else []
        places = [x for x in listed if isinstance(x, dict)] or [dig(p, "location", default={}, expect=dict)]
        result, remote = [], False
        for place in places:
            remote = remote or place.get("is_remote") is True
            loc = parse_location(place.get("name"), place.get("city"), _part(place.get("state"), "name", "id"),
                                 _part(place.get("country"), "id", "name"))
            if loc:
                result.append(loc)
        return result, remote

    @staticmethod
    def salary(value: Any) -> dict[str, Any] | None:
        if isinstance(value, dict):
            period = value.get("period") if isinstance(value.get("period"), str) else None
            return make_salary(value.get("min"), value.get("max"), value.get("currency"), period)
        return parse_salary_text(value)

    def posting(self, board: Board, p: dict[str, Any]) -> Any:
        locations, remote = self.locations(p)
        company = dig(p, "company", default={}, expect=dict)
        return self.make_item(
            board,
            job_id=p.get("id"),
            title=p.get("name"),
            company_name=company.get("name"),
            department=_part(p.get("department"), "name"),
            employment_type_raw=_part(p.get("type"), "name", "id"),
            workplace_type="remote" if remote else None,
            locations=locations,
            salary=self.salary(p.get("salary")),
            salary_raw=p.get("salary"),
            description_html=p.get("description") if isinstance(p.get("description"), str) else None,
            url=p.get("url") or (f"https://{board.company}.breezy.hr/p/{p['friendly_id']}"
                                 if p.get("friendly_id") else None),
            posted_at=p.get("published_date"),
            updated_at=p.get("updated_date"),
            extras={"friendly_id": p.get("friendly_id"), "type_id": _part(p.get("type"), "id")},
        )
