"""Zoho Recruit spider: the saved `input#jobs` slice fed in-process (every contract field), unpublished rows, regional
hosts, odd values, detection, and one `scrapy crawl zohorecruit` through the mirror into SecantusDB."""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime

import pytest

from crawlerats.board import Board
from crawlerats.detect import UnknownBoardUrl, detect
from crawlerats.spiders.zohorecruit import ZohoRecruitSpider
from tests.spiders.fuzzing import mapping_failures
from tests.support.ats_server import AtsServer, Reply, file_reply
from tests.support.crawl import run_crawl
from tests.support.inprocess import BoardCase, feed, make_spider
from tests.support.paths import fixture

NOW = "2026-10-10T00:00:00Z"
SLICE = "zohorecruit/pscbiotech_board-slice_jobs-aaron.html"
PAGE = "https://pscbiotech.zohorecruit.com/jobs/Careers"
CASES = (BoardCase("zohorecruit", "pscbiotech", ((r"/jobs/Careers$", SLICE),)),)


def _page(rows: list[dict]) -> bytes:
    return f'<html><input type="hidden" value="{html.escape(json.dumps(rows))}" id="jobs"></html>'.encode()


def _rows() -> list[dict]:
    spider = make_spider("zohorecruit", now=NOW)
    return json.loads(feed(spider, lambda response, board: [response.css("input#jobs::attr(value)").get()],
                           SLICE, url=PAGE).items[0])


def test_saved_board_in_process() -> None:
    spider = make_spider("zohorecruit", now=NOW)
    out = feed(spider, spider.parse_board, SLICE, url=PAGE, board="pscbiotech")
    assert [i["job_id"] for i in out.items] == ["474128000070267033", "474128000070306003", "474128000070156567"]
    assert spider.outcomes[("zohorecruit", "pscbiotech")].finished
    url = "https://pscbiotech.zohorecruit.com/jobs/Careers/474128000070267033/Project-Engineer"
    engineer = dict(out.items[0])
    assert engineer.pop("description_text").startswith("PSC Biotech provides the life sciences with essential")
    assert engineer == {
        "ats": "zohorecruit", "company": "pscbiotech", "company_name": "pscbiotech", "job_id": "474128000070267033",
        "requisition_id": None, "title": "Project Engineer", "department": None, "team": None,
        "employment_type": "full_time", "employment_type_raw": "Full time", "workplace_type": None,
        "locations": [{"raw": "Boulder, Colorado, United States", "city": "Boulder", "region": "Colorado",
                       "country": "US"}],
        "location": "Boulder, Colorado, United States", "salary": None, "salary_raw": None, "description_html": None,
        "url": url, "apply_url": url, "posted_at": datetime(2026, 10, 1, tzinfo=UTC), "posted_at_raw": "2026-10-01",
        "updated_at": None, "updated_at_raw": None,
        "extras": {"industry": "Pharma", "work_experience": "6-10 years"},
    }
    remote, contract = out.items[1], out.items[2]
    assert remote["workplace_type"] == "remote" and remote["locations"] == [] and remote["extras"] == {
        "industry": "Pharma"}
    assert contract["employment_type"] == "contract" and contract["title"] == "MDR Specialist"


def test_unpublished_rows_html_descriptions_and_other_date_formats() -> None:
    rows = _rows()
    page = _page([{**rows[0], "Publish": False}, {**rows[1], "Date_Opened": "09/30/2026",
                                                  "Job_Description": "<p>Salary: $90,000 - $110,000 per year</p>"}])
    spider = make_spider("zohorecruit", now=NOW)
    out = feed(spider, spider.parse_board, page, url=PAGE, board="pscbiotech")
    assert [i["job_id"] for i in out.items] == ["474128000070306003"]
    assert "474128000070267033" in spider.outcomes[("zohorecruit", "pscbiotech")].seen_ids  # seen, not closed
    assert spider.crawler.stats.get_value("crawlerats/zohorecruit/unpublished") == 1
    item = out.items[0]
    assert item["posted_at"] == datetime(2026, 9, 30, tzinfo=UTC)
    assert item["description_html"] == "<p>Salary: $90,000 - $110,000 per year</p>"
    assert item["salary"]["min"] == 90000.0 and item["salary"]["interval"] == "year"
    broken = make_spider("zohorecruit", now=NOW)
    assert feed(broken, broken.parse_board, b"<html>Portal disabled</html>", url=PAGE, board="pscbiotech").items == []
    assert broken.outcomes[("zohorecruit", "pscbiotech")].failed.startswith("unexpected_payload (no input#jobs")


def test_regional_hosts_are_board_ids() -> None:
    spider = make_spider("zohorecruit", now=NOW)
    board = spider.board_from_token("solution25.zohorecruit.eu")
    [request] = list(spider.board_requests(board))
    assert request.url == "https://solution25.zohorecruit.eu/jobs/Careers"
    assert not spider.valid_board_id("a.zohorecruit.org")


def test_mapping_tolerates_odd_values() -> None:
    row = _rows()[0]
    assert mapping_failures(ZohoRecruitSpider, row, lambda s, b, r: s.posting(b, r)) == []


def test_zohorecruit_crawl_through_the_mirror(ats_server: AtsServer, crawl_settings: dict, mongo_db) -> None:
    ats_server.route("GET", "pscbiotech.zohorecruit.com/jobs/Careers", file_reply(fixture(SLICE), "text/html"))
    ats_server.route("GET", "emptyco.zohorecruit.eu/jobs/Careers", lambda q, b: Reply(body=_page([]),
                                                                                        content_type="text/html"))
    result = run_crawl("zohorecruit", {"companies": "https://pscbiotech.zohorecruit.com/jobs/Careers,"
                                                    "emptyco.zohorecruit.eu,gone"},
                       {**crawl_settings, "CRAWLERATS_NOW": NOW})
    assert result.stats["crawlerats/boards/ok"] == 2 and result.stats["crawlerats/boards/failed"] == 1
    docs = {d["job_id"]: d for d in mongo_db["jobs"].find({"ats": "zohorecruit"})}
    assert len(docs) == 3 and docs["474128000070156567"]["employment_type"] == "contract"
    assert docs["474128000070267033"]["locations"][0]["region"] == "Colorado"


@pytest.mark.parametrize(("url", "company"), [
    ("https://pscbiotech.zohorecruit.com/jobs/Careers", "pscbiotech"),
    ("https://pscbiotech.zohorecruit.com/jobs/Careers/474128000070267033/Project-Engineer?source=CareerSite",
     "pscbiotech"),
    ("https://solution25.zohorecruit.eu/jobs/Careers", "solution25.zohorecruit.eu"),
    ("https://acme.zohorecruit.com.au/jobs/Careers", "acme.zohorecruit.com.au"),
])
def test_board_urls_detected(url: str, company: str) -> None:
    board = detect(url)
    assert board == Board("zohorecruit", company)
    assert detect(ZohoRecruitSpider.public_url(board)) == board


@pytest.mark.parametrize("url", [
    "https://www.zohorecruit.com/", "https://zohorecruit.com/jobs/Careers", "https://recruit.zoho.com/",
    "https://acme.zohorecruit.com.evil.com/jobs/Careers",
])
def test_look_alike_urls_rejected(url: str) -> None:
    with pytest.raises(UnknownBoardUrl):
        detect(url)
