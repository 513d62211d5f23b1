"""Scoring configuration: default weights, thresholds and bands, settings overrides, and the version hash.

The effective config is `DEFAULT_CONFIG` deep-merged with the Scrapy setting `CRAWLERATS_SCORING` (a dict,
or a JSON string from `-s CRAWLERATS_SCORING='{...}'`). Dicts merge key by key; lists and scalars replace.
`version` is a short hash of the effective config plus the pay-transparency data, so it changes whenever a
weight, threshold, band, phrase list or law date does. docs/scoring.md explains every number.
"""

from __future__ import annotations

import copy
import hashlib
import json
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

#: Bump when the scoring *code* changes meaning; the hash covers the numbers.
MODEL = "v1"

RISK_LEVELS: tuple[str, ...] = ("low", "medium", "high", "very_high")

DEFAULT_CONFIG: dict[str, Any] = {
    # Every posting starts here: the prior before any evidence (Greenhouse: 18-22 % of posts are ghosts).
    "base_points": 20,
    # Upper bounds (exclusive) of each band; anything >= bands.high is very_high.
    "bands": {"low": 35, "medium": 60, "high": 80},
    "labels": {"low": "Low Risk", "medium": "Medium Risk", "high": "High Risk", "very_high": "Very High Risk"},
    "signals": {
        "days_active": {
            # [days, points]: more than `days` open -> `points` (the largest matching step wins).
            "steps": [[30, 10], [60, 20], [90, 30]],
            "max_points": 30,
        },
        "no_salary": {"points": 5, "law_points": 10},
        "stale_signals": {
            "max_points": 15,
            "unchanged_days": 60,
            "unchanged_points": 5,
            "posted_before_seen_days": 90,
            "posted_before_seen_points": 5,
            "wording_title_points": 10,
            "wording_text_points": 5,
            "past_year_title_points": 5,
            "phrases": [
                "always accepting", "always hiring", "talent community", "talent pool", "talent network",
                "talent pipeline", "general application", "open application", "future opportunities",
                "future openings", "evergreen", "expression of interest", "no current openings",
                "speculative application", "pipeline requisition",
            ],
        },
        "repost_detected": {
            # points for a chain of 1, 2, 3+ earlier postings
            "points": [10, 15, 20],
            "long_gap_days": 180,
            "long_gap_factor": 0.5,
            "max_points": 20,
        },
        "duplicate_at_company": {
            # [other open near-identical postings, points]
            "steps": [[1, 5], [3, 10], [10, 15]],
            "max_points": 15,
        },
        "description_vagueness": {
            "max_points": 10,
            # [fewer than N words, points]: the first matching step wins
            "short_steps": [[100, 4], [200, 2]],
            "buzzword_points_each": 1,
            "buzzword_max_points": 3,
            "no_responsibilities_points": 2,
            "no_requirements_points": 2,
            "no_team_context_points": 1,
            "generic_title_points": 3,
            "buzzwords": [
                "fast-paced", "fast paced", "wear many hats", "rockstar", "rock star", "ninja", "guru",
                "self-starter", "self starter", "like a family", "work hard, play hard", "work hard play hard",
                "competitive salary", "competitive compensation", "dynamic environment", "go-getter",
                "hit the ground running", "other duties as assigned", "thrive in ambiguity", "synergy",
                "results-driven", "highly motivated", "dynamic team", "exciting opportunity",
                "unlimited earning potential",
            ],
            "responsibility_cues": [
                "responsibilities", "what you'll do", "what you will do", "what you’ll do", "you will",
                "you'll", "you’ll", "duties", "your role", "the role", "in this role", "day to day",
                "day-to-day", "key tasks", "your mission", "what you'll be doing",
            ],
            "requirement_cues": [
                "requirements", "qualifications", "who you are", "what you bring", "you have",
                "you bring", "experience with", "experience in", "years of experience", "skills",
                "must have", "we're looking for", "we are looking for", "about you", "required",
            ],
            "team_cues": [
                "our team", "the team", "you will join", "you'll join", "you’ll join", "join the",
                "report to", "reports to", "reporting to", "hiring manager", "your manager", "team of",
            ],
            "generic_titles": [
                "various positions", "multiple positions", "multiple roles", "multiple openings",
                "all positions", "any position", "various roles", "open positions",
            ],
        },
        # Green flags (negative points).
        "salary_disclosed": {"points": -5},
        "fresh_posting": {"days": 7, "points": -5},
        "team_or_manager_named": {
            "points": -3,
            "cues": ["report to", "reports to", "reporting to", "hiring manager", "your manager",
                     "you will work closely with", "you'll work closely with", "you’ll work closely with"],
        },
        "interview_process": {
            "points": -3,
            "cues": [
                "interview process", "hiring process", "recruitment process", "interview stages",
                "interview steps", "our process", "first interview", "technical interview",
                "phone screen", "recruiter screen", "take-home", "onsite interview", "final interview",
            ],
        },
        # The hiring manager confirmed the posting from a verified work address (docs/promote.md): the
        # strongest evidence there is that the role is real and open.
        "employer_confirmed": {"points": -20},
    },
}


class ScoringConfigError(ValueError):
    """CRAWLERATS_SCORING is malformed (bad JSON, unknown key, or bands out of order)."""


def _merge(base: Any, override: Any, path: str) -> Any:
    if isinstance(base, dict):
        if not isinstance(override, Mapping):
            raise ScoringConfigError(f"CRAWLERATS_SCORING{path} must be an object, got {override!r}")
        merged = dict(base)
        for key, value in override.items():
            if key not in base:
                raise ScoringConfigError(f"CRAWLERATS_SCORING{path}.{key} is not a scoring setting "
                                         f"(known: {', '.join(sorted(base))})")
            merged[key] = _merge(base[key], value, f"{path}.{key}")
        return merged
    return copy.deepcopy(override)


def _validate(config: dict[str, Any]) -> None:
    bands = config["bands"]
    if not 0 < bands["low"] <= bands["medium"] <= bands["high"] <= 100:
        raise ScoringConfigError(f"bands must satisfy 0 < low <= medium <= high <= 100, got {bands}")


@lru_cache(maxsize=1)
def pay_transparency_text() -> str:
    """The packaged pay-transparency table (crawlerats/data/pay_transparency.json) as text."""
    return resources.files("crawlerats").joinpath("data/pay_transparency.json").read_text(encoding="utf-8")


def compute_version(config: Mapping[str, Any]) -> str:
    """`v1-<8 hex>`: a stable hash of the numbers and phrase lists plus the pay-transparency data."""
    body = {key: value for key, value in config.items() if key != "version"}
    blob = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    digest = hashlib.sha256((blob + "\n" + pay_transparency_text()).encode("utf-8")).hexdigest()
    return f"{MODEL}-{digest[:8]}"


def effective_config(override: Mapping[str, Any] | str | None = None) -> dict[str, Any]:
    """Defaults deep-merged with `override` (dict or JSON text), validated, with `version` filled in."""
    if isinstance(override, str):
        text = override.strip()
        try:
            override = json.loads(text) if text else None
        except ValueError as exc:
            raise ScoringConfigError(f"CRAWLERATS_SCORING is not valid JSON: {exc}") from exc
    config = _merge(DEFAULT_CONFIG, override or {}, "")
    _validate(config)
    config["version"] = compute_version(config)
    return config


def config_from_settings(settings: Any) -> dict[str, Any]:
    """The effective config for a Scrapy `Settings` (or any mapping with `.get`)."""
    raw = settings.get("CRAWLERATS_SCORING") if settings is not None else None
    if raw is not None and not isinstance(raw, (str, Mapping)):
        # scrapy BaseSettings values (e.g. a dict set with a priority) behave like mappings
        raw = dict(raw)
    return effective_config(raw)
