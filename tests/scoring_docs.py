"""Scoring test data: job documents built from the real shared ATS payloads, and seeded synthetic boards.

`fixture_docs()` turns the Lever, Greenhouse and Ashby payloads into stored-document shapes with the
normalize helpers (the spiders do the same work in a crawl). `synthetic_board()` draws a board whose mix of
ages, pay disclosure, reposts, duplicates and vague texts follows the published figures cited in
docs/scoring.md (median time-to-fill ~40 days, 1 in 10 postings open > 6 months, pay on ~20 %).
"""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, datetime, timedelta
from typing import Any

from crawlerats.normalize import (
    html_to_text,
    make_salary,
    parse_datetime,
    parse_location,
    sanitize_html,
    unescape_html,
)
from tests.support.paths import fixture

#: When each payload was captured (PROVENANCE.md), i.e. the "now" its postings are scored at.
CAPTURED = {
    "lever/spotify_prettyirrelevant.json": datetime(2026, 8, 28, tzinfo=UTC),
    "lever/voltus_haydenham.json": datetime(2026, 6, 14, tzinfo=UTC),
    "greenhouse/datadog_content_eu-job-feeds.json": datetime(2026, 7, 31, tzinfo=UTC),
    "greenhouse/vercel_prettyirrelevant.json": datetime(2026, 9, 25, tzinfo=UTC),
    "ashby/highlightta.json": datetime(2026, 7, 10, tzinfo=UTC),
    "ashby/ramp_eu-job-feeds.json": datetime(2026, 8, 2, tzinfo=UTC),
}


def _text(html: str | None) -> str | None:
    clean = sanitize_html(html) if html else None
    return html_to_text(clean) if clean else None


def lever_doc(p: dict[str, Any]) -> dict[str, Any]:
    cat = p.get("categories") or {}
    html = (p.get("description") or "") + "".join(
        f"<h3>{b.get('text')}</h3><ul>{b.get('content')}</ul>" for b in p.get("lists") or []) + (p.get("additional") or "")
    rng = p.get("salaryRange") or {}
    return {
        "ats": "lever", "job_id": p["id"], "title": p["text"], "team": cat.get("team"),
        "department": cat.get("department"),
        "locations": [parse_location(loc) for loc in cat.get("allLocations") or [cat.get("location")] if loc],
        "salary": make_salary(rng.get("min"), rng.get("max"), rng.get("currency"), rng.get("interval")),
        "description_text": _text(html), "posted_at": parse_datetime(p.get("createdAt")), "updated_at": None,
    }


def greenhouse_doc(j: dict[str, Any]) -> dict[str, Any]:
    salary = None
    for meta in j.get("metadata") or []:
        value = meta.get("value")
        if meta.get("value_type") == "currency_range" and isinstance(value, dict):
            salary = make_salary(value.get("min_value"), value.get("max_value"), value.get("unit"))
    return {
        "ats": "greenhouse", "job_id": str(j["id"]), "title": j["title"], "team": None,
        "department": (j.get("departments") or [{}])[0].get("name"),
        "locations": [parse_location((j.get("location") or {}).get("name"))],
        "salary": salary, "description_text": _text(unescape_html(j.get("content"))),
        "posted_at": parse_datetime(j.get("first_published")), "updated_at": parse_datetime(j.get("updated_at")),
    }


def ashby_doc(j: dict[str, Any]) -> dict[str, Any]:
    salary = None
    for comp in (j.get("compensation") or {}).get("summaryComponents") or []:
        if comp.get("compensationType") == "Salary":
            salary = make_salary(comp.get("minValue"), comp.get("maxValue"), comp.get("currencyCode"),
                                 comp.get("interval"))
    address = (j.get("address") or {}).get("postalAddress") or {}
    loc = parse_location(j.get("location"), address.get("addressLocality"), address.get("addressRegion"),
                         address.get("addressCountry"))
    return {
        "ats": "ashby", "job_id": j["id"], "title": j["title"].strip(), "team": j.get("team"),
        "department": j.get("department"), "locations": [loc] if loc else [], "salary": salary,
        "description_text": _text(j.get("descriptionHtml")) or j.get("descriptionPlain"),
        "posted_at": parse_datetime(j.get("publishedAt")), "updated_at": None,
    }


def fixture_docs(first_crawl: bool = False) -> list[tuple[dict[str, Any], datetime]]:
    """(document, now) for every posting of the real Lever/Greenhouse/Ashby payloads.

    Steady state (default): we have crawled the board all along, so first_seen = posted_at.
    `first_crawl=True`: the board was added on the capture day, so first_seen = now.
    """
    out = []
    for name, now in CAPTURED.items():
        data = json.loads(fixture(name).read_text())
        if name.startswith("lever/"):
            docs = [lever_doc(p) for p in data]
        elif name.startswith("greenhouse/"):
            docs = [greenhouse_doc(j) for j in data["jobs"]]
        else:
            docs = [ashby_doc(j) for j in data["jobs"]]
        for doc in docs:
            posted = doc["posted_at"] if doc["posted_at"] and doc["posted_at"] <= now else None
            first_seen = now if first_crawl or posted is None else posted
            doc.update(company=name.split("/")[1].split("_")[0], status="open", first_seen=first_seen,
                       last_seen=now, updated_seen_at=first_seen, repost_count=0, earlier_postings=[],
                       duplicate_count=0)
            out.append((doc, now))
    return out


# ------------------------------------------------------------------------------------ synthetic boards

_VAGUE_TEXTS = [
    "We are a fast-paced, dynamic team looking for a rockstar self-starter who can wear many hats. "
    "Competitive salary. Apply now!",
    "Exciting opportunity to join a growing company. We are like a family here. Highly motivated "
    "candidates only. Other duties as assigned.",
    "Join us! We are hiring. Send your CV.",
]
_EVERGREEN_TITLES = ["Talent Community - Engineering", "General Application", "Future Opportunities"]
_LAW_PLACES = ["New York, NY", "San Francisco, CA", "Seattle, WA", "Denver, CO", "Chicago, IL"]
_OTHER_PLACES = ["London", "Berlin", "Toronto, ON", "Austin, TX", "Stockholm", "Remote"]


def synthetic_board(seed: int, size: int, now: datetime, base_texts: list[str]) -> list[dict[str, Any]]:
    """A seeded board of `size` open postings; `base_texts` are real descriptions used for specific postings."""
    rnd = random.Random(seed)
    docs = []
    for index in range(size):
        # Days open: log-normal, median 40 (SHRM time-to-fill), sigma 1.17 so ~10 % are open > 180 days
        # (Clarify Capital: 1 in 10 hiring managers keep postings up > 6 months).
        days = min(int(math.exp(rnd.gauss(math.log(40), 1.17))), 1500)
        posted = now - timedelta(days=days, hours=rnd.randint(0, 23))
        crawled_since = now - timedelta(days=365)  # we have crawled this board for a year
        first_seen = max(posted, crawled_since)
        law = rnd.random() < 0.3
        place = rnd.choice(_LAW_PLACES if law else _OTHER_PLACES)
        paid = rnd.random() < (0.5 if law else 0.1)  # ~22 % overall (15-25 % published)
        roll = rnd.random()
        if roll < 0.05:
            text = rnd.choice(_VAGUE_TEXTS)
        elif roll < 0.15:
            text = " ".join(rnd.choice(base_texts).split()[:rnd.randint(60, 180)])
        else:
            text = rnd.choice(base_texts)
        if rnd.random() < 0.2:
            text += "\n\nOur interview process: a recruiter screen, a technical interview and a final interview."
        title = f"Engineer {index}"
        if rnd.random() < 0.03:
            title = rnd.choice(_EVERGREEN_TITLES)
        repost_roll = rnd.random()
        repost_count = 3 if repost_roll < 0.02 else 2 if repost_roll < 0.05 else 1 if repost_roll < 0.15 else 0
        earlier = []
        previous_end = first_seen - timedelta(days=rnd.randint(1, 60))
        for step in range(repost_count):
            earlier.insert(0, {"job_id": f"old-{index}-{step}", "title": title, "first_seen": previous_end - timedelta(days=45),
                               "last_seen": previous_end, "closed_at": previous_end, "posted_at": None})
            previous_end -= timedelta(days=60)
        dup_roll = rnd.random()
        duplicate_count = rnd.randint(4, 12) if dup_roll < 0.02 else rnd.randint(2, 3) if dup_roll < 0.07 else 0
        changed = first_seen + timedelta(days=rnd.randint(0, max(days, 1))) if rnd.random() < 0.3 else first_seen
        docs.append({
            "ats": "synthetic", "company": f"board{seed}", "job_id": str(index), "title": title,
            "team": "Platform" if rnd.random() < 0.5 else None,
            "locations": [parse_location(place)], "description_text": text,
            "salary": make_salary(100000, 150000, "USD", "year") if paid else None,
            "posted_at": posted, "updated_at": None, "first_seen": first_seen, "last_seen": now,
            "updated_seen_at": min(changed, now), "status": "open", "repost_count": repost_count,
            "earlier_postings": earlier, "duplicate_count": duplicate_count,
        })
    return docs
