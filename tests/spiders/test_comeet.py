"""Comeet spider: the saved API rows and careers-page slice fed in-process (every contract field), location rows
grouped into one posting, the API → careers-page fallbacks, odd values, and one `scrapy crawl comeet` through the
mirror into SecantusDB."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from scrapy.http import HtmlResponse, TextResponse

from crawlerats.board import Board
from crawlerats.detect import UnknownBoardUrl, detect
from crawlerats.items import JobItem
from crawlerats.spiders.comeet import ComeetSpider, group_positions
from tests.spiders.fuzzing import mutations
from tests.support.ats_server import AtsServer, Reply, file_reply, json_reply
from tests.support.crawl import run_crawl
from tests.support.inprocess import BoardCase, make_spider
from tests.support.paths import fixture

NOW = "2026-10-10T00:00:00Z"
API_ROWS = "comeet/wiliot_positions_job-agent.json"
PAGE = "comeet/cheq_careers-page-slice_jobs-aaron.html"
WILIOT, CHEQ = Board("comeet", "wiliot/F6.003"), Board("comeet", "cheq/65.005")
TOKEN = "6F329B2DE6379829B229B2037983E8B3E8B"
TOKEN_PAGE = f'<html><script>COMEET_INIT = {{"token": "{TOKEN}", "company-uid": "F6.003"}};</script></html>'.encode()
#: The saved boards: API rows behind a (hand-made) careers page with a token, and the careers-page slice.
CASES = (
    BoardCase("comeet", WILIOT.company, ((r"/careers-api/2\.0/company/F6\.003/positions", API_ROWS),
                                         (r"/jobs/wiliot/F6\.003$", TOKEN_PAGE))),
    BoardCase("comeet", CHEQ.company, ((r"/jobs/cheq/65\.005$", PAGE),)),
)


def _spider() -> ComeetSpider:
    return make_spider("comeet", companies="x/AA.BBB", now=NOW)


def _html(board: Board, body: bytes) -> HtmlResponse:
    return HtmlResponse(url=f"https://www.comeet.com/jobs/{board.company}", body=body, encoding="utf-8")


def test_api_rows_are_one_posting_per_position() -> None:
    spider = _spider()
    response = TextResponse(url="https://www.comeet.co/careers-api/2.0/company/F6.003/positions",
                            body=fixture(API_ROWS).read_bytes(), encoding="utf-8")
    [item] = list(spider.parse_api(response, WILIOT))
    item = dict(item)
    assert item.pop("description_html").startswith("<h3>Description</h3><p>Wiliot was founded by the team")
    assert item.pop("description_text").endswith("\n\nOur investors inc")  # empty Requirements/Responsibilities left out
    url = "https://www.comeet.com/jobs/wiliot/F6.003/forward-deployed-engineer/18.767"
    assert item == {
        "ats": "comeet", "company": "wiliot/F6.003", "company_name": "Wiliot", "job_id": "18.767",
        "requisition_id": None, "title": "Forward Deployed Engineer", "department": None, "team": None,
        "employment_type": None, "employment_type_raw": None, "workplace_type": "onsite",
        "locations": [{"raw": "New York", "city": "New York", "region": "New York", "country": "US"},
                      {"raw": "Dallas", "city": "Plano", "region": "Texas", "country": "US"}],
        "location": "New York; Dallas", "salary": None, "salary_raw": None, "url": url, "apply_url": url,
        "posted_at": None, "posted_at_raw": None,
        "updated_at": datetime(2026, 8, 12, 2, 36, 49, tzinfo=UTC), "updated_at_raw": "2026-08-12T02:36:49Z",
        "extras": {"employer_page": "https://www.wiliot.com/positions/position-18_767", "location_rows": 2},
    }
    assert spider.outcomes[WILIOT.key].finished


def test_careers_page_data_without_a_token() -> None:
    spider = _spider()
    items = list(spider.parse_careers_page(_html(CHEQ, fixture(PAGE).read_bytes()), CHEQ))
    assert [i["job_id"] for i in items] == ["DD.B6F", "AF.242", "31.15F"]
    ai = dict(items[0])
    assert ai.pop("description_html").startswith("<h3>Description</h3><p>CHEQ is the Intelligence Standard")
    assert "\n\nRequirements\n\n3 + years of hands-on experience" in ai.pop("description_text")
    url = "https://www.comeet.com/jobs/cheq/65.005/ai-engineer/DD.B6F"
    assert ai == {
        "ats": "comeet", "company": "cheq/65.005", "company_name": "CHEQ", "job_id": "DD.B6F", "requisition_id": None,
        "title": "AI Engineer", "department": "Data & Analytics", "team": None, "employment_type": None,
        "employment_type_raw": None, "workplace_type": "hybrid",
        "locations": [{"raw": "Tel Aviv", "city": "Tel Aviv-Yafo", "region": None, "country": "IL"}],
        "location": "Tel Aviv", "salary": None, "salary_raw": None, "url": url, "apply_url": url,
        "posted_at": None, "posted_at_raw": None,
        "updated_at": datetime(2026, 10, 7, 20, 34, 57, tzinfo=UTC), "updated_at_raw": "2026-10-07T20:34:57Z",
        "extras": {},
    }
    assert items[2]["employment_type"] == "full_time" and items[2]["locations"][0]["country"] == "GB"
    assert items[1]["title"] == items[2]["title"] and items[1]["department"] == "Sales, NA"  # two positions


def test_token_leads_to_the_api_and_bad_answers_fall_back() -> None:
    spider = _spider()
    [request] = list(spider.parse_careers_page(_html(WILIOT, TOKEN_PAGE), WILIOT))
    assert request.url == (f"https://www.comeet.co/careers-api/2.0/company/F6.003/positions?token={TOKEN}"
                           "&details=true")
    assert request.errback == spider.api_failed
    page = b'<a href="https://www.comeet.co/careers-api/2.0/company/F6.003/positions?details=false&token=ABCDEF0123456789AB">'
    [request] = list(spider.parse_careers_page(_html(WILIOT, page), WILIOT))
    assert "token=ABCDEF0123456789AB&" in request.url
    [again] = list(spider.parse_api(TextResponse(url=request.url, body=b'{"error": "Account uid or token are not valid"}',
                                                 encoding="utf-8"), WILIOT))
    assert again.url == "https://www.comeet.com/jobs/wiliot/F6.003" and again.callback == spider.parse_embedded
    assert list(spider.parse_embedded(_html(WILIOT, b"<html>no data</html>"), WILIOT)) == []
    assert spider.outcomes[WILIOT.key].failed.startswith("no_positions")


def test_location_rows_before_their_position_row() -> None:
    rows = [{"uid": "AB.123-CD.456", "name": "Dev", "location": {"name": "Haifa", "country": "IL"}},
            {"uid": "AB.123", "name": "Dev", "location": {"name": "Tel Aviv", "country": "IL"}},
            {"uid": "EF.789", "name": "QA", "location": None}, {"name": "no uid"}]
    groups = group_positions(rows)
    assert [(g["position_uid"], g["uid"], [loc["name"] for loc in g["locations"]]) for g in groups] == [
        ("AB.123", "AB.123", ["Haifa", "Tel Aviv"]), ("EF.789", "EF.789", [])]


def test_mapping_tolerates_odd_values() -> None:
    spider = _spider()
    row = group_positions(json.loads(fixture(API_ROWS).read_text()))[0]
    failures = []
    for path, weird, mutated in mutations(row):
        try:
            assert isinstance(spider.posting(WILIOT, mutated), JobItem)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            failures.append(f"{path}={weird!r}: {exc!r}")
    assert failures == []


def test_comeet_crawl_through_the_mirror(ats_server: AtsServer, crawl_settings: dict, mongo_db) -> None:
    ats_server.route("GET", "www.comeet.com/jobs/wiliot/F6.003", lambda q, b: Reply(body=TOKEN_PAGE,
                                                                                     content_type="text/html"))
    ats_server.route("GET", "www.comeet.co/careers-api/2.0/company/F6.003/positions", file_reply(fixture(API_ROWS)))
    ats_server.route("GET", "www.comeet.com/jobs/cheq/65.005", file_reply(fixture(PAGE), "text/html"))
    stale = fixture(PAGE).read_bytes().replace(b"<script>", b'<script>var c = {"token": "STALE0123456789ABCDEF"};', 1)
    ats_server.route("GET", "www.comeet.com/jobs/stale/AA.001", lambda q, b: Reply(body=stale, content_type="text/html"))
    ats_server.route("GET", "www.comeet.co/careers-api/2.0/company/AA.001/positions",
                     json_reply({"error": "Account uid or token are not valid"}, status=400))
    ats_server.route("GET", "www.comeet.com/jobs/blank/BB.002", lambda q, b: Reply(body=b"<html></html>",
                                                                                    content_type="text/html"))
    boards = "wiliot/F6.003,cheq/65.005,stale/AA.001,blank/BB.002"
    result = run_crawl("comeet", {"companies": boards}, {**crawl_settings, "CRAWLERATS_NOW": NOW})
    assert result.stats["crawlerats/boards/ok"] == 3 and result.stats["crawlerats/boards/failed"] == 1
    assert result.stats["crawlerats/comeet/api_fallback"] == 1
    jobs = mongo_db["jobs"]
    counts = {c: jobs.count_documents({"company": c}) for c in ("wiliot/F6.003", "cheq/65.005", "stale/AA.001")}
    assert counts == {"wiliot/F6.003": 1, "cheq/65.005": 3, "stale/AA.001": 3}
    fde = jobs.find_one({"company": "wiliot/F6.003"})
    assert fde["job_id"] == "18.767" and [loc["city"] for loc in fde["locations"]] == ["New York", "Plano"]
    bdr = jobs.find_one({"company": "stale/AA.001", "job_id": "31.15F"})
    assert bdr["employment_type"] == "full_time" and bdr["company_name"] == "CHEQ"


@pytest.mark.parametrize(("url", "company"), [
    ("https://www.comeet.com/jobs/cheq/65.005", "cheq/65.005"),
    ("https://www.comeet.com/jobs/wiliot/F6.003/forward-deployed-engineer/18.767", "wiliot/F6.003"),
    ("https://www.comeet.co/jobs/wiliot/F6.003", "wiliot/F6.003"),
    ("comeet.com/jobs/cheq/65.005/", "cheq/65.005"),
])
def test_board_urls_detected(url: str, company: str) -> None:
    board = detect(url)
    assert (board.ats, board.company) == ("comeet", company)
    assert detect(ComeetSpider.public_url(board)) == board


@pytest.mark.parametrize("url", [
    "https://www.comeet.com/jobs/cheq",
    "https://www.comeet.com/jobs/cheq/65005",
    "https://www.comeet.co/careers-api/2.0/company/65.005/positions",
    "https://comeet.com.evil.com/jobs/cheq/65.005",
])
def test_look_alike_urls_rejected(url: str) -> None:
    with pytest.raises(UnknownBoardUrl):
        detect(url)
