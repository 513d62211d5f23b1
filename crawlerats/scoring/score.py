"""Build a posting's `health` object: extract facts from the stored/crawled document, run every signal.

`score_posting(doc, now, config)` is pure: the same document, instant and config always give the same
result. `ghost_score = clamp(sum(signal points), 0, 100)`, so anyone can recompute it from the breakdown.
A closed posting is scored up to its `closed_at`, so rescoring it later gives the same final score.
Time enters the score only through `clock_facts` (whole days counted to now, and now's UTC date), so
`health_is_current` can tell, without scoring, whether a stored `health` still holds for an unchanged posting.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Mapping
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from typing import Any

import bson

from crawlerats.normalize.dates import EARLIEST_PLAUSIBLE, FUTURE_TOLERANCE
from crawlerats.normalize.html import html_to_text
from crawlerats.normalize.salary import parse_salary_text
from crawlerats.scoring import signals as sig
from crawlerats.scoring.config import RISK_LEVELS, pay_transparency_text

#: Lines of description text that may state pay; only these are searched for an amount. The lookahead
#: (the alternatives' first letters) only makes the scan faster: positions that cannot start a match are
#: rejected with one test instead of one per alternative.
_PAY_LINE = re.compile(r"(?=[sbcpwharg])(?:salary|pay range|pay scale|base pay|compensation|wage|hourly rate|"
                       r"per hour|per year|annual|remuneration|gehalt|salaire)", re.I)
#: What str.splitlines() splits on.
_LINE_BREAKS = "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"
_LINE_END = re.compile(f"[{_LINE_BREAKS}]")


def _utc(value: Any) -> datetime | None:
    if not isinstance(value, datetime):
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _days(delta: timedelta) -> int:
    return max(int(delta.total_seconds() // 86400), 0)


# ------------------------------------------------------------------------------------------ facts

def description_text(doc: Mapping[str, Any]) -> str:
    text = doc.get("description_text")
    if isinstance(text, str) and text.strip():
        return text
    html = doc.get("description_html")
    if isinstance(html, str) and html.strip():
        return html_to_text(html) or ""
    return ""


def disclosed_pay(doc: Mapping[str, Any], text: str) -> str | None:
    """A short description of the pay the posting discloses, or None (structured, raw, or in the text)."""
    salary = doc.get("salary")
    if isinstance(salary, Mapping) and (salary.get("min") or salary.get("max")):
        raw = salary.get("raw")
        return str(raw) if raw else f"{salary.get('min')}-{salary.get('max')} {salary.get('currency') or ''}".strip()
    raw = doc.get("salary_raw")
    if isinstance(raw, str):
        parsed = parse_salary_text(raw)
        if parsed:
            return str(parsed["raw"])
    for line in _pay_lines(text):
        if len(line) < 400:
            parsed = parse_salary_text(line)
            if parsed:
                return f"in the description: {parsed['raw']}"
    return None


def _pay_lines(text: str) -> Iterator[str]:
    """The lines of `text` (as str.splitlines() cuts them) that `_PAY_LINE` matches, in order.

    One scan of the whole text instead of one search per line; a match never spans a line break.
    """
    line_end = -1
    for match in _PAY_LINE.finditer(text):
        if match.start() < line_end:
            continue  # another match on the line already given
        start = max(text.rfind(char, 0, match.start()) for char in _LINE_BREAKS) + 1
        found = _LINE_END.search(text, match.end())
        line_end = found.start() if found else len(text)
        yield text[start:line_end]


@lru_cache(maxsize=1)
def _jurisdictions() -> tuple[dict[str, Any], ...]:
    table = json.loads(pay_transparency_text())["jurisdictions"]
    return tuple(table)


@lru_cache(maxsize=1)
def _jurisdiction_keys() -> tuple[tuple[dict[str, Any], frozenset[str], str, date], ...]:
    """Per jurisdiction, what `_loc_matches` compares, computed once: (jur, city names, region, effective)."""
    return tuple(
        (jur, frozenset(n.lower() for n in [jur.get("city"), *jur.get("city_aliases", [])] if n),
         (jur.get("region") or "").lower(), date.fromisoformat(jur["effective"]))
        for jur in _jurisdictions()
    )


def _loc_matches_keys(jur: Mapping[str, Any], names: frozenset[str], jur_region: str, loc: Mapping[str, Any]) -> bool:
    if (loc.get("country") or "").upper() != jur["country"]:
        return False
    city = (loc.get("city") or "").strip().lower()
    region = (loc.get("region") or "").strip().lower()
    region_ok = bool(region) and region == jur_region
    if jur.get("city"):
        return city in names and (region_ok or not region)
    return region_ok or (not region and city in names)


def pay_law(locations: Any, on: datetime) -> tuple[dict[str, Any] | None, str | None]:
    """The first pay-transparency law in force on `on` covering one of `locations`, and that place's name."""
    if not isinstance(locations, list):
        return None, None
    day = on.date()
    places = [loc for loc in locations if isinstance(loc, Mapping)]
    for loc in places:
        for jur, names, jur_region, effective in _jurisdiction_keys():
            if _loc_matches_keys(jur, names, jur_region, loc) and effective <= day:
                return jur, (loc.get("raw") or loc.get("city") or loc.get("region") or jur["id"])
    first = next((loc.get("raw") or loc.get("city") for loc in places if loc.get("raw") or loc.get("city")), None)
    return None, first


def activity_window(doc: Mapping[str, Any], now: datetime) -> dict[str, Any]:
    """Start (earliest trustworthy date), end (now or closed_at), days open, first_seen and posted_at."""
    now = _utc(now) or datetime.now(UTC)
    first_seen = _utc(doc.get("first_seen")) or now
    posted = _utc(doc.get("posted_at"))
    if posted is not None and not (EARLIEST_PLAUSIBLE <= posted <= first_seen + FUTURE_TOLERANCE):
        posted = None
    if posted is not None and posted < first_seen:
        start, source = posted, "posted_at"
    else:
        start, source = first_seen, "first_seen"
    closed_at = _utc(doc.get("closed_at"))
    closed = doc.get("status") == "closed" and closed_at is not None
    end = closed_at if closed else now
    return {"start": start, "start_source": source, "end": end, "closed": closed, "first_seen": first_seen,
            "posted": posted, "days": _days(end - start)}


def last_change(doc: Mapping[str, Any], window: Mapping[str, Any]) -> tuple[datetime, str]:
    """When the content last changed as far as we know: an observed change, the ATS's updated_at, or first_seen."""
    first_seen, end = window["first_seen"], window["end"]
    candidates: list[tuple[datetime, str]] = []
    seen_change = _utc(doc.get("updated_seen_at"))
    if seen_change is not None and seen_change > first_seen:
        candidates.append((seen_change, "our last seen change"))
    ats_updated = _utc(doc.get("updated_at"))
    if ats_updated is not None and EARLIEST_PLAUSIBLE <= ats_updated <= end + FUTURE_TOLERANCE:
        candidates.append((ats_updated, "the ATS's updated_at"))
    if candidates:
        return max(candidates, key=lambda c: c[0])
    return first_seen, "first seen"


def risk_for(score: int, config: Mapping[str, Any]) -> str:
    bands = config["bands"]
    for level in RISK_LEVELS[:-1]:
        if score < bands[level]:
            return level
    return RISK_LEVELS[-1]


# ------------------------------------------------------------------------------------------ time

def clock_facts(doc: Mapping[str, Any], now: datetime) -> tuple[Any, ...]:
    """Everything the score takes from the clock, for `doc` scored at `now`: the UTC date of the window's end
    (the evidence names it; the current year and the pay laws in force go by it), the whole days open, the
    window's start, when the content last changed and the whole days since. Two instants with equal clock
    facts give the same `health` (but for `scored_at`)."""
    window = activity_window(doc, now)
    changed_at, changed_source = last_change(doc, window)
    promotion = _promotion(doc.get("promotion")) or {}
    now_utc = _utc(now)
    promoted = bool(promotion.get("since") and promotion.get("until") and now_utc
                    and promotion["since"] <= now_utc < promotion["until"])  # employer_confirmed (H15)
    return (window["end"].date(), window["days"], window["start"], window["closed"], changed_at, changed_source,
            _days(window["end"] - changed_at), promoted)


#: The stored fields `health_is_current` reads (all `clock_facts` needs, and the health's version and time).
HEALTH_CURRENT_FIELDS = ("health.version", "health.scored_at", "first_seen", "posted_at", "status", "closed_at",
                         "updated_seen_at", "updated_at", "promotion")


def health_is_current(doc: Mapping[str, Any], now: datetime, config: Mapping[str, Any]) -> bool:
    """Whether `doc`'s stored `health` is what `score_posting(doc, now, config)` would give (but for
    `scored_at`), given that nothing else the score reads has changed since it was computed: same scoring
    version, and the clock has not moved on by a day (`clock_facts` equal at `scored_at` and at `now`)."""
    health = doc.get("health")
    if not isinstance(health, Mapping) or health.get("version") != config["version"]:
        return False
    scored_at = _utc(health.get("scored_at"))
    now = _utc(now) or datetime.now(UTC)
    if scored_at is None or scored_at > now:
        return False
    return clock_facts(doc, scored_at) == clock_facts(doc, now)


def same_health(a: Mapping[str, Any] | None, b: Mapping[str, Any] | None) -> bool:
    """Equal `health` objects but for `scored_at`, compared as stored (BSON: tuples are arrays, datetimes
    in milliseconds)."""
    if not isinstance(a, Mapping) or not isinstance(b, Mapping):
        return False
    return bson.encode({k: v for k, v in a.items() if k != "scored_at"}) == \
        bson.encode({k: v for k, v in b.items() if k != "scored_at"})


def _promotion(value: Any) -> dict[str, Any] | None:
    """The job's `promotion {since, until}` with UTC datetimes, or None."""
    if not isinstance(value, Mapping):
        return None
    return {"since": _utc(value.get("since")), "until": _utc(value.get("until"))}


# ------------------------------------------------------------------------------------------ score

def score_posting(doc: Mapping[str, Any], now: datetime, config: Mapping[str, Any]) -> dict[str, Any]:
    """The `health` object for one posting (see docs/scoring.md)."""
    cfg = config["signals"]
    window = activity_window(doc, now)
    text = description_text(doc)
    title = str(doc.get("title") or "")
    team = doc.get("team") if isinstance(doc.get("team"), str) and doc.get("team", "").strip() else None
    pay = disclosed_pay(doc, text)
    law, place = pay_law(doc.get("locations"), window["end"])
    changed_at, changed_source = last_change(doc, window)
    posted_before_seen = _days(window["first_seen"] - window["posted"]) if window["posted"] else None
    repost_count = int(doc.get("repost_count") or 0)
    earlier = [e for e in (doc.get("earlier_postings") or []) if isinstance(e, Mapping)]
    earlier = [{**e, **{k: _utc(e.get(k)) for k in ("first_seen", "last_seen", "closed_at")}} for e in earlier]

    signals = [
        sig.base_rate(config),
        sig.days_active(window["days"], window["start"], window["start_source"], window["end"], window["closed"],
                        cfg["days_active"]),
        sig.no_salary(pay, law, place, cfg["no_salary"]),
        sig.stale_signals(unchanged_days=_days(window["end"] - changed_at), last_change=changed_at,
                          last_change_source=changed_source, posted_before_seen_days=posted_before_seen,
                          title=title, text=text, current_year=window["end"].year, cfg=cfg["stale_signals"]),
        sig.repost_detected(repost_count, earlier, window["start"], cfg["repost_detected"]),
        sig.duplicate_at_company(int(doc.get("duplicate_count") or 0), cfg["duplicate_at_company"]),
        sig.description_vagueness(title, text, team is not None, cfg["description_vagueness"]),
        sig.salary_disclosed(pay, cfg["salary_disclosed"]),
        sig.fresh_posting(window["days"], repost_count, cfg["fresh_posting"]),
        sig.team_or_manager_named(team, sig.find_phrases(text, cfg["team_or_manager_named"]["cues"]),
                                  cfg["team_or_manager_named"]),
        sig.interview_process(text, cfg["interview_process"]),
        sig.employer_confirmed(_promotion(doc.get("promotion")), _utc(now) or window["end"],
                               cfg["employer_confirmed"]),
    ]
    total = sum(s["points"] for s in signals)
    ghost_score = max(0, min(100, total))
    risk = risk_for(ghost_score, config)
    return {
        "ghost_score": ghost_score,
        "risk": risk,
        "risk_label": config["labels"][risk],
        "days_active": window["days"],
        "repost_count": repost_count,
        "signals": signals,
        "scored_at": _utc(now),
        "version": config["version"],
    }
