"""The crawled job item: the fields every ATS spider fills (see docs/schema.md)."""

from __future__ import annotations

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
