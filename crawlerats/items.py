"""The crawled job item: the fields every ATS spider fills (see docs/schema.md), and the per-posting
state the pipeline stages hand each other (`PostingState`, on the item's one internal field `state`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import bson
import scrapy

#: Crawled fields, in the order docs/schema.md lists them.
CRAWLED_FIELDS: tuple[str, ...] = (
    "ats",
    "company",
    "company_name",
    "job_id",
    "requisition_id",
    "title",
    "department",
    "team",
    "employment_type",
    "employment_type_raw",
    "workplace_type",
    "locations",
    "location",
    "salary",
    "salary_raw",
    "description_html",
    "description_text",
    "url",
    "apply_url",
    "posted_at",
    "posted_at_raw",
    "updated_at",
    "updated_at_raw",
    "extras",
)

#: Fields an item must have to be stored; anything lacking one is dropped with a counted reason.
REQUIRED_FIELDS: tuple[str, ...] = ("ats", "company", "job_id", "title")

EMPLOYMENT_TYPES = frozenset({"full_time", "part_time", "contract", "temporary", "internship"})
WORKPLACE_TYPES = frozenset({"remote", "hybrid", "onsite"})
SALARY_INTERVALS = frozenset({"year", "month", "week", "day", "hour"})

#: What happened to a posting in this crawl, decided by the dedup stage (stats `crawlerats/outcome/<name>`):
#: first stored now, its crawled content differs from the stored copy, the same as stored, back after closing.
OUTCOMES = ("new", "changed", "unchanged", "reopened")
#: Bump when a change of the dedup features (MinHash, keys) makes every stored `dedup` subdocument stale:
#: it is part of every fingerprint, so the next crawl takes the full path once for every posting.
FINGERPRINT_VERSION = "1"


class JobItem(scrapy.Item):
    """One posting as a spider saw it. Declared fields only: a typo is a KeyError, not a silent new field."""

    ats = scrapy.Field()
    company = scrapy.Field()
    company_name = scrapy.Field()
    job_id = scrapy.Field()
    requisition_id = scrapy.Field()
    title = scrapy.Field()
    department = scrapy.Field()
    team = scrapy.Field()
    employment_type = scrapy.Field()
    employment_type_raw = scrapy.Field()
    workplace_type = scrapy.Field()
    locations = scrapy.Field()
    location = scrapy.Field()
    salary = scrapy.Field()
    salary_raw = scrapy.Field()
    description_html = scrapy.Field()
    description_text = scrapy.Field()
    url = scrapy.Field()
    apply_url = scrapy.Field()
    posted_at = scrapy.Field()
    posted_at_raw = scrapy.Field()
    updated_at = scrapy.Field()
    updated_at_raw = scrapy.Field()
    extras = scrapy.Field()

    # Maintained by the writer (see docs/schema.md).
    first_seen = scrapy.Field()
    last_seen = scrapy.Field()
    crawl_id = scrapy.Field()
    status = scrapy.Field()

    # Filled by the dedup stage (see docs/dedup.md).
    closed_at = scrapy.Field()
    reopened_count = scrapy.Field()
    content_hash = scrapy.Field()
    #: Digest of every crawled field (`fingerprint()`): an equal one means the crawled content is unchanged.
    fingerprint = scrapy.Field()
    #: Digest of the raw ATS payload the spider mapped this posting from (with the board and the mapping code's
    #: version), set by spiders that map a posting from its payload alone (`AtsSpider.raw_fingerprints`):
    #: equal on the next crawl = the spider need not map the posting again (`unmapped_item`). None otherwise.
    raw_fingerprint = scrapy.Field()
    updated_seen_at = scrapy.Field()
    repost_of = scrapy.Field()
    repost_count = scrapy.Field()
    earlier_postings = scrapy.Field()
    duplicate_group = scrapy.Field()
    duplicate_count = scrapy.Field()
    #: Internal match keys of the dedup stage {title_key, location_key, bands, sig, has_text}: not part of
    #: the public contract; indexed to find reposts and duplicates without scanning a company.
    dedup = scrapy.Field()

    # Filled by the scoring stage (see docs/scoring.md).
    health = scrapy.Field()

    #: The stages' shared per-posting state (`PostingState`); internal: never written to the database.
    state = scrapy.Field(internal=True)


#: Item fields the stages use among themselves and the writer never stores.
INTERNAL_FIELDS = frozenset(name for name, meta in JobItem.fields.items() if meta.get("internal"))


def fingerprint(item: Any) -> str:
    """Digest of the item's crawled fields (with `FINGERPRINT_VERSION`): equal digests, equal crawled content."""
    crawled = {name: item[name] for name in CRAWLED_FIELDS if name in item}
    return hashlib.blake2b(FINGERPRINT_VERSION.encode() + bson.encode(crawled), digest_size=16).hexdigest()


@dataclass(repr=False)
class PostingState:
    """What the stages know about one posting beyond its fields: the one place they share it.

    `stored` is the stored document the dedup stage read (large text fields left out), None when nothing
    is stored; `looked_up` says whether any stage looked (without a dedup stage it is unknown). `outcome` is
    one of `OUTCOMES` (None without a dedup stage). `fast` marks an unchanged posting on the fast path: the
    dedup stage copied what is stored instead of recomputing it. `health_changed` says whether the item's
    `health` differs from the stored one (set by the scoring stage). `unmapped` marks an item the spider did
    not map because its raw payload has the stored `raw_fingerprint` (`unmapped_item`): it carries the posting's
    identity only until the dedup stage fills its crawled fields from the stored document. `dropped` is why
    the dedup stage could not do that (the stored copy changed meanwhile): the item is dropped, counted.
    """

    stored: dict[str, Any] | None = None
    looked_up: bool = False
    fingerprint: str | None = None
    outcome: str | None = None
    fast: bool = False
    health_changed: bool = True
    unmapped: bool = False
    dropped: str | None = None

    def __repr__(self) -> str:
        return (f"PostingState(outcome={self.outcome!r}, fast={self.fast}, health_changed={self.health_changed}, "
                f"unmapped={self.unmapped})")


def state_of(item: Any) -> PostingState:
    """The item's state, created at the first stage that asks. Creating it is where a crawled posting's
    `status` is decided, once for every stage: a posting a crawl sees is open (`closed_at` null)."""
    state = item.get("state") if hasattr(item, "get") else None
    if state is None:
        state = PostingState()
        item["state"] = state
        item["status"] = "open"
        item["closed_at"] = None
    return state


def unmapped_item(ats: str, company: str, job_id: str, raw_fingerprint: str) -> JobItem:
    """The item of a posting whose raw payload has the stored `raw_fingerprint`: its identity and that digest,
    `PostingState.unmapped`; the dedup stage fills the crawled fields from the stored document (docs/dedup.md)."""
    item = JobItem(ats=ats, company=company, job_id=job_id, raw_fingerprint=raw_fingerprint)
    state_of(item).unmapped = True
    return item
