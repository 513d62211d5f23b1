"""The storage limits of the validate stage, in-process: every cap of docs/schema.md "Storage limits" applied
and counted, identities never cut, a document still too large dropped; drop log lines carry the key only."""

from __future__ import annotations

from typing import Any

import pytest
from scrapy.exceptions import DropItem
from scrapy.utils.test import get_crawler

from crawlerats.items import JobItem
from crawlerats.logformatter import OneLineLogFormatter
from crawlerats.pipelines.validate import (
    FIELD_CAPS,
    MAX_BLOB_BYTES,
    MAX_ID_CHARS,
    MAX_LOCATIONS,
    ValidatePipeline,
)


def pipeline(**settings: Any) -> ValidatePipeline:
    crawler = get_crawler(settings_dict=settings)
    crawler._apply_settings()
    return ValidatePipeline(crawler)


def item(job_id: str = "1", **fields: Any) -> JobItem:
    return JobItem(**{"ats": "lever", "company": "acme", "job_id": job_id, "title": "Engineer", "locations": [],
                      "extras": {}, **fields})


def test_every_field_cap_is_applied_and_counted() -> None:
    stage = pipeline()
    loc = {"raw": "R" * 5000, "city": "C" * 5000, "region": "G" * 5000, "country": "SE"}
    result = stage.process_item(item(
        title="T" * 50_000, department="D" * 5000, location="L" * 50_000, url="https://x/" + "u" * 5000,
        apply_url="https://x/apply", requisition_id="R" * 1000, locations=[loc] * (MAX_LOCATIONS + 5),
        extras={"blob": "e" * (MAX_BLOB_BYTES + 1)}, salary_raw="s" * (MAX_BLOB_BYTES + 1),
        description_text="d" * (FIELD_CAPS["description_text"] + 10)))
    stats = stage.crawler.stats.get_stats()
    assert len(result["title"]) == FIELD_CAPS["title"] and len(result["location"]) == FIELD_CAPS["location"]
    assert len(result["department"]) == FIELD_CAPS["department"]
    assert len(result["description_text"]) == FIELD_CAPS["description_text"]
    assert result["url"] is None and result["apply_url"] == "https://x/apply"  # a cut URL would be wrong
    assert result["requisition_id"] is None
    assert len(result["locations"]) == MAX_LOCATIONS
    assert {len(result["locations"][0][k]) for k in ("raw", "city", "region")} == {
        FIELD_CAPS["locations.raw"], FIELD_CAPS["locations.city"]}
    assert result["extras"] == {} and result["salary_raw"] is None
    for name in ("title", "department", "location", "url", "requisition_id", "locations", "extras", "salary_raw",
                 "description_text"):
        assert stats[f"crawlerats/repaired/{name}_capped"] == 1, name
    assert stats["crawlerats/repaired/locations_raw_capped"] == MAX_LOCATIONS


def test_values_within_the_caps_are_untouched() -> None:
    stage = pipeline()
    result = stage.process_item(item(title="Data Engineer", location="Stockholm", url="https://x/1"))
    assert (result["title"], result["location"], result["url"]) == ("Data Engineer", "Stockholm", "https://x/1")
    assert not any(k.startswith("crawlerats/repaired/") for k in stage.crawler.stats.get_stats())


def test_an_identity_over_its_cap_and_a_document_still_too_large_are_dropped() -> None:
    stage = pipeline(CRAWLERATS_MAX_DOCUMENT_BYTES=100_000)
    with pytest.raises(DropItem, match="identity_too_long"):
        stage.process_item(item(job_id="I" * (MAX_ID_CHARS + 1)))
    with pytest.raises(DropItem, match="too_large"):  # every field within its cap, the sum over the limit
        stage.process_item(item(job_id="2", description_html="h" * 90_000, description_text="t" * 90_000))
    stats = stage.crawler.stats.get_stats()
    assert stats["crawlerats/dropped/identity_too_long"] == 1 and stats["crawlerats/dropped/too_large"] == 1


def test_a_dropped_item_is_logged_as_one_short_line_with_its_key() -> None:
    crawler = get_crawler(settings_dict={})
    crawler._apply_settings()
    huge = item(job_id="42", description_text="x" * 100_000)
    entry = OneLineLogFormatter.from_crawler(crawler).dropped(huge, DropItem("duplicate_in_run: lever/acme/42"),
                                                             None, crawler._create_spider("x"))
    line = entry["msg"] % entry["args"]
    assert line == "Dropped lever/acme/42: duplicate_in_run: lever/acme/42"
