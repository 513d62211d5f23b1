"""Gem job boards: `api.gem.com/job_board/v0/{slug}/job_posts/`, a bare array holding the whole board (no paging
seen). Greenhouse-like keys; ids are strings (numeric on old posts, opaque base64 on new ones) and kept as sent.

`internal_job_id` groups posts of one job (as in Greenhouse) and is the contract `requisition_id`; Gem's own
`requisition_id` (a human code such as "R20220335") goes to extras. `location_type` `in_office` / `hybrid` / `remote`
gives the workplace type.

Verified on a real payload (Gem's own board, 2 posts, HTML cut by its saver): both id styles, `content` (HTML, not
entity-escaped) + `content_plain`, `first_published_at`, `updated_at`, `created_at`, `departments[]`, `offices[]`,
`location.name`, `location_type` "hybrid", `employment_type` "full_time".
Unverified: `location_type` "remote" and "in_office" values (documented by the issue, not in the payload), paging on
large boards; no pay field was seen (pay is read from a pay line of the text, as for Workable).
"""

from __future__ import annotations

from typing import Any

from crawlerats import normalize as n
from crawlerats.ats import TOKEN, BoardUrl
from crawlerats.board import Board
from crawlerats.spiders.base import dicts, dig
from crawlerats.spiders.declarative import WholeBoardSpider

_WORKPLACE = {"in_office": "onsite", "onsite": "onsite", "on_site": "onsite", "hybrid": "hybrid", "remote": "remote"}


class GemSpider(WholeBoardSpider):
    name = "gem"
    board_urls = (
        BoardUrl(host=r"api\.gem\.com", path=rf"/job_board/v0/{TOKEN}"),
        BoardUrl(host=r"jobs\.gem\.com", path=rf"/{TOKEN}", exclude=frozenset({"api"})),
    )
    public_url_template = "https://jobs.gem.com/{company}"

    board_endpoint = "https://api.gem.com/job_board/v0/{company}/job_posts/"
    postings_key = None  # the body is the list of posts
    raw_fingerprints = True  # `posting` reads the row and the board only

    def posting(self, board: Board, p: dict[str, Any]) -> Any:
        location_type = p.get("location_type")
        offices = dicts(p.get("offices"))
        place = dig(p, "location", "name")
        office_places = [dig(o, "location", "name") or o.get("name") for o in offices]
        departments = [d.get("name") for d in dicts(p.get("departments")) if isinstance(d.get("name"), str)]
        employment = p.get("employment_type")
        html = p.get("content") if isinstance(p.get("content"), str) else None
        plain = p.get("content_plain") if isinstance(p.get("content_plain"), str) else None
        return self.make_item(
            board,
            job_id=p.get("id"),
            requisition_id=p.get("internal_job_id"),
            title=p.get("title"),
            department=departments[0] if departments else None,
            employment_type_raw=employment,
            workplace_type=_WORKPLACE.get(location_type.lower()) if isinstance(location_type, str) else None,
            locations=[place] if isinstance(place, str) and place.strip() else
            [o for o in office_places if isinstance(o, str)],
            salary=n.salary_from_description(plain or n.html_to_text(n.sanitize_html(html))),  # no pay field
            description_html=html,
            description_text=plain,
            url=p.get("absolute_url") if isinstance(p.get("absolute_url"), str) else None,
            posted_at=p.get("first_published_at"),
            updated_at=p.get("updated_at"),
            extras={
                "requisition_code": p.get("requisition_id"),
                "created_at": n.clean_text(p.get("created_at")),
                "location_type": location_type,
                "departments": departments if len(departments) > 1 else None,
                "offices": [o for o in office_places if isinstance(o, str)] or None,
            },
        )
