"""The `jobs` document contract of docs/schema.md as one checker: `violations(doc)` lists what is wrong.

Used on spider items (in-process fuzzing) and on stored documents (end-to-end crawls). An empty list means
the document can be stored and shown: required identity, declared types, closed vocabularies, plausible
dates, sane pay, MongoDB-safe keys, BSON-encodable values and description HTML safe to put in a page.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import bson

from crawlerats.ats import board_spider_names
from crawlerats.items import CRAWLED_FIELDS, EMPLOYMENT_TYPES, SALARY_INTERVALS, WORKPLACE_TYPES
from crawlerats.normalize.dates import EARLIEST_PLAUSIBLE, FUTURE_TOLERANCE
from crawlerats.normalize.html import MAX_DESCRIPTION_CHARS
from crawlerats.normalize.salary import MAX_AMOUNT

#: The `ats` a document may carry: every board spider (crawlerats/ats.py), derived from the spider classes.
ATS_NAMES = frozenset(board_spider_names())
_OPTIONAL_STRINGS = ("company_name", "requisition_id", "department", "team", "employment_type_raw", "location",
                     "description_html", "description_text", "url", "apply_url", "posted_at_raw", "updated_at_raw")
_WRITER_FIELDS = ("first_seen", "last_seen", "crawl_id", "status")

#: Tags and attributes a description may contain (the nh3 allow-list of crawlerats.normalize.html).
SAFE_TAGS = {
    "a", "abbr", "b", "blockquote", "br", "code", "dd", "div", "dl", "dt", "em", "h1", "h2", "h3",
    "h4", "h5", "h6", "hr", "i", "li", "ol", "p", "pre", "s", "small", "span", "strong", "sub",
    "sup", "table", "tbody", "td", "th", "thead", "tr", "u", "ul",
}
SAFE_ATTRIBUTES = {"a": {"href", "title", "rel"}, "td": {"colspan", "rowspan"}, "th": {"colspan", "rowspan"}}
_SAFE_SCHEMES = ("http:", "https:", "mailto:")
_SCHEME = re.compile(r"^\s*([a-zA-Z][a-zA-Z0-9+.\-]*):")


class _HtmlAudit(HTMLParser):
    """Collects every reason an HTML fragment is not safe to insert into a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in SAFE_TAGS:
            self.problems.append(f"tag <{tag}>")
        allowed = SAFE_ATTRIBUTES.get(tag, set())
        for name, value in attrs:
            if name not in allowed:
                self.problems.append(f"attribute {name} on <{tag}>")
            if name == "href" and value is not None:
                compact = re.sub(r"[\s\x00-\x1f]+", "", value)
                match = _SCHEME.match(compact)
                if match and f"{match.group(1).lower()}:" not in _SAFE_SCHEMES:
                    self.problems.append(f"href scheme {match.group(1)!r}")

    handle_startendtag = handle_starttag

    def handle_comment(self, data: str) -> None:
        self.problems.append("comment")

    def handle_pi(self, data: str) -> None:
        self.problems.append("processing instruction")

    def unknown_decl(self, data: str) -> None:
        self.problems.append("declaration")


def html_problems(fragment: str) -> list[str]:
    """Why `fragment` is unsafe to insert into a page as HTML (empty when it is safe)."""
    audit = _HtmlAudit()
    audit.feed(fragment)
    audit.close()
    lowered = fragment.lower()
    # Belt and braces over the parser: active content must not survive as markup anywhere.
    for needle in ("<script", "<svg", "<iframe", "<object", "<embed", "<style", "<math", "<form", "<img",
                   "<meta", "<link", "<base"):
        if needle in lowered:
            audit.problems.append(f"raw {needle}")
    return audit.problems


def _keys_unsafe(value: Any, path: str = "") -> Iterator[str]:
    if isinstance(value, dict):
        for key, inner in value.items():
            if not isinstance(key, str) or key.startswith("$") or "." in key or "\x00" in key:
                yield f"unsafe key {path}{key!r}"
            yield from _keys_unsafe(inner, f"{path}{key}.")
    elif isinstance(value, list):
        for inner in value:
            yield from _keys_unsafe(inner, path)


def _is_utc(value: Any) -> bool:
    return isinstance(value, datetime) and value.tzinfo is not None and value.utcoffset() == timedelta(0)


def violations(doc: dict[str, Any], now: datetime | None = None, stored: bool = False) -> list[str]:
    """Everything about `doc` that breaks docs/schema.md (crawled fields; writer fields when `stored`)."""
    now = now or datetime.now(UTC)
    problems: list[str] = []
    unknown = set(doc) - set(CRAWLED_FIELDS) - set(_WRITER_FIELDS) - {
        "_id", "closed_at", "reopened_count", "content_hash", "updated_seen_at", "repost_of", "repost_count",
        "earlier_postings", "duplicate_group", "duplicate_count", "health", "fingerprint", "promotion",
        "dedup", "raw_fingerprint"}  # `dedup`: the dedup stage's internal match features (docs/dedup.md)
    if unknown:
        problems.append(f"undeclared fields {sorted(unknown)}")
    raw = doc.get("raw_fingerprint")
    if raw is not None and not (isinstance(raw, str) and re.fullmatch(r"[0-9a-f]{32}", raw)):
        problems.append(f"raw_fingerprint {raw!r:.60}")
    if doc.get("ats") not in ATS_NAMES:
        problems.append(f"ats {doc.get('ats')!r}")
    for name in ("company", "job_id", "title"):
        value = doc.get(name)
        if not isinstance(value, str) or not value.strip():
            problems.append(f"{name} must be a non-empty string, got {value!r:.80}")
    title = doc.get("title")
    if isinstance(title, str) and (title != " ".join(title.split())):
        problems.append("title not whitespace-collapsed")
    for name in _OPTIONAL_STRINGS:
        value = doc.get(name)
        if value is not None and not isinstance(value, str):
            problems.append(f"{name} must be a string or null, got {type(value).__name__}")
    if doc.get("employment_type") not in EMPLOYMENT_TYPES | {None}:
        problems.append(f"employment_type {doc.get('employment_type')!r}")
    if doc.get("workplace_type") not in WORKPLACE_TYPES | {None}:
        problems.append(f"workplace_type {doc.get('workplace_type')!r}")
    problems += _location_problems(doc.get("locations"))
    problems += _salary_problems(doc.get("salary"), stored)
    for name in ("posted_at", "updated_at"):
        value = doc.get(name)
        if value is not None and not _is_utc(value):
            problems.append(f"{name} must be a UTC datetime, got {value!r:.60}")
    posted = doc.get("posted_at")
    if _is_utc(posted) and not EARLIEST_PLAUSIBLE <= posted <= now + FUTURE_TOLERANCE:
        problems.append(f"posted_at implausible: {posted.isoformat()}")
    html = doc.get("description_html")
    if isinstance(html, str):
        if len(html) > MAX_DESCRIPTION_CHARS:
            problems.append(f"description_html longer than the cap ({len(html)})")
        problems += [f"description_html: {p}" for p in html_problems(html)]
    extras = doc.get("extras")
    if not isinstance(extras, dict):
        problems.append(f"extras must be an object, got {type(extras).__name__}")
    problems += list(_keys_unsafe(extras, "extras."))
    problems += list(_keys_unsafe(doc.get("salary_raw"), "salary_raw."))
    if stored:
        for name in ("first_seen", "last_seen"):
            if not _is_utc(doc.get(name)):
                problems.append(f"{name} must be a UTC datetime")
        if doc.get("status") not in ("open", "closed"):
            problems.append(f"status {doc.get('status')!r}")
        if not isinstance(doc.get("crawl_id"), str):
            problems.append("crawl_id must be a string")
    try:
        bson.encode({k: v for k, v in doc.items() if k != "_id"})
    except Exception as exc:  # noqa: BLE001 - any encoding failure breaks the contract
        problems.append(f"not BSON-encodable: {type(exc).__name__}: {exc}")
    return problems


def _location_problems(locations: Any) -> list[str]:
    if not isinstance(locations, list):
        return [f"locations must be a list, got {type(locations).__name__}"]
    problems = []
    for loc in locations:
        if not isinstance(loc, dict) or set(loc) != {"raw", "city", "region", "country"}:
            problems.append(f"location entry {loc!r:.80}")
            continue
        for key in ("raw", "city", "region"):
            if loc[key] is not None and not isinstance(loc[key], str):
                problems.append(f"location.{key} type {type(loc[key]).__name__}")
        country = loc["country"]
        if country is not None and not (isinstance(country, str) and re.fullmatch(r"[A-Z]{2}", country)):
            problems.append(f"location.country {country!r}")
    return problems


def _salary_problems(salary: Any, stored: bool = False) -> list[str]:
    """A crawled salary is `{min, max, currency, interval, raw}`; the validation stage adds the annualised range
    (`annual_min`, `annual_max`), so a validated item may and a stored one must have those two as well, equal to
    their definition."""
    if salary is None:
        return []
    base, annual = {"min", "max", "currency", "interval", "raw"}, {"annual_min", "annual_max"}
    allowed = [base | annual] if stored else [base, base | annual]  # a validated item carries the annual range
    if not isinstance(salary, dict) or set(salary) not in allowed:
        return [f"salary shape {salary!r:.120}"]
    problems = []
    if annual <= set(salary):
        top, bottom = salary["max"] or salary["min"], salary["min"] or salary["max"]
        factor = {"year": 1, "month": 12, "week": 52, "day": 260, "hour": 2080}.get(salary["interval"])
        expected = (bottom * factor, top * factor) if factor and top else (None, None)
        if (salary["annual_min"], salary["annual_max"]) != expected:
            problems.append(f"salary annual range {salary['annual_min']!r}, {salary['annual_max']!r} != {expected}")
    amounts = [salary["min"], salary["max"]]
    for amount in amounts:
        if amount is None:
            continue
        if not isinstance(amount, float):
            problems.append(f"salary amount type {type(amount).__name__}")
        elif not 0 <= amount <= MAX_AMOUNT:
            problems.append(f"salary amount {amount}")
    if all(a is None for a in amounts):
        problems.append("salary without any amount")
    if all(isinstance(a, float) for a in amounts) and amounts[0] > amounts[1]:
        problems.append("salary min > max")
    currency = salary["currency"]
    if currency is not None and not (isinstance(currency, str) and re.fullmatch(r"[A-Z]{3}", currency)):
        problems.append(f"salary currency {currency!r}")
    if salary["interval"] not in SALARY_INTERVALS | {None}:
        problems.append(f"salary interval {salary['interval']!r}")
    if salary["raw"] is not None and not isinstance(salary["raw"], str):
        problems.append("salary raw must be a string")
    return problems
