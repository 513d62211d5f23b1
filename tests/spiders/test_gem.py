"""Gem spider: the saved job posts fed in-process (every contract field, both id styles), workplace values, odd
values, and one `scrapy crawl gem` through the mirror into SecantusDB."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from scrapy.http import TextResponse

from crawlerats.board import Board
from crawlerats.detect import UnknownBoardUrl, detect
from crawlerats.spiders.gem import GemSpider
from tests.spiders.fuzzing import mapping_failures
from tests.support.ats_server import AtsServer, file_reply, json_reply
from tests.support.crawl import run_crawl
from tests.support.inprocess import BoardCase, make_spider
from tests.support.paths import fixture

NOW = "2026-10-10T00:00:00Z"
POSTS = "gem/gem_job-poller.json"
API = "api.gem.com/job_board/v0"
CASES = (BoardCase("gem", "gem", ((r"/gem/job_posts/$", POSTS),)),)


def _items(payload: object) -> tuple[GemSpider, list]:
    spider = make_spider("gem", now=NOW)
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    response = TextResponse(url=f"https://{API}/gem/job_posts/", body=body, encoding="utf-8")
    return spider, list(spider.parse_board(response, Board("gem", "gem")))


def test_saved_posts_in_process() -> None:
    spider, items = _items(fixture(POSTS).read_bytes())
    assert spider.outcomes[("gem", "gem")].finished
    legacy, opaque = (dict(i) for i in items)
    assert legacy.pop("description_html").startswith("<h2>Role Details</h2><ul><li><strong>Location:</strong>")
    assert legacy.pop("description_text").startswith("Role Details\n\nLocation: This role is based 3 days per week")
    assert legacy == {
        "ats": "gem", "company": "gem", "company_name": "gem", "job_id": "4965519002", "requisition_id": "4117748002",
        "title": "Software Engineer", "department": "Engineering", "team": None,
        "employment_type": "full_time", "employment_type_raw": "full_time", "workplace_type": "hybrid",
        "locations": [{"raw": "San Francisco, United States", "city": "San Francisco", "region": None, "country": "US"}],
        "location": "San Francisco, United States", "salary": None, "salary_raw": None,
        "url": "https://jobs.gem.com/gem/4965519002", "apply_url": "https://jobs.gem.com/gem/4965519002",
        "posted_at": datetime(2020, 11, 17, 15, 37, 23, tzinfo=UTC), "posted_at_raw": "2020-11-17T15:37:23.000Z",
        "updated_at": datetime(2026, 3, 10, 21, 20, 54, 77000, tzinfo=UTC), "updated_at_raw": "2026-03-10T21:20:54.077Z",
        "extras": {"requisition_code": "95", "created_at": "2020-11-17T15:37:20.000Z", "location_type": "hybrid",
                   "offices": ["San Francisco, United States"]},
    }
    assert opaque["job_id"] == "am9icG9zdDqTzmNGwXTdU65YRLOAU6ZL"
    assert opaque["requisition_id"] == "am9iOtWWIryHC4MCePdOyVZu2qU"
    assert opaque["extras"]["requisition_code"] == "R20220335"
    assert opaque["posted_at"] == datetime(2025, 12, 4, 18, 31, 33, 628000, tzinfo=UTC)
    assert opaque["url"] == "https://jobs.gem.com/gem/am9icG9zdDqTzmNGwXTdU65YRLOAU6ZL"


def test_location_types_empty_location_and_pay_line() -> None:
    base = json.loads(fixture(POSTS).read_text())[0]
    rows = [{**base, "id": "1", "location_type": "in_office"},
            {**base, "id": "2", "location_type": "remote", "location": {"name": ""}},
            {**base, "id": "3", "location_type": "something_new", "offices": [], "location": {"name": ""},
             "content": "<p>Salary: $150,000 - $180,000 per year</p>", "content_plain": None}]
    _, items = _items(rows)
    assert [i["workplace_type"] for i in items] == ["onsite", "remote", None]
    assert items[1]["locations"][0]["raw"] == "San Francisco, United States"  # the office stands in
    assert items[2]["locations"] == [] and items[2]["extras"]["location_type"] == "something_new"
    assert items[2]["salary"] == {"min": 150000.0, "max": 180000.0, "currency": "USD", "interval": "year",
                                  "raw": "$150,000 - $180,000"}


def test_mapping_tolerates_odd_values() -> None:
    post = json.loads(fixture(POSTS).read_text())[1]
    assert mapping_failures(GemSpider, post, lambda s, b, p: s.posting(b, p)) == []


def test_gem_crawl_through_the_mirror(ats_server: AtsServer, crawl_settings: dict, mongo_db) -> None:
    ats_server.route("GET", f"{API}/gem/job_posts/", file_reply(fixture(POSTS)))
    ats_server.route("GET", f"{API}/emptyco/job_posts/", json_reply([]))
    ats_server.route("GET", f"{API}/wrong/job_posts/", json_reply({"error": "not found"}))
    result = run_crawl("gem", {"companies": "gem,emptyco,wrong"}, {**crawl_settings, "CRAWLERATS_NOW": NOW})
    assert result.stats["crawlerats/boards/ok"] == 2 and result.stats["crawlerats/boards/failed"] == 1
    jobs = mongo_db["jobs"]
    assert sorted(d["job_id"] for d in jobs.find({"ats": "gem"})) == ["4965519002", "am9icG9zdDqTzmNGwXTdU65YRLOAU6ZL"]
    post = jobs.find_one({"job_id": "am9icG9zdDqTzmNGwXTdU65YRLOAU6ZL"})
    assert post["title"] == "Senior Software Engineer - Core ATS" and post["workplace_type"] == "hybrid"
    assert post["locations"][0]["country"] == "US" and post["department"] == "Engineering"


@pytest.mark.parametrize(("url", "company"), [
    ("https://jobs.gem.com/gem", "gem"),
    ("https://jobs.gem.com/gem/4965519002", "gem"),
    ("https://api.gem.com/job_board/v0/gem/job_posts/", "gem"),
])
def test_board_urls_detected(url: str, company: str) -> None:
    board = detect(url)
    assert (board.ats, board.company) == ("gem", company)
    assert detect(GemSpider.public_url(board)) == board


@pytest.mark.parametrize("url", [
    "https://gem.com/careers",
    "https://jobs.gem.com/",
    "https://api.gem.com/other/gem",
    "https://jobs.gem.com.evil.com/gem",
])
def test_look_alike_urls_rejected(url: str) -> None:
    with pytest.raises(UnknownBoardUrl):
        detect(url)
