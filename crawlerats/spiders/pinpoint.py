"""Pinpoint: `{slug}.pinpointhq.com/postings.json` → `{"data": [...]}`, the whole board in one response.

A board id is the `pinpointhq.com` subdomain, or the host of a custom careers domain (which serves the same path).
Pay is taken only when `compensation_visible` is true (hidden pay is neither parsed nor kept raw). The payload has no
posted or updated date: `posted_at` stays null.

Verified on a real payload (Pinpoint's own board, `{"data": …}` wrapper removed by its saver): section HTML with
`*_header` titles, `employment_type(_text)`, `workplace_type`, `job{requisition_id, department, division}`,
`location{city, name, province}`, the four `compensation_*` fields with `compensation_visible` true and false.
Unverified: custom-domain boards; `deadline_at` non-null values; `division` / `structure_custom_group_one` contents.
"""

from __future__ import annotations

import re
from typing import Any

from crawlerats import normalize as n
from crawlerats.ats import SUB, BoardUrl
from crawlerats.board import Board
from crawlerats.normalize.locations import country_code
from crawlerats.spiders.base import dig
from crawlerats.spiders.declarative import WholeBoardSpider

_SECTIONS = ("description", "key_responsibilities", "skills_knowledge_expertise", "benefits")
_HOST = re.compile(r"[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+\.[a-z]{2,}")


def _name(value: Any) -> Any:
    return value.get("name") if isinstance(value, dict) else value


class PinpointSpider(WholeBoardSpider):
    name = "pinpoint"
    board_urls = (BoardUrl(host=rf"{SUB}\.pinpointhq\.com"),)
    public_url_template = "https://{company}.pinpointhq.com/"

    @classmethod
    def public_url(cls, board: Board) -> str | None:
        return f"https://{board.company}/" if "." in board.company else super().public_url(board)

    def looks_like_board_id(self, token: str) -> bool:
        """A bare custom careers host (`careers.example.com`) is a board id; pinpointhq.com URLs are detected."""
        host = token.lower()
        return _HOST.fullmatch(host) is not None and not host.endswith(".pinpointhq.com")

    def valid_board_id(self, token: str) -> bool:
        return self.looks_like_board_id(token) or re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", token.lower()) is not None

    @staticmethod
    def host(board: Board) -> str:
        return board.company if "." in board.company else f"{board.company}.pinpointhq.com"

    postings_key = "data"
    raw_fingerprints = True  # `posting` reads the row and the board only

    def board_api_url(self, board: Board) -> str:
        return f"https://{self.host(board)}/postings.json"

    def posting(self, board: Board, p: dict[str, Any]) -> Any:
        sections = []
        for key in _SECTIONS:
            body = p.get(key)
            if isinstance(body, str) and body.strip():
                header = p.get(f"{key}_header")
                sections.append((f"<h3>{header}</h3>" if isinstance(header, str) and header.strip() else "") + body)
        visible = p.get("compensation_visible") is True
        pay = {k: p.get(k) for k in ("compensation", "compensation_minimum", "compensation_maximum",
                                     "compensation_currency", "compensation_frequency")} if visible else {}
        salary = n.make_salary(pay.get("compensation_minimum"), pay.get("compensation_maximum"),
                               pay.get("compensation_currency"), pay.get("compensation_frequency"),
                               raw=pay.get("compensation")) if visible else None
        if visible and salary is None:
            salary = n.parse_salary_text(pay.get("compensation"))
        location = p.get("location") if isinstance(p.get("location"), dict) else {}
        place = location.get("name")
        job = p.get("job") if isinstance(p.get("job"), dict) else {}
        url = p.get("url") if isinstance(p.get("url"), str) else None
        if not url and isinstance(p.get("path"), str):
            url = f"https://{self.host(board)}{p['path']}"
        return self.make_item(
            board,
            job_id=p.get("id"),
            requisition_id=job.get("requisition_id"),
            title=p.get("title"),
            department=_name(job.get("department")),
            employment_type_raw=p.get("employment_type_text") or p.get("employment_type"),
            workplace_type=p.get("workplace_type"),
            locations=[{"raw": place, "city": location.get("city"), "region": location.get("province"),
                        "country": country_code(place) if isinstance(place, str) else None}] if location else [],
            salary=salary,
            salary_raw={k: v for k, v in pay.items() if v not in (None, "")} or None,
            description_html="".join(sections) or None,
            url=url,
            extras={
                "job_id": job.get("id"),
                "division": _name(job.get("division")),
                "structure_group": _name(job.get("structure_custom_group_one")),
                "reporting_to": p.get("reporting_to"),
                "deadline_at": p.get("deadline_at"),
                "workplace_type_text": p.get("workplace_type_text"),
                "postal_code": dig(location, "postal_code"),
            },
        )
