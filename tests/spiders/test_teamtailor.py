"""Teamtailor spider: the real JSON Feed, paging over `next_url`, the legacy `jobs` shape, empty and looping
feeds, through a real crawl."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from crawlerats.spiders.teamtailor import TeamtailorSpider
from tests.spiders.fuzzing import mapping_failures
from tests.support.ats_server import Reply, file_reply, json_reply
from tests.support.crawl import run_crawl
from tests.support.inprocess import BoardCase, check_item
from tests.support.paths import fixture

NOW = "2026-09-01T00:00:00Z"
FEED = "https://jsonfeed.org/version/1.1"


def _item(number: int, **posting: object) -> dict:
    return {"id": f"uuid-{number}", "title": f"Job {number}",
            "url": f"https://paged.teamtailor.com/jobs/{number}-job-{number}",
            "date_published": "2026-03-01T12:00:00+02:00",
            "_jobposting": {"@type": "JobPosting", "identifier": {"value": number}, **posting}}


def _paged(query: dict[str, str], body: bytes) -> Reply:
    page = int(query.get("page", 1))
    items = [_item(page * 10 + i) for i in range(2)]
    feed: dict = {"version": FEED, "title": "Paged AB", "items": items}
    if page < 3:
        feed["next_url"] = f"https://paged.teamtailor.com/jobs.json?page={page + 1}"
    if page == 2:
        items[0]["_jobposting"].update({
            "description": "<p>Hello <script>alert(1)</script><b>world</b></p>",
            "employmentType": "FULL_TIME", "jobLocationType": "TELECOMMUTE",
            "hiringOrganization": {"@type": "Organization", "name": "Paged Aktiebolag"},
            "baseSalary": {"@type": "MonetaryAmount", "currency": "SEK",
                           "value": {"@type": "QuantitativeValue", "minValue": 40000, "maxValue": 50000,
                                     "unitText": "MONTH"}},
            "jobLocation": {"@type": "Place", "address": {"addressLocality": "Göteborg",
                                                          "addressCountry": {"name": "Sweden"}}}})
        items[0]["date_modified"] = "2026-03-05T10:00:00Z"
    return Reply(body=json.dumps(feed).encode())


def test_teamtailor_boards(ats_server, crawl_settings, mongo_db) -> None:
    ats_server.route("GET", "career.teamtailor.com/jobs.json", file_reply(fixture("teamtailor/teamtailor-career.json")))
    ats_server.route("GET", "paged.teamtailor.com/jobs.json", _paged)
    ats_server.route("GET", "legacy.teamtailor.com/jobs.json", json_reply({"jobs": [
        {"id": "555", "attributes": {"title": "Legacy Designer", "body": "<p>Design things</p>",
                                     "careersite-job-url": "https://legacy.teamtailor.com/jobs/555-legacy-designer",
                                     "created-at": "2025-12-01T09:00:00.000+01:00", "remote-status": "fully",
                                     "employment-type": "part-time"},
         "location": "Oslo, Norway"},
        {"id": None, "title": None},
    ]}))
    ats_server.route("GET", "emptyco.teamtailor.com/jobs.json", json_reply({"version": FEED, "items": []}))
    ats_server.route("GET", "loopy.teamtailor.com/jobs.json", json_reply(
        {"version": FEED, "items": [], "next_url": "https://loopy.teamtailor.com/jobs.json"}))
    result = run_crawl("teamtailor", {"companies": "career,paged,legacy,emptyco,loopy"},
                       {**crawl_settings, "CRAWLERATS_NOW": NOW})
    assert result.stats["crawlerats/boards/ok"] == 4
    assert result.stats["crawlerats/boards/truncated"] == 1
    assert result.stats["crawlerats/dropped/missing_identity"] == 1

    career = {d["job_id"]: d for d in mongo_db.jobs.find({"company": "career"})}
    assert set(career) == {"7167985", "7069633"}
    madrid = career["7167985"]
    assert madrid["ats"] == "teamtailor" and madrid["company_name"] == "Teamtailor"
    assert madrid["title"] == "Account Executive - Italy (Madrid based)"
    assert madrid["posted_at"] == datetime(2026, 2, 4, 8, 26, 20, tzinfo=UTC)
    assert madrid["posted_at_raw"] == "2026-02-04T09:26:20+01:00"
    assert madrid["locations"] == [{"raw": "Madrid, Europe, ES", "city": "Madrid", "region": "Europe", "country": "ES"}]
    assert madrid["url"] == madrid["apply_url"] == \
        "https://career.teamtailor.com/jobs/7167985-account-executive-italy-madrid-based"
    assert madrid["extras"] == {"feed_id": "20fafb7d-f013-4061-b6de-2894b3e0838b"}
    assert madrid["salary"] is None and madrid["description_html"] is None and madrid["employment_type"] is None
    cph = career["7069633"]
    assert [(loc["city"], loc["country"]) for loc in cph["locations"]] == [("Stockholm", "SE"), ("København", "DK")]
    assert cph["location"] == "Stockholm, Sweden, SE; København, Europe, DK"
    assert cph["posted_at"] == datetime(2026, 1, 18, 18, 35, 57, tzinfo=UTC)

    paged = {d["job_id"]: d for d in mongo_db.jobs.find({"company": "paged"})}
    assert set(paged) == {"10", "11", "20", "21", "30", "31"}
    assert [q.get("page") for m, p, q, b in ats_server.requests if p == "/paged.teamtailor.com/jobs.json"] == \
        [None, "2", "3"]
    rich = paged["20"]
    assert rich["company_name"] == "Paged Aktiebolag"
    assert rich["description_html"] == "<p>Hello <b>world</b></p>" and rich["description_text"] == "Hello world"
    assert rich["employment_type_raw"] == "FULL_TIME" and rich["employment_type"] == "full_time"
    assert rich["workplace_type"] == "remote"
    assert rich["salary"] == {"min": 40000.0, "max": 50000.0, "currency": "SEK", "interval": "month",
                              "raw": "SEK 40,000 - 50,000 per month",
                              "annual_min": 480000.0, "annual_max": 600000.0}
    assert rich["salary_raw"]["value"]["unitText"] == "MONTH"
    assert rich["locations"] == [{"raw": "Göteborg, Sweden", "city": "Göteborg", "region": None, "country": "SE"}]
    assert rich["updated_at"] == datetime(2026, 3, 5, 10, 0, tzinfo=UTC)
    assert paged["31"]["posted_at"] == datetime(2026, 3, 1, 10, 0, tzinfo=UTC)
    assert paged["31"]["company_name"] == "Paged AB" and paged["31"]["locations"] == []

    legacy = mongo_db.jobs.find_one({"company": "legacy"})
    assert legacy["job_id"] == "555" and legacy["title"] == "Legacy Designer"
    assert legacy["url"] == "https://legacy.teamtailor.com/jobs/555-legacy-designer"
    assert legacy["workplace_type"] == "remote" and legacy["employment_type"] == "part_time"
    assert legacy["locations"] == [{"raw": "Oslo, Norway", "city": "Oslo", "region": None, "country": "NO"}]
    assert legacy["posted_at"] == datetime(2025, 12, 1, 8, 0, tzinfo=UTC)
    assert legacy["description_text"] == "Design things"
    assert mongo_db.jobs.count_documents({"company": {"$in": ["emptyco", "loopy"]}}) == 0


def test_teamtailor_mapping_tolerates_odd_values() -> None:
    item = json.loads(fixture("teamtailor/teamtailor-career.json").read_text())["items"][1]
    item["_jobposting"]["baseSalary"] = {"currency": "SEK", "value": {"minValue": 1, "maxValue": 2, "unitText": "MONTH"}}
    assert mapping_failures(TeamtailorSpider, item, lambda s, b, o: s.job(b, o, "Feed")) == []
    assert mapping_failures(TeamtailorSpider, item["_jobposting"],
                            lambda s, b, o: s.job(b, {**item, "_jobposting": o}, None)) == []


# --- in-process expected values (City Bureau style): every contract field, no subprocess, no database ---------
CASES = (BoardCase("teamtailor", "career", ((r".", "teamtailor/teamtailor-career.json"),)),)


def test_career_feed_in_process_every_field() -> None:
    run = CASES[0].run()
    assert (len(run.items), run.outcome, run.dropped, len(run.requests)) == (2, "ok", [], 1)
    url = "https://career.teamtailor.com/jobs/7167985-account-executive-italy-madrid-based"
    check_item(run.by_id()["7167985"], job_id="7167985", title="Account Executive - Italy (Madrid based)",
               company_name="Teamtailor",
               locations=[{"raw": "Madrid, Europe, ES", "city": "Madrid", "region": "Europe", "country": "ES"}],
               location="Madrid, Europe, ES", workplace_type=None, employment_type=None, employment_type_raw=None,
               department=None, team=None, salary=None, posted_at="2026-02-04T08:26:20+00:00",
               posted_at_raw="2026-02-04T09:26:20+01:00", updated_at=None, url=url, apply_url=url,
               description_text=None, requisition_id=None, extras={"feed_id"})
