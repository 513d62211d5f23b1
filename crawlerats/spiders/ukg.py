"""UKG Pro Recruiting (UltiPro): `LoadSearchResults` (POST, Skip/Top paging).

`POST https://{host}/{TENANT}/JobBoard/{boardGuid}/JobBoardView/LoadSearchResults` with
`{"opportunitySearch": {"Top": n, "Skip": k, "QueryString": "", "Filters": [], "OrderBy": [posted date desc]},
"matchCriteria": {…}}` → `{totalCount, opportunities[]}`; `Skip += Top` until `totalCount`; a page of known ids,
the page cap (`page_guard`) or an empty page before the total mark the board truncated. Posting URL:
`https://{host}/{TENANT}/JobBoard/{boardGuid}/OpportunityDetail?opportunityId={Id}`.

Board id: `{TENANT}/{boardGuid}`; the host (`recruiting.ultipro.com` by default, `recruiting2.ultipro.com` as the board
param `host`) comes from the board URL. A board given without a host whose first page fails on
`recruiting.ultipro.com` is tried once on `recruiting2.ultipro.com`.

Workplace type: never from `JobLocationType` (the samples contradict any reading of it: 2 on "Remote – Western U.S."
and on "Hybrid, GA", 1 on "*Hybrid*" and on a "Remote" location); it is read from the title and the location labels
instead, and `JobLocationType` is kept raw in extras. `FullTime` true gives "Full-time"; false says only "not
full-time", so employment type stays null. No salary and no full description in search results: `BriefDescription`
(an optional plain-text teaser) is the description text.

Verified on real payloads: 12 `opportunities[]` items from 9 tenants on both hosts (addresses with and without state,
"Remote" city placeholders, several locations per posting, teasers). Unverified: the response envelope
(`totalCount`) and request body (`matchCriteria` shape) — taken from two other scrapers, the sample holds items
only — and the largest `Top` the endpoint honours (paging follows what it returns).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from scrapy.http import Response
from twisted.python.failure import Failure

from crawlerats import normalize as n
from crawlerats.ats import BoardUrl
from crawlerats.board import Board
from crawlerats.spiders.base import AtsSpider, dicts, dig
from crawlerats.spiders.rows import unseen

_BOARD_ID = re.compile(r"(?P<tenant>[A-Za-z0-9]{2,32})/(?P<guid>[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12})")
_PATH = r"/(?P<tenant>[A-Za-z0-9]{2,32})/JobBoard/(?P<guid>[0-9a-fA-F]{8}(?:-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12})"
_DEFAULT_HOST = "recruiting.ultipro.com"
_MATCH_CRITERIA = {"PreferredJobs": [], "Educations": [], "LicenseAndCertifications": [], "Skills": [],
                   "hasNoLicenses": False, "SkippedSkills": []}


def _text(value: Any) -> str | None:
    return (" ".join(value.split()) or None) if isinstance(value, str) else None


def _place(loc: dict[str, Any]) -> dict[str, Any] | None:
    address = loc.get("Address") if isinstance(loc.get("Address"), dict) else {}
    city = _text(address.get("City"))
    city = None if city and n.workplace_from_text(city) == "remote" else city  # "Remote" placeholder city
    region = _text(dig(address, "State", "Name")) or _text(dig(address, "State", "Code"))
    country = _text(dig(address, "Country", "Code")) or _text(dig(address, "Country", "Name"))
    return n.parse_location(None, city=city, region=region, country=country)


class UkgSpider(AtsSpider):
    name = "ukg"
    board_urls = (
        BoardUrl(host=r"recruiting\.ultipro\.com", path=_PATH, board="{tenant}/{guid}"),
        BoardUrl(host=r"recruiting2\.ultipro\.com", path=_PATH, board="{tenant}/{guid}",
                 params=(("host", "recruiting2.ultipro.com"),)),
    )
    public_url_template = "https://{host}/{tenant}/JobBoard/{guid}/"
    page_size = 50

    @classmethod
    def public_url(cls, board: Board) -> str:
        tenant, guid = cls.split(board).split("/")
        return cls.public_url_template.format(host=cls.host(board), tenant=tenant, guid=guid)

    @staticmethod
    def split(board: Board) -> str:
        match = _BOARD_ID.fullmatch(board.company)
        if not match:
            raise ValueError(f"not a UKG board id ({{TENANT}}/{{boardGuid}}): {board.company!r}")
        return board.company

    @staticmethod
    def host(board: Board) -> str:
        return str(board.param("host") or _DEFAULT_HOST)

    def valid_board_id(self, token: str) -> bool:
        return _BOARD_ID.fullmatch(token) is not None

    def board_requests(self, board: Board) -> Iterator[Any]:
        yield self.page(board, self.host(board), 0)

    def page(self, board: Board, host: str, skip: int) -> Any:
        tenant, guid = self.split(board).split("/")
        body = {"opportunitySearch": {"Top": self.page_size, "Skip": skip, "QueryString": "", "Filters": [],
                                      "OrderBy": [{"Value": "postedDateDesc", "PropertyName": "PostedDate",
                                                   "Ascending": False}]},
                "matchCriteria": _MATCH_CRITERIA}
        first_try = skip == 0 and board.param("host") is None and host == _DEFAULT_HOST
        return self.request(board, f"https://{host}/{tenant}/JobBoard/{guid}/JobBoardView/LoadSearchResults",
                            self.parse_page, method="POST", json_body=body,
                            cb_kwargs={"host": host, "skip": skip},
                            errback=self.other_host if first_try else None)

    def other_host(self, failure: Failure) -> Iterator[Any]:
        """The first page failed on the default host: try the board on recruiting2 once."""
        board: Board = failure.request.cb_kwargs["board"]  # type: ignore[attr-defined]
        self.logger.info("UKG board %s failed on %s (%s): trying recruiting2", board, _DEFAULT_HOST,
                         self._failure_reason(failure))
        yield self.page(board, "recruiting2.ultipro.com", 0)

    def parse_page(self, response: Response, board: Board, host: str, skip: int) -> Iterator[Any]:
        data = self.parse_json(response, board)
        if data is None:
            return
        if not isinstance(data.get("opportunities"), list):
            self.board_failed(board, f"unexpected_payload (no opportunities list) at {response.url}")
            return
        postings = [{**p, "Id": _text(p.get("Id"))} for p in dicts(data["opportunities"]) if _text(p.get("Id"))]
        stop = self.page_guard(board, [p["Id"] for p in postings])
        yield from self.emit(board, unseen(self, board, postings, lambda p: p["Id"]),
                             lambda b, p: self.posting(b, p, host))
        total = data.get("totalCount")
        following = skip + len(postings)
        if stop:
            self.board_truncated(board, f"{stop} ({following} of {total})")
        elif postings and (following < total if isinstance(total, int) else len(postings) >= self.page_size):
            yield self.page(board, host, following)
        elif not postings and isinstance(total, int) and skip < total:
            self.board_truncated(board, f"empty page at Skip={skip} of totalCount={total}")
        else:
            self.board_finished(board)

    def posting(self, board: Board, p: dict[str, Any], host: str) -> Any:
        tenant, guid = self.split(board).split("/")
        locations = dicts(p.get("Locations"))
        labels = list(dict.fromkeys(label for loc in locations for label in (
            _text(loc.get("LocalizedName")), _text(loc.get("LocalizedDescription"))) if label))
        job_id = p["Id"]
        return self.make_item(
            board,
            job_id=job_id,
            requisition_id=_text(p.get("RequisitionNumber")),
            title=p.get("Title"),
            department=_text(p.get("JobCategoryName")),
            employment_type_raw="Full-time" if p.get("FullTime") is True else None,
            workplace_type=n.workplace_from_text(_text(p.get("Title")), *labels),
            locations=[place for place in map(_place, locations) if place],
            description_text=_text(p.get("BriefDescription")) and p["BriefDescription"],
            url=f"https://{host}/{tenant}/JobBoard/{guid}/OpportunityDetail?opportunityId={job_id}",
            posted_at=_text(p.get("PostedDate")),
            extras={"location_labels": labels or None, "featured": True if p.get("Featured") is True else None,
                    "full_time": p.get("FullTime") if isinstance(p.get("FullTime"), bool) else None,
                    "job_location_type": p.get("JobLocationType") if isinstance(p.get("JobLocationType"), int)
                    and not isinstance(p.get("JobLocationType"), bool) else None,
                    "opportunity_type": p.get("OpportunityType") if isinstance(p.get("OpportunityType"), int)
                    and not isinstance(p.get("OpportunityType"), bool) else None},
        )
