"""Dover spider: the saved job rows (in the `{count, next, results}` envelope their saver removed) fed in-process with
every contract field compared, sample/unpublished rows, paging ends, odd values, detection, and one `scrapy crawl
dover` through the mirror into SecantusDB."""

from __future__ import annotations

import json

import pytest
from scrapy.http import TextResponse

from crawlerats.board import Board
from crawlerats.detect import UnknownBoardUrl, detect
from crawlerats.spiders.dover import DoverSpider
from tests.spiders.fuzzing import mapping_failures
from tests.support.ats_server import AtsServer, Reply, json_reply
from tests.support.crawl import run_crawl
from tests.support.inprocess import BoardCase, make_spider
from tests.support.paths import fixture

NOW = "2026-10-10T00:00:00Z"
ROWS = "dover/unnamed_jobs-results_job-poller.json"
PAGE_ID = "0b7a1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"
JOBS = f"https://app.dover.com/api/v1/careers-page/{PAGE_ID}/jobs?limit=100"
BOARD = Board("dover", "acme")
#: The saved rows in the `{count, next, results}` envelope their saver removed (so fuzzed unmutated only).
CASES = (BoardCase("dover", "acme", (
    (r"/careers-page-slug/acme$", json.dumps({"id": PAGE_ID, "name": "Acme Inc."}).encode()),
    (r"/jobs\?limit=100$", json.dumps({"count": 2, "next": None, "results": json.loads(fixture(ROWS).read_text())})
     .encode()))),)


def _rows() -> list[dict]:
    return json.loads(fixture(ROWS).read_text())


def _jobs(spider: DoverSpider, payload: object, board: Board = BOARD) -> list:
    response = TextResponse(url=JOBS, body=json.dumps(payload).encode(), encoding="utf-8")
    return list(spider.parse_jobs(response, board, slug="acme", company="Acme Inc."))


def test_saved_rows_in_process() -> None:
    spider = make_spider("dover", now=NOW)
    [first] = list(spider.board_requests(BOARD))
    assert first.url == "https://app.dover.com/api/v1/careers-page-slug/acme"
    [jobs] = list(spider.parse_careers_page(TextResponse(url=first.url, body=json.dumps(
        {"id": PAGE_ID, "name": "Acme Inc."}).encode(), encoding="utf-8"), BOARD))
    assert jobs.url == JOBS and jobs.cb_kwargs["company"] == "Acme Inc."
    items = _jobs(spider, {"count": 2, "next": None, "previous": None, "results": _rows()})
    assert spider.outcomes[BOARD.key].finished
    url = "https://app.dover.com/apply/acme/aa378aa1-79f3-4995-8667-b78a61c12b11"
    assert dict(items[0]) == {
        "ats": "dover", "company": "acme", "company_name": "Acme Inc.", "job_id": "aa378aa1-79f3-4995-8667-b78a61c12b11",
        "requisition_id": None, "title": "Head of People", "department": None, "team": None,
        "employment_type": None, "employment_type_raw": None, "workplace_type": "remote",
        "locations": [{"raw": "United States", "city": None, "region": None, "country": "US"}],
        "location": "United States", "salary": None, "salary_raw": None, "description_html": None,
        "description_text": None, "url": url, "apply_url": url, "posted_at": None, "posted_at_raw": None,
        "updated_at": None, "updated_at_raw": None, "extras": {},
    }
    assert items[1]["title"] == "Marketing Leader"


def test_samples_unpublished_rows_and_paging() -> None:
    spider = make_spider("dover", now=NOW)
    row = _rows()[0]
    page = {"count": 4, "next": JOBS + "&offset=100", "results": [
        {**row, "id": "a"}, {**row, "id": "b", "is_sample": True}, {**row, "id": "c", "is_published": False},
        {**row, "id": "d", "workplace_type": None}]}
    out = _jobs(spider, page)
    assert [getattr(i, "url", None) or i["job_id"] for i in out] == ["a", "d", JOBS + "&offset=100"]
    assert out[1]["workplace_type"] == "remote"  # from the location's location_type
    assert spider.crawler.stats.get_value("crawlerats/dover/skipped") == 2
    assert _jobs(spider, page) == []  # nothing new: the board is cut short
    assert spider.outcomes[BOARD.key].truncated == "no_new_ids on page 2"
    off_site = make_spider("dover", now=NOW)
    assert len(_jobs(off_site, {**page, "next": "https://evil.example/jobs"})) == 2  # not followed
    capped = make_spider("dover", now=NOW, settings={"CRAWLERATS_MAX_PAGES_PER_BOARD": 1})
    assert len(_jobs(capped, page)) == 2 and capped.outcomes[BOARD.key].truncated


def test_uuid_boards_and_bad_lookups() -> None:
    spider = make_spider("dover", now=NOW)
    board = Board("dover", PAGE_ID)
    [first] = list(spider.board_requests(board))
    assert first.url == f"https://app.dover.com/api/v1/careers-page/{PAGE_ID}"
    [jobs] = list(spider.parse_careers_page(TextResponse(url=first.url, body=json.dumps(
        {"id": PAGE_ID, "slug": "acme", "name": "Acme"}).encode(), encoding="utf-8"), board))
    assert jobs.cb_kwargs["slug"] == "acme"
    assert list(spider.parse_careers_page(TextResponse(url=first.url, body=b'{"detail": "Not found."}',
                                                       encoding="utf-8"), BOARD)) == []
    assert spider.outcomes[BOARD.key].failed.startswith("unexpected_payload (no careers-page id)")


def test_mapping_tolerates_odd_values() -> None:
    assert mapping_failures(DoverSpider, _rows()[0], lambda s, b, r: s.posting(b, r, "x", None)) == []


def test_dover_crawl_through_the_mirror(ats_server: AtsServer, crawl_settings: dict, mongo_db) -> None:
    ats_server.route("GET", "app.dover.com/api/v1/careers-page-slug/acme", json_reply({"id": PAGE_ID, "name": "Acme"}))
    rows = _rows()
    pages = {"0": {"count": 3, "next": JOBS + "&offset=2", "results": rows},
             "2": {"count": 3, "next": None, "results": [{**rows[0], "id": "c0ffee00-0000-4000-8000-000000000003",
                                                          "title": "Engineer"}]}}
    ats_server.route("GET", f"app.dover.com/api/v1/careers-page/{PAGE_ID}/jobs",
                     lambda q, b: Reply(body=json.dumps(pages[q.get("offset", "0")]).encode()))
    ats_server.route("GET", "app.dover.com/api/v1/careers-page-slug/html", lambda q, b: Reply(
        body=b"<html>app</html>", content_type="text/html"))
    result = run_crawl("dover", {"companies": "https://app.dover.com/jobs/acme,html,gone"},
                       {**crawl_settings, "CRAWLERATS_NOW": NOW})
    assert result.stats["crawlerats/boards/ok"] == 1 and result.stats["crawlerats/boards/failed"] == 2
    docs = {d["job_id"]: d for d in mongo_db["jobs"].find({"ats": "dover"})}
    assert len(docs) == 3 and docs["c0ffee00-0000-4000-8000-000000000003"]["title"] == "Engineer"
    head = docs["aa378aa1-79f3-4995-8667-b78a61c12b11"]
    assert head["company_name"] == "Acme" and head["workplace_type"] == "remote"
    assert head["url"] == "https://app.dover.com/apply/acme/aa378aa1-79f3-4995-8667-b78a61c12b11"


@pytest.mark.parametrize(("url", "company"), [
    ("https://app.dover.com/jobs/acme", "acme"),
    ("https://app.dover.com/apply/acme/aa378aa1-79f3-4995-8667-b78a61c12b11", "acme"),
    (f"https://app.dover.com/dover/careers/{PAGE_ID}", PAGE_ID),
])
def test_board_urls_detected(url: str, company: str) -> None:
    board = detect(url)
    assert (board.ats, board.company) == ("dover", company)
    assert detect(DoverSpider.public_url(board)) == board


@pytest.mark.parametrize("url", [
    "https://dover.com/jobs/acme",
    "https://app.dover.com/",
    "https://app.dover.com/acme/careers/not-a-uuid",
    "https://app.dover.com.evil.com/jobs/acme",
])
def test_look_alike_urls_rejected(url: str) -> None:
    with pytest.raises(UnknownBoardUrl):
        detect(url)
