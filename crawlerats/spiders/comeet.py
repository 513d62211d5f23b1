"""Comeet: the careers page `www.comeet.com/jobs/{slug}/{company_uid}` gives the public API token, then the careers
API `www.comeet.co/careers-api/2.0/company/{company_uid}/positions?token={token}&details=true` gives every position
(a bare array). When the page carries no token, or the API fails or answers something else than a list, the
positions embedded in the careers page (`COMPANY_POSITIONS_DATA = [...]`) are used instead.

Board id: `{slug}/{company_uid}` as in the careers-page URL (e.g. `cheq/65.005`).
A position open in several places comes as one row per location, uid "{uid}-{location_uid}" next to "{uid}": the rows
are grouped into one posting (id = the position uid) with every row's location. `time_updated` is an update time;
there is no posted date (`posted_at` stays null). No pay field: pay is read from a pay line of the text only.

Verified on real payloads: API rows (Wiliot, 2 location rows of one position: `uid`, `name`, `department`,
`location{name, country, city, state, is_remote}`, `employment_type`, `experience_level`, `workplace_type`,
`time_updated`, `details[{name, value, order}]`, `url_comeet_hosted_page`, `url_active_page`, `company_name`,
`is_internal`) and a careers-page slice (CHEQ) with `COMPANY_DATA` + `COMPANY_POSITIONS_DATA` (`custom_fields.details`).
Unverified: where the token sits on a live careers page (read from a `careers-api/…?token=` URL or a `"token": "…"`
entry — neither is in the saved slice); whether the API needs `details=true` for `details[]`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from scrapy.http import Response
from twisted.python.failure import Failure

from crawlerats import normalize as n
from crawlerats.ats import BoardUrl
from crawlerats.board import Board
from crawlerats.spiders.base import AtsSpider, dicts, dig

_UID = r"[0-9A-Za-z]{2}\.[0-9A-Za-z]{3}"
_BOARD_ID = re.compile(rf"[A-Za-z0-9][\w-]*/{_UID}")
_POSITION = re.compile(rf"^({_UID})-{_UID}$")
_API_TOKEN = re.compile(rf"careers-api/2\.0/company/{_UID}/positions\?(?:[^\"'<>\s]*&)?token=([A-Za-z0-9]{{16,}})")
_TOKEN = re.compile(r"[\"']token[\"']\s*:\s*[\"']([A-Za-z0-9]{16,})[\"']")


def _embedded(text: str, name: str) -> Any:
    """The JSON value assigned to `name = ...` in the page's scripts; None when absent or malformed."""
    found = re.search(rf"\b{name}\s*=\s*", text)
    if not found:
        return None
    try:
        return json.JSONDecoder().raw_decode(text, found.end())[0]
    except ValueError:
        return None


def group_positions(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One entry per position uid ("18.767-9B.20A" belongs to "18.767"): the position's own row when present, else
    its first location row, with `locations` = every row's location in order."""
    grouped: dict[str, dict[str, Any]] = {}
    for row in rows:
        uid = row.get("uid")
        if not isinstance(uid, str) or not uid.strip():
            continue
        match = _POSITION.match(uid)
        key = match.group(1) if match else uid
        entry = grouped.get(key)
        if entry is None or (not match and entry["uid"] != key):
            entry = grouped[key] = {**row, "position_uid": key, "locations": (entry or {}).get("locations", [])}
        location = row.get("location")
        if isinstance(location, dict) and location not in entry["locations"]:
            entry["locations"].append(location)
    return list(grouped.values())


class ComeetSpider(AtsSpider):
    name = "comeet"
    board_urls = (BoardUrl(host=r"(?:www\.)?comeet\.com?",
                           path=rf"/jobs/(?P<slug>[A-Za-z0-9][\w-]*)/(?P<uid>{_UID})(?:/|$)", board="{slug}/{uid}"),)
    public_url_template = "https://www.comeet.com/jobs/{company}"

    def valid_board_id(self, token: str) -> bool:
        return _BOARD_ID.fullmatch(token) is not None

    @staticmethod
    def page_url(board: Board) -> str:
        return f"https://www.comeet.com/jobs/{board.company}"

    def board_requests(self, board: Board) -> Iterator[Any]:
        yield self.request(board, self.page_url(board), self.parse_careers_page)

    def parse_careers_page(self, response: Response, board: Board) -> Iterator[Any]:
        text = response.text if hasattr(response, "text") else ""
        token = _API_TOKEN.search(text) or _TOKEN.search(text)
        if token is None:
            yield from self.parse_embedded(response, board)
            return
        uid = board.company.rsplit("/", 1)[1]
        url = f"https://www.comeet.co/careers-api/2.0/company/{uid}/positions?token={quote(token.group(1))}&details=true"
        yield self.request(board, url, self.parse_api, errback=self.api_failed)

    def api_failed(self, failure: Failure) -> Iterator[Any]:
        board: Board = failure.request.cb_kwargs["board"]  # type: ignore[attr-defined]
        yield from self.use_embedded(board, self._failure_reason(failure))

    def use_embedded(self, board: Board, why: str) -> Iterator[Any]:
        self.crawler.stats.inc_value("crawlerats/comeet/api_fallback")
        self.logger.warning("%s: careers API unusable (%s); reading the careers page data", board, why)
        yield self.request(board, self.page_url(board), self.parse_embedded)

    def parse_api(self, response: Response, board: Board) -> Iterator[Any]:
        try:
            rows = json.loads(response.body)
        except ValueError:
            rows = None
        if not isinstance(rows, list):
            yield from self.use_embedded(board, f"no position list at {response.url}")
            return
        yield from self.emit(board, group_positions(dicts(rows)), self.posting)
        self.board_finished(board)

    def parse_embedded(self, response: Response, board: Board) -> Iterator[Any]:
        text = response.text if hasattr(response, "text") else ""
        rows = _embedded(text, "COMPANY_POSITIONS_DATA")
        if not isinstance(rows, list):
            self.board_failed(board, f"no_positions (no API token and no COMPANY_POSITIONS_DATA) at {response.url}")
            return
        company = dig(_embedded(text, "COMPANY_DATA"), "name")
        yield from self.emit(board, group_positions(dicts(rows)), lambda b, p: self.posting(b, p, company))
        self.board_finished(board)

    def posting(self, board: Board, p: dict[str, Any], company: Any = None) -> Any:
        details = dicts(p.get("details")) or dicts(dig(p, "custom_fields", "details"))
        details.sort(key=lambda d: d.get("order") if isinstance(d.get("order"), (int, float)) else 0)
        sections = [f"<h3>{d.get('name') or ''}</h3>{d['value']}" for d in details
                    if isinstance(d.get("value"), str) and n.html_to_text(n.sanitize_html(d["value"]))]
        html = "".join(sections) or None
        locations = [n.parse_location(loc.get("name"), loc.get("city"), loc.get("state"), loc.get("country"))
                     for loc in dicts(p.get("locations"))]
        remote = any(loc.get("is_remote") is True for loc in dicts(p.get("locations")))
        return self.make_item(
            board,
            job_id=p.get("position_uid"),
            title=p.get("name"),
            company_name=p.get("company_name") or company,
            department=p.get("department"),
            employment_type_raw=p.get("employment_type"),
            workplace_type=p.get("workplace_type") or ("remote" if remote else None),
            locations=[loc for loc in locations if loc],
            salary=n.salary_from_description(n.html_to_text(n.sanitize_html(html))) if html else None,
            description_html=html,
            url=p.get("url_comeet_hosted_page") or p.get("url_recruit_hosted_page"),
            updated_at=p.get("time_updated"),
            extras={
                "experience_level": p.get("experience_level"),
                "employer_page": p.get("url_active_page"),
                "internal_id": p.get("internal_use_custom_id"),
                "is_internal": p.get("is_internal") or None,
                "location_rows": len(dicts(p.get("locations"))) if len(dicts(p.get("locations"))) > 1 else None,
            },
        )
