"""Zoho Recruit career sites: `https://{portal}.zohorecruit.com/jobs/Careers` embeds every published opening in
`<input type="hidden" id="jobs" value="[…]">` (an HTML-escaped JSON array): one response per board, no paging.

Board id: the portal subdomain (`{portal}.zohorecruit.com`), or the whole host for the other data centres
(`{portal}.zohorecruit.eu` / `.in` / `.com.au` / `.jp`). Rows with `Publish: false` are skipped (counted as
`crawlerats/zohorecruit/unpublished`). Posting URL:
`https://{host}/jobs/Careers/{id}/{Title-Slug}` (the form of Zoho's own career-site links; not in the payload).

Verified on a real payload (PSC Biotech, the `input#jobs` slice, 3 openings, descriptions cut by its saver): `id`
(18-digit string), `Posting_Title`, `Job_Opening_Name`, `City`/`State`/`Country` (null on remote openings),
`Remote_Job`, `Job_Type` ("Full time", "Contract"), `Work_Experience`, `Industry`, `Job_Description` (plain text
here), `Date_Opened` (YYYY-MM-DD), `Publish`, `Keep_on_Career_Site`, `Is_Locked`.
Unverified: the careers-page URL (`/jobs/Careers`) and the posting URL form; `Date_Opened` in tenant date formats
other than ISO (e.g. "10/30/2025", read month first); HTML descriptions; other data centres' hosts. No pay field:
pay is read from a pay line of the description only.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from crawlerats import normalize as n
from crawlerats.ats import SUB, BoardUrl
from crawlerats.board import Board
from crawlerats.spiders.base import AtsSpider, dicts
from crawlerats.spiders.pages import html_page

_REGIONS = r"eu|in|com\.au|jp"
_HOST_ID = re.compile(rf"[a-z0-9][a-z0-9-]*\.zohorecruit\.(?:{_REGIONS})")


def _slug(title: Any) -> str:
    return re.sub(r"[^A-Za-z0-9]+", "-", str(title or "")).strip("-") or "job"


class ZohoRecruitSpider(AtsSpider):
    name = "zohorecruit"
    payload = "html"
    board_urls = (
        BoardUrl(host=rf"{SUB}\.zohorecruit\.com"),
        BoardUrl(host=rf"{SUB}\.zohorecruit\.(?P<region>{_REGIONS})", board="{company}.zohorecruit.{region}"),
    )
    public_url_template = "https://{company}.zohorecruit.com/jobs/Careers"

    @classmethod
    def public_url(cls, board: Board) -> str | None:
        return f"https://{cls.host(board)}/jobs/Careers"

    @staticmethod
    def host(board: Board) -> str:
        return board.company if "." in board.company else f"{board.company}.zohorecruit.com"

    def valid_board_id(self, token: str) -> bool:
        return _HOST_ID.fullmatch(token) is not None or re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", token) is not None

    def board_requests(self, board: Board) -> Iterator[Any]:
        yield self.request(board, f"https://{self.host(board)}/jobs/Careers", self.parse_board)

    def parse_board(self, response: Response, board: Board) -> Iterator[Any]:
        page = html_page(response)  # HTML even when served as JSON
        value = page.css("input#jobs::attr(value)").get() if page is not None else None
        try:
            rows = json.loads(value) if value is not None else None
        except ValueError:
            rows = None
        if not isinstance(rows, list):
            self.board_failed(board, f"unexpected_payload (no input#jobs list) at {response.url}")
            return
        published = [r for r in dicts(rows) if r.get("Publish") is not False]
        if len(published) < len(dicts(rows)):
            self.crawler.stats.inc_value("crawlerats/zohorecruit/unpublished", len(dicts(rows)) - len(published))
        for row in dicts(rows):
            self.mark_seen(board, row.get("id"))  # unpublished rows are seen, not missing
        yield from self.emit(board, published, self.posting)
        self.board_finished(board)

    def posting(self, board: Board, r: dict[str, Any]) -> Any:
        title = r.get("Posting_Title") or r.get("Job_Opening_Name")
        description = r.get("Job_Description") if isinstance(r.get("Job_Description"), str) else None
        html = description if description and "<" in description else None
        text = None if html else description
        location = n.parse_location(None, r.get("City"), r.get("State"), r.get("Country"))
        return self.make_item(
            board,
            job_id=r.get("id"),
            title=title,
            employment_type_raw=r.get("Job_Type"),
            workplace_type="remote" if r.get("Remote_Job") is True else None,
            locations=[location] if location else [],
            salary=n.salary_from_description(text or n.html_to_text(n.sanitize_html(html))),
            description_html=html,
            description_text=text,
            url=f"https://{self.host(board)}/jobs/Careers/{r.get('id')}/{_slug(title)}" if r.get("id") else None,
            posted_at=r.get("Date_Opened"),
            extras={
                "opening_name": r.get("Job_Opening_Name") if r.get("Job_Opening_Name") != title else None,
                "industry": r.get("Industry"),
                "work_experience": r.get("Work_Experience"),
            },
        )
