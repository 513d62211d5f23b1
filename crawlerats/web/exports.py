"""Machine-readable output of the job list: JSON documents, CSV rows and an Atom feed (docs/analysts.md).

Dates are ISO-8601 UTC strings in JSON and CSV; the API shows the public contract fields of docs/schema.md
(never `_id` or the internal `dedup` keys).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Mapping
from datetime import UTC, date, datetime
from typing import Any
from xml.sax.saxutils import escape, quoteattr

from crawlerats.web.formatting import company_path, job_path, nice_date
from crawlerats.web.names import display_name
from crawlerats.web.salary import annual, salary_text

#: Most rows one CSV response holds; past it the file ends with a note row and `page=2` gives the next rows.
CSV_MAX_ROWS = 10_000
#: Entries in an Atom feed (the newest matching postings).
FEED_ENTRIES = 50
CSV_COLUMNS = ["ats", "company", "company_name", "job_id", "title", "location", "workplace_type", "employment_type",
               "department", "salary_min", "salary_max", "salary_currency", "salary_interval", "salary_annual",
               "posted_at", "first_seen", "last_seen", "status", "closed_at", "ghost_score", "risk", "promoted",
               "url", "apply_url", "page"]
_HIDDEN = {"_id", "dedup"}


def iso_utc(value: Any) -> str | None:
    if isinstance(value, datetime):
        moment = value if value.tzinfo else value.replace(tzinfo=UTC)
        return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    return None


def to_json(value: Any) -> Any:
    """A stored value as JSON: datetimes as ISO-8601 UTC, `_id`/`dedup` dropped, other BSON types as text."""
    if isinstance(value, Mapping):
        return {str(k): to_json(v) for k, v in value.items() if k not in _HIDDEN}
    if isinstance(value, list | tuple):
        return [to_json(v) for v in value]
    if isinstance(value, datetime | date):
        return iso_utc(value)
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)


def api_item(doc: Mapping[str, Any], names: Mapping[tuple[str, str], str], base_url: str) -> dict[str, Any]:
    """One posting for the API, plus `links` to its page, its API document and its company page."""
    item = to_json(doc)
    path = job_path(doc)
    item["company_display_name"] = display_name(doc, names.get((doc.get("ats"), doc.get("company"))))
    item["links"] = {"page": base_url + path, "api": base_url + "/api" + path,
                     "company": base_url + company_path(doc.get("ats"), doc.get("company"))}
    return item


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    # Spreadsheet formula injection: a cell starting with = + - @ is text, not a formula.
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def csv_row(doc: Mapping[str, Any], names: Mapping[tuple[str, str], str], base_url: str, promoted: bool) -> list[str]:
    salary = doc.get("salary") if isinstance(doc.get("salary"), Mapping) else {}
    health = doc.get("health") if isinstance(doc.get("health"), Mapping) else {}
    yearly = annual(salary)
    values = {
        **{k: doc.get(k) for k in ("ats", "company", "job_id", "title", "location", "workplace_type",
                                   "employment_type", "department", "status", "url", "apply_url")},
        "company_name": display_name(doc, names.get((doc.get("ats"), doc.get("company")))),
        "salary_min": salary.get("min"), "salary_max": salary.get("max"), "salary_currency": salary.get("currency"),
        "salary_interval": salary.get("interval"), "salary_annual": f"{yearly:.0f}" if yearly else None,
        **{k: iso_utc(doc.get(k)) for k in ("posted_at", "first_seen", "last_seen", "closed_at")},
        "ghost_score": health.get("ghost_score"), "risk": health.get("risk"), "promoted": "yes" if promoted else "",
        "page": base_url + job_path(doc),
    }
    return [_cell(values.get(c)) for c in CSV_COLUMNS]


def csv_lines(rows: Iterable[list[str]], truncated_note: Iterator[str]) -> Iterator[str]:
    """The header, the rows, then (when the cap was reached) one note row from `truncated_note`."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")

    def flush() -> str:
        text = buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
        return text

    writer.writerow(CSV_COLUMNS)
    yield flush()
    for n, row in enumerate(rows, 1):
        writer.writerow(row)
        if n % 200 == 0:
            yield flush()
    for note in truncated_note:
        writer.writerow([note])
    yield flush()


def atom_feed(docs: list[Mapping[str, Any]], names: Mapping[tuple[str, str], str], base_url: str, self_url: str,
              list_url: str, updated: datetime) -> str:
    """An Atom 1.0 feed of postings (newest first), one entry per posting linking to its job page."""
    entries = []
    for doc in docs:
        when = doc.get("posted_at") if isinstance(doc.get("posted_at"), datetime) else doc.get("first_seen")
        company = display_name(doc, names.get((doc.get("ats"), doc.get("company"))))
        health = doc.get("health") if isinstance(doc.get("health"), Mapping) else {}
        facts = [company, doc.get("location") or "", salary_text(doc.get("salary")),
                 f"posted {nice_date(when)}" if when else "", str(health.get("risk_label") or "")]
        link = base_url + job_path(doc)
        entries.append(
            "  <entry>\n"
            f"    <id>{escape(link)}</id>\n"
            f"    <title>{escape(str(doc.get('title') or 'Untitled posting'))} — {escape(company)}</title>\n"
            f"    <link rel=\"alternate\" type=\"text/html\" href={quoteattr(link)}/>\n"
            f"    <updated>{iso_utc(when) or iso_utc(updated)}</updated>\n"
            f"    <author><name>{escape(company)}</name></author>\n"
            f"    <summary>{escape(' · '.join(f for f in facts if f))}</summary>\n"
            "  </entry>\n")
    return ('<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom">\n'
            f"  <id>{escape(self_url)}</id>\n  <title>CrawlerATS job postings</title>\n"
            f"  <link rel=\"self\" type=\"application/atom+xml\" href={quoteattr(self_url)}/>\n"
            f"  <link rel=\"alternate\" type=\"text/html\" href={quoteattr(list_url)}/>\n"
            f"  <updated>{iso_utc(updated)}</updated>\n" + "".join(entries) + "</feed>\n")
