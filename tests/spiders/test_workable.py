"""Workable spider end to end: the saved widget payloads plus hand-made edge boards, crawled by a real
`scrapy crawl workable` through the mirror into the test database, then checked field by field."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from pymongo.database import Database

from tests.support.ats_server import AtsServer, Reply, file_reply, json_reply
from tests.support.crawl import run_crawl
from tests.support.inprocess import BoardCase, check_item
from tests.support.paths import fixture

NOW = "2026-07-25T00:00:00Z"
API = "apply.workable.com/api/v1/widget/accounts"


def _row(country: str, code: str, city: str, **extra: Any) -> dict[str, Any]:
    return {"title": "Support Engineer", "shortcode": "AB12CD34EF", "employment_type": "Full-time",
            "telecommuting": True, "department": ["Support", "EMEA"], "url": "https://apply.workable.com/j/AB12CD34EF",
            "application_url": "https://apply.workable.com/j/AB12CD34EF/apply", "published_on": "2026-07-01",
            "created_at": "2026-06-15", "country": country, "city": city, "state": "",
            "locations": [{"country": country, "countryCode": code, "city": city, "region": "", "hidden": False}],
            "description": "<p>Help customers.</p><img src=x onerror=alert(1)>", **extra}


def _edge_board() -> dict[str, Any]:
    return {"name": "Edge Co", "description": None, "jobs": [
        _row("Germany", "DE", "Berlin"),
        _row("Portugal", "PT", "Lisbon"),
        _row("Germany", "DE", "Berlin"),  # the same country twice must not duplicate the location
        {"title": "Old-style row", "shortcode": "OLD1", "employment_type": "", "telecommuting": False,
         "department": None, "country": "United Kingdom", "city": "Leeds", "state": "England",
         "published_on": "2026-05-05"},
        {"title": "Hidden location", "shortcode": "HID1", "locations": [
            {"country": "Spain", "countryCode": "ES", "city": "Madrid", "hidden": True},
            {"country": "France", "countryCode": "FR", "city": "Paris", "hidden": False}]},
        {"title": "No shortcode"},
        None,
    ]}


def _serve(server: AtsServer) -> None:
    server.route("GET", f"{API}/amazingcare", file_reply(fixture("workable/amazingcare_widget_eu-job-feeds.json")))
    server.route("GET", f"{API}/vortexa", file_reply(fixture("workable/vortexa_haydenham.json")))
    server.route("GET", f"{API}/edgeco", json_reply(_edge_board()))
    server.route("GET", f"{API}/emptyco", json_reply({"name": "Empty", "description": None, "jobs": []}))
    server.route("GET", f"{API}/brokenco", lambda q, b: Reply(body=b'{"jobs": [', content_type="application/json"))


def test_workable_boards_end_to_end(ats_server: AtsServer, crawl_settings: dict, mongo_db: Database) -> None:
    _serve(ats_server)
    boards = "amazingcare,https://apply.workable.com/vortexa/,edgeco,emptyco,brokenco"
    result = run_crawl("workable", {"companies": boards}, {**crawl_settings, "CRAWLERATS_NOW": NOW})
    stats = result.stats
    assert stats["crawlerats/boards/ok"] == 4 and stats["crawlerats/boards/failed"] == 1
    assert stats["crawlerats/dropped/missing_identity"] == 1
    assert all(r[2] == {"details": "true"} for r in ats_server.requests)
    jobs = mongo_db["jobs"]
    assert {c: jobs.count_documents({"company": c}) for c in ("amazingcare", "vortexa", "edgeco", "emptyco")} == \
        {"amazingcare": 3, "vortexa": 5, "edgeco": 3, "emptyco": 0}

    # --- Amazing Care: part-time, date-only published_on, US locations ---------------------------------------
    therapist = jobs.find_one({"ats": "workable", "company": "amazingcare", "job_id": "1B7FCA3A83"})
    assert therapist["requisition_id"] == "1B7FCA3A83"
    assert therapist["company_name"] == "Amazing Care Home Health Services"
    assert therapist["title"] == "Adult / Pediatric Home Health Occupational Therapist"
    assert therapist["employment_type"] == "part_time" and therapist["employment_type_raw"] == "Part-time"
    assert therapist["department"] == "Clinical Staff"
    assert therapist["locations"] == [{"raw": "St. George, Utah, US", "city": "St. George", "region": "Utah",
                                       "country": "US"}]
    assert therapist["posted_at"] == datetime(2026, 7, 13, tzinfo=UTC) and therapist["posted_at_raw"] == "2026-07-13"
    assert therapist["workplace_type"] is None
    assert therapist["url"] == "https://apply.workable.com/j/1B7FCA3A83"
    assert therapist["apply_url"] == "https://apply.workable.com/j/1B7FCA3A83/apply"
    assert therapist["extras"]["education"] == "Master's Degree" and therapist["extras"]["created_at"] == "2026-07-13"
    assert "&nbsp;" not in therapist["description_text"] and "AMAZING" in therapist["description_text"]
    lpn = jobs.find_one({"company": "amazingcare", "job_id": "1865248842"})
    assert lpn["employment_type"] is None and lpn["employment_type_raw"] is None  # "" in the payload
    assert lpn["extras"]["created_at"] == "2025-02-27"
    # No pay field in Workable: the "Pay:" line of the description gives it (the sign-on bonus does not).
    assert lpn["salary"] == {"min": 23.0, "max": 26.0, "currency": "USD", "interval": "hour", "raw": "$23.00 - $26.00",
                             "annual_min": 47840.0, "annual_max": 54080.0}
    assert lpn["salary_raw"] == "$23.00 - $26.00"
    assert therapist["salary"] is None  # "Weekly Pay: Enjoy the convenience..." states no amount

    # --- Vortexa: department null, countries SG/US/GB ----------------------------------------------------------
    vortexa = {d["job_id"]: d for d in jobs.find({"company": "vortexa"})}
    assert {k: v["locations"][0]["country"] for k, v in vortexa.items()} == {
        "FB313AEBAB": "SG", "23107D5C05": "US", "DFEB52318E": "GB", "511B19232D": "GB", "3E3FC8AFAD": "GB"}
    assert all(d["department"] is None and d["company_name"] == "Vortexa" for d in vortexa.values())
    assert vortexa["23107D5C05"]["posted_at"] == datetime(2026, 6, 4, tzinfo=UTC)
    assert vortexa["FB313AEBAB"]["employment_type"] == "full_time"
    for doc in vortexa.values():
        assert "<img" not in (doc["description_html"] or "")

    # --- Hand-made: rows of one shortcode merged, remote flag, fallbacks ---------------------------------------
    merged = jobs.find_one({"company": "edgeco", "job_id": "AB12CD34EF"})
    assert [(loc["city"], loc["country"]) for loc in merged["locations"]] == [("Berlin", "DE"), ("Lisbon", "PT")]
    assert merged["workplace_type"] == "remote" and merged["department"] == "Support, EMEA"
    assert merged["description_html"] == "<p>Help customers.</p>"
    old = jobs.find_one({"company": "edgeco", "job_id": "OLD1"})
    assert old["locations"] == [{"raw": "Leeds, England, United Kingdom", "city": "Leeds", "region": "England",
                                 "country": "GB"}]
    assert old["url"] is None and old["employment_type_raw"] is None and old["workplace_type"] is None
    hidden = jobs.find_one({"company": "edgeco", "job_id": "HID1"})
    assert [loc["country"] for loc in hidden["locations"]] == ["FR"]


# --- in-process expected values (City Bureau style): every contract field, no subprocess, no database ---------
CASES = (
    BoardCase("workable", "amazingcare", ((r".", "workable/amazingcare_widget_eu-job-feeds.json"),)),
    BoardCase("workable", "vortexa", ((r".", "workable/vortexa_haydenham.json"),)),
)


def test_amazingcare_board_in_process_every_field() -> None:
    run = CASES[0].run()
    assert (len(run.items), run.outcome, run.dropped, len(run.requests)) == (3, "ok", [], 1)
    check_item(run.by_id()["1B7FCA3A83"], job_id="1B7FCA3A83",
               title="Adult / Pediatric Home Health Occupational Therapist",
               company_name="Amazing Care Home Health Services",
               locations=[{"raw": "St. George, Utah, US", "city": "St. George", "region": "Utah", "country": "US"}],
               location="St. George, Utah, US", workplace_type=None, employment_type="part_time",
               employment_type_raw="Part-time", department="Clinical Staff", team=None, salary=None,
               posted_at="2026-07-13T00:00:00+00:00", posted_at_raw="2026-07-13", updated_at=None,
               url="https://apply.workable.com/j/1B7FCA3A83", apply_url="https://apply.workable.com/j/1B7FCA3A83/apply",
               description_text="Our employees and our patients are the foundation ", requisition_id="1B7FCA3A83",
               extras={"industry", "experience", "education", "created_at"})


def test_vortexa_board_in_process_every_field() -> None:
    run = CASES[1].run()
    assert (len(run.items), run.outcome, run.dropped) == (5, "ok", [])
    check_item(run.by_id()["FB313AEBAB"], job_id="FB313AEBAB",
               title="Associate Data Analyst - Energy and Freight Markets", company_name="Vortexa",
               locations=[{"raw": "Singapore, Singapore, SG", "city": "Singapore", "region": "Singapore",
                           "country": "SG"}],
               location="Singapore, Singapore, SG", workplace_type=None, employment_type="full_time",
               employment_type_raw="Full-time", department=None, team=None, salary=None,
               posted_at="2026-06-23T00:00:00+00:00", posted_at_raw="2026-06-23", updated_at=None,
               url="https://apply.workable.com/j/FB313AEBAB", apply_url="https://apply.workable.com/j/FB313AEBAB/apply",
               description_text="About Vortexa:\n\nVortexa was founded to solve the i", requisition_id="FB313AEBAB",
               extras={"industry", "experience", "created_at"})
