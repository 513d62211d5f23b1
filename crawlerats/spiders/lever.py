"""Lever Postings API: `api.lever.co/v0/postings/{site}` (or the EU instance), paged with skip/limit."""

from __future__ import annotations

from typing import Any

from crawlerats.ats import TOKEN, BoardUrl
from crawlerats.board import Board
from crawlerats.normalize import make_salary
from crawlerats.spiders.declarative import PagedApiSpider


class LeverSpider(PagedApiSpider):
    name = "lever"
    board_urls = (
        BoardUrl(host=r"jobs\.eu\.lever\.co", path=rf"/{TOKEN}", params=(("eu", True),), exclude=frozenset({"v0"})),
        BoardUrl(host=r"jobs\.lever\.co", path=rf"/{TOKEN}", exclude=frozenset({"v0"})),
        BoardUrl(host=r"api\.eu\.lever\.co", path=rf"/v0/postings/{TOKEN}", params=(("eu", True),)),
        BoardUrl(host=r"api\.lever\.co", path=rf"/v0/postings/{TOKEN}"),
    )
    public_url_template = "https://jobs.lever.co/{company}"  # EU boards: jobs.eu.lever.co (public_url below)
    page_size = 100
    raw_fingerprints = True  # `posting` reads the row and the board only

    @classmethod
    def public_url(cls, board: Board) -> str | None:
        host = "jobs.eu.lever.co" if board.param("eu") else "jobs.lever.co"
        return f"https://{host}/{board.company}"

    page_endpoint = "https://{host}/v0/postings/{company}?mode=json&skip={offset}&limit={limit}"
    postings_key = None  # the body is the list

    def page_url(self, board: Board, offset: int, page: int) -> str:
        host = "api.eu.lever.co" if board.param("eu") else "api.lever.co"
        return self.page_endpoint.format(host=host, company=board.company, offset=offset, limit=self.page_size)

    def posting(self, board: Board, p: dict[str, Any]) -> Any:
        categories = p.get("categories") or {}
        locations = categories.get("allLocations") or [categories.get("location")]
        country = p.get("country")
        salary_range = p.get("salaryRange") or {}
        salary_text = p.get("salaryDescriptionPlain") or None
        sections = [p.get("description") or ""]
        for block in p.get("lists") or []:
            sections.append(f"<h3>{block.get('text') or ''}</h3><ul>{block.get('content') or ''}</ul>")
        sections.append(p.get("additional") or "")
        return self.make_item(
            board,
            job_id=p.get("id"),
            title=p.get("text"),
            department=categories.get("department"),
            team=categories.get("team"),
            employment_type_raw=categories.get("commitment"),
            workplace_type=p.get("workplaceType"),
            locations=[{"raw": loc, "country": country} if country and len(locations) == 1 else loc
                       for loc in locations if loc],
            salary=make_salary(salary_range.get("min"), salary_range.get("max"), salary_range.get("currency"),
                               salary_range.get("interval")),
            salary_raw={k: v for k, v in {"salaryRange": p.get("salaryRange"),
                                          "salaryDescription": salary_text}.items() if v} or None,
            description_html="".join(sections),
            description_text=p.get("descriptionPlain"),
            url=p.get("hostedUrl"),
            apply_url=p.get("applyUrl"),
            posted_at=p.get("createdAt"),
            extras={"level": categories.get("level")},
        )
