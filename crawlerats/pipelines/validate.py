"""Stage 1: drop items that cannot be stored (counted by reason) and repair values outside the contract."""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawlerats.items import EMPLOYMENT_TYPES, SALARY_INTERVALS, WORKPLACE_TYPES

logger = logging.getLogger(__name__)

#: Fields whose coverage is tracked in stats as crawlerats/field/<name>/missing (see docs/operations.md).
COVERAGE_FIELDS = ("title", "location", "posted_at", "description_text", "salary")
_STRING_FIELDS = ("company_name", "requisition_id", "department", "team", "employment_type_raw", "location",
                  "description_html", "description_text", "url", "apply_url", "posted_at_raw", "updated_at_raw")


_SURROGATE = re.compile("[\ud800-\udfff]")
_INT64 = 2**63


def _storable(value: Any, depth: int = 0) -> Any:
    """`value` itself when BSON can encode it, else a repaired copy (see `_make_storable`)."""
    if isinstance(value, str):
        if value.isascii():
            return value
        try:
            value.encode("utf-8")  # fails only on lone surrogates; faster than searching for them
        except UnicodeEncodeError:
            return _SURROGATE.sub("\ufffd", value)
        return value
    if isinstance(value, int) and not isinstance(value, bool):
        return value if -_INT64 <= value < _INT64 else str(value)
    if depth > 40:
        return value
    if isinstance(value, dict):
        pairs = [(k, _storable(k, depth + 1), v, _storable(v, depth + 1)) for k, v in value.items()]
        if all(k2 is k and v2 is v for k, k2, v, v2 in pairs):
            return value
        return {k2: v2 for _, k2, _, v2 in pairs}
    if isinstance(value, (list, tuple)):
        items = [_storable(v, depth + 1) for v in value]
        return value if all(a is b for a, b in zip(items, value, strict=True)) else items
    return value


def drop(crawler: Crawler | None, reason: str, message: str) -> DropItem:
    """Count `crawlerats/dropped/<reason>` and return the DropItem to raise."""
    if crawler is not None and crawler.stats is not None:
        crawler.stats.inc_value(f"crawlerats/dropped/{reason}")
    return DropItem(f"{reason}: {message}")


class ValidatePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.seen: set[tuple[str, str, str]] = set()

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def _repair(self, adapter: ItemAdapter, field: str, reason: str) -> None:
        adapter[field] = None
        self.crawler.stats.inc_value(f"crawlerats/repaired/{reason}")

    def process_item(self, item: Any) -> Any:
        adapter = ItemAdapter(item)
        self._make_storable(adapter)
        for field in ("ats", "company", "job_id"):
            value = adapter.get(field)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = adapter[field] = str(value)
            if not isinstance(value, str) or not value.strip():
                raise drop(self.crawler, "missing_identity", f"{field}={value!r} in {dict(adapter)!r:.200}")
        title = adapter.get("title")
        if not isinstance(title, str) or not title.strip():
            raise drop(self.crawler, "missing_title", f"{adapter['ats']}/{adapter['company']}/{adapter['job_id']}")
        key = (adapter["ats"], adapter["company"], adapter["job_id"])
        if key in self.seen:
            raise drop(self.crawler, "duplicate_in_run", "/".join(key))
        self.seen.add(key)
        self._check_types(adapter)
        self.crawler.stats.inc_value("crawlerats/field/checked")
        for field in COVERAGE_FIELDS:
            if not adapter.get(field):
                self.crawler.stats.inc_value(f"crawlerats/field/{field}/missing")
        return item

    def _make_storable(self, adapter: ItemAdapter) -> None:
        """Repair values BSON cannot hold, which would fail the whole batch's write: lone UTF-16
        surrogates (JSON `\\ud800` escapes) become U+FFFD, integers beyond 64 bits become strings."""
        for field, value in list(adapter.items()):
            repaired = _storable(value)
            if repaired is not value:
                adapter[field] = repaired
                self.crawler.stats.inc_value(f"crawlerats/repaired/{field}_unstorable")

    def _check_types(self, adapter: ItemAdapter) -> None:
        for field in _STRING_FIELDS:
            if adapter.get(field) is not None and not isinstance(adapter.get(field), str):
                self._repair(adapter, field, f"{field}_type")
        if adapter.get("employment_type") not in EMPLOYMENT_TYPES | {None}:
            self._repair(adapter, "employment_type", "employment_type_value")
        if adapter.get("workplace_type") not in WORKPLACE_TYPES | {None}:
            self._repair(adapter, "workplace_type", "workplace_type_value")
        for field in ("posted_at", "updated_at"):
            if adapter.get(field) is not None and not isinstance(adapter.get(field), datetime):
                self._repair(adapter, field, f"{field}_type")
        salary = adapter.get("salary")
        if salary is not None and (not isinstance(salary, dict) or salary.get("interval") not in SALARY_INTERVALS | {None}):
            self._repair(adapter, "salary", "salary_value")
        if not isinstance(adapter.get("locations"), list):
            adapter["locations"] = []
        if not isinstance(adapter.get("extras"), dict):
            adapter["extras"] = {}
