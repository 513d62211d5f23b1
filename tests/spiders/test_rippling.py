"""Rippling spider: the saved board lists and job detail fed in-process (every contract field), rows grouped by
uuid, odd values, and one `scrapy crawl rippling` through the mirror into SecantusDB."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from crawlerats.board import Board
from crawlerats.detect import UnknownBoardUrl, detect
from crawlerats.spiders.rippling import RipplingSpider, group_rows
from tests.spiders.fuzzing import mapping_failures
from tests.support.ats_server import AtsServer, file_reply, json_reply
from tests.support.crawl import run_crawl
from tests.support.inprocess import BoardCase, crawl_board, make_spider
from tests.support.paths import fixture

NOW = "2026-10-10T00:00:00Z"
API = "api.rippling.com/platform/api/ats/v1/board"
PMM = "f7008ce4-5157-4ba9-b75b-ed2a6448b579"


LIST, DETAIL = "rippling/portside_list_haydenham.json", "rippling/portside_detail_haydenham.json"
#: The saved boards (fuzzed by tests/reliability/test_fuzz_spiders.py); details other than PMM's answer 404.
CASES = (
    BoardCase("rippling", "portside", ((rf"/jobs/{PMM}$", DETAIL), (r"/portside/jobs$", LIST))),
    BoardCase("rippling", "rippling", ((r"/rippling/jobs$", "rippling/rippling_list_job-poller.json"),)),
)


def test_portside_board_in_process() -> None:
    run = crawl_board("rippling", "portside", [(rf"/jobs/{PMM}$", DETAIL), (r"/portside/jobs$", LIST)], now=NOW)
    assert (run.outcome, len(run.items), run.dropped) == ("ok", 4, [])
    assert [r.url.rsplit("/", 1)[1] for r in run.requests[1:]] == [
        PMM, "fb7cb353-0246-4172-ab3a-08701129f772", "6830240a-8bcc-40f9-9067-2b287a12dc71",
        "44ba927f-fa95-422e-bad1-df4fa1021174"]
    item = dict(run.by_id()[PMM])
    assert item.pop("description_html").startswith("<p><b><strong>About Portside</strong></b></p>")
    assert item == {
        "ats": "rippling", "company": "portside", "company_name": "Portside, Inc.", "job_id": PMM,
        "requisition_id": None, "title": "Product Marketing Manager", "department": "Sales & Marketing", "team": None,
        "employment_type": "full_time", "employment_type_raw": "Salaried, full-time", "workplace_type": "remote",
        "locations": [{"raw": "Remote (United States)", "city": None, "region": None, "country": "US"}],
        "location": "Remote (United States)", "salary": None, "salary_raw": None,
        "description_text": "About Portside\n\nJob …",
        "url": f"https://ats.rippling.com/portside/jobs/{PMM}", "apply_url": f"https://ats.rippling.com/portside/jobs/{PMM}",
        "posted_at": datetime(2026, 6, 12, 19, 45, 15, 898000, tzinfo=UTC),
        "posted_at_raw": "2026-06-12T12:45:15.898000-07:00", "updated_at": None, "updated_at_raw": None,
        "extras": {"base_department": "Sales & Marketing", "employment_type_code": "SALARIED_FT"},
    }
    canada = run.by_id()["6830240a-8bcc-40f9-9067-2b287a12dc71"]  # detail 404: stored from the list row
    assert canada["title"] == "Senior Salesforce Software Engineer" and canada["department"] == "Product & Engineering"
    assert canada["locations"] == [{"raw": "Canada", "city": None, "region": None, "country": "CA"}]
    assert canada["extras"] == {"detail_missing": True} and canada["posted_at"] is None
    assert run.stats["crawlerats/detail_failed/http_404"] == 3


def test_list_rows_alone_make_a_posting_when_the_detail_is_unusable() -> None:
    run = crawl_board("rippling", "rippling", [(r"/jobs/", b"<html>busy</html>"),
                                               (r"/rippling/jobs$", "rippling/rippling_list_job-poller.json")], now=NOW)
    assert (run.outcome, len(run.items)) == ("ok", 2)
    url = "https://ats.rippling.com/rippling/jobs/94486f41-6474-446a-b67a-c164e11354ea"
    assert dict(run.by_id()["94486f41-6474-446a-b67a-c164e11354ea"]) == {
        "ats": "rippling", "company": "rippling", "company_name": "rippling",
        "job_id": "94486f41-6474-446a-b67a-c164e11354ea", "requisition_id": None,
        "title": "Account Executive, Broker Channel (Pittsburgh or Cleveland)", "department": "Sales", "team": None,
        "employment_type": None, "employment_type_raw": None, "workplace_type": None,
        "locations": [{"raw": "Cleveland, OH", "city": "Cleveland", "region": "Ohio", "country": "US"}],
        "location": "Cleveland, OH", "salary": None, "salary_raw": None, "description_html": None,
        "description_text": None, "url": url, "apply_url": url, "posted_at": None, "posted_at_raw": None,
        "updated_at": None, "updated_at_raw": None, "extras": {"detail_missing": True},
    }
    assert run.stats["crawlerats/detail_failed/invalid_payload"] == 2


def test_a_board_that_is_not_a_list_fails() -> None:
    run = crawl_board("rippling", "portside", [(r"/portside/jobs$", b'{"detail": "Not found"}')], now=NOW)
    assert run.outcome == "failed" and run.reason.startswith("unexpected_payload (dict)")


def test_rows_sharing_a_uuid_are_one_posting_with_every_location() -> None:
    rows = [{"uuid": "u1", "name": "Nurse", "workLocation": {"label": "Austin, TX", "id": "Austin, TX"}},
            {"uuid": "u2", "name": "Cook", "workLocation": None},
            {"uuid": "u1", "name": "Nurse", "workLocation": {"label": "Dallas, TX", "id": "Dallas, TX"}},
            {"uuid": "u1", "name": "Nurse", "workLocation": {"label": "Austin, TX", "id": "Austin, TX"}},
            {"name": "no uuid"}]
    assert [(g["uuid"], g["locations"]) for g in group_rows(rows)] == [("u1", ["Austin, TX", "Dallas, TX"]),
                                                                        ("u2", [])]
    spider = make_spider("rippling", now=NOW)
    item = spider.posting(Board("rippling", "x"), group_rows(rows)[0], None)
    assert [loc["city"] for loc in item["locations"]] == ["Austin", "Dallas"]
    assert item["location"] == "Austin, TX; Dallas, TX"


def test_pay_ranges_use_one_currency_and_frequency() -> None:
    bands = [{"rangeStart": 120000, "rangeEnd": 150000, "currency": "USD", "frequency": "YEAR", "location": "NY"},
             {"rangeStart": 100000, "rangeEnd": 130000, "currency": "USD", "frequency": "YEAR", "location": "TX"},
             {"rangeStart": 40, "rangeEnd": 50, "currency": "USD", "frequency": "HOUR"}]
    salary, raw = RipplingSpider.salary(bands)
    assert salary == {"min": 100000.0, "max": 150000.0, "currency": "USD", "interval": "year",
                      "raw": "USD 100,000 - 150,000 per year"}
    assert raw == bands
    assert RipplingSpider.salary([]) == (None, [])
    assert RipplingSpider.salary([{"note": "DOE"}]) == (None, [{"note": "DOE"}])


def test_detail_mapping_tolerates_odd_values() -> None:
    detail = json.loads(fixture("rippling/portside_detail_haydenham.json").read_text())
    listed = {"uuid": PMM, "name": "x", "locations": ["Remote"]}
    assert mapping_failures(RipplingSpider, detail, lambda s, b, d: s.posting(b, listed, d)) == []


def test_rippling_crawl_through_the_mirror(ats_server: AtsServer, crawl_settings: dict, mongo_db) -> None:
    ats_server.route("GET", f"{API}/portside/jobs", file_reply(fixture("rippling/portside_list_haydenham.json")))
    ats_server.route("GET", f"{API}/portside/jobs/{PMM}", file_reply(fixture("rippling/portside_detail_haydenham.json")))
    ats_server.route("GET", f"{API}/multi/jobs", json_reply([
        {"uuid": "m1", "name": "Nurse", "department": {"id": "Care", "label": "Care"},
         "workLocation": {"label": "Austin, TX", "id": "Austin, TX"}},
        {"uuid": "m1", "name": "Nurse", "department": {"id": "Care", "label": "Care"},
         "workLocation": {"label": "Remote (Canada)", "id": "Remote (Canada)"}}]))
    ats_server.route("GET", f"{API}/multi/jobs/m1", json_reply({
        "uuid": "m1", "name": "Nurse", "createdOn": "2026-09-01T08:00:00+00:00",
        "payRangeDetails": [{"rangeStart": 30, "rangeEnd": 45, "currency": "USD", "frequency": "HOUR"}]}))
    ats_server.route("GET", f"{API}/emptyco/jobs", json_reply([]))
    # `gone` has no route (404): a failed board; the other portside details 404 too: stored from list rows.
    result = run_crawl("rippling", {"companies": "portside,multi,emptyco,gone"}, {**crawl_settings, "CRAWLERATS_NOW": NOW})
    assert result.stats["crawlerats/boards/ok"] == 3 and result.stats["crawlerats/boards/failed"] == 1
    assert result.stats["crawlerats/detail_failed/http_404"] == 3
    jobs = mongo_db["jobs"]
    assert jobs.count_documents({"company": "portside"}) == 4 and jobs.count_documents({"company": "emptyco"}) == 0
    pmm = jobs.find_one({"company": "portside", "job_id": PMM})
    assert pmm["employment_type"] == "full_time" and pmm["description_text"].startswith("About Portside")
    sales = jobs.find_one({"company": "portside", "job_id": "fb7cb353-0246-4172-ab3a-08701129f772"})
    assert sales["title"] == "Sales Executive" and sales["workplace_type"] == "remote"
    assert sales["extras"] == {"detail_missing": True}
    [nurse] = list(jobs.find({"company": "multi"}))
    assert nurse["job_id"] == "m1" and [loc["country"] for loc in nurse["locations"]] == ["US", "CA"]
    assert nurse["salary"]["min"] == 30.0 and nurse["salary"]["interval"] == "hour"
    assert nurse["posted_at"] == datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
    assert nurse["department"] == "Care"


@pytest.mark.parametrize(("url", "company"), [
    ("https://ats.rippling.com/portside/jobs", "portside"),
    ("https://ats.rippling.com/portside", "portside"),
    ("https://ats.rippling.com/portside/jobs/f7008ce4-5157-4ba9-b75b-ed2a6448b579", "portside"),
    ("https://api.rippling.com/platform/api/ats/v1/board/portside/jobs", "portside"),
    ("https://ats.rippling.com/en-GB/rippling/jobs/fce552a3-bcae-4f35-b5ff-0143031a5640", "rippling"),
    ("https://ats.rippling.com/en-CA/opendoor", "opendoor"),
])
def test_board_urls_detected(url: str, company: str) -> None:
    board = detect(url)
    assert (board.ats, board.company) == ("rippling", company)
    assert detect(RipplingSpider.public_url(board)) == board


@pytest.mark.parametrize("url", [
    "https://rippling.com/careers",
    "https://ats.rippling.com/",
    "https://ats.rippling.com.evil.com/portside",
    "https://api.rippling.com/platform/other",
    "https://ats.rippling.com/api/x",
    "https://ats.rippling.com/en-US",
])
def test_look_alike_urls_rejected(url: str) -> None:
    with pytest.raises(UnknownBoardUrl):
        detect(url)
