"""Locations: ATS location text and parts to `{raw, city, region, country}` with ISO 3166-1 alpha-2 countries."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import pycountry

from crawlerats.normalize.text import clean_text

_COUNTRY_ALIASES = {
    "usa": "US", "us": "US", "u.s.": "US", "u.s.a.": "US", "united states": "US", "united states of america": "US",
    "america": "US", "uk": "GB", "u.k.": "GB", "united kingdom": "GB", "england": "GB", "scotland": "GB",
    "wales": "GB", "northern ireland": "GB", "great britain": "GB", "britain": "GB", "deutschland": "DE",
    "south korea": "KR", "korea": "KR", "russia": "RU", "vietnam": "VN", "czech republic": "CZ", "czechia": "CZ",
    "the netherlands": "NL", "holland": "NL", "turkey": "TR", "türkiye": "TR", "taiwan": "TW", "iran": "IR",
    "uae": "AE", "bolivia": "BO", "venezuela": "VE", "tanzania": "TZ", "moldova": "MD", "laos": "LA",
    "syria": "SY", "ivory coast": "CI", "macedonia": "MK", "kosovo": "XK", "österreich": "AT", "schweiz": "CH",
    "españa": "ES", "sverige": "SE", "danmark": "DK", "norge": "NO", "suomi": "FI", "polska": "PL",
}
_US_STATES = {
    "AL": "Alabama", "AK": "Alaska", "AZ": "Arizona", "AR": "Arkansas", "CA": "California", "CO": "Colorado",
    "CT": "Connecticut", "DE": "Delaware", "FL": "Florida", "GA": "Georgia", "HI": "Hawaii", "ID": "Idaho",
    "IL": "Illinois", "IN": "Indiana", "IA": "Iowa", "KS": "Kansas", "KY": "Kentucky", "LA": "Louisiana",
    "ME": "Maine", "MD": "Maryland", "MA": "Massachusetts", "MI": "Michigan", "MN": "Minnesota",
    "MS": "Mississippi", "MO": "Missouri", "MT": "Montana", "NE": "Nebraska", "NV": "Nevada",
    "NH": "New Hampshire", "NJ": "New Jersey", "NM": "New Mexico", "NY": "New York", "NC": "North Carolina",
    "ND": "North Dakota", "OH": "Ohio", "OK": "Oklahoma", "OR": "Oregon", "PA": "Pennsylvania",
    "RI": "Rhode Island", "SC": "South Carolina", "SD": "South Dakota", "TN": "Tennessee", "TX": "Texas",
    "UT": "Utah", "VT": "Vermont", "VA": "Virginia", "WA": "Washington", "WV": "West Virginia",
    "WI": "Wisconsin", "WY": "Wyoming", "DC": "District of Columbia",
}
_US_STATE_NAMES = {name.lower(): code for code, name in _US_STATES.items()}
_CA_PROVINCES = {
    "ON": "Ontario", "QC": "Quebec", "BC": "British Columbia", "AB": "Alberta", "MB": "Manitoba",
    "SK": "Saskatchewan", "NS": "Nova Scotia", "NB": "New Brunswick", "NL": "Newfoundland and Labrador",
    "PE": "Prince Edward Island",
}
_CA_PROVINCE_NAMES = {name.lower(): code for code, name in _CA_PROVINCES.items()}
#: Well-known cities whose country is unambiguous, for single-word locations ("London", "Berlin").
_CITIES = {
    "london": "GB", "manchester": "GB", "edinburgh": "GB", "new york": "US", "new york city": "US", "nyc": "US",
    "san francisco": "US", "seattle": "US", "boston": "US", "chicago": "US", "austin": "US", "denver": "US",
    "los angeles": "US", "atlanta": "US", "washington dc": "US", "washington, d.c.": "US", "miami": "US",
    "berlin": "DE", "munich": "DE", "münchen": "DE", "hamburg": "DE", "frankfurt": "DE", "paris": "FR",
    "stockholm": "SE", "gothenburg": "SE", "toronto": "CA", "vancouver": "CA", "montreal": "CA",
    "dublin": "IE", "amsterdam": "NL", "sydney": "AU", "melbourne": "AU", "singapore": "SG", "tokyo": "JP",
    "bangalore": "IN", "bengaluru": "IN", "mumbai": "IN", "madrid": "ES", "barcelona": "ES", "lisbon": "PT",
    "warsaw": "PL", "zurich": "CH", "zürich": "CH", "copenhagen": "DK", "oslo": "NO", "helsinki": "FI",
    "tel aviv": "IL", "são paulo": "BR", "sao paulo": "BR", "mexico city": "MX", "hong kong": "HK",
    "geneva": "CH", "vienna": "AT", "prague": "CZ", "milan": "IT", "rome": "IT", "brussels": "BE",
}
_PREFIX = re.compile(r"^\s*(remote|hybrid|on-?site|in[- ]office)\s*(?:[-–:/(]|\bin\b)\s*", re.I)
_SUFFIX = re.compile(r"\s*[(\[]\s*(remote|hybrid|on-?site|in[- ]office)[^)\]]*[)\]]\s*$", re.I)
_WORKPLACE_ONLY = re.compile(r"^(remote|hybrid|on-?site|anywhere|worldwide|global|multiple locations|\d+ locations)$", re.I)


@lru_cache(maxsize=4096)
def country_code(value: str | None) -> str | None:
    """ISO 3166-1 alpha-2 code for a country name, alias, alpha-2 or alpha-3 code; None when unknown."""
    text = clean_text(value)
    if not text:
        return None
    key = text.lower().strip(" .")
    if key in _COUNTRY_ALIASES:
        return _COUNTRY_ALIASES[key]
    if len(key) in (2, 3) and key.isalpha():
        found = pycountry.countries.get(alpha_2=key.upper()) if len(key) == 2 else pycountry.countries.get(
            alpha_3=key.upper())
        return found.alpha_2 if found else None
    try:
        return pycountry.countries.lookup(text).alpha_2
    except LookupError:
        return None


def _region_country(part: str) -> tuple[str | None, str | None]:
    """(region name, country) when `part` is a US state or Canadian province by code or name."""
    upper, lower = part.upper(), part.lower()
    if upper in _US_STATES and len(part) == 2:
        return _US_STATES[upper], "US"
    if lower in _US_STATE_NAMES:
        return _US_STATES[_US_STATE_NAMES[lower]], "US"
    if upper in _CA_PROVINCES and len(part) == 2:
        return _CA_PROVINCES[upper], "CA"
    if lower in _CA_PROVINCE_NAMES:
        return _CA_PROVINCES[_CA_PROVINCE_NAMES[lower]], "CA"
    return None, None


def parse_location(raw: Any = None, city: Any = None, region: Any = None, country: Any = None) -> dict[str, Any] | None:
    """One contract location from raw text and/or structured parts (structured parts win)."""
    raw_text = clean_text(raw)
    city, region = clean_text(city), clean_text(region)
    country_value = clean_text(country)
    if not raw_text:
        raw_text = ", ".join(p for p in (city, region, country_value) if p) or None
        if raw_text and (city or region):
            raw = None  # built from structured parts: do not split it again
    code = country_code(country_value) if country_value else None
    if raw and raw_text and not (city or region):
        city, region, split_code = _split(raw_text)
        code = code or split_code
    elif region and not code:
        _, code = _region_country(region)
    if region and len(region) == 2 and code in ("US", "CA"):
        region = _region_country(region)[0] or region
    if not (raw_text or city or region or code):
        return None
    return {"raw": raw_text, "city": city, "region": region, "country": code}


def _split(text: str) -> tuple[str | None, str | None, str | None]:
    body = _SUFFIX.sub("", _PREFIX.sub("", text)).strip(" -–,")
    if body.endswith(")") and "(" not in body:  # "Remote (Canada)": the prefix took the opening parenthesis
        body = body[:-1].strip(" -–,")
    if not body or _WORKPLACE_ONLY.match(body):
        return None, None, None
    parts = [p.strip() for p in re.split(r",|\s[-–|/]\s", body) if p.strip()]
    if not parts:
        return None, None, None
    if len(parts) == 1:
        only = parts[0]
        code = country_code(only)
        if code and only.lower() not in _CITIES:
            return None, None, code
        region, rcode = _region_country(only)
        if rcode and len(only) > 2:
            return None, region, rcode
        return only, None, _CITIES.get(only.lower())
    city = parts[0]
    last = parts[-1]
    region, code = _region_country(last)
    if code:
        return city, region, code
    code = country_code(last)
    middle = parts[1] if len(parts) > 2 else None
    if code:
        if middle:
            region = _region_country(middle)[0] or middle
        return city, region, code
    return city, last, _CITIES.get(city.lower())


def join_locations(locations: list[dict[str, Any]] | None) -> str | None:
    """Display string for a list of contract locations."""
    if not locations:
        return None
    seen: list[str] = []
    for loc in locations:
        text = loc.get("raw") or ", ".join(p for p in (loc.get("city"), loc.get("region"), loc.get("country")) if p)
        if text and text not in seen:
            seen.append(text)
    return "; ".join(seen) or None
