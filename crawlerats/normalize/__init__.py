"""The one normalisation module: every ATS spider turns raw values into contract values through here."""

from crawlerats.normalize.dates import parse_datetime, parse_relative_posted, plausible_posted
from crawlerats.normalize.employment import employment_type, workplace_from_text, workplace_type
from crawlerats.normalize.html import html_to_text, sanitize_html, unescape_html
from crawlerats.normalize.locations import join_locations, parse_location
from crawlerats.normalize.salary import (
    dollar_currency,
    make_salary,
    normalize_interval,
    parse_salary_text,
    salary_from_description,
)
from crawlerats.normalize.text import clean_text, safe_keys

__all__ = [
    "clean_text",
    "employment_type",
    "html_to_text",
    "join_locations",
    "dollar_currency",
    "make_salary",
    "normalize_interval",
    "parse_datetime",
    "parse_location",
    "parse_relative_posted",
    "parse_salary_text",
    "plausible_posted",
    "safe_keys",
    "salary_from_description",
    "sanitize_html",
    "unescape_html",
    "workplace_from_text",
    "workplace_type",
]
