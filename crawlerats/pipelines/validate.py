"""Stage 1: drop items that cannot be stored (counted by reason) and repair values outside the contract.

Storage limits are decided here, once, before the database (docs/schema.md "Storage limits"): every text
field has a cap in characters (`FIELD_CAPS`, over it the value is cut, or nulled where a cut value would be
wrong: URLs, requisition ids), `locations` a cap on entries, `salary_raw`/`extras` a cap on encoded size;
each repair is counted as `crawlerats/repaired/<field>_capped`. An identity value over its cap drops the
posting (`identity_too_long`), and a document still over `CRAWLERATS_MAX_DOCUMENT_BYTES` after the caps is
dropped (`too_large`) rather than sent: one hostile posting never reaches the writer's batch.
"""

from __future__ import annotations

import logging
import re
from datetime import datetime
from typing import Any

import bson
from itemadapter import ItemAdapter
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem

from crawlerats.items import EMPLOYMENT_TYPES, INTERNAL_FIELDS, SALARY_INTERVALS, WORKPLACE_TYPES, JobItem
from crawlerats.normalize.html import MAX_DESCRIPTION_CHARS
from crawlerats.normalize.salary import annualised

logger = logging.getLogger(__name__)

#: Fields whose coverage is tracked in stats as crawlerats/field/<name>/missing (see docs/operations.md).
COVERAGE_FIELDS = ("title", "location", "posted_at", "description_text", "salary")
_STRING_FIELDS = ("company_name", "requisition_id", "department", "team", "employment_type_raw", "location",
                  "description_html", "description_text", "url", "apply_url", "posted_at_raw", "updated_at_raw")


#: Caps in characters. Over the cap a text is cut to it (`_CUT`) or nulled (the rest): a cut URL or id is wrong.
FIELD_CAPS: dict[str, int] = {
    "title": 1_000,
    "company_name": 500,
    "department": 500,
    "team": 500,
    "employment_type_raw": 200,
    "location": 2_000,
    "locations.raw": 500,
    "locations.city": 200,
    "locations.region": 200,
    "description_html": MAX_DESCRIPTION_CHARS,
    "description_text": MAX_DESCRIPTION_CHARS,
    "posted_at_raw": 200,
    "updated_at_raw": 200,
    "salary.raw": 1_000,
    "requisition_id": 256,
    "url": 2_048,
    "apply_url": 2_048,
}
_CUT = frozenset({"title", "company_name", "department", "team", "employment_type_raw", "location", "locations.raw",
                  "locations.city", "locations.region", "description_html", "description_text", "posted_at_raw",
                  "updated_at_raw", "salary.raw"})
#: Identity fields: over this many characters the posting is dropped (a cut id could merge two postings).
MAX_ID_CHARS = 512
#: Entries kept in `locations`.
MAX_LOCATIONS = 100
#: Encoded (BSON) size kept for the free-form `salary_raw` and `extras`; over it the value is emptied.
MAX_BLOB_BYTES = 64 * 1024
#: A document over this many BSON bytes after the caps is dropped (`too_large`). The server refuses 16 MiB;
#: the margin leaves room for what the dedup and scoring stages add (earlier postings, health, match keys).
MAX_DOCUMENT_BYTES = 4 * 1024 * 1024

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


def _key(adapter: ItemAdapter) -> str:
    """The posting key for log lines: `ats/company/job_id`, each part shortened (never the whole item)."""
    return "/".join(f"{adapter.get(f)!s:.80}" for f in ("ats", "company", "job_id"))


def drop(crawler: Crawler | None, reason: str, message: str) -> DropItem:
    """Count `crawlerats/dropped/<reason>` and return the DropItem to raise."""
    if crawler is not None and crawler.stats is not None:
        crawler.stats.inc_value(f"crawlerats/dropped/{reason}")
    return DropItem(f"{reason}: {message}")


def bson_size_bound(value: Any, depth: int = 0) -> int:
    """An upper bound of a value's BSON size, cheap (no encoding): 4 bytes per character (UTF-8's worst case)
    plus framing. Values nested deeper than 32 levels count as unbounded, so the caller encodes them."""
    if isinstance(value, str):
        return 4 * len(value) + 8
    if depth > 32:
        return 1 << 62
    if isinstance(value, dict):
        return sum(bson_size_bound(k, depth + 1) + bson_size_bound(v, depth + 1) for k, v in value.items()) + 8
    if isinstance(value, (list, tuple)):
        return sum(bson_size_bound(v, depth + 1) + 16 for v in value) + 8
    if isinstance(value, bytes):
        return len(value) + 16
    return 24


def _blob_bytes(value: Any) -> int:
    try:
        return len(bson.encode({"v": value}))
    except Exception:  # noqa: BLE001 - unencodable counts as over any limit; _make_storable repairs the rest
        return MAX_BLOB_BYTES + 1


class ValidatePipeline:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.seen: set[tuple[str, str, str]] = set()
        self.max_document_bytes = crawler.settings.getint("CRAWLERATS_MAX_DOCUMENT_BYTES", MAX_DOCUMENT_BYTES)

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> ValidatePipeline:
        return cls(crawler)

    def _repair(self, adapter: ItemAdapter, field: str, reason: str) -> None:
        adapter[field] = None
        self.crawler.stats.inc_value(f"crawlerats/repaired/{reason}")

    def process_item(self, item: Any) -> Any:
        state = item.get("state") if isinstance(item, JobItem) else None
        if state is not None and state.unmapped:
            # Not mapped (its raw payload is the stored one's): the stored posting passed this stage already.
            key = (item["ats"], item["company"], item["job_id"])
            if key in self.seen:
                raise drop(self.crawler, "duplicate_in_run", "/".join(key))
            self.seen.add(key)
            return item
        adapter = ItemAdapter(item)
        self._make_storable(adapter)
        for field in ("ats", "company", "job_id"):
            value = adapter.get(field)
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                value = adapter[field] = str(value)
            if not isinstance(value, str) or not value.strip():
                raise drop(self.crawler, "missing_identity", f"{field}={value!r:.100} in {_key(adapter)}")
            if len(value) > MAX_ID_CHARS:
                raise drop(self.crawler, "identity_too_long", f"{field} of {len(value):,} characters in {_key(adapter)}")
        title = adapter.get("title")
        if not isinstance(title, str) or not title.strip():
            raise drop(self.crawler, "missing_title", f"{adapter['ats']}/{adapter['company']}/{adapter['job_id']}")
        key = (adapter["ats"], adapter["company"], adapter["job_id"])
        if key in self.seen:
            raise drop(self.crawler, "duplicate_in_run", "/".join(key))
        self.seen.add(key)
        self._check_types(adapter)
        self._cap(adapter)
        size = self._document_bytes(adapter)
        if size > self.max_document_bytes:
            raise drop(self.crawler, "too_large", f"{'/'.join(key)}: {size:,} bytes after the field caps")
        self.crawler.stats.inc_value("crawlerats/field/checked")
        for field in COVERAGE_FIELDS:
            if not adapter.get(field):
                self.crawler.stats.inc_value(f"crawlerats/field/{field}/missing")
        return item

    def _capped(self, field: str, value: Any) -> Any:
        """`value` within `FIELD_CAPS[field]` (cut or None), counting `crawlerats/repaired/<field>_capped`."""
        cap = FIELD_CAPS[field]
        if not isinstance(value, str) or len(value) <= cap:
            return value
        self.crawler.stats.inc_value(f"crawlerats/repaired/{field.replace('.', '_')}_capped")
        return value[:cap].rstrip() if field in _CUT else None

    def _cap(self, adapter: ItemAdapter) -> None:
        """Apply the storage limits (module docstring) to every crawled field."""
        for field in FIELD_CAPS:
            if "." not in field and field in adapter:
                adapter[field] = self._capped(field, adapter.get(field))
        locations = adapter.get("locations") or []
        if len(locations) > MAX_LOCATIONS:
            locations = locations[:MAX_LOCATIONS]
            self.crawler.stats.inc_value("crawlerats/repaired/locations_capped")
        adapter["locations"] = [
            {k: self._capped(f"locations.{k}", v) if f"locations.{k}" in FIELD_CAPS else v for k, v in loc.items()}
            if isinstance(loc, dict) else loc for loc in locations]
        salary = adapter.get("salary")
        if isinstance(salary, dict) and "raw" in salary:
            adapter["salary"] = {**salary, "raw": self._capped("salary.raw", salary["raw"])}
        for field, empty in (("salary_raw", None), ("extras", {})):
            value = adapter.get(field)
            if value and bson_size_bound(value) > MAX_BLOB_BYTES and _blob_bytes(value) > MAX_BLOB_BYTES:
                adapter[field] = empty
                self.crawler.stats.inc_value(f"crawlerats/repaired/{field}_capped")

    def _document_bytes(self, adapter: ItemAdapter) -> int:
        """The document's BSON size, or an upper bound of it when that is within the limit (no encoding)."""
        document = {k: v for k, v in adapter.items() if k not in INTERNAL_FIELDS}
        bound = bson_size_bound(document)
        return bound if bound <= self.max_document_bytes else _blob_bytes(document)

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
        elif salary is not None:
            adapter["salary"] = annualised(salary)  # the stored per-year range (docs/schema.md)
        if not isinstance(adapter.get("locations"), list):
            adapter["locations"] = []
        if not isinstance(adapter.get("extras"), dict):
            adapter["extras"] = {}
