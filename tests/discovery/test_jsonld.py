"""`scrapy crawl jsonld`: schema.org JobPosting pages (plain, several postings, malformed, rendered by the
real Chromium) stored with the jobs contract through the same pipeline stages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pymongo.database import Database

from tests.discovery.conftest import PagesServer
from tests.support.crawl import run_crawl

LATER = "2026-09-02T08:00:00Z"


def _jobs(db: Database) -> dict[str, dict]:
    return {doc["job_id"]: doc for doc in db["jobs"].find({"ats": "jsonld"})}


def test_plain_pages_store_contract_documents_without_a_browser(
        pages: PagesServer, db_settings: dict, mongo_db: Database) -> None:
    urls = ",".join(pages.url(name) for name in ("jsonld_valid.html", "jsonld_several.html"))
    result = run_crawl("jsonld", {"urls": urls}, db_settings)
    stats = result.stats
    assert stats["crawlerats/jsonld/postings"] == 4
    assert stats["crawlerats/items/stored"] == 4
    assert stats["crawlerats/boards/ok"] == 1
    assert "crawlerats/jsonld/render_fallback" not in stats
    assert "playwright/page_count" not in stats  # the browser never started
    jobs = _jobs(mongo_db)
    assert set(jobs) == {"DE-1042", "SUP-7", "88", next(k for k in jobs if k.startswith("h-"))}

    engineer = jobs["DE-1042"]
    assert engineer["ats"] == "jsonld" and engineer["company"] == "127.0.0.1"
    assert engineer["company_name"] == "Plain Co GmbH"
    assert engineer["title"] == "Senior Data Engineer"
    assert engineer["posted_at"] == datetime(2026, 8, 20, tzinfo=UTC)
    assert engineer["posted_at_raw"] == "2026-08-20"
    assert engineer["extras"]["valid_through"] == "2026-10-31T00:00"
    assert engineer["employment_type"] == "full_time" and engineer["employment_type_raw"] == "FULL_TIME"
    assert [(loc["city"], loc["country"]) for loc in engineer["locations"]] == [("Berlin", "DE")]
    assert engineer["salary"] == {"min": 70000.0, "max": 90000.0, "currency": "EUR", "interval": "year",
                                  "raw": "EUR 70,000 - 90,000 per year",
                                  "annual_min": 70000.0, "annual_max": 90000.0}
    assert engineer["salary_raw"]["value"]["unitText"] == "YEAR"
    assert "<b>pipelines</b>" in engineer["description_html"]
    assert "javascript:" not in engineer["description_html"] and "onclick" not in engineer["description_html"]
    assert "pipelines" in engineer["description_text"] and "Python" in engineer["description_text"]
    assert engineer["url"] == pages.url("jobs/de-1042")
    assert engineer["status"] == "open" and engineer["first_seen"] == datetime(2026, 9, 1, 8, tzinfo=UTC)
    assert "ghost_score" in engineer["health"]

    agent = jobs["SUP-7"]
    assert agent["workplace_type"] == "remote"
    assert agent["employment_type_raw"] == "PART_TIME"
    assert agent["extras"]["employment_types"] == ["PART_TIME", "TEMPORARY"]
    assert agent["salary"]["min"] == 24.0 and agent["salary"]["interval"] == "hour"
    assert agent["salary"]["currency"] == "USD"
    assert agent["description_html"] == "<p>Help customers.</p>"  # entity-escaped HTML unescaped once
    assert agent["company_name"] == "Graph Co"

    lead = jobs["88"]
    assert lead["company_name"] == "Graph Co Logistics"
    assert [(loc["city"], loc["region"], loc["country"]) for loc in lead["locations"]] == [
        ("Austin", "Texas", "US"), ("Toronto", "Ontario", "CA")]
    assert lead["posted_at"] == datetime(2026, 7, 15, 7, tzinfo=UTC)
    assert lead["url"] == pages.url("jsonld_several.html")  # no url in the posting: the page

    office = next(doc for key, doc in jobs.items() if key.startswith("h-"))
    assert office["title"] == "Office Manager" and office["url"] == "https://graph.example/jobs/office"
    assert office["extras"]["identifier_hashed"] is True

    # A later crawl finds the same postings under the same ids (hashed ids are stable).
    run_crawl("jsonld", {"urls": pages.url("jsonld_several.html")}, {**db_settings, "CRAWLERATS_NOW": LATER})
    assert mongo_db["jobs"].count_documents({"ats": "jsonld"}) == 4
    office = mongo_db["jobs"].find_one({"title": "Office Manager"})
    assert office["first_seen"] == datetime(2026, 9, 1, 8, tzinfo=UTC)
    assert office["last_seen"] == datetime(2026, 9, 2, 8, tzinfo=UTC)
    assert office["status"] == "open"
    # The site is the board: a page left out of a complete crawl of the site no longer lists its posting.
    assert mongo_db["jobs"].find_one({"job_id": "DE-1042"})["status"] == "closed"


def test_malformed_json_ld_is_counted_and_skipped(pages: PagesServer, db_settings: dict, mongo_db: Database) -> None:
    result = run_crawl("jsonld", {"urls": pages.url("jsonld_malformed.html")}, db_settings)
    assert result.returncode == 0
    assert result.stats["crawlerats/jsonld/malformed"] == 2  # broken JSON and an empty block
    assert result.stats["crawlerats/items/stored"] == 1
    assert result.stats["crawlerats/boards/truncated"] == 1  # weak evidence: nothing of the site is closed
    assert set(_jobs(mongo_db)) == {"OK-1"}


@pytest.mark.browser
def test_page_without_json_ld_in_its_html_is_rendered(
        pages: PagesServer, db_settings: dict, mongo_db: Database, process_marker) -> None:
    env, leftovers = process_marker
    result = run_crawl("jsonld", {"urls": pages.url("jsonld_rendered.html")}, db_settings, env=env)
    stats = result.stats
    assert stats["crawlerats/jsonld/pages_plain"] == 1
    assert stats["crawlerats/jsonld/render_fallback"] == 1
    assert stats["crawlerats/jsonld/pages_rendered"] == 1
    assert stats["crawlerats/boards/ok"] == 1
    doc = mongo_db["jobs"].find_one({"ats": "jsonld", "job_id": "SPA-3"})
    assert doc is not None and doc["title"] == "Frontend Developer"
    assert doc["employment_type"] == "contract" and doc["company_name"] == "SPA Co"
    assert [(loc["city"], loc["country"]) for loc in doc["locations"]] == [("Lisbon", "PT")]
    assert leftovers() == []


@pytest.mark.browser
def test_render_argument_renders_every_page(pages: PagesServer, db_settings: dict, mongo_db: Database) -> None:
    result = run_crawl("jsonld", {"urls": pages.url("jsonld_valid.html"), "render": "true"}, db_settings)
    assert result.stats["crawlerats/jsonld/pages_rendered"] == 1
    assert "crawlerats/jsonld/pages_plain" not in result.stats
    assert set(_jobs(mongo_db)) == {"DE-1042"}
