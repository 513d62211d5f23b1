"""Employment and workplace types: free-text ATS values to the contract's small vocabularies."""

from __future__ import annotations

import re
from typing import Any

_EMPLOYMENT_RULES: tuple[tuple[str, str], ...] = (
    (r"intern|trainee|werkstudent|working student|apprentice|stage\b|praktikum", "internship"),
    (r"temp|seasonal|fixed[- ]term|short[- ]term|befristet", "temporary"),
    (r"contract|freelance|contractor|consultant|per diem|\bcdd\b", "contract"),
    (r"part[- _]?time|parttime|teilzeit|half[- ]time", "part_time"),
    (r"full[- _]?time|fulltime|permanent|regular|vollzeit|\bcdi\b|salaried|festanstellung", "full_time"),
)
_REMOTE = re.compile(r"\bremote\b|work from home|\bwfh\b|anywhere|telecommut|home[- ]?based|distributed", re.I)
_HYBRID = re.compile(r"\bhybrid\b|flexible working location", re.I)
_ONSITE = re.compile(r"on[- ]?site|in[- ]office|office[- ]based|in[- ]person", re.I)


def _key(value: Any) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])", " ", str(value)).lower().replace("_", " ")


def employment_type(raw: Any) -> str | None:
    """Map "Full-Time", "Permanent", "FullTime", "fulltime_permanent", "Intern" … to the contract value."""
    if not raw or not isinstance(raw, str):
        return None
    key = _key(raw)
    for pattern, value in _EMPLOYMENT_RULES:
        if re.search(pattern, key):
            return value
    return None


def workplace_type(raw: Any) -> str | None:
    """Map an explicit workplace value ("Remote", "on-site", "Hybrid", "unspecified") to the contract value."""
    if not raw or not isinstance(raw, str):
        return None
    key = _key(raw).strip()
    if _HYBRID.search(key):
        return "hybrid"
    if _REMOTE.search(key):
        return "remote"
    if _ONSITE.search(key) or key in {"office", "onsite"}:
        return "onsite"
    return None


def workplace_from_text(*texts: Any) -> str | None:
    """Infer the workplace type from free text (location strings, titles); None when nothing says."""
    joined = " ".join(str(t) for t in texts if t)
    if not joined:
        return None
    if _HYBRID.search(joined):
        return "hybrid"
    if _REMOTE.search(joined):
        return "remote"
    if _ONSITE.search(joined):
        return "onsite"
    return None
