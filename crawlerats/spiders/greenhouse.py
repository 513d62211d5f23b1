"""Greenhouse Job Board API: `boards-api.greenhouse.io/v1/boards/{token}/jobs?content=true`, one response per board."""

from __future__ import annotations

import re
from typing import Any

from crawlerats import normalize as n
from crawlerats.ats import TOKEN, BoardUrl
from crawlerats.board import Board
from crawlerats.spiders.base import dicts, dig
from crawlerats.spiders.declarative import WholeBoardSpider

#: Path segments that are not board tokens.
_NOT_BOARDS = frozenset({"embed", "v1", "jobs"})
#: Board-defined `metadata` names (lower case, by preference) carrying the employment or the workplace type.
_EMPLOYMENT_NAMES = ("employment type", "job type", "contract type", "worker type", "type of employment",
                     "commitment", "employment", "time type")
_WORKPLACE_NAMES = ("workplace type", "location type", "remote", "remote status", "work arrangement", "work model",
                    "workplace", "remote policy", "work type")
_PAY_RANGE = re.compile(r'<div class="[^"]*\bpay-range\b[^"]*">(.*?)</div>', re.S)
_PAY_TITLE = re.compile(r'<div class="[^"]*\btitle\b[^"]*">(.*?)</div>', re.S)


def _metadata_value(value: Any) -> Any:
    """A metadata value as text: multi-selects joined, currency ranges kept as dicts."""
    if isinstance(value, list):
        return ", ".join(str(v) for v in value if v not in (None, "")) or None
    return value


class GreenhouseSpider(WholeBoardSpider):
    name = "greenhouse"
    board_urls = (
        BoardUrl(host=r"boards-api\.greenhouse\.io", path=rf"/v1/boards/{TOKEN}", exclude=_NOT_BOARDS),
        BoardUrl(host=r"(?:job-boards|boards)(?:\.eu)?\.greenhouse\.io",
                 path=r"/embed/(?:job_board(?:/js)?|job_app)/?$", query=("for",), board="{for}"),
        BoardUrl(host=r"(?:job-boards|boards)(?:\.eu)?\.greenhouse\.io", path=rf"/{TOKEN}", exclude=_NOT_BOARDS),
    )
    public_url_template = "https://job-boards.greenhouse.io/{company}"

    board_endpoint = "https://boards-api.greenhouse.io/v1/boards/{company}/jobs?content=true"
    postings_key = "jobs"
    raw_fingerprints = True  # `posting` reads the row and the board only

    def posting(self, board: Board, p: dict[str, Any]) -> Any:
        metadata = {str(m.get("name")): _metadata_value(m.get("value")) for m in dicts(p.get("metadata"))
                    if m.get("name")}
        html = n.unescape_html(p["content"]) or None if isinstance(p.get("content"), str) else None
        salary, salary_raw = self.salary(dicts(p.get("metadata")), html)
        offices = dicts(p.get("offices"))
        departments = [d.get("name") for d in dicts(p.get("departments")) if d.get("name")]
        return self.make_item(
            board,
            job_id=p.get("id"),
            requisition_id=p.get("internal_job_id"),
            title=p.get("title"),
            company_name=p.get("company_name"),
            department=departments[0] if departments else None,
            employment_type_raw=self.pick(metadata, _EMPLOYMENT_NAMES),
            workplace_type=self.pick(metadata, _WORKPLACE_NAMES),
            locations=self.locations(dig(p, "location", "name", default=p.get("location")), offices),
            salary=salary,
            salary_raw=salary_raw,
            description_html=html,
            url=p.get("absolute_url"),
            posted_at=p.get("first_published"),
            updated_at=p.get("updated_at"),
            extras={
                "requisition_code": p.get("requisition_id"),
                "language": p.get("language"),
                "application_deadline": p.get("application_deadline"),
                "departments": departments if len(departments) > 1 else None,
                "offices": [o.get("location") or o.get("name") for o in offices] or None,
                "metadata": {k: v for k, v in metadata.items() if v not in (None, "")} or None,
            },
        )

    @staticmethod
    def pick(metadata: dict[str, Any], names: tuple[str, ...]) -> str | None:
        """The text value of the first metadata field named in `names` (case-insensitive, in that order)."""
        by_name = {key.strip().lower(): value for key, value in metadata.items()}
        for name in names:
            value = by_name.get(name)
            if isinstance(value, str) and value.strip():
                return value
        return None

    @staticmethod
    def locations(name: Any, offices: list[dict[str, Any]]) -> list[Any]:
        """`location.name` split on `;`/`|`; a single place without a country takes the only office's parts."""
        parts = [s.strip() for s in re.split(r"[;|]", name) if s.strip()] if isinstance(name, str) else []
        parsed = [loc for loc in (n.parse_location(part) for part in parts) if loc]
        office_locs = [loc for o in offices if isinstance(o.get("location"), str)
                       for loc in [n.parse_location(o["location"])] if loc]
        if not parsed:
            return office_locs
        only = parsed[0]
        if (len(parsed) == 1 and len(office_locs) == 1 and not only["country"] and (only["city"] or only["region"])
                and office_locs[0]["country"]):
            return [{**office_locs[0], "raw": only["raw"]}]
        return parsed

    @staticmethod
    def salary(metadata: list[dict[str, Any]], html: str | None) -> tuple[dict[str, Any] | None, Any]:
        """Pay from a `currency_range` metadata field, else from the `content-pay-transparency` HTML block."""
        raw: dict[str, Any] = {}
        salary = None
        for field in metadata:
            if field.get("value_type") != "currency_range":
                continue
            value = field.get("value")
            if isinstance(value, dict) and salary is None:
                salary = n.make_salary(value.get("min_value"), value.get("max_value"), value.get("unit"),
                                       n.normalize_interval(str(field.get("name") or "")))
                raw["metadata"] = {"name": field.get("name"), **value}
        start = html.find("content-pay-transparency") if html else -1
        if html and start >= 0:
            block = html[start:]
            title = _PAY_TITLE.search(block)
            ranges = [n.html_to_text(r) or "" for r in _PAY_RANGE.findall(block)]
            text = " ".join(filter(None, [n.html_to_text(title.group(1)) if title else None, *ranges[:1]]))
            raw["pay_transparency"] = " | ".join(r for r in ranges if r) or None
            if salary is None:
                salary = n.parse_salary_text(text)
        return salary, {k: v for k, v in raw.items() if v} or None
