"""Ashby posting API: `api.ashbyhq.com/posting-api/job-board/{name}?includeCompensation=true`, one response per board."""

from __future__ import annotations

from typing import Any

from crawlerats import normalize as n
from crawlerats.ats import TOKEN, BoardUrl
from crawlerats.board import Board
from crawlerats.spiders.base import dicts
from crawlerats.spiders.declarative import WholeBoardSpider


def _address_location(raw: Any, address: Any) -> dict[str, Any] | str | None:
    """A location from Ashby's text plus `address.postalAddress` parts (the parts win when given)."""
    postal = (address or {}).get("postalAddress") if isinstance(address, dict) else None
    if not isinstance(postal, dict):
        return raw if isinstance(raw, str) else None
    parts = {"city": postal.get("addressLocality"), "region": postal.get("addressRegion"),
             "country": postal.get("addressCountry")}
    return {"raw": raw if isinstance(raw, str) else None, **{k: v for k, v in parts.items() if isinstance(v, str)}}


class AshbySpider(WholeBoardSpider):
    name = "ashby"
    board_urls = (
        BoardUrl(host=r"api\.ashbyhq\.com", path=rf"/posting-api/job-board/{TOKEN}", exclude=frozenset({"api"})),
        BoardUrl(host=r"jobs\.ashbyhq\.com", path=rf"/{TOKEN}", exclude=frozenset({"api"})),
    )
    public_url_template = "https://jobs.ashbyhq.com/{company}"

    board_endpoint = "https://api.ashbyhq.com/posting-api/job-board/{company}?includeCompensation=true"
    postings_key = "jobs"
    raw_fingerprints = True  # `posting` reads the row and the board only

    def posting(self, board: Board, p: dict[str, Any]) -> Any:
        locations = [_address_location(p.get("location"), p.get("address"))]
        for extra in dicts(p.get("secondaryLocations")):
            locations.append(_address_location(extra.get("location"), extra.get("address")))
        compensation = p.get("compensation") if isinstance(p.get("compensation"), dict) else {}
        workplace = p.get("workplaceType") or ("remote" if p.get("isRemote") is True else None)
        return self.make_item(
            board,
            job_id=p.get("id"),
            title=p.get("title"),
            department=p.get("department"),
            team=p.get("team"),
            employment_type_raw=p.get("employmentType"),
            workplace_type=workplace,
            locations=[loc for loc in locations if loc],
            salary=self.salary(compensation),
            salary_raw=compensation if compensation.get("compensationTiers") or
            compensation.get("compensationTierSummary") else None,
            description_html=p.get("descriptionHtml"),
            description_text=p.get("descriptionPlain"),
            url=p.get("jobUrl"),
            apply_url=p.get("applyUrl"),
            posted_at=p.get("publishedAt"),
            updated_at=p.get("updatedAt"),
            extras={"is_listed": p.get("isListed"), "is_remote": p.get("isRemote"),
                    "compensation_summary": compensation.get("compensationTierSummary")},
        )

    @staticmethod
    def salary(compensation: dict[str, Any]) -> dict[str, Any] | None:
        """The salary range over all tiers (components with compensationType "Salary", one currency and interval)."""
        components: list[dict[str, Any]] = []
        for tier in dicts(compensation.get("compensationTiers")):
            components += dicts(tier.get("components"))
        if not components:
            components = dicts(compensation.get("summaryComponents"))
        salaries = [c for c in components if str(c.get("compensationType") or "").lower() == "salary"
                    and (c.get("minValue") is not None or c.get("maxValue") is not None)]
        if salaries:
            first = salaries[0]
            same = [c for c in salaries if (c.get("currencyCode"), c.get("interval")) ==
                    (first.get("currencyCode"), first.get("interval"))]
            lows = [c["minValue"] for c in same if isinstance(c.get("minValue"), (int, float))]
            highs = [c["maxValue"] for c in same if isinstance(c.get("maxValue"), (int, float))]
            summary = compensation.get("scrapeableCompensationSalarySummary") or first.get("summary")
            return n.make_salary(min(lows) if lows else None, max(highs) if highs else None,
                                 first.get("currencyCode"), first.get("interval"), raw=summary)
        return n.parse_salary_text(compensation.get("scrapeableCompensationSalarySummary"))
