"""SmartRecruiters postings API: `api.smartrecruiters.com/v1/companies/{id}/postings`, paged with offset/limit,
with the job ad from one detail request per posting (`.../postings/{postingId}`)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from crawlerats.ats import TOKEN, BoardUrl
from crawlerats.board import Board
from crawlerats.spiders.base import dicts, dig
from crawlerats.spiders.declarative import PagedApiSpider

_SECTIONS = ("companyDescription", "jobDescription", "qualifications", "additionalInformation")
_WORKPLACE_FIELD = re.compile(r"work ?(flexibility|place|model|arrangement|location type)|remote", re.I)


def _label(value: Any) -> Any:
    """`{id, label}` objects to their label (or id); `{}` to None."""
    if isinstance(value, dict):
        return value.get("label") or value.get("id") or None
    return value


#: Path segments that are not company ids.
_NOT_BOARDS = frozenset({"oneclick-ui", "api"})


class SmartRecruitersSpider(PagedApiSpider):
    name = "smartrecruiters"
    board_urls = (
        BoardUrl(host=r"api\.smartrecruiters\.com", path=rf"/v1/companies/{TOKEN}", exclude=_NOT_BOARDS),
        BoardUrl(host=r"(?:jobs|careers)\.smartrecruiters\.com", path=rf"/{TOKEN}", exclude=_NOT_BOARDS),
    )
    public_url_template = "https://jobs.smartrecruiters.com/{company}"
    page_size = 100

    page_endpoint = "https://api.smartrecruiters.com/v1/companies/{company}/postings?limit={limit}&offset={offset}"
    postings_key = "content"
    total_key = "totalFound"

    def board_row(self, board: Board, p: dict[str, Any]) -> Any:
        """A detail request per listed posting (the list has no description)."""
        url = f"https://api.smartrecruiters.com/v1/companies/{board.company}/postings/{p['id']}"
        return self.request(board, url, self.parse_detail, cb_kwargs={"listed": p}, detail=True,
                            fallback="posting")

    def parse_detail(self, response: Response, board: Board, listed: dict[str, Any]) -> Iterator[Any]:
        detail = self.detail_json(response, board)
        if detail is not None and not self.detail_is_for(board, listed.get("id"), detail.get("id"), response.url):
            detail = None  # another posting's detail: stored from the list data
        yield from self.emit(board, [listed], lambda b, p: self.posting(b, p, detail))

    def posting(self, board: Board, listed: dict[str, Any], detail: dict[str, Any] | None = None) -> Any:
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
