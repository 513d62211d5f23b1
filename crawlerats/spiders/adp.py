"""ADP Workforce Now career centers: the public staffing API of `workforcenow.adp.com`, list + one detail request per
requisition.

List: `GET https://workforcenow.adp.com/mascsr/default/careercenter/public/events/staffing/v1/job-requisitions
?cid={cid}&ccId={ccId}&locale=en_US&$top=20&$skip={k}` → `{meta{startSequence, totalNumber}, jobRequisitions[]}`;
`$skip += len(page)` until `totalNumber` or an empty page; a page without new ids or the page cap truncates the board.
Detail: `GET …/job-requisitions/{itemID}?cid=…&ccId=…&locale=en_US` → `{jobRequisitions: [{…}]}` (the description);
a failed detail stores the requisition from list data.

Board id: `{cid}/{ccId}` (or `{cid}` alone) from the career-center URL
`workforcenow.adp.com/mascsr/default/mdf/recruitment/recruitment.html?cid=…&ccId=…`. Posting URL: that page with
`&jobId={itemID}`.

Verified on real payloads (one unnamed client, both trimmed by their saver to a few keys): list `itemID`,
`requisitionTitle`, `postDate` (ISO with offset), `requisitionLocations[].nameCode.shortName` (" US", leading space),
`organizationalUnits` (empty), `meta.totalNumber`; detail wrapped as `{jobRequisitions: [...]}` with
`requisitionDescription` HTML and an empty `address{cityName, countrySubdivisionLevel1.codeValue, postalCode}`.
Unverified: every key the saver removed (employment type, pay, workplace): not mapped; `organizationalUnits` entries
(the department is read from a unit whose `typeCode` names a department, `nameCode.shortName`); a board without
`ccId`; pages after the first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

from scrapy.http import Response

from crawlerats import normalize as n
from crawlerats.ats import BoardUrl
from crawlerats.board import Board
from crawlerats.spiders.base import AtsSpider, dicts, dig
from crawlerats.spiders.rows import unseen

_HOST = "https://workforcenow.adp.com/mascsr/default"
_PATH = r"/mascsr/default/(?:mdf/recruitment/recruitment\.html|careercenter/public/events/staffing/v1/job-requisitions)"
_ID = r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}"


def _text(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


class AdpSpider(AtsSpider):
    name = "adp"
    board_urls = (
        BoardUrl(host=r"workforcenow\.adp\.com", path=_PATH, query=("cid", "ccId"), board="{cid}/{ccId}"),
        BoardUrl(host=r"workforcenow\.adp\.com", path=_PATH, query=("cid",), board="{cid}"),
    )
    page_size = 20

    @classmethod
    def public_url(cls, board: Board) -> str | None:
        return f"{_HOST}/mdf/recruitment/recruitment.html?{cls.query(board)}&lang=en_US"

    @staticmethod
    def query(board: Board) -> str:
        cid, _, cc_id = board.company.partition("/")
        return f"cid={quote(cid)}" + (f"&ccId={quote(cc_id)}" if cc_id else "")

    def valid_board_id(self, token: str) -> bool:
        return re.fullmatch(rf"{_ID}(/{_ID})?", token) is not None

    def board_requests(self, board: Board) -> Iterator[Any]:
        yield self.page(board, 0)

    def page(self, board: Board, skip: int) -> Any:
        url = (f"{_HOST}/careercenter/public/events/staffing/v1/job-requisitions?{self.query(board)}"
               f"&locale=en_US&$top={self.page_size}&$skip={skip}")
        return self.request(board, url, self.parse_page, cb_kwargs={"skip": skip})

    def parse_page(self, response: Response, board: Board, skip: int) -> Iterator[Any]:
        data = self.parse_json(response, board)
        if data is None:
            return
        rows = data.get("jobRequisitions", [] if dig(data, "meta", "totalNumber") == 0 else None)
        if not isinstance(rows, list):
            self.board_failed(board, f"unexpected_payload (no jobRequisitions list) at {response.url}")
            return
        stop = self.page_guard(board, [r.get("itemID") for r in dicts(rows)])
        fresh = unseen(self, board, dicts(rows), lambda r: str(r["itemID"]) if r.get("itemID") is not None else None)
        for row in fresh:
            self.mark_seen(board, row["itemID"])
        yield from self.emit(board, fresh, self.requisition_request)
        total = dig(data, "meta", "totalNumber")
        end = skip + len(rows)
        if stop:
            self.board_truncated(board, f"{stop} ({end} of {total})")
        elif not rows or (isinstance(total, int) and end >= total):
            self.board_finished(board)
        else:
            yield self.page(board, end)

    def requisition_request(self, board: Board, listed: dict[str, Any]) -> Any:
        url = (f"{_HOST}/careercenter/public/events/staffing/v1/job-requisitions/{quote(str(listed['itemID']))}"
               f"?{self.query(board)}&locale=en_US")
        return self.request(board, url, self.parse_detail, cb_kwargs={"listed": listed}, detail=True,
                            fallback="posting")

    def parse_detail(self, response: Response, board: Board, listed: dict[str, Any]) -> Iterator[Any]:
        data = self.detail_json(response, board)
        detail = next(iter(dicts(dig(data, "jobRequisitions"))), None) if data is not None else None
        yield from self.emit(board, [listed], lambda b, r: self.posting(b, r, detail))

    def posting(self, board: Board, listed: dict[str, Any], detail: dict[str, Any] | None = None) -> Any:
        r = {**listed, **{k: v for k, v in (detail or {}).items() if v not in (None, "", [], {})}}
        locations = []
        for loc in dicts(r.get("requisitionLocations")):
            address = loc.get("address") if isinstance(loc.get("address"), dict) else {}
            locations.append(n.parse_location(_text(dig(loc, "nameCode", "shortName")), _text(address.get("cityName")),
                                              _text(dig(address, "countrySubdivisionLevel1", "codeValue"))))
        units = dicts(r.get("organizationalUnits"))
        department = next((dig(u, "nameCode", "shortName") for u in units
                           if "department" in str(dig(u, "typeCode", "shortName") or dig(u, "typeCode", "codeValue")
                                                  or "").lower()), None)
        description = r.get("requisitionDescription") if isinstance(r.get("requisitionDescription"), str) else None
        return self.make_item(
            board,
            job_id=r.get("itemID"),
            title=r.get("requisitionTitle"),
            department=department,
            locations=[loc for loc in locations if loc],
            salary=n.salary_from_description(n.html_to_text(n.sanitize_html(description))) if description else None,
            description_html=description,
            url=f"{_HOST}/mdf/recruitment/recruitment.html?{self.query(board)}&jobId={quote(str(r.get('itemID')))}"
                f"&lang=en_US",
            posted_at=r.get("postDate"),
            extras={"detail_missing": True if detail is None else None},
        )
