"""Dates: epoch numbers, ISO-8601 and ATS-specific strings to aware UTC datetimes; Workday's relative text."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

#: Dates before this are treated as placeholders (epoch zero, 1900) rather than real posting dates.
EARLIEST_PLAUSIBLE = datetime(1995, 1, 1, tzinfo=UTC)
#: A posted date more than this far in the future of the crawl is not trusted.
FUTURE_TOLERANCE = timedelta(days=2)

_RECRUITEE = re.compile(r"^(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2}) UTC$")
_DATE_ONLY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_DAYS_AGO = re.compile(r"(\d+)\+?\s*days?\s+ago", re.I)


def _to_utc(value: datetime) -> datetime:
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def parse_datetime(value: Any) -> datetime | None:
    """Parse an ATS date value into an aware UTC datetime, or None.

    Accepts epoch milliseconds or seconds (int, float or digit string), ISO-8601 with or without
    offset, date-only strings, Recruitee's ``YYYY-MM-DD HH:MM:SS UTC`` and, as a last resort,
    anything dateparser understands. Values outside year 1970..2200 are rejected.
    """
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, datetime):
        return _to_utc(value)
    if isinstance(value, (int, float)):
        return _from_epoch(float(value))
    if not isinstance(value, str):
        return None
    text = value.strip()
    if not text:
        return None
    if text.isdigit():
        return _from_epoch(float(text))
    match = _RECRUITEE.match(text)
    if match:
        text = f"{match.group(1)}T{match.group(2)}+00:00"
    if _DATE_ONLY.match(text):
        text += "T00:00:00+00:00"
    try:
        parsed = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        import dateparser  # at first use: ~0.1-0.2 s of start-up that crawls of ISO / epoch dates never need

        parsed = dateparser.parse(
            text, settings={"TIMEZONE": "UTC", "RETURN_AS_TIMEZONE_AWARE": True, "PREFER_DAY_OF_MONTH": "first"}
        )
        if parsed is None:
            return None
    if not 1970 <= parsed.year <= 2200:
        return None
    return _to_utc(parsed)


def _from_epoch(number: float) -> datetime | None:
    if number > 1e11:  # milliseconds
        number /= 1000.0
    if number < 0 or number > 7.3e9:
        return None
    return datetime.fromtimestamp(number, tz=UTC)


def plausible_posted(value: datetime | None, now: datetime) -> datetime | None:
    """Keep a posted date only when it is plausible: after 1995 and not days in the future of `now`."""
    if value is None:
        return None
    if value < EARLIEST_PLAUSIBLE or value > now + FUTURE_TOLERANCE:
        return None
    return value


def parse_relative_posted(text: Any, now: datetime) -> datetime | None:
    """Workday's ``postedOn`` ("Posted Today", "Posted Yesterday", "Posted 4 Days Ago", "Posted 30+ Days Ago").

    Returns midnight UTC of the day it implies; "30+" gives the lower bound (30 days ago).
    """
    if not isinstance(text, str) or not text.strip():
        return None
    lowered = text.lower()
    today = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    if "today" in lowered:
        return today
    if "yesterday" in lowered:
        return today - timedelta(days=1)
    match = _DAYS_AGO.search(lowered)
    if match:
        return today - timedelta(days=int(match.group(1)))
    return None
