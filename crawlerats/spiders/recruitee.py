"""Recruitee careers API: `GET https://{company}.recruitee.com/api/offers/` -> `{"offers": [...]}`, one page."""

from __future__ import annotations

from typing import Any

from crawlerats.ats import SUB, BoardUrl
from crawlerats.board import Board
from crawlerats.normalize import make_salary, parse_location
from crawlerats.spiders.base import dig
from crawlerats.spiders.declarative import WholeBoardSpider


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


class RecruiteeSpider(WholeBoardSpider):
    name = "recruitee"
    board_urls = (BoardUrl(host=rf"{SUB}\.recruitee\.com"),)
    public_url_template = "https://{company}.recruitee.com"

    board_endpoint = "https://{company}.recruitee.com/api/offers/"
    postings_key = "offers"
    raw_fingerprints = True  # `posting` reads the row and the board only

    @staticmethod
    def workplace(offer: dict[str, Any]) -> str | None:
        if offer.get("hybrid") is True:
            return "hybrid"
        if offer.get("remote") is True:
            return "remote"
        if offer.get("on_site") is True:
            return "onsite"
        return None

    @staticmethod
    def locations(offer: dict[str, Any]) -> list[dict[str, Any]]:
        places = [p for p in _list(offer.get("locations")) if isinstance(p, dict)] or [
            {"city": offer.get("city"), "state": offer.get("state_name"), "country": offer.get("country"),
             "country_code": offer.get("country_code"), "name": offer.get("location")}]
        result = []
        for place in places:
            parts = [place.get("city"), place.get("state"), place.get("country")]
            raw = ", ".join(str(p) for p in parts if isinstance(p, str) and p.strip()) or place.get("name")
            loc = parse_location(raw, place.get("city"), place.get("state"),
                                 place.get("country_code") or place.get("country"))
            if loc:
                result.append(loc)
        return result

    def posting(self, board: Board, o: dict[str, Any]) -> Any:
        salary = dig(o, "salary", default={}, expect=dict)
        url = o.get("careers_url") or (f"https://{board.company}.recruitee.com/o/{o['slug']}" if o.get("slug") else None)
        html = "".join(part for part in (o.get("description"), o.get("requirements")) if isinstance(part, str))
        return self.make_item(
            board,
            job_id=o.get("id"),
            title=o.get("title"),
            company_name=o.get("company_name"),
            department=o.get("department"),
            employment_type_raw=o.get("employment_type_code"),
            workplace_type=self.workplace(o),
            locations=self.locations(o),
            salary=make_salary(salary.get("min"), salary.get("max"), salary.get("currency"),
                               period if isinstance(period := salary.get("period"), str) else None),
            salary_raw=salary if any(v not in (None, "") for v in salary.values()) else None,
            description_html=html or None,
            url=url,
            apply_url=o.get("careers_apply_url"),
            posted_at=o.get("published_at") or o.get("created_at"),
            updated_at=o.get("updated_at"),
            extras={key: o.get(key) for key in (
                "guid", "slug", "status", "created_at", "close_at", "experience_code", "education_code",
                "category_code", "min_hours", "max_hours", "highlight", "tags")},
        )
