"""iCIMS: classic `{portal}.icims.com` career portals (search pages + JSON-LD job pages) and Jibe JSON front-ends.

Classic board id: the portal subdomain (`careers-wipfli`, `uscareers-fujifilm`). List: `GET https://{portal}.icims.com
/jobs/search?ss=1&in_iframe=1&pr={page0}`; rows are `div.iCIMS_JobsTable > div.row` or `li.iCIMS_JobCardItem`, each
with `a.iCIMS_Anchor` → `/jobs/{id}/{slug}/job?in_iframe=1` (title "{id} - {title}"), tenant-chosen header cells
(`span.field-label` + value; "Posted Date" carries the exact local time in a `title`), a teaser `div.description`
and tenant fields in `dl.iCIMS_JobHeaderGroup` (dt/dd). Pages follow until an empty page; a page of already-seen
ids or the page cap (`page_guard`) ends the board as truncated.
Detail: the job page (`in_iframe=1`), whose JSON-LD JobPosting gives `datePosted`, `employmentType`, `jobLocation`
(the literal "UNAVAILABLE" marks unknown address parts; they become nulls), `hiringOrganization` and the description.
Apply URL: `/jobs/{id}/login`.

Jibe board id: the careers host (`careers.example.com`); detected from `https://{host}/api/jobs` only when that URL is
given as a board URL (`boards add`, `-a companies=`), never from a page's links or requests (any site may have an
`/api/jobs`; `BoardUrl.generic`). `GET https://{host}/api/jobs?page={n}&limit=100&sortBy=
posted_date&descending=true` → `{jobs[{data{…}}], totalCount}`, pages from 1 until `totalCount` (same page guard; an
empty page before the total: truncated). Descriptions are plain text. Workplace type only from `tags1..tags9` values
that are exactly a workplace word ("On-site", "Remote", "Hybrid"); the tags are tenant-defined.

Verified on real payloads: classic row markup of both variants (FUJIFILM table rows; a Wipfli card skeleton), a JSON-LD
job page slice (FUJIFILM, UNAVAILABLE parts, locality "Remote"), two Jibe responses (Garmin; Keysight-like with
`additional_locations` and list-valued `category`). Unverified: the classic paging parameter `pr` and the end of the
result list (an empty page ends the board; one repeating the last page marks it truncated), a full job page's
markup around the JSON-LD, the Jibe request URL and paging parameters (taken from another scraper), and the Jibe
public posting URL (`https://{host}/jobs/{slug}`; some sites add a path prefix such as `/careers-home`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import urljoin

from parsel import Selector
from scrapy.http import Response

from crawlerats import normalize as n
from crawlerats.ats import BoardUrl
from crawlerats.board import Board
from crawlerats.discovery import jsonld as ld
from crawlerats.spiders.base import AtsSpider, dicts
from crawlerats.spiders.detail_fallback import JsonLdListedFallback
from crawlerats.spiders.rows import read_html_list, unseen, until_empty

_PORTAL = re.compile(r"[a-z0-9][a-z0-9-]{0,62}")
_HOST = re.compile(r"[a-z0-9][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+\.[a-z]{2,}")
_JOB_LINK = re.compile(r"/jobs/(\d+)/")
_CODED_LOCATION = re.compile(r"(?P<country>[A-Z]{2})-(?P<region>[A-Z]{2,3})-(?P<city>[^|]+)")
_WORKPLACE_TAG = re.compile(r"(fully |100% )?(remote|hybrid|on[- ]?site|in[- ]office)", re.I)
_FIELD_KEYS = {"requisition id": "requisition_id", "job id": "requisition_id", "position type": "employment",
               "job type": "employment", "employment type": "employment", "work arrangement": "workplace",
               "workplace type": "workplace", "job locations": "location", "job location": "location",
               "location": "location", "locations": "location", "category": "department",
               "department": "department", "posted date": "posted"}


def _text(value: Any) -> str | None:
    if isinstance(value, list):
        value = " ".join(v for v in value if isinstance(v, str))
    return (" ".join(value.split()) or None) if isinstance(value, str) else None


def _known(value: Any) -> str | None:
    """An address part, or None for iCIMS's "UNAVAILABLE" placeholder."""
    text = ld.text_of(value)
    return None if text is None or text.upper() == "UNAVAILABLE" else text


def _listed_location(text: str) -> Any:
    """A search-row location: iCIMS writes "US-NJ-Wayne" (country-region-city); other text as is."""
    match = _CODED_LOCATION.fullmatch(text.strip())
    if match:
        return n.parse_location(text.strip(), city=match["city"], region=match["region"], country=match["country"])
    return text.strip()


class IcimsSpider(JsonLdListedFallback, AtsSpider):
    name = "icims"
    payload = "html"
    board_urls = (
        BoardUrl(host=r"(?P<company>[a-z0-9][a-z0-9-]*)\.icims\.com", path=r"/", exclude=frozenset({"icims"})),
        # Jibe: any host's `/api/jobs` (no host signal): only a URL given as a board URL, never page evidence.
        BoardUrl(host=r"(?P<company>[a-z0-9][a-z0-9-]*(?:\.[a-z0-9][a-z0-9-]*)+)", path=r"/api/jobs/?$", generic=True),
    )
    public_url_template = "https://{company}.icims.com/jobs/search"
    page_size = 100

    @classmethod
    def public_url(cls, board: Board) -> str:
        if "." in board.company:
            return f"https://{board.company}/api/jobs"
        return cls.public_url_template.format(company=board.company)

    def looks_like_board_id(self, token: str) -> bool:
        """A Jibe careers host is a board id; `*.icims.com` URLs are detected as classic portals."""
        return _HOST.fullmatch(token.lower()) is not None and not token.lower().endswith(".icims.com")

    def valid_board_id(self, token: str) -> bool:
        return self.looks_like_board_id(token) or _PORTAL.fullmatch(token) is not None

    def board_requests(self, board: Board) -> Iterator[Any]:
        if "." in board.company:
            yield self.jibe_page(board, 1, 0)
        else:
            yield self.search_page(board, 0)

    # --- Jibe JSON API ----------------------------------------------------------------------------
    def jibe_page(self, board: Board, page: int, read: int) -> Any:
        url = (f"https://{board.company}/api/jobs?page={page}&limit={self.page_size}"
               "&sortBy=posted_date&descending=true")
        return self.request(board, url, self.parse_jibe, cb_kwargs={"page": page, "read": read})

    def parse_jibe(self, response: Response, board: Board, page: int, read: int) -> Iterator[Any]:
        payload = self.parse_json(response, board)
        if payload is None:
            return
        if not isinstance(payload.get("jobs"), list):
            self.board_failed(board, f"unexpected_payload (no jobs list) at {response.url}")
            return
        data = [row["data"] for row in dicts(payload["jobs"]) if isinstance(row.get("data"), dict)]
        stop = self.page_guard(board, [self.jibe_id(d) for d in data])
        yield from self.emit(board, unseen(self, board, data, self.jibe_id), self.jibe_posting)
        total = payload.get("totalCount")
        read += len(data)
        if stop:
            self.board_truncated(board, f"{stop} (totalCount={total})")
        elif data and (read < total if isinstance(total, int) else len(data) >= self.page_size):
            yield self.jibe_page(board, page + 1, read)
        elif not data and isinstance(total, int) and read < total:
            self.board_truncated(board, f"empty page {page} after {read} of totalCount={total}")
        else:
            self.board_finished(board)

    @staticmethod
    def jibe_id(data: dict[str, Any]) -> str | None:
        for key in ("req_id", "slug"):
            value = data.get(key)
            if isinstance(value, (str, int)) and not isinstance(value, bool) and str(value).strip():
                return str(value).strip()
        return None

    def jibe_posting(self, board: Board, d: dict[str, Any]) -> Any:
        places = [d, *dicts(d.get("additional_locations"))]
        locations = [{"city": _text(p.get("city")), "region": _text(p.get("state")),
                      "country": _text(p.get("country_code")) or _text(p.get("country"))} for p in places]
        tags = {f"tags{i}": [t.strip() for t in d[f"tags{i}"] if isinstance(t, str) and t.strip()]
                for i in ("", *range(1, 10)) if isinstance(d.get(f"tags{i}"), list)}
        workplace = next((t for values in tags.values() for t in values if _WORKPLACE_TAG.fullmatch(t)), None)
        category = d.get("category")
        categories = [c.get("name") for c in dicts(d.get("categories"))] or (
            category if isinstance(category, list) else [category])
        sections = [(label, _text(d.get(key))) for label, key in (("", "description"), ("Responsibilities",
                    "responsibilities"), ("Qualifications", "qualifications"))]
        slug = self.jibe_id({"slug": d.get("slug")})
        return self.make_item(
            board,
            job_id=self.jibe_id(d),
            requisition_id=d.get("req_id") if isinstance(d.get("req_id"), str) else None,
            title=d.get("title"),
            company_name=d.get("hiring_organization") if isinstance(d.get("hiring_organization"), str) else None,
            department=next((_text(c) for c in categories if _text(c)), None),
            employment_type_raw=_text(d.get("employment_type")),
            workplace_type=workplace,
            locations=[loc for loc in locations if loc["city"] or loc["region"] or loc["country"]],
            description_text="\n\n".join(f"{label}\n{body}" if label else body for label, body in sections if body)
            or None,
            url=f"https://{board.company}/jobs/{slug}" if slug else None,
            apply_url=_text(d.get("apply_url")),
            posted_at=_text(d.get("posted_date")),
            updated_at=_text(d.get("update_date")),
            extras={"created_at": _text(d.get("create_date")), "location_name": _text(d.get("location_name")),
                    "full_location": _text(d.get("full_location")), "ats_code": _text(d.get("ats_code")),
                    "tags": tags or None, "categories": [c.strip() for c in categories
                                                         if isinstance(c, str) and c.strip()][1:] or None},
        )

    # --- classic portal: search pages + JSON-LD job pages ---------------------------------------------
    def search_page(self, board: Board, page: int) -> Any:
        url = f"https://{board.company}.icims.com/jobs/search?ss=1&in_iframe=1&pr={page}"
        return self.request(board, url, self.parse_search, cb_kwargs={"page": page})

    def parse_search(self, response: Response, board: Board, page: int) -> Iterator[Any]:
        yield from read_html_list(
            self, response, board, select=lambda markup: markup.css("a.iCIMS_Anchor"),
            row=lambda anchor: self.row(anchor, response.url), id_of=lambda row: row["id"],
            build=lambda b, r: self.detail_request(b, r["page_url"], r), mark_seen=True,
            then=until_empty(self, board, lambda: self.search_page(board, page + 1)))

    @staticmethod
    def row(anchor: Selector, page_url: str) -> dict[str, Any] | None:
        """The listed fields of one search row (plain values, kept in the detail request's cb_kwargs)."""
        href = anchor.xpath("@href").get() or ""
        match = _JOB_LINK.search(href)
        if not match:
            return None
        job_id = match.group(1)
        container = anchor.xpath("ancestor::*[contains(@class, 'iCIMS_JobCardItem') or contains(concat(' ', "
                                 "normalize-space(@class), ' '), ' row ')][1]")
        fields: dict[str, str] = {}
        for cell in container.css("div.header"):
            label = _text(cell.css("span.field-label::text").get())
            value = cell.xpath("./span[not(contains(@class, 'field-label'))]")
            exact = value.xpath("@title").get() if value else None
            text = _text(value.xpath("./text()").getall()) if value else None
            if label and (exact or text):
                fields[label] = exact or text  # type: ignore[assignment]
        for tag in container.css("dl.iCIMS_JobHeaderGroup > *"):
            label, value = _text(tag.css("dt::text").getall()), _text(tag.css("dd ::text").getall())
            if label and value:
                fields[label] = value
        title = _text(anchor.css("h3 ::text").getall()) or re.sub(
            rf"^{job_id}\s*-\s*", "", _text(anchor.xpath("@title").get()) or "")
        url = urljoin(page_url, href)
        return {"id": job_id, "title": title or None, "page_url": url, "fields": fields,
                "url": re.sub(r"[?&]in_iframe=1\b", "", url), "teaser": _text(container.css(
                    "div.description ::text").getall())}

    def posting(self, board: Board, row: dict[str, Any], ld_posting: dict[str, Any] | None) -> Any:
        p = ld_posting or {}
        fields = {_FIELD_KEYS.get(k.lower(), k): v for k, v in row["fields"].items()}
        places = p.get("jobLocation") if isinstance(p.get("jobLocation"), list) else [p.get("jobLocation")]
        locations: list[Any] = []
        remote = ld.is_remote(p)
        for place in dicts(places):
            address = place.get("address") if isinstance(place.get("address"), dict) else {}
            city = _known(address.get("addressLocality"))
            if city and n.workplace_from_text(city) == "remote":
                remote, city = True, None
            parts = {"city": city, "region": _known(address.get("addressRegion")),
                     "country": _known(address.get("addressCountry"))}
            if any(parts.values()):
                locations.append({"raw": ", ".join(v for v in ("Remote" if not city and remote else None,
                                                              *parts.values()) if v), **parts})
        if not locations and fields.get("location"):
            locations = [_listed_location(loc) for loc in fields["location"].split("|") if loc.strip()]
        kinds = ld.employment_types(p)
        known_kind = next((k for k in kinds if n.employment_type(k)), None)
        description = ld.description_of(p)
        return self.make_item(
            board,
            job_id=row["id"],
            requisition_id=fields.get("requisition_id"),
            title=ld.text_of(p.get("title")) or row["title"],
            company_name=ld.organization_name(p),
            department=fields.get("department") or ld.text_of(p.get("occupationalCategory")),
            employment_type_raw=fields.get("employment") or known_kind or (kinds[0] if kinds else None),
            workplace_type="remote" if remote else fields.get("workplace"),
            locations=locations,
            salary=ld.salary_of(p),
            description_html=description,
            description_text=None if description else row.get("teaser"),
            url=row["url"],
            apply_url=f"https://{board.company}.icims.com/jobs/{row['id']}/login",
            posted_at=ld.text_of(p.get("datePosted")),
            extras={"valid_through": ld.text_of(p.get("validThrough")),
                    "listed_posted": fields.get("posted"),
                    "fields": {k: v for k, v in row["fields"].items()
                               if _FIELD_KEYS.get(k.lower()) is None} or None,
                    "detail_missing": True if ld_posting is None else None},
        )
