"""Personio XML feed: `GET https://{company}.jobs.personio.de/xml` -> `<workzag-jobs><position>...`, one page.

Parsed strictly with lxml (see `AtsSpider.parse_xml`): a truncated or malformed feed fails the board
instead of silently storing the positions before the break.
"""

from __future__ import annotations

import html
from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from crawlerats.ats import SUB, BoardUrl
from crawlerats.board import Board
from crawlerats.normalize import make_salary
from crawlerats.spiders.base import AtsSpider

_EXTRAS = ("subcompany", "recruitingCategory", "seniority", "yearsOfExperience", "keywords", "occupation",
           "occupationCategory")


def _text(element: Any, path: str) -> str | None:
    value = element.findtext(path)
    return value.strip() or None if isinstance(value, str) else None


class PersonioSpider(AtsSpider):
    name = "personio"
    board_urls = (BoardUrl(host=rf"{SUB}\.jobs\.personio\.(?:de|com)"),)
    public_url_template = "https://{company}.jobs.personio.de"
    payload = "xml"

    def board_requests(self, board: Board) -> Iterator[Any]:
        yield self.request(board, f"https://{board.company}.jobs.personio.de/xml", self.parse_feed)

    def parse_feed(self, response: Response, board: Board) -> Iterator[Any]:
        root = self.parse_xml(response, board, "workzag-jobs")
        if root is None:
            return
        seen: set[str] = set()
        positions = []
        for position in root.iterfind("position"):
            job_id = _text(position, "id")
            if job_id in seen:  # the feed can list a position twice
                self.crawler.stats.inc_value("crawlerats/repaired/duplicate_in_feed")
                continue
            seen.add(job_id or "")
            positions.append(position)
        yield from self.emit(board, positions, self.position)
        self.board_finished(board)

    @staticmethod
    def description(position: Any) -> str | None:
        sections = []
        for block in position.iterfind("jobDescriptions/jobDescription"):
            name, value = _text(block, "name"), _text(block, "value")
            if value:
                sections.append((f"<h3>{html.escape(name)}</h3>" if name else "") + value)
        return "".join(sections) or None

    @staticmethod
    def salary(position: Any) -> tuple[dict[str, Any] | None, dict[str, Any] | None]:
        info = position.find("salaryInformation")
        if info is None:
            return None, None
        raw = {child.tag: (child.text or "").strip() or None for child in info if isinstance(child.tag, str)}
        currency = raw.get("currencyCode") or raw.get("currencySymbol")
        return make_salary(raw.get("min"), raw.get("max"), currency, raw.get("type")), raw

    def position(self, board: Board, p: Any) -> Any:
        job_id = _text(p, "id")
        offices = [_text(p, "office")] + [(o.text or "").strip() for o in p.iterfind("additionalOffices/office")]
        employment, schedule = _text(p, "employmentType"), _text(p, "schedule")
        salary, salary_raw = self.salary(p)
        url = f"https://{board.company}.jobs.personio.de/job/{job_id}" if job_id else None
        item = self.make_item(
            board,
            job_id=job_id,
            title=_text(p, "name"),
            company_name=_text(p, "subcompany"),
            department=_text(p, "department"),
            employment_type_raw=", ".join(v for v in (employment, schedule) if v) or None,
            locations=[o for o in offices if o],
            salary=salary,
            salary_raw=salary_raw,
            description_html=self.description(p),
            url=url,
            posted_at=_text(p, "createdAt"),
            extras={tag: _text(p, tag) for tag in _EXTRAS},
        )
        if schedule == "full-or-part-time" and employment in (None, "permanent"):
            item["employment_type"] = "full_time"  # the text mapping would read "part-time" first
        return item
