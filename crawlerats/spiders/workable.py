"""Workable widget API: `apply.workable.com/api/v1/widget/accounts/{account}?details=true`, one response per board.

The widget lists a job once per advertised country, each row with the same shortcode: rows are merged into
one posting carrying every location.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from crawlerats import normalize as n
from crawlerats.ats import SUB, TOKEN, BoardUrl
from crawlerats.board import Board
from crawlerats.spiders.base import AtsSpider, dicts

#: Path segments of apply.workable.com that are not account ids.
_NOT_BOARDS = frozenset({"api", "j", "jobs"})


def _row_locations(row: dict[str, Any]) -> list[dict[str, Any]]:
    """The visible locations of one row: `locations[]`, else the row's own city/state/country."""
    listed = dicts(row.get("locations"))
    visible = [loc for loc in listed if not loc.get("hidden")] or listed
    if visible:
        return [{"city": loc.get("city"), "region": loc.get("region"),
                 "country": loc.get("countryCode") or loc.get("country")} for loc in visible]
    own = {"city": row.get("city"), "region": row.get("state"), "country": row.get("country")}
    return [own] if any(isinstance(v, str) and v.strip() for v in own.values()) else []


class WorkableSpider(AtsSpider):
    name = "workable"
    board_urls = (
        BoardUrl(host=r"apply\.workable\.com", path=rf"/api/v\d/(?:widget/)?accounts/{TOKEN}", exclude=_NOT_BOARDS),
        BoardUrl(host=r"apply\.workable\.com", path=rf"/{TOKEN}", exclude=_NOT_BOARDS),
        BoardUrl(host=rf"{SUB}\.workable\.com"),
    )
    public_url_template = "https://apply.workable.com/{company}"

    def board_requests(self, board: Board) -> Iterator[Any]:
        url = f"https://apply.workable.com/api/v1/widget/accounts/{board.company}?details=true"
        yield self.request(board, url, self.parse_board)

    def parse_board(self, response: Response, board: Board) -> Iterator[Any]:
        data = self.parse_json(response, board)
        if data is None:
            return
        rows = data.get("jobs")
        if not isinstance(rows, list):
            self.board_failed(board, f"unexpected_payload (no jobs list) at {response.url}")
            return
        merged: dict[str, dict[str, Any]] = {}
        for row in rows:
            if not isinstance(row, dict):
                continue
            key = str(row.get("shortcode") or row.get("url") or len(merged))
            self.mark_seen(board, row.get("shortcode"))
            if key in merged:
                merged[key]["_locations"] += _row_locations(row)
            else:
                merged[key] = {**row, "_locations": _row_locations(row)}
        name = data.get("name")
        yield from self.emit(board, merged.values(), lambda b, row: self.posting(b, row, name))
        self.board_finished(board)

    def posting(self, board: Board, p: dict[str, Any], company_name: Any) -> Any:
        department = p.get("department")
        if isinstance(department, list):
            department = ", ".join(str(d) for d in department if d) or None
        html = p.get("description") if isinstance(p.get("description"), str) else None
        salary = n.salary_from_description(n.html_to_text(n.sanitize_html(html)))  # no pay field: text only
        return self.make_item(
            board,
            job_id=p.get("shortcode"),
            requisition_id=p.get("shortcode"),
            title=p.get("title"),
            company_name=company_name,
            department=department,
            employment_type_raw=p.get("employment_type"),
            workplace_type="remote" if p.get("telecommuting") is True else None,
            locations=p["_locations"],
            salary=salary,
            salary_raw=salary["raw"] if salary else None,
            description_html=html,
            url=p.get("url") or p.get("shortlink"),
            apply_url=p.get("application_url"),
            posted_at=p.get("published_on"),
            extras={key: p.get(key) for key in ("code", "created_at", "education", "experience", "function",
                                                 "industry")},
        )
