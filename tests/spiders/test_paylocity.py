"""Paylocity spider: both saved `window.pageData` slices fed in-process (every contract field), hidden locations,
odd values, detection, and one `scrapy crawl paylocity` through the mirror into SecantusDB."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest

from crawlerats.board import Board
from crawlerats.detect import UnknownBoardUrl, detect
from crawlerats.items import JobItem
from crawlerats.spiders.paylocity import PaylocitySpider
from tests.spiders.fuzzing import mutations
from tests.support.ats_server import AtsServer, Reply, file_reply
from tests.support.crawl import run_crawl
from tests.support.inprocess import BoardCase, feed, make_spider
from tests.support.paths import fixture

NOW = "2026-10-10T00:00:00Z"
GUID = "211e692d-c45a-4e3a-ae01-3e497af97929"
VERYON, NCAE = "paylocity/veryon_list_haydenham.html", "paylocity/ncadvancedenergy_list_careerkit.html"
SITE = "https://recruiting.paylocity.com/Recruiting/Jobs"
CASES = (BoardCase("paylocity", GUID, ((rf"/All/{GUID}$", NCAE),)),
         BoardCase("paylocity", "1c6e7a9b-2d4f-4e8a-9b3c-5d7e9f1a3b5c", ((r"/All/", VERYON),)))


def _spider() -> PaylocitySpider:
    return make_spider("paylocity", companies=GUID, now=NOW)


def _items(source: str | bytes) -> tuple[PaylocitySpider, list]:
    spider = _spider()
    return spider, feed(spider, spider.parse_board, source, url=f"{SITE}/All/{GUID}", board=GUID).items


def test_veryon_board_in_process() -> None:
    spider, items = _items(VERYON)
    assert [i["job_id"] for i in items] == ["4324344", "4324208"] and spider.outcomes[("paylocity", GUID)].finished
    assert dict(items[0]) == {
        "ats": "paylocity", "company": GUID, "company_name": "Veryon", "job_id": "4324344", "requisition_id": None,
        "title": "Sales Engineer", "department": "Sales", "team": None, "employment_type": None,
        "employment_type_raw": None, "workplace_type": "remote",
        "locations": [{"raw": "USA (Remote)", "city": None, "region": None, "country": "US"}],
        "location": "USA (Remote)", "salary": None, "salary_raw": None, "description_html": None,
        "description_text": None, "url": f"{SITE}/Details/4324344", "apply_url": f"{SITE}/Apply/4324344",
        "posted_at": datetime(2026, 7, 10, 19, 57, 25, tzinfo=UTC), "posted_at_raw": "2026-07-10T14:57:25-05:00",
        "updated_at": None, "updated_at_raw": None, "extras": {"indeed_remote_type": 2},
    }
    hidden = items[1]  # ShouldDisplayLocation false: the country only
    assert hidden["locations"] == [{"raw": "USA", "city": None, "region": None, "country": "US"}]
    assert hidden["workplace_type"] == "remote" and hidden["department"] == "Customer Support"


def test_location_named_hybrid_in_process() -> None:
    _, items = _items(NCAE)
    assert [i["job_id"] for i in items] == ["4141169", "4401262"]
    assert dict(items[0]) == {
        "ats": "paylocity", "company": GUID, "company_name": "North Carolina Advanced Energy Corporation",
        "job_id": "4141169", "requisition_id": None, "title": "Engineer/Associate Engineer, Power Systems",
        "department": None, "team": None, "employment_type": None, "employment_type_raw": None,
        "workplace_type": "hybrid",  # IsRemote false, location *named* "Hybrid": the place comes from the address
        "locations": [{"raw": "Raleigh, NC, USA", "city": "Raleigh", "region": "North Carolina", "country": "US"}],
        "location": "Raleigh, NC, USA", "salary": None, "salary_raw": None, "description_html": None,
        "description_text": None, "url": f"{SITE}/Details/4141169", "apply_url": f"{SITE}/Apply/4141169",
        "posted_at": datetime(2026, 8, 8, 16, 27, 44, tzinfo=UTC), "posted_at_raw": "2026-08-08T11:27:44-05:00",
        "updated_at": None, "updated_at_raw": None, "extras": {"indeed_remote_type": 2},
    }


def test_pages_without_page_data_fail_the_board() -> None:
    spider, items = _items(b"<html><script>window.pageData = {not json};</script></html>")
    assert items == [] and spider.outcomes[("paylocity", GUID)].failed.startswith("unexpected_payload")
    assert not spider.valid_board_id("not-a-guid")


def test_mapping_tolerates_odd_values() -> None:
    text = fixture(NCAE).read_text()
    job = json.loads(re.search(r"window\.pageData = (\{.*\});", text).group(1))["Jobs"][0]
    spider, failures = _spider(), []
    for path, weird, mutated in mutations(job):
        try:
            assert isinstance(spider.posting(Board("paylocity", GUID), mutated), JobItem)
        except Exception as exc:  # noqa: BLE001 - collected for the assertion
            failures.append(f"{path}={weird!r}: {exc!r}")
    assert failures == []


def test_paylocity_crawl_through_the_mirror(ats_server: AtsServer, crawl_settings: dict, mongo_db) -> None:
    other = "0d8e4a1c-1111-4222-8333-944455556666"
    ats_server.route("GET", f"recruiting.paylocity.com/Recruiting/Jobs/All/{GUID}", file_reply(fixture(NCAE),
                                                                                                "text/html"))
    ats_server.route("GET", f"recruiting.paylocity.com/Recruiting/Jobs/All/{other}", lambda q, b: Reply(
        body=b"<html><h1>This page is no longer available</h1></html>", content_type="text/html"))
    result = run_crawl("paylocity", {"companies": f"{SITE}/All/{GUID}/North-Carolina-Advanced-Energy,{other}"},
                       {**crawl_settings, "CRAWLERATS_NOW": NOW})
    assert result.stats["crawlerats/boards/ok"] == 1 and result.stats["crawlerats/boards/failed"] == 1
    docs = {d["job_id"]: d for d in mongo_db["jobs"].find({"ats": "paylocity"})}
    assert set(docs) == {"4141169", "4401262"}
    assert docs["4401262"]["title"] == "Administrative Assistant (Hybrid)" and docs["4401262"]["workplace_type"] == \
        "hybrid"


@pytest.mark.parametrize(("url", "company"), [
    (f"{SITE}/All/{GUID}", GUID),
    (f"{SITE}/All/{GUID}/North-Carolina-Advanced-Energy", GUID),
    (f"https://recruiting.paylocity.com/recruiting/jobs/All/{GUID}", GUID),
])
def test_board_urls_detected(url: str, company: str) -> None:
    board = detect(url)
    assert board == Board("paylocity", company)
    assert detect(PaylocitySpider.public_url(board)) == board


@pytest.mark.parametrize("url", [
    f"{SITE}/Details/4141169", "https://recruiting.paylocity.com/", f"{SITE}/All/not-a-guid",
    f"https://www.paylocity.com/Recruiting/Jobs/All/{GUID}",
])
def test_look_alike_urls_rejected(url: str) -> None:
    with pytest.raises(UnknownBoardUrl):
        detect(url)
