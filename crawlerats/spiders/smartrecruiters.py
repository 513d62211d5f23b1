"""SmartRecruiters postings API: `api.smartrecruiters.com/v1/companies/{id}/postings`, paged with offset/limit,
with the job ad from one detail request per posting (`.../postings/{postingId}`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from crawlerats.board import Board
from crawlerats.spiders.base import AtsSpider, dicts, dig

_SECTIONS = ("companyDescription", "jobDescription", "qualifications", "additionalInformation")
_WORKPLACE_FIELD = re.compile(r"work ?(flexibility|place|model|arrangement|location type)|remote", re.I)


def _label(value: Any) -> Any:
    """`{id, label}` objects to their label (or id); `{}` to None."""
    if isinstance(value, dict):
        return value.get("label") or value.get("id") or None
    return value


class SmartRecruitersSpider(AtsSpider):
    name = "smartrecruiters"
    page_size = 100

    def board_requests(self, board: Board) -> Iterator[Any]:
        yield self.page(board, 0)

    def page(self, board: Board, offset: int) -> Any:
        url = (f"https://api.smartrecruiters.com/v1/companies/{board.company}/postings"
               f"?limit={self.page_size}&offset={offset}")
        return self.request(board, url, self.parse_page, cb_kwargs={"offset": offset})

    def parse_page(self, response: Response, board: Board, offset: int) -> Iterator[Any]:
        data = self.parse_json(response, board)
        if data is None:
            return
        if not isinstance(data.get("content"), list):
            self.board_failed(board, f"unexpected_payload (no content list) at {response.url}")
            return
        postings = dicts(data["content"])
        for posting in postings:
            self.mark_seen(board, posting.get("id"))
        yield from self.emit(board, postings, self.detail_request)
        total = data.get("totalFound")
        more = len(postings) >= self.page_size and not (isinstance(total, int) and 0 < total <= offset + len(postings))
        if more:
            yield self.page(board, offset + len(postings))
        else:
            self.board_finished(board)

    def detail_request(self, board: Board, p: dict[str, Any]) -> Any:
        url = f"https://api.smartrecruiters.com/v1/companies/{board.company}/postings/{p['id']}"
        return self.request(board, url, self.parse_detail, cb_kwargs={"listed": p}, detail=True,
                            fallback=lambda: self.posting(board, p, None))

    def parse_detail(self, response: Response, board: Board, listed: dict[str, Any]) -> Iterator[Any]:
        detail = self.detail_json(response, board)
        yield from self.emit(board, [listed], lambda b, p: self.posting(b, p, detail))

    def posting(self, board: Board, listed: dict[str, Any], detail: dict[str, Any] | None) -> Any:
        p = {**listed, **(detail or {})}
        location = p.get("location") if isinstance(p.get("location"), dict) else {}
        full = re.sub(r"(,\s*)+", ", ", str(location.get("fullLocation") or "")).strip(" ,") or None
        custom = {str(f.get("fieldLabel")): f.get("valueLabel") for f in dicts(p.get("customField"))
                  if f.get("fieldLabel")}
        workplace = ("remote" if location.get("remote") is True else "hybrid" if location.get("hybrid") is True
                     else next((v for k, v in custom.items() if _WORKPLACE_FIELD.search(k)), None))
        sections = dig(p, "jobAd", "sections", default={})
        sections = sections if isinstance(sections, dict) else {}
        html = "".join(f"<h3>{s.get('title') or ''}</h3>{s.get('text')}" for key in _SECTIONS
                       for s in [sections.get(key)] if isinstance(s, dict) and str(s.get("text") or "").strip())
        company = p.get("company") if isinstance(p.get("company"), dict) else {}
        return self.make_item(
            board,
            job_id=p.get("id"),
            requisition_id=p.get("refNumber"),
            title=p.get("name"),
            company_name=company.get("name"),
            department=_label(p.get("department")) or _label(p.get("function")),
            employment_type_raw=_label(p.get("typeOfEmployment")),
            workplace_type=workplace,
            locations=[{"raw": full, "city": location.get("city"), "region": location.get("region"),
                        "country": location.get("country")}] if location else [],
            description_html=html or None,
            url=p.get("postingUrl") or f"https://jobs.smartrecruiters.com/{company.get('identifier') or board.company}"
                                       f"/{p.get('id')}",
            apply_url=p.get("applyUrl"),
            posted_at=p.get("releasedDate"),
            extras={"function": _label(p.get("function")), "industry": _label(p.get("industry")),
                    "experience_level": _label(p.get("experienceLevel")), "job_uuid": p.get("jobId"),
                    "custom_fields": custom or None, "language": _label(p.get("language")),
                    "detail_missing": True if detail is None else None},
        )
