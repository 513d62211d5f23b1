"""Unit tests for every health signal at its thresholds, the score arithmetic, bands and config versioning."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from crawlerats.scoring import signals as sig
from crawlerats.scoring.config import DEFAULT_CONFIG, ScoringConfigError, effective_config
from crawlerats.scoring.score import activity_window, disclosed_pay, pay_law, risk_for, score_posting

CFG = effective_config()
S = CFG["signals"]
NOW = datetime(2026, 9, 1, 12, tzinfo=UTC)
SPECIFIC = (
    "You will build and run the payments platform used by our merchants. Responsibilities: design services, "
    "review code, own on-call for the ledger. Requirements: 4 years of experience with Python and PostgreSQL. "
    "You will join the Payments team and report to the engineering manager. "
) * 5


def loc(city=None, region=None, country=None):
    return {"raw": ", ".join(p for p in (city, region, country) if p), "city": city, "region": region,
            "country": country}


# ------------------------------------------------------------------------------------------ days_active

@pytest.mark.parametrize(("days", "points"), [(0, 0), (30, 0), (31, 10), (60, 10), (61, 20), (90, 20), (91, 30),
                                              (400, 30)])
def test_days_active_steps(days: int, points: int) -> None:
    s = sig.days_active(days, NOW - timedelta(days=days), "posted_at", NOW, False, S["days_active"])
    assert (s["key"], s["value"], s["points"], s["max_points"]) == ("days_active", days, points, 30)
    assert s["fired"] is (points > 0)
    assert f"+{points}." in s["evidence"]


def test_window_prefers_plausible_posted_at_and_ends_at_closed_at() -> None:
    seen = NOW - timedelta(days=10)
    w = activity_window({"first_seen": seen, "posted_at": NOW - timedelta(days=50)}, NOW)
    assert (w["days"], w["start_source"]) == (50, "posted_at")
    # A posted date after first_seen (refreshed) or in the future is not trusted.
    w = activity_window({"first_seen": seen, "posted_at": NOW + timedelta(days=30)}, NOW)
    assert (w["days"], w["start_source"]) == (10, "first_seen")
    w = activity_window({"first_seen": seen, "posted_at": datetime(1970, 1, 1, tzinfo=UTC)}, NOW)
    assert w["start_source"] == "first_seen"
    w = activity_window({"first_seen": seen, "status": "closed", "closed_at": seen + timedelta(days=4)}, NOW)
    assert (w["days"], w["closed"]) == (4, True)
    # Naive datetimes (a client without tz_aware) are read as UTC.
    w = activity_window({"first_seen": seen.replace(tzinfo=None)}, NOW)
    assert w["days"] == 10


# ------------------------------------------------------------------------------------------ no_salary

def test_no_salary_points_with_and_without_a_law() -> None:
    law, place = pay_law([loc("Denver", "Colorado", "US")], NOW)
    assert law is not None and law["id"] == "US-CO"
    s = sig.no_salary(None, law, place, S["no_salary"])
    assert (s["points"], s["max_points"], s["value"]) == (10, 10, True)
    assert "Colorado Equal Pay" in s["evidence"] and "2021-01-01" in s["evidence"]
    s = sig.no_salary(None, None, "London", S["no_salary"])
    assert (s["points"], s["value"]) == (5, True)
    s = sig.no_salary("USD 100,000 - 150,000 per year", law, place, S["no_salary"])
    assert (s["points"], s["fired"], s["value"]) == (0, False, False)


def test_pay_law_applies_only_from_its_effective_date() -> None:
    chicago = [loc("Chicago", "Illinois", "US")]
    assert pay_law(chicago, datetime(2024, 12, 31, tzinfo=UTC))[0] is None
    assert pay_law(chicago, datetime(2025, 1, 1, tzinfo=UTC))[0]["id"] == "US-IL"


def test_pay_law_matches_cities_regions_and_aliases() -> None:
    nyc = pay_law([loc("New York", "New York", "US")], datetime(2023, 1, 1, tzinfo=UTC))[0]
    assert nyc["id"] == "US-NY-NYC"  # city law from 2022-11, state law only from 2023-09
    assert pay_law([loc("Buffalo", "New York", "US")], datetime(2023, 1, 1, tzinfo=UTC))[0] is None
    assert pay_law([loc("Buffalo", "New York", "US")], NOW)[0]["id"] == "US-NY"
    assert pay_law([loc("NYC", None, "US")], NOW)[0]["id"] == "US-NY-NYC"
    assert pay_law([loc("Washington DC", None, "US")], NOW)[0]["id"] == "US-DC"
    assert pay_law([loc("Seattle", "Washington", "US")], NOW)[0]["id"] == "US-WA"
    assert pay_law([loc("London", None, "GB"), loc("Austin", "Texas", "US")], NOW)[0] is None
    assert pay_law([loc("London", None, "GB"), loc("San Jose", "California", "US")], NOW)[0]["id"] == "US-CA"
    assert pay_law(None, NOW) == (None, None)


def test_disclosed_pay_from_structure_raw_text_or_description_line() -> None:
    assert disclosed_pay({"salary": {"min": 1.0, "max": 2.0, "raw": "USD 1 - 2"}}, "") == "USD 1 - 2"
    assert disclosed_pay({"salary": None, "salary_raw": "$120,000 - $150,000 per year"}, "")
    text = "About us\nThe base pay range for this role is $140,000 - $180,000 per year.\nWe raised $50M."
    assert disclosed_pay({}, text).startswith("in the description")
    assert disclosed_pay({}, "We raised $50M from investors.\n2 - 5 years of experience") is None


def test_salary_disclosed_green_flag() -> None:
    assert sig.salary_disclosed("USD 1", S["salary_disclosed"])["points"] == -5
    assert sig.salary_disclosed(None, S["salary_disclosed"])["points"] == 0


# ------------------------------------------------------------------------------------------ stale_signals

def _stale(**kw):
    args = {"unchanged_days": 0, "last_change": NOW, "last_change_source": "first seen",
            "posted_before_seen_days": None, "title": "Engineer", "text": "", "current_year": 2026,
            "cfg": S["stale_signals"]}
    return sig.stale_signals(**{**args, **kw})


def test_stale_unchanged_threshold() -> None:
    assert _stale(unchanged_days=60)["points"] == 0
    s = _stale(unchanged_days=61)
    assert (s["points"], s["value"]) == (5, ["unchanged"])


def test_stale_posted_long_before_first_seen() -> None:
    assert _stale(posted_before_seen_days=90)["points"] == 0
    assert _stale(posted_before_seen_days=91)["points"] == 5


def test_stale_evergreen_wording_in_title_or_text() -> None:
    s = _stale(title="Talent Community - Engineering")
    assert (s["points"], s["value"]) == (10, ["evergreen_title"])
    s = _stale(text="We are always accepting applications for future opportunities.")
    assert (s["points"], s["value"]) == (5, ["evergreen_text"])
    assert "'always accepting'" in s["evidence"]
    assert _stale(text="Build our data pipeline in Spark.")["points"] == 0


def test_stale_past_year_in_title_and_cap() -> None:
    assert _stale(title="Summer Intern 2025")["points"] == 5
    assert _stale(title="Summer Intern 2026")["points"] == 0
    assert _stale(title="Windows 95 admin")["points"] == 0
    s = _stale(title="General Application 2024", unchanged_days=200, posted_before_seen_days=300)
    assert s["points"] == 15 and "capped at 15" in s["evidence"]


# ------------------------------------------------------------------------------------------ repost / duplicates

def _earlier(gap_days: int, count: int = 1):
    start = NOW
    out = []
    end = start - timedelta(days=gap_days)
    for i in range(count):
        out.insert(0, {"job_id": f"old{i}", "first_seen": end - timedelta(days=40), "last_seen": end,
                       "closed_at": end})
        end -= timedelta(days=50)
    return out


@pytest.mark.parametrize(("count", "points"), [(0, 0), (1, 10), (2, 15), (3, 20), (6, 20)])
def test_repost_points_grow_with_chain_length(count: int, points: int) -> None:
    s = sig.repost_detected(count, _earlier(10, count), NOW, S["repost_detected"])
    assert (s["points"], s["value"], s["max_points"]) == (points, count, 20)


def test_repost_long_gap_halves() -> None:
    assert sig.repost_detected(2, _earlier(180, 2), NOW, S["repost_detected"])["points"] == 15
    s = sig.repost_detected(2, _earlier(181, 2), NOW, S["repost_detected"])
    assert s["points"] == 7 and "halves" in s["evidence"]
    # Chain known from the dedup stage but no dates recorded: full points.
    assert sig.repost_detected(1, [], NOW, S["repost_detected"])["points"] == 10


@pytest.mark.parametrize(("group", "points"), [(0, 0), (1, 0), (2, 5), (3, 5), (4, 10), (10, 10), (11, 15),
                                               (50, 15)])
def test_duplicate_points_grow_with_group_size(group: int, points: int) -> None:
    s = sig.duplicate_at_company(group, S["duplicate_at_company"])
    assert s["points"] == points and s["value"] == max(group - 1, 0)


# ------------------------------------------------------------------------------------------ vagueness

def test_vagueness_not_measured_without_text() -> None:
    s = sig.description_vagueness("Engineer", None, False, S["description_vagueness"])
    assert (s["points"], s["value"], s["fired"]) == (0, None, False)


def test_vagueness_specific_text_scores_zero() -> None:
    s = sig.description_vagueness("Engineer", SPECIFIC, False, S["description_vagueness"])
    assert s["points"] == 0 and s["value"]["words"] >= 200


@pytest.mark.parametrize(("words", "points"), [(99, 4), (100, 2), (199, 2), (200, 0)])
def test_vagueness_length_steps(words: int, points: int) -> None:
    body = "Responsibilities: you will build. Requirements: skills. Join the team. "
    filler = " ".join(["word"] * (words - sig.word_count(body)))
    s = sig.description_vagueness("Engineer", body + filler, False, S["description_vagueness"])
    assert s["value"]["words"] == words and s["points"] == points


def test_vagueness_buzzword_density_missing_sections_generic_title_and_cap() -> None:
    cfg = S["description_vagueness"]
    # 1 buzzword in 300 words (0.3 per 100): no points; 3 in ~100 words: +3 (capped at 3).
    one = SPECIFIC + " We are fast-paced."
    assert sig.description_vagueness("Engineer", one, False, cfg)["points"] == 0
    text = "We are a fast-paced team. Be a rockstar and a self-starter who can wear many hats."
    s = sig.description_vagueness("Various Positions", text, False, cfg)
    # 17 words (+4), 4 buzzwords per 100 words (+3 cap), no responsibilities (+2), no requirements (+2),
    # no team context (+1), generic title (+3) -> 15, capped at 10.
    assert s["points"] == 10 and "capped at 10" in s["evidence"]
    assert s["value"]["buzzwords"] == 4
    s = sig.description_vagueness("Engineer", "Hello " * 250, False, cfg)
    assert s["points"] == 5  # no responsibilities, requirements or team context


# ------------------------------------------------------------------------------------------ green flags

@pytest.mark.parametrize(("days", "reposts", "points"), [(0, 0, -5), (7, 0, -5), (8, 0, 0), (2, 1, 0)])
def test_fresh_posting(days: int, reposts: int, points: int) -> None:
    assert sig.fresh_posting(days, reposts, S["fresh_posting"])["points"] == points


def test_team_manager_and_interview_flags() -> None:
    cfg = S["team_or_manager_named"]
    assert sig.team_or_manager_named("Payments", [], cfg)["points"] == -3
    assert sig.team_or_manager_named(None, ["report to"], cfg)["points"] == -3
    assert sig.team_or_manager_named(None, [], cfg)["points"] == 0
    assert sig.interview_process("Our interview process has three steps", S["interview_process"])["points"] == -3
    assert sig.interview_process("Apply now", S["interview_process"])["points"] == 0


# ------------------------------------------------------------------------------------------ score / bands / config

def test_breakdown_sums_to_the_score_and_lists_every_signal() -> None:
    doc = {"title": "Engineer", "description_text": SPECIFIC, "first_seen": NOW - timedelta(days=45),
           "locations": [loc("Denver", "Colorado", "US")], "status": "open", "repost_count": 1,
           "earlier_postings": _earlier(5), "duplicate_count": 3}
    h = score_posting(doc, NOW, CFG)
    keys = [s["key"] for s in h["signals"]]
    for key in ("no_salary", "days_active", "stale_signals", "repost_detected", "duplicate_at_company",
                "description_vagueness", "salary_disclosed", "fresh_posting"):
        assert key in keys
    assert h["ghost_score"] == sum(s["points"] for s in h["signals"])
    # 20 base + 10 (45 d) + 10 (Colorado, no pay) + 10 (1 repost) + 5 (2 others) - 3 (team/manager named)
    assert h["ghost_score"] == 52 and h["risk"] == "medium" and h["risk_label"] == "Medium Risk"
    assert h["days_active"] == 45 and h["repost_count"] == 1
    assert h["scored_at"] == NOW and h["version"] == CFG["version"]
    for s in h["signals"]:
        assert set(s) == {"key", "label", "value", "points", "max_points", "evidence", "fired"}


def test_score_is_clamped_to_0_100() -> None:
    doc = {"title": "Engineer", "description_text": SPECIFIC + " Our interview process is short.",
           "first_seen": NOW, "salary": {"min": 1.0, "max": 2.0, "raw": "x"}, "team": "Core", "status": "open"}
    h = score_posting(doc, NOW, effective_config({"base_points": 0}))
    assert sum(s["points"] for s in h["signals"]) < 0 and h["ghost_score"] == 0


@pytest.mark.parametrize(("score", "risk"), [(0, "low"), (34, "low"), (35, "medium"), (59, "medium"),
                                             (60, "high"), (79, "high"), (80, "very_high"), (100, "very_high")])
def test_bands(score: int, risk: str) -> None:
    assert risk_for(score, CFG) == risk


def test_version_changes_with_any_weight_and_is_stable() -> None:
    assert CFG["version"].startswith("v1-") and len(CFG["version"]) == 11
    assert effective_config()["version"] == CFG["version"]
    assert effective_config({})["version"] == CFG["version"]
    heavier = effective_config({"signals": {"no_salary": {"points": 6}}})
    assert heavier["version"] != CFG["version"]
    assert heavier["signals"]["no_salary"] == {"points": 6, "law_points": 10}
    assert effective_config('{"bands": {"low": 30}}')["version"] not in (CFG["version"], heavier["version"])
    assert DEFAULT_CONFIG["signals"]["no_salary"]["points"] == 5  # defaults untouched by merges


def test_bad_overrides_are_rejected() -> None:
    with pytest.raises(ScoringConfigError, match="not a scoring setting"):
        effective_config({"signals": {"no_salray": {"points": 1}}})
    with pytest.raises(ScoringConfigError, match="bands"):
        effective_config({"bands": {"low": 70, "medium": 60}})
    with pytest.raises(ScoringConfigError, match="JSON"):
        effective_config("{bands")
