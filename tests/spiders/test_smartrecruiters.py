"""SmartRecruiters spider end to end: the saved list/detail payloads plus hand-made boards (paging over three
pages, remote/hybrid flags, failing details stored from list data), crawled by a real `scrapy crawl
smartrecruiters` through the mirror into the test database, then checked field by field."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pymongo.database import Database

from tests.support.ats_server import AtsServer, Reply, file_reply, json_reply, paged_list
from tests.support.crawl import run_crawl
from tests.support.inprocess import BoardCase, check_item
from tests.support.paths import fixture

NOW = "2026-07-01T00:00:00Z"
API = "api.smartrecruiters.com/v1/companies"
PAGED = 205


def _paged_posting(i: int) -> dict[str, Any]:
    location: dict[str, Any] = {"city": "Lyon", "country": "fr", "remote": i % 3 == 1, "hybrid": i % 3 == 2,
                                "fullLocation": "Lyon, , France"}
    return {"id": f"9{i:05d}", "name": f"Engineer {i}", "refNumber": f"REF{i}", "releasedDate": "2026-06-01T08:00:00.000Z",
            "company": {"identifier": "PagedCo", "name": "Paged Co"}, "location": location,
            "department": {}, "function": {"id": "engineering", "label": "Engineering"},
            "typeOfEmployment": {"id": "contract", "label": "Contract"},
            "customField": [{"fieldId": "x", "fieldLabel": "Work flexibility", "valueId": "1", "valueLabel": "On-site"}]}


def _paged_detail(i: int) -> dict[str, Any]:
    return {**_paged_posting(i), "postingUrl": f"https://jobs.smartrecruiters.com/PagedCo/9{i:05d}-engineer",
            "applyUrl": f"https://jobs.smartrecruiters.com/PagedCo/9{i:05d}-engineer?oga=true",
            "jobAd": {"sections": {"jobDescription": {"title": "Job Description",
                                                      "text": f"<p onmouseover='x()'>Build things {i}.</p>"},
                                   "qualifications": {"title": "Qualifications", "text": ""}}}}


def _serve(server: AtsServer) -> None:
    server.route("GET", f"{API}/Vitol/postings", file_reply(fixture("smartrecruiters/vitol_list.json")))
    server.route("GET", f"{API}/Vitol/postings/744000133666057", file_reply(fixture("smartrecruiters/vitol_detail.json")))
    # The other four Vitol details have no route (HTTP 404): they are stored from the list data.
    server.route("GET", f"{API}/Knight/postings", file_reply(fixture("smartrecruiters/knight-gayles.json")))
    server.route("GET", f"{API}/Knight/postings/743999671674844",
                 lambda q, b: Reply(body=b"<html>login</html>", content_type="text/html"))
    postings = [_paged_posting(i) for i in range(PAGED)]
    # totalFound is 0 after the first page (as reported for real boards): paging must go on regardless.
    server.route("GET", f"{API}/PagedCo/postings", paged_list(
        postings, skip="offset", wrap=lambda page, start, total: {"offset": start, "limit": 100,
                                                                  "totalFound": total if start == 0 else 0,
                                                                  "content": page}))
    for i in range(PAGED):
        server.route("GET", f"{API}/PagedCo/postings/9{i:05d}", json_reply(_paged_detail(i)))
    server.route("GET", f"{API}/EmptyCo/postings", json_reply({"offset": 0, "limit": 100, "totalFound": 0,
                                                               "content": []}))


def test_smartrecruiters_boards_end_to_end(ats_server: AtsServer, crawl_settings: dict, mongo_db: Database) -> None:
    _serve(ats_server)
    boards = "Vitol,https://jobs.smartrecruiters.com/Knight,PagedCo,EmptyCo"
    result = run_crawl("smartrecruiters", {"companies": boards}, {**crawl_settings, "CRAWLERATS_NOW": NOW})
    stats = result.stats
    assert stats["crawlerats/boards/ok"] == 4
    assert stats["crawlerats/detail_failed/http_404"] == 4
    assert stats["crawlerats/detail_failed/invalid_payload"] == 1
    pages = [r[2] for r in ats_server.requests if r[1] == f"/{API}/PagedCo/postings"]
    assert pages == [{"limit": "100", "offset": "0"}, {"limit": "100", "offset": "100"},
                     {"limit": "100", "offset": "200"}]
    jobs = mongo_db["jobs"]
    assert {c: jobs.count_documents({"company": c}) for c in ("Vitol", "Knight", "PagedCo", "EmptyCo")} == \
        {"Vitol": 5, "Knight": 1, "PagedCo": PAGED, "EmptyCo": 0}

    # --- Vitol: the one posting whose detail answered -----------------------------------------------------------
    platform = jobs.find_one({"ats": "smartrecruiters", "company": "Vitol", "job_id": "744000133666057"})
    assert platform["title"] == "Platform Engineer" and platform["company_name"] == "Vitol"
    assert platform["requisition_id"] == "REF850Y"
    assert platform["department"] == "MIS, Technology"
    assert platform["employment_type"] == "full_time" and platform["employment_type_raw"] == "Full-time"
    assert platform["locations"] == [{"raw": "Singapore, Singapore", "city": "Singapore", "region": None,
                                      "country": "SG"}]
    assert platform["workplace_type"] is None
    assert platform["posted_at"] == datetime(2026, 6, 23, 17, 40, 25, 923000, tzinfo=UTC)
    assert platform["url"] == "https://jobs.smartrecruiters.com/Vitol/744000133666057-platform-engineer"
    assert platform["apply_url"] == platform["url"] + "?oga=true"
    html = platform["description_html"]
    assert html.startswith("<h3>Company Description</h3><p>Vitol is a leader")
    assert "<h3>Qualifications</h3><ul><li>" in html and "Additional Information" not in html
    assert platform["extras"]["job_uuid"] == "a3486e85-9229-43a2-b511-6697b1e2a76d"
    assert platform["extras"]["experience_level"] == "Mid-Senior Level"
    assert platform["extras"]["custom_fields"]["Brands"] == "Vitol"
    assert "detail_missing" not in platform["extras"]

    # --- Vitol: detail 404 -> stored from the list data ------------------------------------------------------
    houston = jobs.find_one({"company": "Vitol", "job_id": "744000133449673"})
    assert houston["title"] == "Project Accounting Analyst" and houston["extras"]["detail_missing"] is True
    assert houston["locations"] == [{"raw": "Houston, TX, United States", "city": "Houston", "region": "Texas",
                                     "country": "US"}]
    assert houston["url"] == "https://jobs.smartrecruiters.com/Vitol/744000133449673"
    assert houston["description_html"] is None and houston["department"] == "Accounting"
    geneva = jobs.find_one({"company": "Vitol", "job_id": "744000133312429"})
    assert geneva["locations"][0]["country"] == "CH" and geneva["locations"][0]["region"] == "GE"

    # --- Knight Gayles: department {} -> function; unusable detail -> list data -------------------------------
    knight = jobs.find_one({"company": "Knight"})
    assert knight["job_id"] == "743999671674844" and knight["company_name"] == "Knight Gayles"
    assert knight["department"] == "Health Care Provider"
    assert knight["employment_type"] == "part_time"
    assert knight["locations"] == [{"raw": "St. Louis, MO, United States", "city": "St. Louis", "region": "Missouri",
                                    "country": "US"}]
    assert knight["posted_at"] == datetime(2018, 6, 8, 2, 11, 28, tzinfo=UTC)
    assert knight["extras"]["detail_missing"] is True

    # --- PagedCo: three pages, flags, custom field, sanitised sections ----------------------------------------
    by_id = {d["job_id"]: d for d in jobs.find({"company": "PagedCo"})}
    assert by_id["900001"]["workplace_type"] == "remote"
    assert by_id["900002"]["workplace_type"] == "hybrid"
    assert by_id["900003"]["workplace_type"] == "onsite"  # from the "Work flexibility" custom field
    assert by_id["900204"]["employment_type"] == "contract" and by_id["900204"]["department"] == "Engineering"
    assert by_id["900204"]["description_html"] == "<h3>Job Description</h3><p>Build things 204.</p>"
    assert by_id["900204"]["locations"] == [{"raw": "Lyon, France", "city": "Lyon", "region": None, "country": "FR"}]
    assert json.dumps(by_id["900204"]["extras"]["custom_fields"]) == '{"Work flexibility": "On-site"}'


# --- in-process expected values (City Bureau style): every contract field, no subprocess, no database ---------
CASES = (
    BoardCase("smartrecruiters", "Vitol", ((r"/postings/744000133666057$", "smartrecruiters/vitol_detail.json"),
                                           (r"/postings/[^/?]+$", b"{}", 404),
                                           (r"/postings", "smartrecruiters/vitol_list.json"))),
    BoardCase("smartrecruiters", "KnightGayles", ((r"/postings/[^/?]+$", b"{}", 404),
                                                  (r"/postings", "smartrecruiters/knight-gayles.json"))),
)


def test_vitol_list_and_detail_in_process_every_field() -> None:
    """One detail saved (the others answer 404 and are stored from the list row, counted as detail failures)."""
    run = CASES[0].run()
    assert (len(run.items), run.outcome, run.dropped, len(run.requests)) == (5, "ok", [], 6)
    assert run.stats["crawlerats/detail_failed/http_404"] == 4
    check_item(run.by_id()["744000133666057"], job_id="744000133666057", title="Platform Engineer",
               company_name="Vitol",
               locations=[{"raw": "Singapore, Singapore", "city": "Singapore", "region": None, "country": "SG"}],
               location="Singapore, Singapore", workplace_type=None, employment_type="full_time",
               employment_type_raw="Full-time", department="MIS, Technology", team=None, salary=None,
               posted_at="2026-06-23T17:40:25.923000+00:00", posted_at_raw="2026-06-23T17:40:25.923Z",
               updated_at=None, url="https://jobs.smartrecruiters.com/Vitol/744000133666057-platform-engineer",
               apply_url="https://jobs.smartrecruiters.com/Vitol/744000133666057-platform-engineer?oga=true",
               description_text="Company Description\n\nVitol is a leader in the ener", requisition_id="REF850Y",
               extras={"experience_level", "job_uuid", "function", "industry", "language", "custom_fields"})
    check_item(run.by_id()["744000133449673"], job_id="744000133449673", title="Project Accounting Analyst",
               company_name="Vitol",
               locations=[{"raw": "Houston, TX, United States", "city": "Houston", "region": "Texas", "country": "US"}],
               location="Houston, TX, United States", workplace_type=None, employment_type="full_time",
               employment_type_raw="Full-time", department="Accounting", team=None, salary=None,
               posted_at="2026-06-22T20:26:42.504000+00:00", posted_at_raw="2026-06-22T20:26:42.504Z",
               updated_at=None, url="https://jobs.smartrecruiters.com/Vitol/744000133449673",
               apply_url="https://jobs.smartrecruiters.com/Vitol/744000133449673", description_text=None,
               requisition_id="REF849M",
               extras={"function", "custom_fields", "detail_missing", "language", "industry", "experience_level"})


def test_knight_gayles_list_in_process_every_field() -> None:
    run = CASES[1].run()
    assert (len(run.items), run.outcome, run.dropped) == (1, "ok", [])
    check_item(run.items[0], job_id="743999671674844", title="CNA / LPN - Consistent Hours. Start Next Week.",
               company_name="Knight Gayles",
               locations=[{"raw": "St. Louis, MO, United States", "city": "St. Louis", "region": "Missouri",
                           "country": "US"}],
               location="St. Louis, MO, United States", workplace_type=None, employment_type="part_time",
               employment_type_raw="Part-time", department="Health Care Provider", team=None, salary=None,
               posted_at="2018-06-08T02:11:28+00:00", posted_at_raw="2018-06-08T02:11:28.000Z", updated_at=None,
               url="https://jobs.smartrecruiters.com/Knight/743999671674844",
               apply_url="https://jobs.smartrecruiters.com/Knight/743999671674844", description_text=None,
               requisition_id="REF30D",
               extras={"experience_level", "function", "industry", "language", "detail_missing", "custom_fields"})


def test_a_detail_for_another_posting_is_not_merged_in_process() -> None:
    """The detail request of one posting answers another posting's detail (a CDN or cache mix-up): the posting is
    stored from its list row under its own id, counted `id_mismatch`; a detail naming the right id is used."""
    detail = json.loads(fixture("smartrecruiters/vitol_detail.json").read_text())
    wrong = json.dumps({**detail, "id": "744000133449673"}).encode()  # another listed posting of the board
    right = json.dumps({**detail, "id": "744000133312429", "name": "Right Detail"}).encode()
    run = BoardCase("smartrecruiters", "Vitol", ((r"/postings/744000133666057$", wrong),
                                                 (r"/postings/744000133312429$", right),
                                                 (r"/postings/[^/?]+$", b"{}", 404),
                                                 (r"/postings", "smartrecruiters/vitol_list.json"))).run()
    assert (len(run.items), run.outcome, run.dropped) == (5, "ok", [])
    assert sorted(run.by_id()) == sorted(r["id"] for r in json.loads(
        fixture("smartrecruiters/vitol_list.json").read_text())["content"])  # one item per listed id
    assert run.stats["crawlerats/detail_failed/id_mismatch"] == 1
    listed = run.by_id()["744000133666057"]
    assert listed["title"] == "Platform Engineer" and listed["extras"]["detail_missing"] is True
    assert listed["description_html"] is None and listed["url"].endswith("/Vitol/744000133666057")
    houston = run.by_id()["744000133449673"]  # its own detail answered 404: from its list row, not the stray one
    assert houston["title"] == "Project Accounting Analyst" and houston["description_html"] is None
    used = run.by_id()["744000133312429"]
    assert used["title"] == "Right Detail" and "detail_missing" not in used["extras"]
