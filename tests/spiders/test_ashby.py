"""Ashby spider end to end: the saved Ashby payloads plus hand-made edge boards, crawled by a real
`scrapy crawl ashby` through the mirror into the test database, then checked field by field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo.database import Database

from tests.support.ats_server import AtsServer, Reply, file_reply, json_reply
from tests.support.crawl import run_crawl
from tests.support.inprocess import BoardCase, check_item
from tests.support.paths import fixture

NOW = "2026-08-10T00:00:00Z"
API = "api.ashbyhq.com/posting-api/job-board"


def _component(kind: str, low: float, high: float, currency: str = "USD", interval: str = "1 YEAR") -> dict:
    return {"compensationType": kind, "interval": interval, "currencyCode": currency, "minValue": low,
            "maxValue": high, "summary": f"{low}-{high}"}


def _edge_board() -> dict[str, Any]:
    tiers = {"compensationTierSummary": "$100K – $150K", "scrapeableCompensationSalarySummary": "$100K - $150K",
             "compensationTiers": [
                 {"title": "Zone A", "components": [_component("Salary", 130000, 150000),
                                                    _component("EquityPercentage", 0.1, 0.2)]},
                 {"title": "Zone B", "components": [_component("Salary", 100000, 120000)]}]}
    return {"apiVersion": "1", "jobs": [
        {"id": "tiers", "title": "Tiered pay", "compensation": tiers, "workplaceType": None, "isRemote": True,
         "location": "Anywhere", "publishedAt": "2026-08-01T10:00:00.000+02:00"},
        {"id": "hourly", "title": "Hourly support", "workplaceType": "OnSite", "location": "Berlin",
         "compensation": {"compensationTiers": [{"components": [_component("Salary", 30, 45, "EUR", "1 HOUR")]}]},
         "secondaryLocations": None, "address": None},
        {"id": "sparse", "title": "   Sparse posting  ", "isRemote": False},
        {"id": "summary-only", "title": "Summary only",
         "compensation": {"compensationTiers": [], "scrapeableCompensationSalarySummary": "€60K - €80K"}},
        "not a posting",
    ]}


def _serve(server: AtsServer) -> None:
    server.route("GET", f"{API}/HighlightTA", file_reply(fixture("ashby/highlightta.json")))
    server.route("GET", f"{API}/ramp", file_reply(fixture("ashby/ramp_eu-job-feeds.json")))
    server.route("GET", f"{API}/edgeco", json_reply(_edge_board()))
    server.route("GET", f"{API}/emptyco", json_reply({"apiVersion": "1", "jobs": []}))
    server.route("GET", f"{API}/htmlco", lambda q, b: Reply(body=b"<html>maintenance</html>", content_type="text/html"))
    # `gone` has no route: the fixture server answers 404.


def test_ashby_boards_end_to_end(ats_server: AtsServer, crawl_settings: dict, mongo_db: Database) -> None:
    _serve(ats_server)
    boards = "HighlightTA,https://jobs.ashbyhq.com/ramp,edgeco,emptyco,htmlco,gone"
    result = run_crawl("ashby", {"companies": boards}, {**crawl_settings, "CRAWLERATS_NOW": NOW})
    stats = result.stats
    assert stats["crawlerats/boards/ok"] == 4 and stats["crawlerats/boards/failed"] == 2
    assert stats["crawlerats/dropped/parse_error"] == 1
    assert [r[2] for r in ats_server.requests if r[1].endswith("/ramp")] == [{"includeCompensation": "true"}]
    jobs = mongo_db["jobs"]
    assert {c: jobs.count_documents({"company": c}) for c in ("HighlightTA", "ramp", "edgeco", "emptyco")} == \
        {"HighlightTA": 2, "ramp": 3, "edgeco": 4, "emptyco": 0}

    # --- HighlightTA: CAD tier salary; workplaceType "Hybrid" wins over isRemote: true ---------------------
    sre = jobs.find_one({"ats": "ashby", "company": "HighlightTA", "job_id": "fc2f1f85-46a0-4a31-b165-683e39c07c04"})
    assert sre["title"] == "Senior Site Reliability Engineer"  # trailing space removed
    assert sre["workplace_type"] == "hybrid"
    assert sre["salary"] == {"min": 102800.0, "max": 137000.0, "currency": "CAD", "interval": "year",
                             "raw": "CA$102.8K - CA$137K",
                             "annual_min": 102800.0, "annual_max": 137000.0}
    assert sre["salary_raw"]["compensationTiers"][0]["components"][0]["interval"] == "1 YEAR"
    assert sre["locations"] == [{"raw": "Toronto, Ontario", "city": "Toronto", "region": "Ontario", "country": "CA"}]
    assert sre["department"] == sre["team"] == "HighlightTA Confidential"
    assert sre["employment_type"] == "full_time" and sre["employment_type_raw"] == "FullTime"
    assert sre["posted_at"] == datetime(2026, 7, 8, 19, 48, 19, 767000, tzinfo=UTC)
    assert sre["url"] == "https://jobs.ashbyhq.com/HighlightTA/fc2f1f85-46a0-4a31-b165-683e39c07c04"
    assert sre["apply_url"] == sre["url"] + "/application"
    assert "style=" not in sre["description_html"] and "Company Overview" in sre["description_text"]
    recruiter = jobs.find_one({"company": "HighlightTA", "job_id": "90fb3621-899e-4b59-925d-25080ec91e18"})
    assert recruiter["salary"] is None and recruiter["salary_raw"] is None  # empty compensation object
    assert recruiter["workplace_type"] == "remote"
    assert recruiter["locations"] == [{"raw": "Canada", "city": None, "region": None, "country": "CA"}]

    # --- Ramp: leading-space title, secondary locations with countries ---------------------------------------
    security = jobs.find_one({"company": "ramp", "job_id": "34413f8d-26bf-4bbc-8ade-eb309a0e2245"})
    assert security["title"] == "Security Engineer, Cloud"
    assert security["locations"] == [
        {"raw": "New York, NY (HQ)", "city": "New York City", "region": "New York", "country": "US"},
        {"raw": "Remote (Canada)", "city": None, "region": None, "country": "CA"},
        {"raw": "Remote (US)", "city": None, "region": None, "country": "US"},
        {"raw": "Miami, FL", "city": "Miami", "region": "Florida", "country": "US"},
    ]
    assert security["location"] == "New York, NY (HQ); Remote (Canada); Remote (US); Miami, FL"
    assert security["workplace_type"] == "hybrid" and security["team"] == "Backend"
    assert security["salary"] is None  # the board was fetched without compensation
    frontend = jobs.find_one({"company": "ramp", "job_id": "4e64ab86-4e30-403b-b1b9-41dc052570ce"})
    assert frontend["posted_at"] == datetime(2023, 3, 9, 17, 44, 0, 817000, tzinfo=UTC)
    assert len(frontend["locations"]) == 5 and {loc["country"] for loc in frontend["locations"]} == {"US", "CA"}

    # --- Hand-made edge cases --------------------------------------------------------------------------------
    tiers = jobs.find_one({"company": "edgeco", "job_id": "tiers"})
    assert tiers["salary"] == {"min": 100000.0, "max": 150000.0, "currency": "USD", "interval": "year",
                               "raw": "$100K - $150K",
                               "annual_min": 100000.0, "annual_max": 150000.0}
    assert tiers["workplace_type"] == "remote"  # no workplaceType: isRemote decides
    assert tiers["posted_at"] == datetime(2026, 8, 1, 8, 0, tzinfo=UTC)
    hourly = jobs.find_one({"company": "edgeco", "job_id": "hourly"})
    assert hourly["salary"]["min"] == 30.0 and hourly["salary"]["max"] == 45.0
    assert hourly["salary"]["currency"] == "EUR" and hourly["salary"]["interval"] == "hour"
    assert hourly["workplace_type"] == "onsite" and hourly["locations"][0]["country"] == "DE"
    sparse = jobs.find_one({"company": "edgeco", "job_id": "sparse"})
    assert sparse["title"] == "Sparse posting" and sparse["workplace_type"] is None
    assert sparse["locations"] == [] and sparse["posted_at"] is None and sparse["salary"] is None
    assert sparse["description_html"] is None and sparse["url"] is None and sparse["department"] is None
    summary = jobs.find_one({"company": "edgeco", "job_id": "summary-only"})
    assert summary["salary"]["min"] == 60000.0 and summary["salary"]["currency"] == "EUR"


# --- in-process expected values (City Bureau style): every contract field, no subprocess, no database ---------
CASES = (
    BoardCase("ashby", "HighlightTA", ((r".", "ashby/highlightta.json"),)),
    BoardCase("ashby", "ramp", ((r".", "ashby/ramp_eu-job-feeds.json"),)),
)


def test_highlightta_board_in_process_every_field() -> None:
    run = CASES[0].run()
    assert (len(run.items), run.outcome, run.dropped, len(run.requests)) == (2, "ok", [], 1)
    check_item(run.by_id()["90fb3621-899e-4b59-925d-25080ec91e18"], job_id="90fb3621-899e-4b59-925d-25080ec91e18",
               title="Senior Technical Recruiter", company_name="HighlightTA",
               locations=[{"raw": "Canada", "city": None, "region": None, "country": "CA"}], location="Canada",
               workplace_type="remote", employment_type="full_time", employment_type_raw="FullTime",
               department="HighlightTA", team="HighlightTA", salary=None,
               posted_at="2026-04-20T22:43:56.531000+00:00", posted_at_raw="2026-04-20T22:43:56.531+00:00",
               updated_at=None, url="https://jobs.ashbyhq.com/HighlightTA/90fb3621-899e-4b59-925d-25080ec91e18",
               apply_url="https://jobs.ashbyhq.com/HighlightTA/90fb3621-899e-4b59-925d-25080ec91e18/application",
               description_text="About HighlightTA\n\nHighlightTA is dedicated to del", requisition_id=None,
               extras={"is_listed", "is_remote"})


def test_ramp_board_in_process_every_field() -> None:
    run = CASES[1].run()
    assert (len(run.items), run.outcome, run.dropped) == (3, "ok", [])
    check_item(run.by_id()["34413f8d-26bf-4bbc-8ade-eb309a0e2245"], job_id="34413f8d-26bf-4bbc-8ade-eb309a0e2245",
               title="Security Engineer, Cloud", company_name="ramp",
               locations=[{"raw": "New York, NY (HQ)", "city": "New York City", "region": "New York", "country": "US"},
                          {"raw": "Remote (Canada)", "city": None, "region": None, "country": "CA"},
                          {"raw": "Remote (US)", "city": None, "region": None, "country": "US"},
                          {"raw": "Miami, FL", "city": "Miami", "region": "Florida", "country": "US"}],
               location="New York, NY (HQ); Remote (Canada); Remote (US); Miami, FL", workplace_type="hybrid",
               employment_type="full_time", employment_type_raw="FullTime", department="Engineering", team="Backend",
               salary=None, posted_at="2026-04-07T17:12:35.753000+00:00",
               posted_at_raw="2026-04-07T17:12:35.753+00:00", updated_at=None,
               url="https://jobs.ashbyhq.com/ramp/34413f8d-26bf-4bbc-8ade-eb309a0e2245",
               apply_url="https://jobs.ashbyhq.com/ramp/34413f8d-26bf-4bbc-8ade-eb309a0e2245/application",
               description_text="About Ramp\n\nRamp is building the smart infrastruct", requisition_id=None,
               extras={"is_listed", "is_remote"})
