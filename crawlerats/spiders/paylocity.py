"""Paylocity recruiting boards: `https://recruiting.paylocity.com/Recruiting/Jobs/All/{companyGuid}` is server-rendered
HTML with one `window.pageData = {…};` object whose `Jobs[]` is the whole board (no paging).

Board id: the company GUID of `recruiting.paylocity.com/Recruiting/Jobs/All/{guid}[/{Company-Name}]`.
Posting URL `…/Recruiting/Jobs/Details/{JobId}`, apply URL `…/Recruiting/Jobs/Apply/{JobId}`. When
`ShouldDisplayLocation` is false only the country is kept (the employer hides the place). `IsRemote` true gives
"remote"; otherwise the location name decides ("Hybrid" is a location *name* on some boards).

Verified on real payloads (Veryon and North Carolina Advanced Energy, `window.pageData` slices, 2 jobs each):
`JobId`, `JobTitle`, `LocationName`, `ShouldDisplayLocation`, `PublishedDate` (ISO with offset), `HiringDepartment`,
`IsInternal`, `IsRemote`, `JobLocation{Name, City, State, Country, Metro, …}`, page-level `ModuleTitle` (company).
Unverified / not done: the description (empty in the list; only on the HTML detail page, of which no payload was
saved, so it is not fetched), pay (not in the list), `IndeedRemoteType` meaning (kept in extras).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from crawlerats import normalize as n
from crawlerats.ats import BoardUrl
from crawlerats.board import Board
from crawlerats.spiders.base import AtsSpider, dicts

_GUID = r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"
_SITE = "https://recruiting.paylocity.com/Recruiting/Jobs"
_PAGE_DATA = re.compile(r"window\.pageData\s*=\s*")
#: Location names that only say how the job is worked ("Hybrid"): the place comes from the address parts.
_WORKPLACE_WORDS = frozenset({"hybrid", "remote", "onsite", "on-site", "on site", "in office"})


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


class PaylocitySpider(AtsSpider):
    name = "paylocity"
    payload = "html"
    board_urls = (BoardUrl(host=r"recruiting\.paylocity\.com",
                           path=rf"(?i)/recruiting/jobs/(?:all|list)/(?P<company>{_GUID})(?:/|$)"),)
    public_url_template = f"{_SITE}/All/{{company}}"

    def valid_board_id(self, token: str) -> bool:
        return re.fullmatch(_GUID, token) is not None

    def board_requests(self, board: Board) -> Iterator[Any]:
        yield self.request(board, f"{_SITE}/All/{board.company}", self.parse_board)

    def parse_board(self, response: Response, board: Board) -> Iterator[Any]:
        text = response.text if hasattr(response, "text") else ""
        found = _PAGE_DATA.search(text)
        try:
            data = json.JSONDecoder().raw_decode(text, found.end())[0] if found else None
        except ValueError:
            data = None
        if not isinstance(data, dict) or not isinstance(data.get("Jobs"), list):
            self.board_failed(board, f"unexpected_payload (no window.pageData Jobs) at {response.url}")
            return
        company = data.get("ModuleTitle")
        yield from self.emit(board, dicts(data["Jobs"]), lambda b, j: self.posting(b, j, company))
        self.board_finished(board)

    def posting(self, board: Board, j: dict[str, Any], company: Any = None) -> Any:
        place = j.get("JobLocation") if isinstance(j.get("JobLocation"), dict) else {}
        name = _text(j.get("LocationName")) or _text(place.get("Name"))
        if j.get("ShouldDisplayLocation") is False:
            location = n.parse_location(None, None, None, _text(place.get("Country")))
        else:
            raw = None if name and name.lower() in _WORKPLACE_WORDS else name or _text(place.get("Metro"))
            location = n.parse_location(raw, _text(place.get("City")),
                                        _text(place.get("State")), _text(place.get("Country")))
        job_id = j.get("JobId")
        return self.make_item(
            board,
            job_id=job_id,
            title=j.get("JobTitle"),
            company_name=company,
            department=j.get("HiringDepartment"),
            workplace_type="remote" if j.get("IsRemote") is True else n.workplace_type(name),
            locations=[location] if location else [],
            url=f"{_SITE}/Details/{job_id}" if job_id is not None else None,
            apply_url=f"{_SITE}/Apply/{job_id}" if job_id is not None else None,
            posted_at=j.get("PublishedDate"),
            extras={"is_internal": j.get("IsInternal") or None, "indeed_remote_type": j.get("IndeedRemoteType")},
        )
