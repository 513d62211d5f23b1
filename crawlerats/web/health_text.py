"""Posting health in plain words for the job page: signal rows in the reference order, one plain sentence of
evidence per signal, and a one-sentence summary under the score ("Low risk: posted recently, a named team,
but no salary range.").

Signal keys, labels and their red/green grouping come from `crawlerats.scoring.signals`; only the wording
of the sentences lives here.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from crawlerats.scoring.signals import GREEN_FLAGS, LABELS, RED_FLAGS
from crawlerats.web.formatting import nice_date
from crawlerats.web.salary import salary_text

#: Parts of the stale-signals value, in words.
STALE_PARTS = {
    "unchanged": "the text has not changed for a long time",
    "posted_long_before_seen": "it was posted long before we first saw it",
    "evergreen_title": "the title uses always-hiring wording",
    "evergreen_text": "the description uses always-hiring wording",
    "past_year_in_title": "the title names a past year",
}
#: Short phrases for the summary sentence: what a fired red flag says, and what a fired green flag says.
RED_PHRASES = {"no_salary": "no salary range", "days_active": "open a long time", "stale_signals": "signs of staleness",
               "repost_detected": "reposted", "duplicate_at_company": "near-identical postings at the company",
               "description_vagueness": "a vague description"}
GREEN_PHRASES = {"salary_disclosed": "a salary range", "fresh_posting": "posted recently",
                 "team_or_manager_named": "a named team", "interview_process": "a described interview process",
                 "employer_confirmed": "confirmed open by the hiring manager"}
_POINTS_TAIL = re.compile(r":\s*[+−-]?\d+\.?\s*$")


def _plural(n: int, word: str) -> str:
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _days(job: Mapping[str, Any], value: Any) -> str:
    days = value if isinstance(value, int) else None
    if days is None:
        return "Days open unknown."
    if job.get("posted_at"):
        since = f"posted {nice_date(job.get('posted_at'))}"
    else:
        since = f"first seen {nice_date(job.get('first_seen'))}"
    state = "Was open" if job.get("status") == "closed" else "Open"
    return f"{state} {_plural(days, 'day')} ({since})."


def sentence(signal: Mapping[str, Any], job: Mapping[str, Any]) -> str:
    """One plain sentence of evidence for a stored signal."""
    key, value, fired = signal.get("key"), signal.get("value"), bool(signal.get("fired"))
    pay = salary_text(job.get("salary"))
    if key == "days_active":
        return _days(job, value)
    if key == "no_salary":
        if not fired:
            return f"Pay is given: {pay}." if pay else "Pay is given."
        evidence = str(signal.get("evidence") or "")
        if "requires one" in evidence:
            return "No salary range, although a pay-transparency law here requires one."
        return "No salary range is given."
    if key == "stale_signals":
        parts = [STALE_PARTS.get(p, str(p).replace("_", " ")) for p in value or [] if isinstance(p, str)]
        return ("Stale: " + "; ".join(parts) + ".") if parts else "No signs of staleness."
    if key == "repost_detected":
        count = value if isinstance(value, int) else 0
        return f"Reposted: {_plural(count, 'earlier posting')} of this role." if count else "Not a repost."
    if key == "duplicate_at_company":
        others = value if isinstance(value, int) else 0
        return (f"{_plural(others, 'other near-identical posting')} open at this company."
                if others else "No near-identical postings at this company.")
    if key == "description_vagueness":
        if not isinstance(value, Mapping):
            return "No description to measure."
        missing = [what for flag, what in (("responsibilities", "responsibilities"), ("requirements", "requirements"),
                                           ("team_context", "team context")) if not value.get(flag)]
        words = value.get("words")
        head = f"{words:,} words" if isinstance(words, int) else "The description"
        return f"{head}; no {', no '.join(missing)}." if missing else f"{head}, with responsibilities, requirements and team."
    if key == "salary_disclosed":
        return f"Pay range given: {pay}." if fired and pay else ("Pay range given." if fired else "No pay range given.")
    if key == "fresh_posting":
        return (f"Posted {_plural(value, 'day')} ago and not a repost." if fired and isinstance(value, int)
                else "Not new enough for freshness credit.")
    if key == "team_or_manager_named":
        return "Names the team or the hiring manager." if fired else "No team or manager named."
    if key == "interview_process":
        return "Describes the interview process." if fired else "No interview process described."
    if key == "employer_confirmed":
        return "Confirmed open by the hiring manager." if fired else "Not confirmed by the hiring manager."
    evidence = _POINTS_TAIL.sub("", str(signal.get("evidence") or "")).strip()
    return evidence if evidence.endswith(".") or not evidence else evidence + "."


def points_text(points: Any) -> str:
    """"+10", "−5", "0"."""
    if not isinstance(points, int | float) or isinstance(points, bool):
        return ""
    if points > 0:
        return f"+{points:g}"
    return f"−{abs(points):g}" if points < 0 else "0"


def breakdown(health: Any, job: Mapping[str, Any]) -> dict[str, list[dict[str, Any]]]:
    """`{"red": [...], "green": [...], "other": [...]}` rows of `{key, label, fired, points, sentence}`."""
    signals = [s for s in (health.get("signals") or []) if isinstance(s, Mapping)] if isinstance(health, Mapping) else []
    by_key = {str(s.get("key")): s for s in signals}

    def row(signal: Mapping[str, Any]) -> dict[str, Any]:
        key = str(signal.get("key"))
        return {"key": key, "label": LABELS.get(key) or str(signal.get("label") or key), "fired": bool(signal.get("fired")),
                "points": points_text(signal.get("points")), "sentence": sentence(signal, job)}

    grouped = set(RED_FLAGS) | set(GREEN_FLAGS) | {"base_rate"}
    return {
        "red": [row(by_key[k]) for k in RED_FLAGS if k in by_key],
        "green": [row(by_key[k]) for k in GREEN_FLAGS if k in by_key],
        "other": [row(s) for s in signals if str(s.get("key")) not in grouped],
    }


def summary(health: Any, risk_label: str) -> str:
    """"Low risk: posted recently, a named team, but no salary range." (empty when not scored)."""
    if not isinstance(health, Mapping) or not health.get("risk"):
        return ""
    fired = {str(s.get("key")) for s in health.get("signals") or [] if isinstance(s, Mapping) and s.get("fired")}
    good = [GREEN_PHRASES[k] for k in GREEN_FLAGS if k in fired and k in GREEN_PHRASES]
    bad = [RED_PHRASES[k] for k in RED_FLAGS if k in fired and k in RED_PHRASES]
    head = risk_label[:1].upper() + risk_label[1:].lower()
    if good and bad:
        return f"{head}: {', '.join(good)}, but {', '.join(bad)}."
    if good or bad:
        return f"{head}: {', '.join(good or bad)}."
    return f"{head}: no warning signs found."
