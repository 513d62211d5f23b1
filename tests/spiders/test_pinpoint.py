"""Pinpoint spider: the saved postings (re-wrapped in the `{"data": …}` envelope their saver removed) fed in-process
with every contract field compared, hidden pay, odd values, and one `scrapy crawl pinpoint` through the mirror."""

from __future__ import annotations

import json

import pytest
from scrapy.http import TextResponse

from crawlerats.board import Board
from crawlerats.detect import UnknownBoardUrl, detect
from crawlerats.spiders.pinpoint import PinpointSpider
from tests.spiders.fuzzing import mapping_failures
from tests.support.ats_server import AtsServer, Reply, json_reply
from tests.support.crawl import run_crawl
from tests.support.inprocess import BoardCase, make_spider
from tests.support.paths import fixture

NOW = "2026-10-10T00:00:00Z"
ROWS = "pinpoint/pinpoint-workwithus_postings_job-poller.json"
URL = "https://workwithus.pinpointhq.com/en/postings/"
#: The saved board, re-wrapped in the `{"data": …}` envelope its saver removed (so fuzzed unmutated only).
CASES = (BoardCase("pinpoint", "workwithus", ((r"/postings\.json$", json.dumps({"data": json.loads(
    fixture(ROWS).read_text())}).encode()),)),)


def _rows() -> list[dict]:
    return json.loads(fixture(ROWS).read_text())


def _items(payload: object, board: str = "workwithus") -> tuple[PinpointSpider, list]:
    spider = make_spider("pinpoint", now=NOW)
    response = TextResponse(url=f"https://{board}.pinpointhq.com/postings.json", body=json.dumps(payload).encode(),
                            encoding="utf-8")
    return spider, list(spider.parse_board(response, Board("pinpoint", board)))


def test_saved_postings_in_process() -> None:
    spider, items = _items({"data": _rows()})
    assert [i["job_id"] for i in items] == ["559663", "567495"]
    assert spider.outcomes[("pinpoint", "workwithus")].finished
    legal, impl = (dict(i) for i in items)
    html = legal.pop("description_html")
    assert html.startswith("<div>Hi 👋 I'm Ellis, COO at Pinpoint.") and "<h3>What you'll do</h3>" in html
    assert legal.pop("description_text").startswith("Hi 👋 I'm Ellis, COO at Pinpoint.\n\nWe're a high growth")
    assert legal == {
        "ats": "pinpoint", "company": "workwithus", "company_name": "workwithus", "job_id": "559663",
        "requisition_id": "PIN-0407", "title": "Founding Legal Counsel", "department": "Operations", "team": None,
        "employment_type": "full_time", "employment_type_raw": "Full Time", "workplace_type": "remote",
        "locations": [{"raw": "Remote", "city": "London", "region": "London", "country": None}],
        "location": "Remote", "salary": None, "salary_raw": None,
        "url": URL + "ce6c9e5c-a2d3-42b0-a01e-9edeae315b04", "apply_url": URL + "ce6c9e5c-a2d3-42b0-a01e-9edeae315b04",
        "posted_at": None, "posted_at_raw": None, "updated_at": None, "updated_at_raw": None,
        "extras": {"job_id": "562609", "reporting_to": "Chief Operating Officer", "workplace_type_text": "Fully remote"},
    }
    assert impl["salary"] == {"min": 70000.0, "max": 90000.0, "currency": "GBP", "interval": "year",
                              "raw": "£70,000 - £90,000 / year"}
    assert impl["salary_raw"] == {"compensation": "£70,000 - £90,000 / year", "compensation_minimum": 70000.0,
                                  "compensation_maximum": 90000.0, "compensation_currency": "GBP",
                                  "compensation_frequency": "year"}
    assert impl["locations"] == [{"raw": "United Kingdom", "city": "London", "region": "London", "country": "GB"}]
    assert impl["requisition_id"] == "PIN-0408" and impl["department"] == "Implementation"
    assert impl["posted_at"] is None


def test_hidden_pay_is_neither_parsed_nor_kept() -> None:
    row = {**_rows()[1], "compensation_visible": False}
    _, [item] = _items({"data": [row]})
    assert item["salary"] is None and item["salary_raw"] is None
    text_only = {**_rows()[1], "compensation_minimum": None, "compensation_maximum": None}
    _, [item] = _items({"data": [text_only]})
    assert item["salary"]["min"] == 70000.0 and item["salary"]["currency"] == "GBP"


def test_boards_that_are_hosts_and_bad_payloads() -> None:
    spider = make_spider("pinpoint", now=NOW)
    assert spider.board_from_token("careers.example.com").company == "careers.example.com"
    request = next(iter(spider.board_requests(Board("pinpoint", "careers.example.com"))))
    assert request.url == "https://careers.example.com/postings.json"
    assert not spider.valid_board_id("bad slug!")
    spider, items = _items([{"id": "1"}])  # a bare array: the envelope is required
    assert items == [] and spider.outcomes[("pinpoint", "workwithus")].failed.startswith("unexpected_payload")


def test_mapping_tolerates_odd_values() -> None:
    assert mapping_failures(PinpointSpider, _rows()[1], lambda s, b, p: s.posting(b, p)) == []


def test_pinpoint_crawl_through_the_mirror(ats_server: AtsServer, crawl_settings: dict, mongo_db) -> None:
    ats_server.route("GET", "workwithus.pinpointhq.com/postings.json", json_reply({"data": _rows()}))
    ats_server.route("GET", "careers.example.com/postings.json", json_reply({"data": [
        {"id": "9", "title": "Chef", "path": "/en/postings/abc", "workplace_type": "onsite",
         "location": {"city": "Leeds", "name": "Leeds", "province": None}}]}))
    ats_server.route("GET", "emptyco.pinpointhq.com/postings.json", json_reply({"data": []}))
    ats_server.route("GET", "down.pinpointhq.com/postings.json", lambda q, b: Reply(503, b"busy", "text/plain"))
    boards = "workwithus,careers.example.com,emptyco,down"
    result = run_crawl("pinpoint", {"companies": boards}, {**crawl_settings, "CRAWLERATS_NOW": NOW,
                                                          "RETRY_ENABLED": "False"})
    assert result.stats["crawlerats/boards/ok"] == 3 and result.stats["crawlerats/boards/failed"] == 1
    jobs = mongo_db["jobs"]
    assert jobs.count_documents({"ats": "pinpoint", "company": "workwithus"}) == 2
    impl = jobs.find_one({"company": "workwithus", "job_id": "567495"})
    assert impl["salary"]["max"] == 90000.0 and impl["posted_at"] is None and impl["workplace_type"] == "remote"
    chef = jobs.find_one({"company": "careers.example.com", "job_id": "9"})
    assert chef["url"] == "https://careers.example.com/en/postings/abc" and chef["workplace_type"] == "onsite"
    assert chef["locations"] == [{"raw": "Leeds", "city": "Leeds", "region": None, "country": None}]


@pytest.mark.parametrize(("url", "company"), [
    ("https://workwithus.pinpointhq.com/", "workwithus"),
    ("https://workwithus.pinpointhq.com/en/postings/ce6c9e5c-a2d3-42b0-a01e-9edeae315b04", "workwithus"),
    ("workwithus.pinpointhq.com/postings.json", "workwithus"),
])
def test_board_urls_detected(url: str, company: str) -> None:
    board = detect(url)
    assert (board.ats, board.company) == ("pinpoint", company)
    assert detect(PinpointSpider.public_url(board)) == board


@pytest.mark.parametrize("url", [
    "https://www.pinpointhq.com/",
    "https://pinpointhq.com/",
    "https://app.pinpointhq.com/x",
    "https://a.b.pinpointhq.com/",
    "https://workwithus.pinpointhq.com.evil.com/",
])
def test_look_alike_urls_rejected(url: str) -> None:
    with pytest.raises(UnknownBoardUrl):
        detect(url)
