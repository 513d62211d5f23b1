"""One small pure function per health signal; each returns a `Signal` dict for the breakdown.

Every function takes already-extracted facts (numbers, strings, dates) and the effective config, and
returns `{key, label, value, points, max_points, evidence, fired}`. `points` is an integer and the
evidence string says how it was reached, so a reader can recompute `ghost_score` by adding the points.
Green flags have negative points. See docs/scoring.md for the weights and their sources.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from functools import lru_cache
from typing import Any, TypedDict


class Signal(TypedDict):
    key: str
    label: str
    value: Any
    points: int
    max_points: int
    evidence: str
    fired: bool


LABELS: dict[str, str] = {
    "base_rate": "Base rate",
    "days_active": "Days active",
    "no_salary": "No salary",
    "stale_signals": "Stale signals",
    "repost_detected": "Repost detected",
    "duplicate_at_company": "Duplicate at company",
    "description_vagueness": "Description vagueness",
    "salary_disclosed": "Salary disclosed",
    "fresh_posting": "Fresh posting",
    "team_or_manager_named": "Team or manager named",
    "interview_process": "Interview process described",
    "employer_confirmed": "Employer confirmed",
}

#: The job page's "Signal breakdown": these red flags first, in this order (the product's reference page) ...
RED_FLAGS: tuple[str, ...] = ("no_salary", "days_active", "stale_signals", "repost_detected", "duplicate_at_company",
                              "description_vagueness")
#: ... then the green flags (signals that only ever remove points), under their own heading.
GREEN_FLAGS: tuple[str, ...] = ("salary_disclosed", "fresh_posting", "team_or_manager_named", "interview_process",
                                "employer_confirmed")

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)
_YEAR = re.compile(r"(?<!\d)(20\d{2})(?!\d)")


def _signal(key: str, value: Any, points: int, max_points: int, evidence: str) -> Signal:
    return Signal(key=key, label=LABELS[key], value=value, points=int(points), max_points=int(max_points),
                  evidence=evidence, fired=points != 0)


def _step_points(amount: int, steps: Sequence[Sequence[int]], *, strictly_more: bool) -> int:
    """Points of the largest step passed: `amount > days` (strictly_more) or `amount >= count`."""
    points = 0
    for threshold, step_points in steps:
        if (amount > threshold) if strictly_more else (amount >= threshold):
            points = step_points
    return points


def _date(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d") if value else "unknown"


@lru_cache(maxsize=64)
def _ordered(phrases: tuple[str, ...]) -> tuple[str, ...]:
    """A phrase list lower-cased and deduplicated, longest first (the alternation order)."""
    return tuple(sorted({p.lower() for p in phrases}, key=len, reverse=True))


@lru_cache(maxsize=1024)
def _phrase_pattern(ordered: tuple[str, ...]) -> re.Pattern[str]:
    """One alternation for lower-cased phrases given longest first, whole words at the edges."""
    return re.compile(r"(?<!\w)(?:" + "|".join(re.escape(p) for p in ordered) + r")(?!\w)")


#: The last text lower-cased, with its lower-case form: one posting's text is searched for several
#: phrase lists in a row. A (text, lowered) tuple, replaced whole, so threads never see half an update.
_last_lowered: tuple[str, str] = ("", "")


def _lower(text: str) -> str:
    global _last_lowered
    cached = _last_lowered
    if cached[0] is text:
        return cached[1]
    lowered = text.lower()
    _last_lowered = (text, lowered)
    return lowered


def _matches(text: str, phrases: Sequence[str]) -> list[str]:
    """Non-overlapping phrase occurrences in `text`, lower-cased, longest phrase first at each position.

    Only the phrases occurring as plain substrings go into the regex: a phrase that is not a substring
    can match nowhere, so the result is the same as with the whole list, at a fraction of the cost.
    """
    if not text or not phrases:
        return []
    lowered = _lower(text)
    present = tuple(p for p in _ordered(tuple(phrases)) if p in lowered)
    if not present:
        return []
    if "" in present:
        return _phrase_pattern(present).findall(lowered)
    return _scan(lowered, present)


def _is_word(char: str) -> bool:
    r"""`re`'s `\w` for str patterns: alphanumeric (str.isalnum) or underscore."""
    return char.isalnum() or char == "_"


def _scan(lowered: str, ordered: tuple[str, ...]) -> list[str]:
    """What `_phrase_pattern(ordered).findall(lowered)` returns, found with `str.find` instead of a regex
    trying every alternative at every position: at each start the first phrase (in `ordered`) with word
    edges on both sides wins, and scanning resumes after it, as the regex does."""
    size = len(lowered)
    first_at: dict[int, int] = {}
    for order, phrase in enumerate(ordered):
        length = len(phrase)
        start = lowered.find(phrase)
        while start >= 0:
            end = start + length
            if start not in first_at and (start == 0 or not _is_word(lowered[start - 1])) \
                    and (end == size or not _is_word(lowered[end])):
                first_at[start] = order
            start = lowered.find(phrase, start + 1)
    found: list[str] = []
    resume = 0
    for start in sorted(first_at):
        if start >= resume:
            phrase = ordered[first_at[start]]
            found.append(phrase)
            resume = start + len(phrase)
    return found


def find_phrases(text: str, phrases: Sequence[str]) -> list[str]:
    """Phrases (case-insensitive, whole words at the edges) that occur in `text`, in config order."""
    found = set(_matches(text, phrases))
    return [p for p in phrases if p.lower() in found]


def count_phrases(text: str, phrases: Sequence[str]) -> int:
    """Occurrences of any of `phrases` in `text` (non-overlapping, longest phrase first)."""
    return len(_matches(text, phrases))


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


# --------------------------------------------------------------------------------------------- signals

def base_rate(config: Mapping[str, Any]) -> Signal:
    points = int(config["base_points"])
    return _signal("base_rate", points, points, points,
                   f"Every posting starts at {points} points: about 1 in 5 postings show no hiring activity "
                   "(Greenhouse 18-22 %); the signals below add or remove points from this prior.")


def days_active(days: int, start: datetime, start_source: str, end: datetime, closed: bool,
                cfg: Mapping[str, Any]) -> Signal:
    points = min(_step_points(days, cfg["steps"], strictly_more=True), cfg["max_points"])
    until = f"closed {_date(end)}" if closed else f"now ({_date(end)})"
    steps = ", ".join(f">{d} d: +{p}" for d, p in cfg["steps"])
    return _signal("days_active", days, points, cfg["max_points"],
                   f"Open {days} days, from {start_source} {_date(start)} to {until}; steps {steps} "
                   f"(median time-to-fill is about 40-45 days): +{points}.")


def no_salary(pay: str | None, law: Mapping[str, Any] | None, place: str | None, cfg: Mapping[str, Any]) -> Signal:
    if pay:
        return _signal("no_salary", False, 0, cfg["law_points"], f"Pay is disclosed ({pay}): 0.")
    if law:
        points = cfg["law_points"]
        return _signal("no_salary", True, points, cfg["law_points"],
                       f"No pay range, although {place} requires one in job postings since {law['effective']} "
                       f"({law['law']}): +{points}.")
    points = cfg["points"]
    where = f"{place} has" if place else "the location has"
    return _signal("no_salary", True, points, cfg["law_points"],
                   f"No pay range given ({where} no pay-transparency law in our table; pay is disclosed on only "
                   f"15-25 % of postings, so this weighs little): +{points}.")


def salary_disclosed(pay: str | None, cfg: Mapping[str, Any]) -> Signal:
    points = cfg["points"] if pay else 0
    evidence = f"Pay range disclosed ({pay}): {points}." if pay else "No pay range to credit: 0."
    return _signal("salary_disclosed", bool(pay), points, cfg["points"], evidence)


def stale_signals(
    *,
    unchanged_days: int | None,
    last_change: datetime | None,
    last_change_source: str,
    posted_before_seen_days: int | None,
    title: str,
    text: str,
    current_year: int,
    cfg: Mapping[str, Any],
) -> Signal:
    parts: list[tuple[str, int, str]] = []
    if unchanged_days is not None and unchanged_days > cfg["unchanged_days"]:
        parts.append(("unchanged", cfg["unchanged_points"],
                      f"content unchanged for {unchanged_days} days since {last_change_source} "
                      f"{_date(last_change)} (> {cfg['unchanged_days']})"))
    if posted_before_seen_days is not None and posted_before_seen_days > cfg["posted_before_seen_days"]:
        parts.append(("posted_long_before_seen", cfg["posted_before_seen_points"],
                      f"posted {posted_before_seen_days} days before we first saw it "
                      f"(> {cfg['posted_before_seen_days']})"))
    in_title = find_phrases(title, cfg["phrases"])
    in_text = [p for p in find_phrases(text, cfg["phrases"]) if p not in in_title]
    if in_title:
        parts.append(("evergreen_title", cfg["wording_title_points"],
                      "title says " + ", ".join(f"'{p}'" for p in in_title)))
    elif in_text:
        parts.append(("evergreen_text", cfg["wording_text_points"],
                      "text says " + ", ".join(f"'{p}'" for p in in_text[:3])))
    past_years = sorted({int(y) for y in _YEAR.findall(title) if 2000 <= int(y) < current_year})
    if past_years:
        parts.append(("past_year_in_title", cfg["past_year_title_points"],
                      f"title names a past year ({', '.join(map(str, past_years))})"))
    raw = sum(p for _, p, _ in parts)
    points = min(raw, cfg["max_points"])
    if not parts:
        return _signal("stale_signals", [], 0, cfg["max_points"],
                       "No staleness: content changed recently or is newly seen, no evergreen wording, "
                       "no past year in the title: 0.")
    detail = "; ".join(f"{why} +{p}" for _, p, why in parts)
    capped = f", capped at {cfg['max_points']}" if raw > points else ""
    return _signal("stale_signals", [name for name, _, _ in parts], points, cfg["max_points"],
                   f"{detail}{capped}: +{points}.")


def repost_detected(repost_count: int, earlier: Sequence[Mapping[str, Any]], start: datetime,
                    cfg: Mapping[str, Any]) -> Signal:
    if repost_count <= 0:
        return _signal("repost_detected", 0, 0, cfg["max_points"],
                       "No earlier posting of this role at this company: 0.")
    table = cfg["points"]
    base = int(table[min(repost_count, len(table)) - 1])
    points, gap_note = base, ""
    previous = earlier[-1] if earlier else None
    prev_end = None
    if previous:
        prev_end = previous.get("closed_at") or previous.get("last_seen")
    if isinstance(prev_end, datetime):
        gap = (start - prev_end).days
        if gap > cfg["long_gap_days"]:
            points = int(base * cfg["long_gap_factor"])
            gap_note = f"; gap of {gap} days after the previous one (> {cfg['long_gap_days']}) halves it"
        else:
            gap_note = f"; reposted {max(gap, 0)} days after the previous one ended"
    chain = ", ".join(
        f"{e.get('job_id')} ({_date(e.get('first_seen'))} to {_date(e.get('closed_at') or e.get('last_seen'))})"
        for e in earlier
    )
    first = earlier[0].get("first_seen") if earlier else None
    since = f"; role first seen {_date(first)}" if isinstance(first, datetime) else ""
    return _signal("repost_detected", repost_count, points, cfg["max_points"],
                   f"Repost #{repost_count} of this role (earlier: {chain or 'ids not recorded'}){since}; "
                   f"{repost_count} earlier -> {base}{gap_note}: +{points}.")


def duplicate_at_company(duplicate_count: int, cfg: Mapping[str, Any]) -> Signal:
    others = max(int(duplicate_count or 0) - 1, 0)
    points = min(_step_points(others, cfg["steps"], strictly_more=False), cfg["max_points"])
    if others == 0:
        return _signal("duplicate_at_company", 0, 0, cfg["max_points"],
                       "No other open near-identical posting at this company: 0.")
    steps = ", ".join(f">={n}: +{p}" for n, p in cfg["steps"])
    return _signal("duplicate_at_company", others, points, cfg["max_points"],
                   f"{others} other open near-identical posting(s) at this company (group of {duplicate_count}); "
                   f"steps {steps}: +{points}.")


def description_vagueness(title: str, text: str | None, has_team_field: bool, cfg: Mapping[str, Any]) -> Signal:
    if not text or not text.strip():
        return _signal("description_vagueness", None, 0, cfg["max_points"],
                       "Not measured: the ATS listing gave no description text: 0.")
    words = word_count(text)
    parts: list[tuple[int, str]] = []
    for limit, step_points in cfg["short_steps"]:
        if words < limit:
            parts.append((step_points, f"{words} words (< {limit})"))
            break
    matches = _matches(text, cfg["buzzwords"])  # once: what count_phrases and find_phrases would each scan
    hits, present = len(matches), set(matches)
    found = [p for p in cfg["buzzwords"] if p.lower() in present]
    if hits:
        per100 = hits * 100 / max(words, 100)
        buzz_points = min(int(per100) * cfg["buzzword_points_each"], cfg["buzzword_max_points"])
        if buzz_points:
            parts.append((buzz_points, f"{hits} buzzword(s) ({', '.join(repr(f) for f in found[:4])}), "
                                       f"{per100:.1f} per 100 words"))
    has_resp = bool(find_phrases(text, cfg["responsibility_cues"]))
    has_req = bool(find_phrases(text, cfg["requirement_cues"]))
    has_team = has_team_field or bool(find_phrases(text, cfg["team_cues"]))
    if not has_resp:
        parts.append((cfg["no_responsibilities_points"], "no responsibilities described"))
    if not has_req:
        parts.append((cfg["no_requirements_points"], "no requirements described"))
    if not has_team:
        parts.append((cfg["no_team_context_points"], "no team or manager context"))
    generic = find_phrases(title, cfg["generic_titles"])
    if generic:
        parts.append((cfg["generic_title_points"], f"generic title ('{generic[0]}')"))
    raw = sum(p for p, _ in parts)
    points = min(raw, cfg["max_points"])
    value = {"words": words, "buzzwords": hits, "responsibilities": has_resp, "requirements": has_req,
             "team_context": has_team}
    if not parts:
        return _signal("description_vagueness", value, 0, cfg["max_points"],
                       f"Specific: {words} words, responsibilities, requirements and team context present, "
                       "buzzwords under 1 per 100 words: 0.")
    capped = f", capped at {cfg['max_points']}" if raw > points else ""
    return _signal("description_vagueness", value, points, cfg["max_points"],
                   "; ".join(f"{why} +{p}" for p, why in parts) + f"{capped}: +{points}.")


def fresh_posting(days: int, repost_count: int, cfg: Mapping[str, Any]) -> Signal:
    if days <= cfg["days"] and repost_count <= 0:
        return _signal("fresh_posting", days, cfg["points"], cfg["points"],
                       f"Posted {days} days ago (<= {cfg['days']}) and not a repost: {cfg['points']}.")
    why = "a repost gets no freshness credit" if days <= cfg["days"] else f"open more than {cfg['days']} days"
    return _signal("fresh_posting", days, 0, cfg["points"], f"No freshness credit ({why}): 0.")


def team_or_manager_named(team: str | None, manager_cues: Sequence[str], cfg: Mapping[str, Any]) -> Signal:
    if team or manager_cues:
        named = [f"team '{team}'"] if team else []
        named += [f"'{c}'" for c in manager_cues[:2]]
        return _signal("team_or_manager_named", True, cfg["points"], cfg["points"],
                       f"Names {' and '.join(named)}: {cfg['points']}.")
    return _signal("team_or_manager_named", False, 0, cfg["points"],
                   "No team or reporting line named: 0.")


def interview_process(text: str, cfg: Mapping[str, Any]) -> Signal:
    found = find_phrases(text, cfg["cues"])
    if found:
        return _signal("interview_process", True, cfg["points"], cfg["points"],
                       f"Describes the hiring process ({', '.join(repr(f) for f in found[:3])}): {cfg['points']}.")
    return _signal("interview_process", False, 0, cfg["points"], "No interview process described: 0.")


def employer_confirmed(promotion: Mapping[str, Any] | None, now: datetime, cfg: Mapping[str, Any]) -> Signal:
    """Green while the posting carries an active promotion (`promotion {since, until}`, docs/promote.md)."""
    since = promotion.get("since") if isinstance(promotion, Mapping) else None
    until = promotion.get("until") if isinstance(promotion, Mapping) else None
    if isinstance(since, datetime) and isinstance(until, datetime) and since <= now < until:
        return _signal("employer_confirmed", True, cfg["points"], cfg["points"],
                       f"The hiring manager confirmed the role is open on {_date(since)}, from a work address "
                       f"at the company's domain; valid until {_date(until)}: {cfg['points']}.")
    return _signal("employer_confirmed", False, 0, cfg["points"],
                   "No active confirmation by the hiring manager: 0.")
