"""Lever Postings API: `api.lever.co/v0/postings/{site}` (or the EU instance), paged with skip/limit."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from crawlerats.board import Board
from crawlerats.normalize import make_salary
from crawlerats.spiders.base import AtsSpider


class LeverSpider(AtsSpider):
    name = "lever"
    page_size = 100

    def board_requests(self, board: Board) -> Iterator[Any]:
        yield self.page(board, 0)

    def page(self, board: Board, skip: int) -> Any:
        host = "api.eu.lever.co" if board.param("eu") else "api.lever.co"
        url = f"https://{host}/v0/postings/{board.company}?mode=json&skip={skip}&limit={self.page_size}"
        return self.request(board, url, self.parse_page, cb_kwargs={"skip": skip})

    def parse_page(self, response: Response, board: Board, skip: int) -> Iterator[Any]:
        postings = self.parse_json(response, board, list)
        if postings is None:
            return
        yield from self.emit(board, postings, self.posting)
        if len(postings) >= self.page_size:
            yield self.page(board, skip + len(postings))
        else:
            self.board_finished(board)

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
