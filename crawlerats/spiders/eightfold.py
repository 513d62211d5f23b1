"""Eightfold career sites, on either of their two public APIs, then one detail request per position.

* `apply/v2` (older sites): `GET https://{host}/api/apply/v2/jobs?domain={domain}&start={n}&num=10&sort_by=new` →
  `{positions[], count}`, snake_case keys; detail `GET …/api/apply/v2/jobs/{id}?domain={domain}`.
* `pcsx` (newer sites, where apply/v2 answers 403): `GET https://{host}/api/pcsx/search?domain={domain}&start={n}` →
  `{status, error, data{positions[], count}}`, camelCase keys; detail
  `GET …/api/pcsx/position_details?position_id={id}&domain={domain}` → `{status, data{…}}`.
The first page tries apply/v2; when it fails or answers something else than a position list, the board is read
through pcsx. Pages hold 10 positions; paging ends at `count` or on an empty page; a page without new ids or the page
cap truncates the board (`page_guard`, crawlerats/spiders/paging.py). Dates are epoch seconds.

Board id: the site host (`albemarle.eightfold.ai`, or a custom host such as `careers.example.com`), optionally followed
by `/{domain}` (the `domain` query parameter every API call needs, e.g. `albemarle.eightfold.ai/albemarle.com`).
Without it the domain is read from the careers page (`https://{host}/careers`, a `"domain": "…"` entry).

Verified on real payloads: apply/v2 search rows (Albemarle: `id`, `name`/`posting_name`, `locations[]`, `department`,
`business_unit`, `t_create`/`t_update`, `display_job_id`, `work_location_option`, `location_flexibility`,
`canonicalPositionUrl`, empty `job_description`), an apply/v2 single position with `job_description` HTML (its
`work_location_option` is null where the search row says "onsite": detail nulls never override list values), and a
pcsx search page (CACI: `displayJobId`, `atsJobId`, `standardizedLocations`, `postedTs`/`creationTs`,
`workLocationOption`, relative `positionUrl`).
Unverified: the detail URLs (apply/v2 `/jobs/{id}` is the saver's guess; pcsx `position_details` and its
`jobDescription`/`publicUrl` keys are reported by other scrapers), the careers-page domain lookup, and the
apply/v2 → pcsx switch (apply/v2 answering 403 on pcsx sites is reported, not captured). No pay field exists:
pay is read from a pay line of the description only.
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote, urljoin

from scrapy.http import Response
from twisted.python.failure import Failure

from crawlerats import normalize as n
from crawlerats.ats import BoardUrl
from crawlerats.board import Board
from crawlerats.spiders.base import AtsSpider, dicts
from crawlerats.spiders.rows import unseen

APPLY, PCSX = "apply_v2", "pcsx"
_HOST = r"[a-z0-9][a-z0-9-]*(?:\.[a-z0-9][a-z0-9-]*)+"
_BOARD_ID = re.compile(rf"({_HOST})(?:/({_HOST}))?")
_TENANT = r"(?P<tenant>[a-z0-9][a-z0-9-]*)\.eightfold\.ai"
_DOMAIN = re.compile(r'"domain"\s*:\s*"([a-z0-9.-]+\.[a-z]{2,})"', re.I)


def _first(p: dict[str, Any], *keys: str) -> Any:
    """The first of `keys` with a value other than None / "" (apply/v2 and pcsx name the same fact differently)."""
    return next((p[k] for k in keys if p.get(k) not in (None, "")), None)


class EightfoldSpider(AtsSpider):
    name = "eightfold"
    board_urls = (
        BoardUrl(host=_TENANT, query=("domain",), board="{tenant}.eightfold.ai/{domain}"),
        BoardUrl(host=_TENANT, board="{tenant}.eightfold.ai"),
    )

    @classmethod
    def public_url(cls, board: Board) -> str | None:
        host, domain = cls.site(board)
        return f"https://{host}/careers" + (f"?domain={quote(domain)}" if domain else "")

    def looks_like_board_id(self, token: str) -> bool:
        return _BOARD_ID.fullmatch(token.lower()) is not None

    def valid_board_id(self, token: str) -> bool:
        return self.looks_like_board_id(token)

    @staticmethod
    def site(board: Board) -> tuple[str, str | None]:
        host, _, domain = board.company.lower().partition("/")
        return host, domain or None

    # --- list -------------------------------------------------------------------------------------
    def board_requests(self, board: Board) -> Iterator[Any]:
        host, domain = self.site(board)
        if domain:
            yield self.page(board, APPLY, domain, 0)
        else:
            yield self.request(board, f"https://{host}/careers", self.parse_careers_page)

    def parse_careers_page(self, response: Response, board: Board) -> Iterator[Any]:
        found = _DOMAIN.search(html.unescape(response.text)) if hasattr(response, "text") else None
        if not found:
            self.board_failed(board, f"no_domain (no \"domain\" on the careers page; give the board as "
                                     f"host/domain) at {response.url}")
            return
        yield self.page(board, APPLY, found.group(1).lower(), 0)

    def page(self, board: Board, api: str, domain: str, start: int) -> Any:
        host, _ = self.site(board)
        d = quote(domain)
        url = (f"https://{host}/api/apply/v2/jobs?domain={d}&start={start}&num=10&sort_by=new" if api == APPLY
               else f"https://{host}/api/pcsx/search?domain={d}&start={start}")
        first_try = api == APPLY and start == 0
        return self.request(board, url, self.parse_page, errback=self.page_failed if first_try else None,
                            cb_kwargs={"api": api, "domain": domain, "start": start})

    def page_failed(self, failure: Failure) -> Iterator[Any]:
        """apply/v2 refused the first page: read the board through pcsx."""
        request = failure.request  # type: ignore[attr-defined]
        kwargs = request.cb_kwargs
        self.logger.info("%s: apply/v2 failed (%s); trying pcsx", kwargs["board"], self._failure_reason(failure))
        yield self.page(kwargs["board"], PCSX, kwargs["domain"], 0)

    @staticmethod
    def read_page(response: Response, api: str) -> tuple[list[dict[str, Any]], int | None] | None:
        """(positions, count) from a search page; None when the body is not that API's position list."""
        try:
            data = json.loads(response.body)
        except ValueError:
            return None
        if api == PCSX and isinstance(data, dict):
            data = data.get("data") if data.get("status") in (200, None) else None
        if not isinstance(data, dict) or not isinstance(data.get("positions"), list):
            return None
        count = data.get("count")
        return dicts(data["positions"]), count if isinstance(count, int) and not isinstance(count, bool) else None

    def parse_page(self, response: Response, board: Board, api: str, domain: str, start: int) -> Iterator[Any]:
        page = self.read_page(response, api)
        if page is None:
            if api == APPLY and start == 0:
                self.logger.info("%s: apply/v2 gave no position list; trying pcsx", board)
                yield self.page(board, PCSX, domain, 0)
            else:
                self.board_failed(board, f"unexpected_payload ({api}) at {response.url}")
            return
        positions, count = page
        stop = self.page_guard(board, [p.get("id") for p in positions])
        new = unseen(self, board, positions, lambda r: str(r["id"]) if r.get("id") is not None else None)
        for p in new:
            self.mark_seen(board, p["id"])  # its item comes with the detail
        yield from self.emit(board, new, lambda b, p: self.position_request(b, p, api, domain))
        end = start + len(positions)
        if stop:
            self.board_truncated(board, f"{stop} (start={end} of {count})")
        elif not positions or (count is not None and end >= count):
            self.board_finished(board)
        else:
            yield self.page(board, api, domain, end)

    # --- detail -----------------------------------------------------------------------------------
    def position_request(self, board: Board, listed: dict[str, Any], api: str, domain: str) -> Any:
        host, _ = self.site(board)
        pid, d = quote(str(listed["id"])), quote(domain)
        url = (f"https://{host}/api/apply/v2/jobs/{pid}?domain={d}" if api == APPLY
               else f"https://{host}/api/pcsx/position_details?position_id={pid}&domain={d}")
        return self.request(board, url, self.parse_detail, cb_kwargs={"listed": listed}, detail=True,
                            fallback="posting")

    def parse_detail(self, response: Response, board: Board, listed: dict[str, Any]) -> Iterator[Any]:
        detail = self.detail_json(response, board)
        if isinstance(detail, dict) and "status" in detail and isinstance(detail.get("data"), dict):
            detail = detail["data"]  # pcsx wraps the position as {status, error, data}
        yield from self.emit(board, [listed], lambda b, p: self.posting(b, p, detail))

    def posting(self, board: Board, listed: dict[str, Any], detail: dict[str, Any] | None = None) -> Any:
        p = {**listed, **{k: v for k, v in (detail or {}).items() if v not in (None, "", [])}}
        host, _ = self.site(board)
        places = p.get("standardizedLocations") or p.get("locations") or [p.get("location")]
        locations = [loc for loc in places if isinstance(loc, str)] if isinstance(places, list) else []
        description = _first(p, "job_description", "jobDescription")
        description = description if isinstance(description, str) else None
        relative = _first(p, "canonicalPositionUrl", "publicUrl", "positionUrl")
        display_id = _first(p, "display_job_id", "displayJobId")
        ats_id = _first(p, "ats_job_id", "atsJobId")
        return self.make_item(
            board,
            job_id=p.get("id"),
            requisition_id=display_id or ats_id,
            title=_first(p, "posting_name", "name"),
            department=p.get("department"),
            workplace_type=_first(p, "work_location_option", "workLocationOption"),
            locations=locations,
            salary=n.salary_from_description(n.html_to_text(n.sanitize_html(description))) if description else None,
            description_html=description,
            url=urljoin(f"https://{host}/", relative) if isinstance(relative, str) else
            f"https://{host}/careers/job/{p.get('id')}",
            posted_at=_first(p, "t_create", "postedTs"),
            updated_at=p.get("t_update"),
            extras={
                "ats_job_id": ats_id if ats_id != display_id else None,
                "business_unit": p.get("business_unit"),
                "location_flexibility": _first(p, "location_flexibility", "locationFlexibility"),
                "created_ts": p.get("creationTs"),
                "is_private": p.get("isPrivate") or None,
                "detail_missing": True if detail is None else None,
            },
        )
