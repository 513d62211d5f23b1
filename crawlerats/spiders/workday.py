"""Workday CXS API: `POST {tenant}.wdN.myworkdayjobs.com/wday/cxs/{tenant}/{site}/jobs` (20 per page, at most
2,000 results per query), then one detail `GET .../wday/cxs/{tenant}/{site}{externalPath}` per posting.

Board id: `{tenant}.wd{N}/{site}` (e.g. `nvidia.wd5/NVIDIAExternalCareerSite`). Job id: the requisition id
(`bulletFields[0]` when it looks like one) else `externalPath`. `postedOn` is relative text ("Posted 3 Days Ago").
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from crawlerats import normalize as n
from crawlerats.ats import BoardUrl
from crawlerats.board import Board
from crawlerats.normalize.locations import country_code
from crawlerats.spiders.base import AtsSpider, dicts, dig

_BOARD_ID = re.compile(r"^([a-z0-9][a-z0-9\-]*)\.(wd\d+)/([A-Za-z0-9][A-Za-z0-9_\-]*)$")
#: Public board URL parts: `{tenant}.wdN.myworkdayjobs.com/[{locale}/]{site}`.
_HOST = r"(?P<tenant>[a-z0-9][a-z0-9\-]*)\.(?P<dc>wd\d+)\.myworkdayjobs\.com"
_SITE = r"(?P<site>[A-Za-z0-9][A-Za-z0-9_\-]*)"
_LOCALE = r"[a-z]{2}-[A-Za-z]{2}"
_REQ_ID = re.compile(r"^(?=.*\d)[A-Za-z0-9][A-Za-z0-9_\-]{2,39}$")
_N_LOCATIONS = re.compile(r"^\d+\s+locations?$", re.I)


def workday_location(text: Any, country: Any = None) -> dict[str, Any] | None:
    """Workday writes locations country first ("US, CA, Santa Clara", "Israel, Yokneam"); other text as is."""
    if not isinstance(text, str) or not text.strip() or _N_LOCATIONS.match(text.strip()):
        return None
    parts = [p.strip() for p in text.split(",") if p.strip()]
    first = country_code(parts[0]) if len(parts) >= 2 else None
    if first and not country_code(parts[-1]):
        return n.parse_location(text, city=parts[-1], region=parts[1] if len(parts) > 2 else None,
                                country=country or first)
    return n.parse_location(text, country=country)


class WorkdaySpider(AtsSpider):
    name = "workday"
    board_urls = (
        BoardUrl(host=_HOST, path=rf"/wday/cxs/[^/]+/{_SITE}", board="{tenant}.{dc}/{site}"),
        BoardUrl(host=_HOST, path=rf"/(?:{_LOCALE}/)?(?!{_LOCALE}(?:/|$)){_SITE}", board="{tenant}.{dc}/{site}",
                 exclude=frozenset({"wday"})),
    )
    #: Board id `{tenant}.{dc}/{site}`; public_url below splits it.
    public_url_template = "https://{tenant}.{dc}.myworkdayjobs.com/{site}"
    page_size = 20
    #: Workday answers at most this many results per query (later offsets wrap around to the start).
    max_results = 2000

    @classmethod
    def public_url(cls, board: Board) -> str | None:
        match = _BOARD_ID.match(board.company)
        return f"https://{match[1]}.{match[2]}.myworkdayjobs.com/{match[3]}" if match else None

    def looks_like_board_id(self, token: str) -> bool:
        return bool(_BOARD_ID.match(token))

    valid_board_id = looks_like_board_id

    @staticmethod
    def base_url(board: Board) -> str:
        match = _BOARD_ID.match(board.company)
        if not match:
            raise ValueError(f"not a Workday board id: {board.company!r}")
        tenant, wd, site = match.groups()
        return f"https://{tenant}.{wd}.myworkdayjobs.com/wday/cxs/{tenant}/{site}"

    def board_requests(self, board: Board) -> Iterator[Any]:
        yield self.page(board, 0, None, set())

    def page(self, board: Board, offset: int, total: int | None, paths: set[str]) -> Any:
        body = {"limit": self.page_size, "offset": offset, "appliedFacets": {}, "searchText": ""}
        return self.request(board, f"{self.base_url(board)}/jobs", self.parse_page, method="POST", json_body=body,
                            cb_kwargs={"offset": offset, "total": total, "paths": paths})

    def parse_page(self, response: Response, board: Board, offset: int, total: int | None,
                   paths: set[str]) -> Iterator[Any]:
        data = self.parse_json(response, board)
        if data is None:
            return
        if offset == 0 and isinstance(data.get("total"), int):
            total = data["total"]  # later pages may report 0: only the first page's total is trusted
        if not isinstance(data.get("jobPostings"), list):
            self.board_failed(board, f"unexpected_payload (no jobPostings list) at {response.url}")
            return
        postings = [p for p in dicts(data["jobPostings"]) if isinstance(p.get("externalPath"), str)]
        fresh = [p for p in postings if p["externalPath"] not in paths]
        for posting in fresh:
            paths.add(posting["externalPath"])
            posting["_job_id"] = self.job_id(board, posting)
            self.mark_seen(board, posting["_job_id"])
        yield from self.emit(board, fresh, self.detail_request)
        following = offset + len(postings)
        more = bool(fresh) and len(postings) >= self.page_size and following < (total or following + 1)
        if more and following < self.max_results:
            yield self.page(board, following, total, paths)
            return
        if more or (total or 0) >= self.max_results:  # a page at offset >= 2000 would wrap to the first one
            self.board_truncated(board, f"workday returns at most {self.max_results} results (total={total})")
        self.board_finished(board)

    def job_id(self, board: Board, posting: dict[str, Any]) -> str:
        """The requisition id shown in `bulletFields[0]` when it looks like one (and is unused), else externalPath."""
        first = dig(posting, "bulletFields", 0)
        candidate = str(first).strip() if isinstance(first, (str, int)) else ""
        seen = self.outcomes[board.key].seen_ids if board.key in self.outcomes else set()
        if _REQ_ID.match(candidate) and candidate not in seen:
            return candidate
        return str(posting["externalPath"])

    def detail_request(self, board: Board, p: dict[str, Any]) -> Any:
        return self.request(board, f"{self.base_url(board)}{p['externalPath']}", self.parse_detail,
                            cb_kwargs={"listed": p}, detail=True, fallback="posting")

    def parse_detail(self, response: Response, board: Board, listed: dict[str, Any]) -> Iterator[Any]:
        detail = self.detail_json(response, board)
        usable = isinstance(dig(detail, "jobPostingInfo"), dict)
        yield from self.emit(board, [listed], lambda b, p: self.posting(b, p, detail if usable else None))

    def posting(self, board: Board, listed: dict[str, Any], detail: dict[str, Any] | None = None) -> Any:
        info = dig(detail, "jobPostingInfo", default={})
        tenant_host = self.base_url(board).split("/wday/")[0]
        site = board.company.split("/", 1)[1]
        path = str(listed["externalPath"])
        req_country = dig(info, "jobRequisitionLocation", "country", "alpha2Code")
        primary = info.get("location") or listed.get("locationsText")
        additional = [loc for loc in info.get("additionalLocations") or [] if isinstance(loc, str)]
        only_one = not additional and dig(info, "jobRequisitionLocation", "descriptor") == primary
        locations = [workday_location(primary, req_country if only_one else None)]
        locations += [workday_location(loc) for loc in additional]
        path_parts = path.split("/")
        location_slug = path_parts[2] if len(path_parts) > 3 else ""
        posted = info.get("postedOn") or listed.get("postedOn")
        html = info.get("jobDescription") if isinstance(info.get("jobDescription"), str) else None
        salary = n.salary_from_description(n.html_to_text(n.sanitize_html(html)))  # no pay field: text only
        return self.make_item(
            board,
            job_id=listed["_job_id"],
            requisition_id=info.get("jobReqId") or (listed["_job_id"] if listed["_job_id"] != path else None),
            title=info.get("title") or listed.get("title"),
            employment_type_raw=info.get("timeType"),
            workplace_type=n.workplace_from_text(primary, listed.get("locationsText"), location_slug.replace("-", " ")),
            locations=[loc for loc in locations if loc],
            salary=salary,
            salary_raw=salary["raw"] if salary else None,
            description_html=html,
            url=info.get("externalUrl") or f"{tenant_host}/{site}{path}",
            posted_at=posted,
            posted_at_parsed=n.parse_relative_posted(posted, self.now),
            extras={"external_path": path, "start_date": info.get("startDate"),
                    "hiring_organization": dig(detail, "hiringOrganization", "name"),
                    "locations_text": listed.get("locationsText"), "detail_missing": True if not info else None},
        )
