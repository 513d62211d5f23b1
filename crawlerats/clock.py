"""The crawl's notion of now: real UTC time, or the fixed instant of the CRAWLERATS_NOW setting."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from typing import Any


class ClockError(ValueError):
    """CRAWLERATS_NOW is not an ISO-8601 instant."""


def parse_now(value: str) -> datetime:
    """Parse a CRAWLERATS_NOW value; naive values are taken as UTC."""
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ClockError(f"CRAWLERATS_NOW={value!r} is not an ISO-8601 datetime (e.g. 2026-03-17T09:00:00Z)") from exc
    return parsed.replace(tzinfo=UTC) if parsed.tzinfo is None else parsed.astimezone(UTC)


def now(settings: Any = None) -> datetime:
    """Current UTC time, fixed by the CRAWLERATS_NOW setting (or environment variable) when given."""
    fixed = None
    if settings is not None:
        fixed = settings.get("CRAWLERATS_NOW")
    fixed = fixed or os.environ.get("CRAWLERATS_NOW")
    if fixed:
        return parse_now(str(fixed))
    current = datetime.now(UTC)
    return current.replace(microsecond=current.microsecond // 1000 * 1000)  # BSON keeps milliseconds
