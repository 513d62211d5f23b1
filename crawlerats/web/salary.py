"""Salary for the web: annualised amounts (filter and sort) and the display text ("$150,000 – $190,000 a year").

Amounts stay in the posting's own currency (no exchange rates); a filter or sort on salary compares the
top of the range (`max`, else `min`) multiplied out to a year: hour x 2,080, day x 260, week x 52,
month x 12. The validation stage stores that amount as `salary.annual_max` (crawlerats/normalize/salary.py
`annualised`); the list's filter and sort read the stored value (`stored_annual`), which its index serves.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from crawlerats.db.search_index import annual_pay
from crawlerats.normalize.salary import PER_YEAR, annualised

__all__ = ["PER_YEAR", "annual", "salary_text", "stored_annual", "top_amount"]

INTERVAL_WORDS: dict[str, str] = {"year": "a year", "month": "a month", "week": "a week", "day": "a day",
                                  "hour": "an hour"}
SYMBOLS: dict[str, str] = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥", "INR": "₹", "CAD": "CA$",
                           "AUD": "A$"}


def _amount(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) and value > 0 else None


def top_amount(salary: Any) -> float | None:
    """The range's top in its own interval (`max`, else `min`), or None."""
    if not isinstance(salary, Mapping):
        return None
    return _amount(salary.get("max")) or _amount(salary.get("min"))


def annual(salary: Any) -> float | None:
    """The top of the range per year in the posting's currency, computed from the range (None when unknown)."""
    return annualised(dict(salary))["annual_max"] if isinstance(salary, Mapping) else None


def stored_annual(salary: Any) -> float | None:
    """The stored `salary.annual_max` (what the filter, the sort and their index use), or None."""
    pay = annual_pay(salary)
    return None if pay is None else float(pay)


def _money(value: float, currency: str) -> str:
    number = f"{value:,.0f}" if value >= 100 else f"{value:,.2f}".rstrip("0").rstrip(".")
    symbol = SYMBOLS.get(currency)
    return f"{symbol}{number}" if symbol else f"{number} {currency}".strip()


def salary_text(salary: Any) -> str:
    """"$150,000 – $190,000 a year", "€60,000 a year", or "" when there is no usable amount."""
    if not isinstance(salary, Mapping):
        return ""
    low, high = _amount(salary.get("min")), _amount(salary.get("max"))
    if low is None and high is None:
        return ""
    currency = str(salary.get("currency") or "")
    parts = [_money(v, currency) for v in (low, high) if v is not None]
    if len(parts) == 2 and parts[0] == parts[1]:
        parts = parts[:1]
    words = INTERVAL_WORDS.get(str(salary.get("interval")), "")
    return " – ".join(parts) + (f" {words}" if words else "")
