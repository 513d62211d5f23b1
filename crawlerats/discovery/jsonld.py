"""schema.org JobPosting objects from a page's JSON-LD (parsed by extruct), and their contract values.

`job_postings(selector)` returns the JobPosting dicts and the number of malformed JSON-LD blocks (each
block is parsed on its own, so one broken block does not hide the others). The `*_of` helpers turn
schema.org values (Place/PostalAddress, MonetaryAmount/QuantitativeValue, PropertyValue identifiers)
into what `AtsSpider.make_item` takes.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from functools import cache
from typing import Any

from parsel import Selector

from crawlerats.normalize import make_salary, unescape_html


@cache
def _extractor() -> Any:
    """extruct's JSON-LD extractor, imported at first use: extruct loads every syntax it reads (microformats,
    RDFa...), about 0.4 s that every crawl paid at start-up, since Scrapy imports every spider module."""
    from extruct.jsonld import JsonLdExtractor

    return JsonLdExtractor()


_MAX_DEPTH = 12


def job_postings(selector: Selector) -> tuple[list[dict[str, Any]], int, int]:
    """(JobPosting objects, JSON-LD blocks seen, malformed blocks) of an HTML document."""
    postings: list[dict[str, Any]] = []
    blocks = malformed = 0
    for node in selector.xpath('//script[@type="application/ld+json"]'):
        blocks += 1
        try:
            items = list(_extractor().extract_items(node.root))
        except Exception:  # noqa: BLE001 - extruct raises whatever the JSON parsers raise
            malformed += 1
            continue
        for item in items:
            postings.extend(_walk(item, 0))
    return postings, blocks, malformed


def _is_posting(value: dict[str, Any]) -> bool:
    kind = value.get("@type")
    kinds = kind if isinstance(kind, list) else [kind]
    return any(isinstance(k, str) and k.rsplit("/", 1)[-1] == "JobPosting" for k in kinds)


def _walk(value: Any, depth: int) -> Iterator[dict[str, Any]]:
    """JobPostings anywhere in a JSON-LD value (@graph, ItemList elements ...), not inside a posting."""
    if depth > _MAX_DEPTH:
        return
    if isinstance(value, dict):
        if _is_posting(value):
            yield value
            return
        for child in value.values():
            yield from _walk(child, depth + 1)
    elif isinstance(value, list):
        for child in value:
            yield from _walk(child, depth + 1)


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def text_of(value: Any) -> str | None:
    """A plain string from a string, number, or an object's name/value/@id."""
    value = _first(value)
    if isinstance(value, dict):
        value = value.get("value", value.get("name", value.get("@id")))
        value = _first(value)
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float, str)):
        text = str(value).strip()
        return text or None
    return None


def identifier_of(posting: dict[str, Any]) -> str | None:
    """The posting's `identifier` value (a string, number or PropertyValue)."""
    return text_of(posting.get("identifier"))


def stable_id(url: str | None, title: str | None) -> str:
    """A stable job id for postings without an identifier: a hash of their URL and title."""
    return "h-" + hashlib.sha1(f"{url or ''}\n{(title or '').strip()}".encode()).hexdigest()[:20]


def organization_name(posting: dict[str, Any]) -> str | None:
    organization = _first(posting.get("hiringOrganization"))
    if isinstance(organization, dict):
        return text_of(organization.get("name"))
    return text_of(organization)


def locations_of(posting: dict[str, Any]) -> list[Any]:
    """`jobLocation` Places to make_item locations ({city, region, country} or raw strings)."""
    places = posting.get("jobLocation")
    result: list[Any] = []
    for place in places if isinstance(places, list) else [places]:
        if isinstance(place, str):
            result.append(place)
            continue
        if not isinstance(place, dict):
            continue
        address = place.get("address")
        if isinstance(address, str):
            result.append(address)
        elif isinstance(address, dict):
            parts = {"city": text_of(address.get("addressLocality")), "region": text_of(address.get("addressRegion")),
                     "country": text_of(address.get("addressCountry"))}
            if any(parts.values()):
                result.append(parts)
        elif text_of(place.get("name")):
            result.append(text_of(place.get("name")))
    return result


def is_remote(posting: dict[str, Any]) -> bool:
    kinds = posting.get("jobLocationType")
    return any(isinstance(k, str) and k.strip().upper() == "TELECOMMUTE"
               for k in (kinds if isinstance(kinds, list) else [kinds]))


def salary_of(posting: dict[str, Any]) -> dict[str, Any] | None:
    """`baseSalary` (MonetaryAmount with a QuantitativeValue, or a bare number) to a contract salary."""
    amount = _first(posting.get("baseSalary"))
    if amount is None:
        return None
    if not isinstance(amount, dict):
        return make_salary(amount, None, posting.get("salaryCurrency"))
    currency = amount.get("currency") or posting.get("salaryCurrency")
    value = amount.get("value")
    if isinstance(value, dict):
        low = value.get("minValue", value.get("value"))
        high = value.get("maxValue")
        return make_salary(low, high, currency, value.get("unitText") or amount.get("unitText"))
    return make_salary(value, None, currency, amount.get("unitText"))


def employment_types(posting: dict[str, Any]) -> list[str]:
    value = posting.get("employmentType")
    values = value if isinstance(value, list) else [value]
    return [v.strip() for v in values if isinstance(v, str) and v.strip()]


def description_of(posting: dict[str, Any]) -> str | None:
    """The description HTML; entity-escaped HTML (`&lt;p&gt;`) is unescaped once."""
    value = posting.get("description")
    if not isinstance(value, str) or not value.strip():
        return None
    if "<" not in value and "&lt;" in value:
        value = unescape_html(value) or value
    return value
