"""Rippling ATS job boards: `api.rippling.com/platform/api/ats/v1/board/{slug}/jobs` (the whole board as a bare
array, one row per job *and location*), then one detail request per job (`…/board/{slug}/jobs/{uuid}`).

Rows sharing a `uuid` are one posting open in several places: they are grouped into one item whose locations are
the rows' `workLocation` labels (the detail's `workLocations` win when present). A failed detail request stores the
posting from the list rows. Remote work is only stated in location labels ("Remote (United States)").

Board id: the `{slug}` of `ats.rippling.com/[{locale}/]{slug}[/jobs[/{uuid}]]` or of the API URL.

Verified on real payloads (Portside list + one detail, Rippling's own list): the list row shape (`uuid`, `name`,
`department{id, label}`, `url`, `workLocation{label, id}`), detail `description{company, role}`, `workLocations`,
`department{name, base_department, department_tree}`, `employmentType{label: code, id: text}` (looks swapped; the
textual one is taken), `createdOn` (posted), `companyName`, `unlistedFromSearch`.
Unverified: grouping (no saved list repeats a `uuid`; it follows the documented behaviour and is tested on hand-made
rows); `payRangeDetails` entries were empty in every saved payload; their shape
(`rangeStart`, `rangeEnd`, `currency`, `frequency`) is reported by other scrapers only. The apply URL is not in the
payloads (left to the posting URL).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from crawlerats import normalize as n
from crawlerats.ats import TOKEN, BoardUrl
from crawlerats.board import Board
from crawlerats.spiders.base import dicts, dig
from crawlerats.spiders.declarative import WholeBoardSpider

_API = "https://api.rippling.com/platform/api/ats/v1/board"
_CODE = re.compile(r"^[A-Z0-9_]+$")
_LOCALE = r"[a-z]{2}-[A-Za-z]{2}"  # ats.rippling.com/en-GB/{slug}/jobs


def _label(value: Any) -> str | None:
    """`{label, id}` (or `{name}`) objects to their text; strings as they are."""
    if isinstance(value, dict):
        value = value.get("label") or value.get("name") or value.get("id")
    return value if isinstance(value, str) and value.strip() else None


def _strings(value: Any) -> list[str]:
    """The non-blank strings of a list from the payload; [] when it is not a list."""
    return [v for v in value if isinstance(v, str) and v.strip()] if isinstance(value, list) else []


def group_rows(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per `uuid` in first-seen order: the first row plus every row's location label, in order."""
    grouped: dict[str, dict[str, Any]] = {}
    for row in rows:
        uuid = row.get("uuid")
        if not isinstance(uuid, str) or not uuid.strip():
            continue
        entry = grouped.setdefault(uuid, {**row, "locations": []})
        label = _label(row.get("workLocation"))
        if label and label not in entry["locations"]:
            entry["locations"].append(label)
    return list(grouped.values())


class RipplingSpider(WholeBoardSpider):
    name = "rippling"
    board_urls = (
        BoardUrl(host=r"api\.rippling\.com", path=rf"/platform/api/ats/v1/board/{TOKEN}"),
        BoardUrl(host=r"ats\.rippling\.com", path=rf"/{_LOCALE}/{TOKEN}", exclude=frozenset({"api", "jobs"})),
        BoardUrl(host=r"ats\.rippling\.com", path=rf"/(?!{_LOCALE}(?:/|$)){TOKEN}", exclude=frozenset({"api", "jobs"})),
    )
    public_url_template = "https://ats.rippling.com/{company}/jobs"

    board_endpoint = f"{_API}/{{company}}/jobs"

    def parse_board(self, response: Response, board: Board) -> Iterator[Any]:
        """The whole board; rows sharing a uuid (one per location) become one job before its detail request."""
        rows = self.parse_json(response, board, list)
        if rows is None:
            return
        jobs = group_rows(dicts(rows))
        if len(jobs) < len(rows):
            self.crawler.stats.inc_value("crawlerats/rippling/rows_grouped", len(rows) - len(jobs))
        for job in jobs:
            self.mark_seen(board, job["uuid"])
        yield from self.emit(board, jobs, self.board_row)
        self.board_finished(board)

    def board_row(self, board: Board, job: dict[str, Any]) -> Any:
        return self.request(board, f"{_API}/{board.company}/jobs/{job['uuid']}", self.parse_detail,
                            cb_kwargs={"listed": job}, detail=True, fallback="posting")

    def parse_detail(self, response: Response, board: Board, listed: dict[str, Any]) -> Iterator[Any]:
        detail = self.detail_json(response, board)
        yield from self.emit(board, [listed], lambda b, job: self.posting(b, job, detail))

    def posting(self, board: Board, listed: dict[str, Any], detail: dict[str, Any] | None = None) -> Any:
        d = detail or {}
        description = d.get("description")
        html = "".join(v for v in (dig(description, "company"), dig(description, "role"))
                       if isinstance(v, str)) if isinstance(description, dict) else description
        detail_locations = _strings(d.get("workLocations"))
        employment = d.get("employmentType") if isinstance(d.get("employmentType"), dict) else {}
        codes = [v for v in (employment.get("id"), employment.get("label")) if isinstance(v, str) and v.strip()]
        text_type = next((v for v in codes if not _CODE.match(v)), None)
        department = d.get("department") if isinstance(d.get("department"), dict) else {}
        tree = _strings(department.get("department_tree"))
        salary, pay = self.salary(d.get("payRangeDetails"))
        return self.make_item(
            board,
            job_id=listed.get("uuid"),
            title=d.get("name") or listed.get("name"),
            company_name=d.get("companyName") or dig(d, "board", "companyName"),
            department=department.get("name") or _label(listed.get("department")),
            employment_type_raw=text_type or (codes[0] if codes else None),
            locations=detail_locations or listed.get("locations"),
            salary=salary,
            salary_raw=pay or None,
            description_html=html if isinstance(html, str) and html.strip() else None,
            url=d.get("url") or listed.get("url") or f"https://ats.rippling.com/{board.company}/jobs/{listed['uuid']}",
            posted_at=d.get("createdOn"),
            extras={
                "employment_type_code": next((v for v in codes if _CODE.match(v)), None),
                "base_department": department.get("base_department"),
                "department_tree": tree if len(tree) > 1 else None,
                "unlisted_from_search": d.get("unlistedFromSearch") or None,
                "detail_missing": True if detail is None else None,
            },
        )

    @staticmethod
    def salary(value: Any) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """The range over `payRangeDetails` entries sharing the first entry's currency and frequency."""
        bands = [b for b in dicts(value) if b.get("rangeStart") is not None or b.get("rangeEnd") is not None]
        if not bands:
            return None, dicts(value)
        unit = (bands[0].get("currency"), bands[0].get("frequency"))
        same = [b for b in bands if (b.get("currency"), b.get("frequency")) == unit]
        lows = [b["rangeStart"] for b in same if isinstance(b.get("rangeStart"), (int, float))]
        highs = [b["rangeEnd"] for b in same if isinstance(b.get("rangeEnd"), (int, float))]
        return n.make_salary(min(lows) if lows else None, max(highs) if highs else None, unit[0],
                             n.normalize_interval(unit[1]) or unit[1]), dicts(value)
