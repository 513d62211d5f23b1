"""Greenhouse spider end to end: every saved Greenhouse payload plus hand-made edge boards, crawled by a real
`scrapy crawl greenhouse` through the mirror into the test database, then checked field by field."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime
from typing import Any

from pymongo.database import Database

from tests.support.ats_server import AtsServer, Reply, file_reply, json_reply
from tests.support.crawl import run_crawl
from tests.support.inprocess import BoardCase, check_item
from tests.support.paths import fixture

NOW = "2026-10-01T00:00:00Z"
API = "boards-api.greenhouse.io/v1/boards"


def _load(name: str) -> Any:
    return json.loads(fixture(f"greenhouse/{name}").read_text())


def _edge_board() -> dict[str, Any]:
    """Hand-made board: pay only in the HTML block, board metadata naming workplace/employment, hostile HTML,
    missing optional fields, a posting without id, one whose `location` is a bare string, and a non-object."""
    datadog = _load("datadog_content_eu-job-feeds.json")["jobs"][1]
    html_pay = copy.deepcopy(datadog)
    html_pay["id"] = 1001
    for field in html_pay["metadata"]:
        if field["value_type"] == "currency_range":
            field["value"] = None
    html_pay["metadata"].append({"id": 1, "name": "Workplace Type", "value": "Remote", "value_type": "single_select"})
    html_pay["metadata"].append({"id": 2, "name": "Employment Type", "value": ["Contract"],
                                 "value_type": "multi_select"})
    hostile = {
        "id": 1002, "internal_job_id": 77, "title": "  Hostile   HTML ", "company_name": "Acme ",
        "content": "&lt;p onclick=&quot;alert(1)&quot;&gt;Hello&lt;/p&gt;&lt;script&gt;alert(2)&lt;/script&gt;"
                   "&lt;a href=&quot;javascript:alert(3)&quot;&gt;x&lt;/a&gt;&lt;iframe src=&quot;https://e.x&quot;&gt;"
                   "&lt;/iframe&gt;",
        "location": {"name": "Berlin; Remote - Germany"}, "absolute_url": "https://acme.example/jobs?gh_jid=1002",
        "first_published": "2026-09-01T12:00:00+02:00", "updated_at": "2026-09-02T00:00:00Z",
    }
    sparse = {"id": 1003, "title": "Sparse posting", "location": None, "content": None, "metadata": None,
              "departments": None, "offices": None}
    office_only = {"id": 1004, "title": "Office only", "location": {"name": "Main office"},
                   "offices": [{"id": 1, "name": "HQ", "location": "Toronto, ON, Canada"}]}
    no_id = {"title": "No id"}
    wrong_type = {"id": 1005, "title": "Wrong location type", "location": "Berlin"}
    return {"jobs": [html_pay, hostile, sparse, office_only, no_id, wrong_type, "not a posting"], "meta": {"total": 7}}


def _serve(server: AtsServer) -> None:
    server.route("GET", f"{API}/datadog/jobs", file_reply(fixture("greenhouse/datadog_content_eu-job-feeds.json")))
    server.route("GET", f"{API}/vercel/jobs", file_reply(fixture("greenhouse/vercel_prettyirrelevant.json")))
    server.route("GET", f"{API}/generalassembly/jobs",
                 file_reply(fixture("greenhouse/generalassembly_2013_embed-jobs-content_cassette.json")))
    # Single-job payloads (a list item, a legacy detail with questions) served as one-job boards.
    server.route("GET", f"{API}/anthropic/jobs", json_reply({"jobs": [_load("anthropic_job-item_kellypetrino.json")]}))
    server.route("GET", f"{API}/gaquestions/jobs",
                 json_reply({"jobs": [_load("generalassembly_2013_embed-job-questions_cassette.json")]}))
    # Error and wrong-shape payloads: the board fails with a reason, the crawl goes on.
    error = fixture("greenhouse/generalassembly_2013_embed-job-invalid-id_400_cassette.json").read_bytes()
    server.route("GET", f"{API}/gone/jobs", lambda q, b: Reply(status=400, body=error))
    server.route("GET", f"{API}/legacyoffices/jobs",
                 file_reply(fixture("greenhouse/generalassembly_2013_embed-offices_cassette.json")))
    server.route("GET", f"{API}/emptyco/jobs", json_reply({"jobs": [], "meta": {"total": 0}}))
    server.route("GET", f"{API}/acme/jobs", json_reply(_edge_board()))


def test_greenhouse_boards_end_to_end(ats_server: AtsServer, crawl_settings: dict, mongo_db: Database) -> None:
    _serve(ats_server)
    boards = "datadog,vercel,generalassembly,anthropic,gaquestions,gone,legacyoffices,emptyco,acme"
    result = run_crawl("greenhouse", {"companies": boards}, {**crawl_settings, "CRAWLERATS_NOW": NOW})
    stats = result.stats
    assert stats["crawlerats/boards/ok"] == 7
    assert stats["crawlerats/boards/failed"] == 2  # gone (HTTP 400), legacyoffices (no jobs list)
    assert stats["crawlerats/dropped/missing_identity"] == 1
    assert stats["crawlerats/dropped/parse_error"] == 1
    jobs = mongo_db["jobs"]
    counts = {c: jobs.count_documents({"company": c}) for c in boards.split(",")}
    assert counts == {"datadog": 3, "vercel": 2, "generalassembly": 2, "anthropic": 1, "gaquestions": 1,
                      "gone": 0, "legacyoffices": 0, "emptyco": 0, "acme": 5}
    assert stats["crawlerats/items/stored"] == sum(counts.values())

    # --- Datadog: salary from the currency_range metadata (strings), HTML pay block kept as raw -----------------
    scientist = jobs.find_one({"company": "datadog", "job_id": "6572669"})
    assert scientist["ats"] == "greenhouse" and scientist["company_name"] == "Datadog"
    assert scientist["requisition_id"] == "3056731"
    assert scientist["extras"]["requisition_code"] == "R12181"
    assert scientist["title"] == "AI Research Scientist - Datadog AI Research (DAIR)"
    assert scientist["department"] == "Dev Eng"
    assert scientist["employment_type"] == "full_time" and scientist["employment_type_raw"] == "Full time"
    assert scientist["locations"] == [{"raw": "New York, New York, USA", "city": "New York", "region": "New York",
                                       "country": "US"}]
    assert scientist["salary"]["min"] == 320000.0 and scientist["salary"]["max"] == 400000.0
    assert scientist["salary"]["currency"] == "USD" and scientist["salary"]["interval"] == "year"
    assert scientist["salary_raw"]["metadata"]["min_value"] == "320000.0"
    assert scientist["salary_raw"]["pay_transparency"] == "$320,000\u2014$400,000 USD"
    assert scientist["posted_at"] == datetime(2025, 1, 24, 14, 48, 23, tzinfo=UTC)  # -05:00 to UTC
    assert scientist["posted_at_raw"] == "2025-01-24T09:48:23-05:00"
    assert scientist["updated_at"] == datetime(2026, 7, 28, 9, 41, 6, tzinfo=UTC)
    assert scientist["url"] == scientist["apply_url"] == "https://careers.datadoghq.com/detail/6572669/?gh_jid=6572669"
    assert "&lt;" not in scientist["description_html"] and "<p>" in scientist["description_html"]
    assert "The reasonably estimated yearly salary" in scientist["description_text"]
    assert "&nbsp;" not in scientist["description_text"]
    paris = jobs.find_one({"company": "datadog", "job_id": "7194969"})
    assert paris["salary"] is None and paris["salary_raw"] is None  # currency_range value null, no pay block
    assert paris["locations"][0]["country"] == "FR" and paris["location"] == "Paris, France"
    assert paris["posted_at"] == datetime(2025, 8, 27, 14, 34, 20, tzinfo=UTC)

    # --- Vercel: workplace from "Hybrid - London", country GB ------------------------------------------------
    vercel = jobs.find_one({"company": "vercel", "job_id": "6136160004"})
    assert vercel["workplace_type"] == "hybrid"
    assert vercel["locations"] == [{"raw": "Hybrid - London", "city": "London", "region": None, "country": "GB"}]
    assert vercel["posted_at"] == datetime(2026, 8, 6, 16, 50, 10, tzinfo=UTC)
    assert vercel["requisition_id"] == "5196261004" and vercel["department"] == "Account Executive"
    assert vercel["url"] == "https://job-boards.greenhouse.io/vercel/jobs/6136160004"
    assert vercel["description_html"].startswith("<div><h2>About Vercel:</h2>")
    assert "class=" not in vercel["description_html"] and "data-sheets-root" not in vercel["description_html"]

    # --- Anthropic: "Location Type" board metadata gives the workplace type ---------------------------------
    anthropic = jobs.find_one({"company": "anthropic"})
    assert anthropic["job_id"] == "5161980008" and anthropic["requisition_id"] == "4447625008"
    assert anthropic["workplace_type"] == "onsite"
    assert anthropic["locations"][0]["country"] == "GB"
    assert anthropic["description_html"] is None and anthropic["description_text"] is None
    assert anthropic["posted_at"] == datetime(2026, 3, 25, 14, 53, 39, tzinfo=UTC)

    # --- 2013 legacy payloads: no internal_job_id, no first_published -----------------------------------------
    legacy = jobs.find_one({"company": "generalassembly", "job_id": "722"})
    assert legacy["requisition_id"] is None and legacy["posted_at"] is None
    assert legacy["updated_at"] == datetime(2013, 9, 12, 21, 1, 50, tzinfo=UTC)
    assert legacy["department"] == "Finance" and legacy["company_name"] == "generalassembly"
    assert jobs.find_one({"company": "gaquestions"})["locations"][0]["region"] == "New York"

    # --- Hand-made edge cases ---------------------------------------------------------------------------------
    html_pay = jobs.find_one({"company": "acme", "job_id": "1001"})
    assert html_pay["salary"] == {"min": 320000.0, "max": 400000.0, "currency": "USD", "interval": "year",
                                  "raw": "$320,000\u2014$400,000 USD",
                                  "annual_min": 320000.0, "annual_max": 400000.0}
    assert html_pay["workplace_type"] == "remote"
    assert html_pay["employment_type"] == "contract" and html_pay["employment_type_raw"] == "Contract"
    hostile = jobs.find_one({"company": "acme", "job_id": "1002"})
    assert hostile["title"] == "Hostile HTML" and hostile["company_name"] == "Acme"
    assert hostile["requisition_id"] == "77"
    assert hostile["description_html"].startswith("<p>Hello</p>")
    assert not re.search(r"<script|onclick|javascript:|<iframe", hostile["description_html"])
    assert [loc["country"] for loc in hostile["locations"]] == ["DE", "DE"]
    assert hostile["workplace_type"] == "remote"
    assert hostile["posted_at"] == datetime(2026, 9, 1, 10, 0, tzinfo=UTC)
    sparse = jobs.find_one({"company": "acme", "job_id": "1003"})
    assert sparse["locations"] == [] and sparse["location"] is None and sparse["department"] is None
    assert sparse["description_html"] is None and sparse["salary"] is None and sparse["url"] is None
    assert sparse["company_name"] == "acme"
    office_only = jobs.find_one({"company": "acme", "job_id": "1004"})
    assert office_only["locations"] == [{"raw": "Main office", "city": "Toronto", "region": "Ontario",
                                         "country": "CA"}]
    bare = jobs.find_one({"company": "acme", "job_id": "1005"})
    assert bare["locations"] == [{"raw": "Berlin", "city": "Berlin", "region": None, "country": "DE"}]
    for doc in jobs.find({}, {"description_html": 1}):
        html = doc.get("description_html") or ""
        assert "<script" not in html and not re.search(r"<[^>]+\son\w+\s*=", html)


# --- in-process expected values (City Bureau style): every contract field, no subprocess, no database ---------
CASES = (
    BoardCase("greenhouse", "vercel", ((r".", "greenhouse/vercel_prettyirrelevant.json"),)),
    BoardCase("greenhouse", "datadog", ((r".", "greenhouse/datadog_content_eu-job-feeds.json"),)),
    BoardCase("greenhouse", "generalassembly", ((r".", "greenhouse/generalassembly_2013_embed-jobs-content_cassette.json"),)),
)


def test_vercel_board_in_process_every_field() -> None:
    run = CASES[0].run()
    assert (len(run.items), run.outcome, run.dropped, len(run.requests)) == (2, "ok", [], 1)
    check_item(run.by_id()["6136160004"], job_id="6136160004", title="Account Executive, Commercial",
               company_name="Vercel",
               locations=[{"raw": "Hybrid - London", "city": "London", "region": None, "country": "GB"}],
               location="Hybrid - London", workplace_type="hybrid", employment_type=None, employment_type_raw=None,
               department="Account Executive", team=None, salary=None, posted_at="2026-08-06T16:50:10+00:00",
               posted_at_raw="2026-08-06T12:50:10-04:00", updated_at="2026-09-24T17:34:54+00:00",
               url="https://job-boards.greenhouse.io/vercel/jobs/6136160004",
               apply_url="https://job-boards.greenhouse.io/vercel/jobs/6136160004",
               description_text="About Vercel:\n\nVercel is the agentic infrastructur", requisition_id="5196261004",
               extras={"language", "offices", "metadata", "requisition_code"})


def test_datadog_board_in_process_every_field() -> None:
    run = CASES[1].run()
    assert (len(run.items), run.outcome, run.dropped) == (3, "ok", [])
    check_item(run.by_id()["7194969"], job_id="7194969", title="AI Research Engineer - Datadog AI Research (DAIR)",
               company_name="Datadog",
               locations=[{"raw": "Paris, France", "city": "Paris", "region": None, "country": "FR"}],
               location="Paris, France", workplace_type=None, employment_type="full_time",
               employment_type_raw="Full time", department="Dev Eng", team=None, salary=None,
               posted_at="2025-08-27T14:34:20+00:00", posted_at_raw="2025-08-27T10:34:20-04:00",
               updated_at="2026-07-28T09:41:06+00:00",
               url="https://careers.datadoghq.com/detail/7194969/?gh_jid=7194969",
               apply_url="https://careers.datadoghq.com/detail/7194969/?gh_jid=7194969",
               description_text="As a Research Engineer on our team, you will partn", requisition_id="3228359",
               extras={"language", "offices", "metadata", "requisition_code"})


def test_generalassembly_2013_board_in_process_every_field() -> None:
    """A 2013 board payload: no first_published, no departments or offices."""
    run = CASES[2].run()
    assert (len(run.items), run.outcome, run.dropped) == (2, "ok", [])
    check_item(run.by_id()["721"], job_id="721", title="Application developer", company_name="generalassembly",
               locations=[{"raw": "New York, NY", "city": "New York", "region": "New York", "country": "US"}],
               location="New York, NY", workplace_type=None, employment_type=None, employment_type_raw=None,
               department=None, team=None, salary=None, posted_at=None, posted_at_raw=None,
               updated_at="2013-09-12T21:01:50+00:00", url="http://boards.greenhouse.io/generalassembly/jobs/721",
               apply_url="http://boards.greenhouse.io/generalassembly/jobs/721",
               description_text="Who this job is right for\n\nAnim wes anderson mixta", requisition_id=None,
               extras=set())


def test_anthropic_job_item_in_process_every_field() -> None:
    """A single job item (`/jobs/{id}`) served as a one-posting board: `Location Type` metadata is the workplace."""
    board = json.dumps({"jobs": [_load("anthropic_job-item_kellypetrino.json")]}).encode()
    run = BoardCase("greenhouse", "anthropic", ((r".", board),)).run()
    assert (len(run.items), run.outcome, run.dropped) == (1, "ok", [])
    check_item(run.items[0], job_id="5161980008", title="Account Executive, Beneficial Deployments (French Speaking)",
               company_name="Anthropic",
               locations=[{"raw": "London, UK", "city": "London", "region": None, "country": "GB"}],
               location="London, UK", workplace_type="onsite", employment_type=None, employment_type_raw=None,
               department=None, team=None, salary=None, posted_at="2026-03-25T14:53:39+00:00",
               posted_at_raw="2026-03-25T10:53:39-04:00", updated_at="2026-04-01T14:49:08+00:00",
               url="https://job-boards.greenhouse.io/anthropic/jobs/5161980008",
               apply_url="https://job-boards.greenhouse.io/anthropic/jobs/5161980008", description_text=None,
               requisition_id="4447625008", extras={"requisition_code", "language", "metadata"})
