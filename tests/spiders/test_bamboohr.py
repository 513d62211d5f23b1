"""BambooHR spider: list + detail on the real payloads, failed details stored from the list data, empty and
failing boards, through a real crawl."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from crawlerats.spiders.bamboohr import BambooHrSpider
from tests.spiders.fuzzing import mapping_failures
from tests.support.ats_server import Reply, file_reply, json_reply
from tests.support.crawl import run_crawl
from tests.support.inprocess import BoardCase, check_item
from tests.support.paths import fixture

NOW = "2026-09-01T00:00:00Z"


def test_bamboohr_boards(ats_server, crawl_settings, mongo_db) -> None:
    ats_server.route("GET", "example.bamboohr.com/careers/list", file_reply(fixture("bamboohr/haydenham-list.json")))
    ats_server.route("GET", "example.bamboohr.com/careers/125/detail",
                     file_reply(fixture("bamboohr/haydenham-detail_SANITIZED.json")))
    # 126 has no route: its detail answers 404
    ats_server.route("GET", "lawfirm.bamboohr.com/careers/list", file_reply(fixture("bamboohr/careerkit-list.json")))
    ats_server.route("GET", "lawfirm.bamboohr.com/careers/87/detail",
                     lambda q, b: Reply(body=b"<html>Sign in</html>", content_type="text/html"))
    ats_server.route("GET", "emptyco.bamboohr.com/careers/list", json_reply({"meta": {"totalCount": 0}, "result": []}))
    ats_server.route("GET", "brokenlist.bamboohr.com/careers/list", json_reply({"error": "forbidden"}, status=403))
    result = run_crawl("bamboohr", {"companies": "example,lawfirm,emptyco,brokenlist"},
                       {**crawl_settings, "CRAWLERATS_NOW": NOW})
    assert result.stats["crawlerats/boards/ok"] == 3
    assert result.stats["crawlerats/boards/failed"] == 1
    assert result.stats["crawlerats/detail_failed/http_404"] == 2  # example/126 and lawfirm/86
    assert result.stats["crawlerats/detail_failed/invalid_payload"] == 1  # lawfirm/87

    docs = {(d["company"], d["job_id"]): d for d in mongo_db.jobs.find({"ats": "bamboohr"})}
    assert set(docs) == {("example", "125"), ("example", "126"), ("lawfirm", "86"), ("lawfirm", "87")}

    bdm = docs["example", "125"]
    assert bdm["title"] == "Business Development Manager"
    assert bdm["department"] == "Sales US"
    assert bdm["employment_type_raw"] == "Full-Time" and bdm["employment_type"] == "full_time"
    assert bdm["locations"] == [{"raw": "Austin, Texas, United States", "city": "Austin", "region": "Texas",
                                 "country": "US"}]
    assert bdm["workplace_type"] == "remote"  # locationType "1"
    assert bdm["posted_at"] == datetime(2026, 6, 8, tzinfo=UTC) and bdm["posted_at_raw"] == "2026-06-08"
    assert bdm["description_html"] == "<p>Build flexible energy products for customers.</p>"
    assert bdm["description_text"] == "Build flexible energy products for customers."
    assert bdm["url"] == bdm["apply_url"] == "https://example.bamboohr.com/careers/125"
    assert bdm["extras"] == {"location_type": "1", "status": "Open"}
    assert bdm["salary"] is None

    contractor = docs["example", "126"]  # detail failed: stored from the list data
    assert contractor["title"] == "Contractor - Senior Electrical Engineer"
    assert contractor["employment_type"] == "contract"
    assert contractor["locations"] == [{"raw": "Dublin, Leinster, Ireland", "city": "Dublin", "region": "Leinster",
                                        "country": "IE"}]
    assert contractor["posted_at"] is None and contractor["description_html"] is None
    assert contractor["extras"]["detail_missing"] is True
    assert contractor["url"] == "https://example.bamboohr.com/careers/126"

    nurse = docs["lawfirm", "86"]
    assert nurse["department"] == "Legal" and nurse["employment_type"] == "full_time"
    assert nurse["workplace_type"] == "onsite"  # locationType "0"
    assert nurse["locations"] == [{"raw": "Fort Lauderdale, Florida", "city": "Fort Lauderdale", "region": "Florida",
                                   "country": "US"}]
    assert nurse["extras"]["department_id"] == "18244"
    intern = docs["lawfirm", "87"]
    assert intern["department"] == "Marketing" and intern["employment_type"] == "internship"
    assert intern["title"] == "Marketing & Social Media Intern"
    assert intern["extras"]["detail_missing"] is True

    assert [p for m, p, q, b in ats_server.requests if p.startswith("/brokenlist")] == ["/brokenlist.bamboohr.com/careers/list"]


def test_bamboohr_mapping_tolerates_odd_values() -> None:
    listed = json.loads(fixture("bamboohr/haydenham-list.json").read_text())["result"][0]
    opening = json.loads(fixture("bamboohr/haydenham-detail_SANITIZED.json").read_text())["result"]["jobOpening"]
    assert mapping_failures(BambooHrSpider, listed, lambda s, b, p: s.posting(b, p, opening)) == []
    assert mapping_failures(BambooHrSpider, listed, lambda s, b, p: s.posting(b, p, None)) == []
    assert mapping_failures(BambooHrSpider, opening, lambda s, b, o: s.posting(b, listed, o)) == []


# --- in-process expected values (City Bureau style): every contract field, no subprocess, no database ---------
CASES = (
    BoardCase("bamboohr", "haydenham", ((r"/125/detail", "bamboohr/haydenham-detail_SANITIZED.json"),
                                        (r"/detail", b"{}", 404), (r"/list", "bamboohr/haydenham-list.json"))),
    BoardCase("bamboohr", "careerkit", ((r"/detail", b"{}", 404), (r"/list", "bamboohr/careerkit-list.json"))),
)


def test_haydenham_list_and_detail_in_process_every_field() -> None:
    run = CASES[0].run()
    assert (len(run.items), run.outcome, run.dropped, len(run.requests)) == (2, "ok", [], 3)
    check_item(run.by_id()["125"], job_id="125", title="Business Development Manager", company_name="haydenham",
               locations=[{"raw": "Austin, Texas, United States", "city": "Austin", "region": "Texas",
                           "country": "US"}],
               location="Austin, Texas, United States", workplace_type="remote", employment_type="full_time",
               employment_type_raw="Full-Time", department="Sales US", team=None, salary=None,
               posted_at="2026-06-08T00:00:00+00:00", posted_at_raw="2026-06-08", updated_at=None,
               url="https://haydenham.bamboohr.com/careers/125", apply_url="https://haydenham.bamboohr.com/careers/125",
               description_text="Build flexible energy products for customers.", requisition_id=None,
               extras={"status", "location_type"})
    check_item(run.by_id()["126"], job_id="126", title="Contractor - Senior Electrical Engineer",
               company_name="haydenham",
               locations=[{"raw": "Dublin, Leinster, Ireland", "city": "Dublin", "region": "Leinster",
                           "country": "IE"}],
               location="Dublin, Leinster, Ireland", workplace_type="remote", employment_type="contract",
               employment_type_raw="Contractor", department="Deployment", team=None, salary=None, posted_at=None,
               posted_at_raw=None, updated_at=None, url="https://haydenham.bamboohr.com/careers/126",
               apply_url="https://haydenham.bamboohr.com/careers/126", description_text=None, requisition_id=None,
               extras={"location_type", "detail_missing"})


def test_careerkit_list_in_process_every_field() -> None:
    run = CASES[1].run()
    assert (len(run.items), run.outcome, run.dropped) == (2, "ok", [])
    check_item(run.by_id()["87"], job_id="87", title="Marketing & Social Media Intern", company_name="careerkit",
               locations=[{"raw": "Fort Lauderdale, Florida", "city": "Fort Lauderdale", "region": "Florida",
                           "country": "US"}],
               location="Fort Lauderdale, Florida", workplace_type="onsite", employment_type="internship",
               employment_type_raw="Internship", department="Marketing", team=None, salary=None, posted_at=None,
               posted_at_raw=None, updated_at=None, url="https://careerkit.bamboohr.com/careers/87",
               apply_url="https://careerkit.bamboohr.com/careers/87", description_text=None, requisition_id=None,
               extras={"location_type", "department_id", "detail_missing"})


def test_a_detail_for_another_opening_is_not_merged_in_process() -> None:
    """BambooHR's detail names its opening in `jobOpeningShareUrl` (…/careers/{id}) or `id`: a detail for
    another opening is counted `id_mismatch` and the posting stored from its list row; a detail that names no
    id is used as before."""
    detail = json.loads(fixture("bamboohr/haydenham-detail_SANITIZED.json").read_text())
    opening = detail["result"]["jobOpening"]
    other = {**detail, "result": {**detail["result"], "jobOpening": {
        **opening, "jobOpeningShareUrl": "https://example.bamboohr.com/careers/126"}}}
    unnamed = {**detail, "result": {**detail["result"], "jobOpening": {
        k: v for k, v in opening.items() if k != "jobOpeningShareUrl"}}}
    run = BoardCase("bamboohr", "haydenham", ((r"/125/detail", json.dumps(other).encode()),
                                              (r"/126/detail", json.dumps(unnamed).encode()),
                                              (r"/list", "bamboohr/haydenham-list.json"))).run()
    assert (len(run.items), run.outcome, run.dropped) == (2, "ok", [])
    assert run.stats["crawlerats/detail_failed/id_mismatch"] == 1
    bdm = run.by_id()["125"]
    assert bdm["extras"]["detail_missing"] is True
    assert bdm["posted_at"] is None and bdm["description_html"] is None
    contractor = run.by_id()["126"]  # the detail without an id is taken as its own
    assert contractor["description_html"] == "<p>Build flexible energy products for customers.</p>"
    assert "detail_missing" not in contractor["extras"]
    explicit = {**detail, "result": {**detail["result"], "jobOpening": {**opening, "id": "126"}}}
    run = BoardCase("bamboohr", "haydenham", ((r"/125/detail", json.dumps(explicit).encode()),
                                              (r"/126/detail", b"{}", 404),
                                              (r"/list", "bamboohr/haydenham-list.json"))).run()
    assert run.stats["crawlerats/detail_failed/id_mismatch"] == 1  # `id` wins over the share URL
    assert run.by_id()["125"]["extras"]["detail_missing"] is True
