"""Pay: structured ATS ranges and free-text pay lines to `{min, max, currency, interval, raw}`, and the stored
annualised amounts `annual_min` / `annual_max` (`annualised`, added by the validation stage; docs/schema.md)."""

from __future__ import annotations

import re
from typing import Any

from price_parser import Price

#: Amounts outside this range are treated as garbage, not pay.
MAX_AMOUNT = 50_000_000.0
#: Multipliers to a year, per `salary.interval`: hour x 2,080, day x 260, week x 52, month x 12.
PER_YEAR: dict[str, float] = {"year": 1.0, "month": 12.0, "week": 52.0, "day": 260.0, "hour": 2080.0}
#: The keys `annualised` adds to a contract salary.
ANNUAL_KEYS = ("annual_min", "annual_max")

_INTERVALS: tuple[tuple[str, str], ...] = (
    (r"hour|hr\b|/h\b|hourly|stunde", "hour"),
    (r"\bday|daily|diem|/d\b", "day"),
    (r"week|wk\b|weekly", "week"),
    (r"month|/mo\b|monthly|monat", "month"),
    (r"year|annual|annum|/yr\b|\byr\b|yearly|salary|\bpa\b|p\.a\.|jahr", "year"),
)
_SYMBOLS = {"$": "USD", "US$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "C$": "CAD",
            "A$": "AUD", "CA$": "CAD", "AU$": "AUD", "kr": "SEK", "zł": "PLN", "R$": "BRL", "CHF": "CHF"}
_AMOUNT = r"(?:[A-Z]{3}\s?|US\$|CA\$|AU\$|C\$|A\$|[$€£¥₹])?\s?\d[\d,.\s]*\d?\s?[kK]?(?:\s?(?:[A-Z]{3}|€|kr))?"
_RANGE = re.compile(rf"({_AMOUNT})\s*(?:-|–|—|to|bis)\s*({_AMOUNT})")
_SINGLE = re.compile(r"((?:[A-Z]{3}\s?|US\$|CA\$|AU\$|C\$|A\$|[$€£¥₹])\s?\d[\d,.]*\s?[kK]?)")
_CODE = re.compile(r"\b([A-Z]{3})\b")
#: An amount whose only separator is one dot before exactly three digits ("38.580"): a thousands separator
#: ("€38.580" a year) or a decimal point ("$38.580 to $50.070" an hour, Saskatchewan's pay bands); context decides.
_DOTTED = re.compile(r"\d{1,3}\.\d{3}")
#: Most believable pay per interval: a thousands reading above it is read with a decimal point instead.
_MOST = {"hour": 1_000.0, "day": 10_000.0, "week": 25_000.0}
#: What a bare "$" means for a posting in these countries (elsewhere: USD).
_DOLLAR_COUNTRIES = {"CA": "CAD", "AU": "AUD", "NZ": "NZD", "SG": "SGD", "HK": "HKD"}


def normalize_interval(raw: Any) -> str | None:
    """"per-year-salary", "1 YEAR", "yearly", "HOURLY", "month" … to year|month|week|day|hour."""
    if not raw or not isinstance(raw, str):
        return None
    key = raw.lower()
    for pattern, value in _INTERVALS:
        if re.search(pattern, key):
            return value
    return None


def _number(value: Any) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        number = float(value)
    elif isinstance(value, str):
        text = value.strip()
        multiplier = 1000.0 if text[-1:] in {"k", "K"} else 1.0
        parsed = Price.fromstring(text.rstrip("kK"))
        if parsed.amount is None:
            return None
        number = float(parsed.amount) * multiplier
        if text.startswith(("-", "−")):
            number = -number  # price-parser drops the sign
    else:
        return None
    if number != number or number in (float("inf"), float("-inf")):
        return None
    return number


def _currency(value: Any) -> str | None:
    if not value or not isinstance(value, str):
        return None
    text = value.strip()
    if text in _SYMBOLS:
        return _SYMBOLS[text]
    upper = text.upper()
    return upper if re.fullmatch(r"[A-Z]{3}", upper) else None


def make_salary(
    minimum: Any = None,
    maximum: Any = None,
    currency: Any = None,
    interval: Any = None,
    raw: Any = None,
) -> dict[str, Any] | None:
    """Build a contract salary from structured parts; None when there is no usable amount.

    Negative, zero-only or absurd amounts give None; a reversed range is swapped.
    """
    low, high = _number(minimum), _number(maximum)
    if low is None and high is None:
        return None
    for amount in (low, high):
        if amount is not None and (amount < 0 or amount > MAX_AMOUNT):
            return None
    if not (low or high):
        return None
    if low is not None and high is not None and low > high:
        low, high = high, low
    if not isinstance(interval, str):
        interval = None
    norm_interval = interval if interval in {"year", "month", "week", "day", "hour"} else normalize_interval(interval)
    if norm_interval is None:
        reference = high or low or 0
        norm_interval = "hour" if reference < 300 else "year" if reference >= 10_000 else None
    return {
        "min": low,
        "max": high,
        "currency": _currency(currency),
        "interval": norm_interval,
        "raw": raw if isinstance(raw, str) and raw.strip() else _describe(low, high, currency, norm_interval),
    }


def _describe(low: float | None, high: float | None, currency: Any, interval: str | None) -> str:
    amounts = " - ".join(f"{v:,.0f}" for v in (low, high) if v is not None)
    parts = [p for p in (str(currency) if currency else None, amounts, f"per {interval}" if interval else None) if p]
    return " ".join(parts)


def dollar_currency(country: Any) -> str | None:
    """The currency a bare "$" stands for in a posting located in `country` (ISO code): CAD in Canada, ...; None
    (USD, the parser's default) elsewhere."""
    return _DOLLAR_COUNTRIES.get(country.strip().upper()) if isinstance(country, str) else None


def _dotted(amount: str) -> float | None:
    """The amount read with a decimal point when it is written "38.580" (one dot, three digits after); else None."""
    core = re.sub(r"[^\d.,kK]", "", amount)
    return float(core) if _DOTTED.fullmatch(core) else None


def parse_salary_text(text: Any, *, interval: Any = None, dollar: str | None = None) -> dict[str, Any] | None:
    """Find a pay range ("$120,000 - $150,000 per year", "€45k–55k", "USD 40/hour") in free text.

    `interval` is the pay interval the posting's structured data states (e.g. "Hourly"), used when the words after
    the amount name none and the amounts fit it; `dollar` is what a bare "$" means here (`dollar_currency`).
    "38.580"-style amounts are thousands unless the stated interval makes that absurd ($38,580 an hour): then they
    are decimals (38.58); a bare "$" with such amounts and no stated interval is ambiguous and gives None.
    """
    if not text or not isinstance(text, str):
        return None
    snippet = re.sub(r"\s+", " ", text)
    match = _RANGE.search(snippet)
    if match:
        first, second = match.group(1), match.group(2)
        if not re.search(r"[$€£¥₹]|[A-Z]{3}|[kK]\b", first + second):
            return None  # two bare numbers ("2 - 5 years") are not pay
        low, high = _number(first), _number(second)
        if second.strip()[-1:] in {"k", "K"} and low is not None and low < 1000:
            low *= 1000
        start, end = match.span()
        amounts = [first, second]
    else:
        single = _SINGLE.search(snippet)
        if not single:
            return None
        low = high = _number(single.group(1))
        start, end = single.span()
        amounts = [single.group(1)]
        if low is not None and low < 1000 and not re.search(r"hour|hr|/h", snippet[end : end + 20], re.I):
            return None
    window = snippet[max(0, start - 40) : end + 40]
    currency = None
    price = Price.fromstring(snippet[start:end])
    bare_dollar = price.currency == "$"
    if price.currency:
        currency = dollar if bare_dollar and dollar else _currency(price.currency)
    if currency is None:
        code = _CODE.search(window)
        currency = code.group(1) if code and code.group(1) not in {"THE", "AND", "FOR"} else None
    stated = normalize_interval(snippet[end : end + 40])
    hinted = normalize_interval(interval)
    decimals = [_dotted(amount) for amount in amounts]
    if all(d is not None for d in decimals):
        reading = stated or hinted
        if reading in _MOST and max((x for x in (low, high) if x is not None), default=0.0) > _MOST[reading]:
            low, high = decimals[0], decimals[-1]
        elif reading is None and bare_dollar:
            return None  # "$38.580": $38,580 or $38.58? Nothing says.
    top = max((x for x in (low, high) if x is not None), default=0.0)
    if hinted and top > _MOST.get(hinted, MAX_AMOUNT):
        hinted = None  # "$52,000" is no hourly pay, whatever the posting's type says
    interval = stated or hinted or normalize_interval(window)
    return make_salary(low, high, currency, interval, raw=snippet[start:end].strip())


_PAY_LINE = re.compile(r"\b(pay|salary|compensation|wages?|hourly rate|base rate|gehalt|salaire)\b", re.I)
_NOT_PAY = re.compile(r"bonus|reimburse|401|stipend|allowance|relocation", re.I)


def salary_from_description(text: Any, *, interval: Any = None, dollar: str | None = None) -> dict[str, Any] | None:
    """Pay stated in a description's plain text ("Pay:\\n$23.00 - $26.00 an hour"), for ATSs without a pay field.

    Only a line naming pay/salary/compensation (and the two lines after it, for a heading on its own line) is
    searched, never the whole text, and lines about bonuses or reimbursements are skipped. `interval` and `dollar`:
    what the posting's structured data says (see `parse_salary_text`).
    """
    if not text or not isinstance(text, str):
        return None
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    for index, line in enumerate(lines):
        if not _PAY_LINE.search(line) or _NOT_PAY.search(line):
            continue
        window = [line] + [extra for extra in lines[index + 1 : index + 3] if not _NOT_PAY.search(extra)]
        found = parse_salary_text(" ".join(window)[:400], interval=interval, dollar=dollar)
        if found:
            return found
    return None


def _positive(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) and value > 0 else None


def annualised(salary: Any) -> Any:
    """A contract salary with its range per year added, in its own currency (no exchange rates):
    `annual_min` = `min` (else `max`) and `annual_max` = `max` (else `min`), times `PER_YEAR[interval]`; both
    None when the interval is unknown or there is no positive amount. Anything but a dict comes back as is.
    `annual_max` is what the web's minimum-salary filter and salary sort compare (one index)."""
    if not isinstance(salary, dict):
        return salary
    low, high = _positive(salary.get("min")), _positive(salary.get("max"))
    bottom, top = low or high, high or low
    factor = PER_YEAR.get(salary.get("interval")) if isinstance(salary.get("interval"), str) else None
    if factor is None or bottom is None or top is None:
        return {**salary, "annual_min": None, "annual_max": None}
    return {**salary, "annual_min": bottom * factor, "annual_max": top * factor}
