"""Oracle Recruiting Cloud, Candidate Experience REST API: list + one detail request per posting.

List: `GET https://{host}/hcmRestApi/resources/latest/recruitingCEJobRequisitions?onlyData=true&expand=...
&finder=findReqs;siteNumber={site},limit={n},offset={m},sortBy=POSTING_DATES_DESC`. The jobs sit in
`items[0].requisitionList` and the total in `items[0].TotalJobsCount`; the outer `count`/`hasMore`/`limit` describe the
one-element `items` wrapper and are ignored. Paging: `offset += len(requisitionList)` until `TotalJobsCount` or an
empty page; a page of already-seen ids, the page cap (`page_guard`) or an empty page before the total end the board
as truncated. Detail:
`recruitingCEJobRequisitionDetails?expand=all&onlyData=true&finder=ById;Id="{Id}",siteNumber={site}` (description
sections, `JobSchedule`, `Category`, full posting timestamp).

Board id: `{host}/{siteNumber}` (e.g. `emje.fa.us6.oraclecloud.com/CX_1001`). Job id: `Id` (the public requisition
number used in URLs; `RequisitionId` is internal). Posting URL: `https://{host}/hcmUI/CandidateExperience/en/sites/
{site}/job/{Id}`; the apply URL is not derived (its form is unverified). Pay exists only inside the description text:
read from its pay lines (`salary_from_description`) with the posting's `RequisitionType` as the interval hint
("Hourly") and its country deciding what a bare "$" means (CAD in Canada), so Saskatchewan's "Pay Band Nurse A
$38.580 to $50.070" is 38.58-50.07 CAD an hour; without such a hint that band is ambiguous and stays null.

Verified on real payloads: a complete first list page (3 of 105, facets present), a trimmed list with
`secondaryLocations`, two complete details (US, Canada). Unverified: non-empty `WorkplaceTypeCode` values other than
the facet's `ORA_ON_SITE`; pages after the first; the largest `limit` the API honours (paging follows what it returns).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from crawlerats import normalize as n
from crawlerats.ats import BoardUrl
from crawlerats.board import Board
from crawlerats.spiders.base import AtsSpider, dicts, dig
from crawlerats.spiders.detail_fallback import ListedFallback
from crawlerats.spiders.rows import unseen

_BOARD_ID = re.compile(r"(?P<host>[a-z0-9][a-z0-9-]*(?:\.[a-z0-9][a-z0-9-]*)+)/(?P<site>[A-Za-z0-9_]{1,40})")
_SECTIONS = ("ExternalDescriptionStr", "ExternalResponsibilitiesStr", "ExternalQualificationsStr",
             "CorporateDescriptionStr", "OrganizationDescriptionStr")

def _text(value: Any) -> str | None:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        value = str(value)
    return (value.strip() or None) if isinstance(value, str) else None


class OracleSpider(ListedFallback, AtsSpider):
    name = "oracle"
    board_urls = (
        BoardUrl(host=r"(?P<host>[a-z0-9-]+\.fa(?:\.[a-z0-9-]+)?\.oraclecloud\.com)",
                 path=r"/hcmUI/CandidateExperience/[a-z]{2}(?:[-_][A-Za-z]{2})?/sites/(?P<site>[A-Za-z0-9_]+)",
                 board="{host}/{site}"),
        BoardUrl(host=r"(?P<host>[a-z0-9][a-z0-9-]*(?:\.[a-z0-9][a-z0-9-]*)+)",
                 path=r"/hcmUI/CandidateExperience/[a-z]{2}(?:[-_][A-Za-z]{2})?/sites/(?P<site>[A-Za-z0-9_]+)",
                 board="{host}/{site}"),
    )
    public_url_template = "https://{host}/hcmUI/CandidateExperience/en/sites/{site}/"
    page_size = 200

    @classmethod
    def public_url(cls, board: Board) -> str:
        host, site = cls.split(board)
        return cls.public_url_template.format(host=host, site=site)

    @staticmethod
    def split(board: Board) -> tuple[str, str]:
        match = _BOARD_ID.fullmatch(board.company)
        if not match:
            raise ValueError(f"not an Oracle board id ({{host}}/{{siteNumber}}): {board.company!r}")
        return match["host"], match["site"]

    def looks_like_board_id(self, token: str) -> bool:
        return _BOARD_ID.fullmatch(token) is not None and "/hcmUI/" not in token

    valid_board_id = looks_like_board_id

    def board_requests(self, board: Board) -> Iterator[Any]:
        yield self.page(board, 0)

    def page(self, board: Board, offset: int) -> Any:
        host, site = self.split(board)
        url = (f"https://{host}/hcmRestApi/resources/latest/recruitingCEJobRequisitions?onlyData=true"
               f"&expand=requisitionList.secondaryLocations&finder=findReqs;siteNumber={site},"
               f"limit={self.page_size},offset={offset},sortBy=POSTING_DATES_DESC")
        return self.request(board, url, self.parse_page, cb_kwargs={"offset": offset})

    def parse_page(self, response: Response, board: Board, offset: int) -> Iterator[Any]:
        data = self.parse_json(response, board)
        if data is None:
            return
        search = dig(data, "items", 0)
        if not isinstance(search, dict) or not isinstance(search.get("requisitionList"), list):
            self.board_failed(board, f"unexpected_payload (no items[0].requisitionList) at {response.url}")
            return
        rows = [{**r, "Id": _text(r.get("Id"))} for r in dicts(search["requisitionList"]) if _text(r.get("Id"))]
        stop = self.page_guard(board, [r["Id"] for r in rows])
        fresh = unseen(self, board, rows, lambda row: row["Id"])
        for row in fresh:
            self.mark_seen(board, row["Id"])
        yield from self.emit(board, fresh, self.detail)
        total = search.get("TotalJobsCount")
        following = offset + len(rows)
        if stop:
            self.board_truncated(board, f"{stop} (TotalJobsCount={total})")
        elif rows and (following < total if isinstance(total, int) else len(rows) >= self.page_size):
            yield self.page(board, following)
        elif not rows and isinstance(total, int) and offset < total:
            self.board_truncated(board, f"empty page at offset {offset} of TotalJobsCount={total}")
        else:
            self.board_finished(board)

    def detail(self, board: Board, row: dict[str, Any]) -> Any:
        host, site = self.split(board)
        url = (f"https://{host}/hcmRestApi/resources/latest/recruitingCEJobRequisitionDetails?expand=all"
               f'&onlyData=true&finder=ById;Id="{row["Id"]}",siteNumber={site}')
        return self.detail_request(board, url, row)

    def parse_detail(self, response: Response, board: Board, listed: dict[str, Any]) -> Iterator[Any]:
        detail = dig(self.detail_json(response, board), "items", 0)
        usable = isinstance(detail, dict) and _text(detail.get("Id")) == listed["Id"]
        yield from self.emit(board, [listed], lambda b, p: self.posting(b, p, detail if usable else None))

    def posting(self, board: Board, row: dict[str, Any], detail: dict[str, Any] | None) -> Any:
        host, site = self.split(board)
        info = {**row, **(detail or {})}
        job_id = row["Id"]
        primary = _text(info.get("PrimaryLocation"))
        country = _text(info.get("PrimaryLocationCountry"))
        locations: list[Any] = [{"raw": primary, "country": country}] if primary else []
        locations += [{"raw": _text(loc.get("Name")), "country": _text(loc.get("CountryCode"))}
                      for loc in dicts(info.get("secondaryLocations")) if _text(loc.get("Name"))]
        sections = [info[key] for key in _SECTIONS if _text(info.get(key))]
        html = "".join(f"<div>{s}</div>" for s in sections) or None
        salary = n.salary_from_description(n.html_to_text(n.sanitize_html(html)), interval=info.get("RequisitionType"),
                                           dollar=n.dollar_currency(country)) if html else None
        return self.make_item(
            board,
            job_id=job_id,
            requisition_id=job_id,
            title=info.get("Title"),
            department=_text(info.get("Department")) or _text(info.get("Organization")),
            employment_type_raw=_text(info.get("JobSchedule")) or _text(info.get("JobType")),
            workplace_type=_text(info.get("WorkplaceTypeCode")) or _text(info.get("WorkplaceType")),
            locations=locations,
            salary=salary,
            salary_raw=salary["raw"] if salary else None,
            description_html=html,
            description_text=None if sections else _text(info.get("ShortDescriptionStr")),
            url=f"https://{host}/hcmUI/CandidateExperience/en/sites/{site}/job/{job_id}",
            posted_at=_text(info.get("ExternalPostedStartDate")) or _text(row.get("PostedDate")),
            extras={
                "posting_end_date": _text(info.get("ExternalPostedEndDate")) or _text(row.get("PostingEndDate")),
                "category": _text(info.get("Category")),
                "requisition_type": _text(info.get("RequisitionType")),
                "job_function": _text(info.get("JobFunction")),
                "legal_employer": _text(info.get("LegalEmployer")),
                "business_unit": _text(info.get("BusinessUnit")),
                "work_locations": [n for n in (_text(w.get("LocationName")) for w in dicts(info.get("workLocation")))
                                   if n] or None,
                "hot_job": True if info.get("HotJobFlag") is True else None,
                "detail_missing": True if detail is None else None,
            },
        )
