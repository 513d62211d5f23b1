"""Breezy HR spider on the real position list plus hand-made odd, empty and non-list boards, through a real crawl."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from crawlerats.spiders.breezy import BreezySpider
from tests.spiders.fuzzing import mapping_failures
from tests.support.ats_server import file_reply, json_reply
from tests.support.crawl import run_crawl
from tests.support.inprocess import BoardCase, check_item
from tests.support.paths import fixture

NOW = "2026-09-01T00:00:00Z"


def test_breezy_boards(ats_server, crawl_settings, mongo_db) -> None:
    ats_server.route("GET", "breezy.breezy.hr/json", file_reply(fixture("breezy/breezy-trial_prettyirrelevant.json")))
    ats_server.route("GET", "emptyco.breezy.hr/json", json_reply([]))
    ats_server.route("GET", "notalist.breezy.hr/json", json_reply({"error": "Company not found"}))
    ats_server.route("GET", "odd.breezy.hr/json", json_reply([
        {"id": "a1", "friendly_id": "a1-remote-dev", "name": "Remote Dev", "type": "Full-Time", "department": None,
         "location": {"country": "Germany", "state": None, "city": "Berlin", "is_remote": True, "name": "Berlin, DE"},
         "locations": None, "salary": {"min": 50000, "max": 60000, "currency": "EUR", "period": "year"},
         "published_date": "2026-05-01T10:00:00+02:00", "company": None},
        {"id": "a2", "name": "Vague pay", "salary": "Competitive", "location": None, "published_date": "not a date"},
        {"id": "a3", "name": "Euro range", "salary": "€50k - €60k per year", "type": {"id": "parttime"}},
    ]))
    result = run_crawl("breezy", {"companies": "breezy,emptyco,notalist,odd"}, {**crawl_settings, "CRAWLERATS_NOW": NOW})
    assert result.stats["crawlerats/boards/ok"] == 3
    assert result.stats["crawlerats/boards/failed"] == 1
    assert "unexpected_payload (dict)" in result.log

    trial = {d["job_id"]: d for d in mongo_db.jobs.find({"company": "breezy"})}
    assert set(trial) == {"98323abf2296", "088ac6d52139"}
    emp = trial["98323abf2296"]
    assert emp["ats"] == "breezy" and emp["title"] == "Employee #12" and emp["company_name"] == "MS Breezy Trial"
    assert emp["department"] == "Does Not Matter"
    assert emp["employment_type_raw"] == "Other" and emp["employment_type"] is None
    assert emp["salary"] == {"min": 0.05, "max": 0.06, "currency": "USD", "interval": "hour", "raw": "$0.05 – $0.06",
                             "annual_min": 104.0, "annual_max": 124.8}
    assert emp["salary_raw"] == "$0.05 – $0.06 / hour"
    assert emp["locations"] == [{"raw": "Chaos, FL", "city": "Chaos", "region": "Florida", "country": "US"}]
    assert emp["location"] == "Chaos, FL" and emp["workplace_type"] is None
    assert emp["posted_at"] == datetime(2024, 2, 15, 14, 37, 22, 684000, tzinfo=UTC)
    assert emp["url"] == emp["apply_url"] == "https://breezy.breezy.hr/p/98323abf2296-employee-12"
    assert emp["description_html"] is None and emp["description_text"] is None
    assert emp["extras"] == {"friendly_id": "98323abf2296-employee-12", "type_id": "other"}

    open_pos = trial["088ac6d52139"]
    assert open_pos["employment_type"] == "contract"
    assert open_pos["salary"] == {"min": 1.0, "max": 5.0, "currency": "USD", "interval": "year", "raw": "$1 – $5",
                                  "annual_min": 1.0, "annual_max": 5.0}
    assert open_pos["locations"] == [{"raw": "New York, NY", "city": "New York", "region": "New York", "country": "US"}]
    assert open_pos["posted_at"] == datetime(2023, 4, 6, 1, 32, 13, 932000, tzinfo=UTC)

    odd = {d["job_id"]: d for d in mongo_db.jobs.find({"company": "odd"})}
    assert set(odd) == {"a1", "a2", "a3"}
    assert odd["a1"]["workplace_type"] == "remote" and odd["a1"]["employment_type"] == "full_time"
    assert odd["a1"]["locations"] == [{"raw": "Berlin, DE", "city": "Berlin", "region": None, "country": "DE"}]
    assert odd["a1"]["salary"] == {"min": 50000.0, "max": 60000.0, "currency": "EUR", "interval": "year",
                                   "raw": "EUR 50,000 - 60,000 per year",
                                   "annual_min": 50000.0, "annual_max": 60000.0}
    assert odd["a1"]["url"] == "https://odd.breezy.hr/p/a1-remote-dev" and odd["a1"]["company_name"] == "odd"
    assert odd["a1"]["posted_at"] == datetime(2026, 5, 1, 8, 0, tzinfo=UTC)
    assert odd["a2"]["salary"] is None and odd["a2"]["salary_raw"] == "Competitive"
    assert odd["a2"]["posted_at"] is None and odd["a2"]["posted_at_raw"] == "not a date"
    assert odd["a2"]["locations"] == [] and odd["a2"]["url"] is None
    assert odd["a3"]["salary"]["min"] == 50000.0 and odd["a3"]["salary"]["currency"] == "EUR"
    assert odd["a3"]["employment_type_raw"] == "parttime" and odd["a3"]["employment_type"] == "part_time"
    assert mongo_db.jobs.count_documents({"company": {"$in": ["emptyco", "notalist"]}}) == 0


def test_breezy_mapping_tolerates_odd_values() -> None:
    position = json.loads(fixture("breezy/breezy-trial_prettyirrelevant.json").read_text())[0]
    assert mapping_failures(BreezySpider, position, lambda s, b, p: s.posting(b, p)) == []


# --- in-process expected values (City Bureau style): every contract field, no subprocess, no database ---------
CASES = (BoardCase("breezy", "breezy-trial", ((r".", "breezy/breezy-trial_prettyirrelevant.json"),)),)


def test_breezy_trial_board_in_process_every_field() -> None:
    run = CASES[0].run()
    assert (len(run.items), run.outcome, run.dropped, len(run.requests)) == (2, "ok", [], 1)
    check_item(run.by_id()["98323abf2296"], job_id="98323abf2296", title="Employee #12", company_name="MS Breezy Trial",
               locations=[{"raw": "Chaos, FL", "city": "Chaos", "region": "Florida", "country": "US"}],
               location="Chaos, FL", workplace_type=None, employment_type=None, employment_type_raw="Other",
               department="Does Not Matter", team=None,
               salary={"min": 0.05, "max": 0.06, "currency": "USD", "interval": "hour", "raw": "$0.05 – $0.06"},
               posted_at="2024-02-15T14:37:22.684000+00:00", posted_at_raw="2024-02-15T14:37:22.684Z",
               updated_at=None, url="https://breezy.breezy.hr/p/98323abf2296-employee-12",
               apply_url="https://breezy.breezy.hr/p/98323abf2296-employee-12", description_text=None,
               requisition_id=None, extras={"friendly_id", "type_id"})
