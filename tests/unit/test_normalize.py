"""Unit tests of the normalisation package at its edges."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawlerats import normalize as n

NOW = datetime(2026, 9, 1, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        (1781298680988, datetime(2026, 6, 12, 21, 11, 20, 988000, tzinfo=UTC)),
        ("1781298680", datetime(2026, 6, 12, 21, 11, 20, tzinfo=UTC)),
        ("2024-06-01T10:00:00.000-04:00", datetime(2024, 6, 1, 14, 0, tzinfo=UTC)),
        ("2025-03-14T09:30:00Z", datetime(2025, 3, 14, 9, 30, tzinfo=UTC)),
        ("2024-03-01 10:00:00 UTC", datetime(2024, 3, 1, 10, 0, tzinfo=UTC)),
        ("2025-01-05", datetime(2025, 1, 5, tzinfo=UTC)),
        ("", None),
        ("not a date at all xyz", None),
        (None, None),
        (True, None),
        (-5, None),
        ("9999-01-01", None),
    ],
)
def test_parse_datetime(raw: object, expected: datetime | None) -> None:
    assert n.parse_datetime(raw) == expected


def test_plausible_posted_rejects_epoch_and_future() -> None:
    assert n.plausible_posted(datetime(1970, 1, 1, tzinfo=UTC), NOW) is None
    assert n.plausible_posted(datetime(2027, 1, 1, tzinfo=UTC), NOW) is None
    assert n.plausible_posted(datetime(2026, 8, 1, tzinfo=UTC), NOW) == datetime(2026, 8, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "days"),
    [("Posted Today", 0), ("Posted Yesterday", 1), ("Posted 4 Days Ago", 4), ("Posted 30+ Days Ago", 30)],
)
def test_workday_relative_posted(text: str, days: int) -> None:
    got = n.parse_relative_posted(text, NOW)
    assert got is not None and (NOW.replace(hour=0, minute=0) - got).days == days
    assert n.parse_relative_posted("sometime", NOW) is None


@pytest.mark.parametrize(
    ("text", "low", "high", "currency", "interval"),
    [
        ("$120,000 - $150,000 per year", 120000, 150000, "USD", "year"),
        ("€45k–55k annually", 45000, 55000, "EUR", "year"),
        ("USD 40 - 60/hour", 40, 60, "USD", "hour"),
        ("The salary range for this position is $97,000 - $130,000 USD", 97000, 130000, "USD", "year"),
        ("£30,000 to £35,000 per annum", 30000, 35000, "GBP", "year"),
    ],
)
def test_parse_salary_text(text: str, low: float, high: float, currency: str, interval: str) -> None:
    salary = n.parse_salary_text(text)
    assert salary is not None
    assert (salary["min"], salary["max"], salary["currency"], salary["interval"]) == (low, high, currency, interval)


@pytest.mark.parametrize("text", ["2 - 5 years experience", "Competitive", "", "We have 3-4 teams"])
def test_parse_salary_text_rejects_non_pay(text: str) -> None:
    assert n.parse_salary_text(text) is None


@pytest.mark.parametrize(
    ("text", "hint", "expected"),
    [
        # The stated interval makes a thousands reading absurd: the dot is a decimal point.
        ("$25.500 - $30.750 an hour", None, (25.5, 30.75, "USD", "hour")),
        ("$38.580/hr", None, (38.58, 38.58, "USD", "hour")),
        ("Pay Band Nurse A $38.580 to $50.070", "Hourly", (38.58, 50.07, "USD", "hour")),
        # Believable as thousands for the interval, or the euro convention: thousands.
        ("USD 1.500 - 2.000 per week", None, (1500, 2000, "USD", "week")),
        ("€38.580 - €45.000", None, (38580, 45000, "EUR", "year")),
        ("€38.580 - €45.000 per year", "Hourly", (38580, 45000, "EUR", "year")),
        # A posting's "Hourly" type does not turn a yearly amount into hourly pay.
        ("Salary: $52,000 - $60,000", "Hourly", (52000, 60000, "USD", "year")),
    ],
)
def test_three_decimal_amounts_follow_the_context(text: str, hint: str | None, expected: tuple) -> None:
    salary = n.parse_salary_text(text, interval=hint)
    assert salary is not None
    assert (salary["min"], salary["max"], salary["currency"], salary["interval"]) == expected


def test_bare_dollar_three_decimal_amounts_without_interval_are_not_guessed() -> None:
    """Saskatchewan's "$38.580 to $50.070" is $38.58-50.07 an hour, but nothing in the text says so."""
    text = "Salary or Pay Band: Pay Band Nurse A $38.580 to $50.070\nTravel Required: No"
    assert n.salary_from_description(text) is None
    assert n.parse_salary_text("$120.000 - $150.000") is None
    found = n.salary_from_description(text, interval="Hourly", dollar=n.dollar_currency("CA"))
    assert found is not None
    assert (found["min"], found["max"], found["currency"], found["interval"]) == (38.58, 50.07, "CAD", "hour")


def test_dollar_currency_by_country() -> None:
    assert (n.dollar_currency("CA"), n.dollar_currency("au"), n.dollar_currency("US"), n.dollar_currency(None)) == (
        "CAD", "AUD", None, None)
    assert n.parse_salary_text("US$40 - US$50 per hour", dollar="CAD")["currency"] == "USD"  # only a bare "$"
    assert n.parse_salary_text("$40 - $50 per hour", dollar="CAD")["currency"] == "CAD"


def test_make_salary_validates() -> None:
    assert n.make_salary("150000", "120000", "usd", "per-year-salary")["min"] == 120000  # swapped
    assert n.make_salary(-5, 10, "USD", "1 YEAR") is None
    assert n.make_salary(1e12, None, "USD", "year") is None
    assert n.make_salary(None, None, "USD", "year") is None
    assert n.make_salary(0, 0, "USD", "year") is None
    assert n.make_salary(25, 30, "USD", "HOURLY")["interval"] == "hour"
    assert n.make_salary("4000", "5000", "EUR", "month")["interval"] == "month"


@pytest.mark.parametrize(
    ("raw", "city", "region", "country"),
    [
        ("New York, New York, USA", "New York", "New York", "US"),
        ("Hybrid - London", "London", None, "GB"),
        ("Remote", None, None, None),
        ("Stockholm, Sweden", "Stockholm", None, "SE"),
        ("Audubon, PA (Hybrid)", "Audubon", "Pennsylvania", "US"),
        ("San Francisco, CA", "San Francisco", "California", "US"),
        ("Toronto, ON, Canada", "Toronto", "Ontario", "CA"),
        ("Remote - US", None, None, "US"),
        ("Germany", None, None, "DE"),
    ],
)
def test_parse_location(raw: str, city: str | None, region: str | None, country: str | None) -> None:
    loc = n.parse_location(raw)
    assert loc == {"raw": raw, "city": city, "region": region, "country": country}


def test_parse_location_structured_parts_win() -> None:
    assert n.parse_location("Ho Chi Minh", country="VN")["country"] == "VN"
    assert n.parse_location(city="Austin", region="TX") == {
        "raw": "Austin, TX", "city": "Austin", "region": "Texas", "country": "US"}
    assert n.parse_location(None) is None


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("Full-Time", "full_time"), ("Permanent", "full_time"), ("FullTime", "full_time"),
     ("fulltime_permanent", "full_time"), ("Part-time", "part_time"), ("Contract", "contract"),
     ("Intern", "internship"), ("Short Term", "temporary"), ("Temporary", "temporary"), ("", None),
     ("Something else", None)],
)
def test_employment_type(raw: str, expected: str | None) -> None:
    assert n.employment_type(raw) == expected


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("remote", "remote"), ("on-site", "onsite"), ("Hybrid", "hybrid"), ("unspecified", None), ("Remote", "remote")],
)
def test_workplace_type(raw: str, expected: str | None) -> None:
    assert n.workplace_type(raw) == expected


def test_sanitize_html_removes_active_content() -> None:
    dirty = ('<p onclick="x()">Hi<script>alert(1)</script><a href="javascript:alert(1)">a</a>'
             '<img src=x onerror=alert(1)><style>p{}</style><a href="https://ok.example/">ok</a></p>')
    clean = n.sanitize_html(dirty)
    assert clean is not None
    for bad in ("script", "onclick", "onerror", "javascript:", "<img", "<style"):
        assert bad not in clean
    assert 'href="https://ok.example/"' in clean and "noopener" in clean


def test_sanitize_caps_length() -> None:
    clean = n.sanitize_html("<p>" + "word " * 100_000 + "</p>", max_chars=1000)
    assert clean is not None and len(clean) <= 1000


def test_html_to_text_keeps_paragraphs() -> None:
    assert n.html_to_text("<p>Hello&nbsp;world</p><ul><li>a</li><li>b</li></ul><p>end</p>") == "Hello world\n\na\nb\n\nend"
    assert n.html_to_text("Build <b>pipelines</b>.<p>a</p><p>b</p>") == "Build pipelines.\na\n\nb"


def test_safe_keys() -> None:
    assert n.safe_keys({"$where": 1, "a.b": {"$gt": 2}, "ok": [{"x.y": 1}]}) == {
        "where": 1, "a_b": {"gt": 2}, "ok": [{"x_y": 1}]}
