"""Taleo Business Edition spider: both saved result slices (tenant-ordered columns) fed in-process with every contract
field compared, paging ends, detection, and one mirror crawl."""

from __future__ import annotations

import pytest

from crawlerats.board import Board
from crawlerats.detect import UnknownBoardUrl, detect
from crawlerats.spiders.taleo import TaleoSpider
from tests.support.ats_server import AtsServer, Reply
from tests.support.crawl import run_crawl
from tests.support.inprocess import BoardCase, crawl_board, feed, make_spider
from tests.support.paths import fixture

NOW = "2026-10-10T00:00:00Z"
SFU_ROWS = "taleo/sfu-tbe_listing-slice_recruiter-assistant.html"
NFINDY_ROWS = "taleo/nfindy-tbe_results-slice_jobs-aaron.html"
SFU = "tre/tre01/SIMOFRAS/37"
NFINDY = "phh/phh04/NFINDY/37"
SFU_CWS = "https://tre.tbe.taleo.net/tre01/ats/careers/v2/"
NFINDY_URL = "https://phh.tbe.taleo.net/phh04/ats/careers/v2/searchResults?org=NFINDY&cws=37"


#: Saved boards answered from the payloads (fuzzed by tests/reliability/test_fuzz_spiders.py); page 2 is empty.
CASES = (
    BoardCase("taleo", SFU, ((r"pageNo=2", b"<html><body></body></html>"), (r"searchResults", SFU_ROWS))),
    BoardCase("taleo", NFINDY, ((r"pageNo=2", b"<html><body></body></html>"), (r"searchResults", NFINDY_ROWS))),
)


def _page(board: str, source: str | bytes, number: int = 1, settings: dict | None = None):
    spider = make_spider("taleo", board, NOW, settings)
    out = feed(spider, spider.parse_page, source, url=TaleoSpider.public_url(Board("taleo", board)), board=board,
               number=number)
    return spider, out


def test_saved_rows_department_type_location() -> None:
    spider, out = _page(SFU, SFU_ROWS)
    assert [i["job_id"] for i in out.items] == ["7113", "7124"]  # View/Apply links repeat the rid: one posting each
    assert [r.url for r in out.requests] == [SFU_CWS + "searchResults?org=SIMOFRAS&cws=37&pageNo=2"]
    assert dict(out.items[1]) == {
        "ats": "taleo", "company": SFU, "company_name": SFU, "job_id": "7124", "requisition_id": None,
        "title": "Analyst, Research Computing Systems", "department": None, "team": None,
        "employment_type_raw": "Temporary Full Time", "employment_type": "temporary", "workplace_type": "hybrid",
        "locations": [], "location": None, "salary": None, "salary_raw": None, "description_html": None,
        "description_text": None, "url": SFU_CWS + "viewRequisition?org=SIMOFRAS&cws=37&rid=7124",
        "apply_url": SFU_CWS + "applyRequisition?org=SIMOFRAS&cws=37&rid=7124", "posted_at": None,
        "posted_at_raw": None, "updated_at": None, "updated_at_raw": None,
        "extras": {"columns": ["Research Computing", "Temporary Full Time", "Burnaby (Hybrid)"]},
    }
    assert out.items[0]["title"] == "Administrative Coordinator, Equity & Social Accountability - School of Medicine"
    assert out.items[0]["employment_type"] == "full_time" and out.items[0]["locations"] == []


def test_saved_rows_location_department_type() -> None:
    _, out = _page(NFINDY, NFINDY_ROWS)
    assert [i["job_id"] for i in out.items] == ["17", "389", "618"]
    base = "https://phh.tbe.taleo.net/phh04/ats/careers/v2/"
    assert dict(out.items[2]) == {
        "ats": "taleo", "company": NFINDY, "company_name": NFINDY, "job_id": "618", "requisition_id": None,
        "title": "CNA / PCA", "department": None, "team": None, "employment_type_raw": "Per Diem",
        "employment_type": "contract", "workplace_type": None,
        "locations": [{"raw": "NC - Charlotte", "city": "Charlotte", "region": "North Carolina", "country": "US"}],
        "location": "NC - Charlotte", "salary": None, "salary_raw": None, "description_html": None,
        "description_text": None, "url": base + "viewRequisition?org=NFINDY&cws=37&rid=618",
        "apply_url": base + "applyRequisition?org=NFINDY&cws=37&rid=618", "posted_at": None, "posted_at_raw": None,
        "updated_at": None, "updated_at_raw": None, "extras": {"columns": ["NC - Charlotte", "Homecare", "Per Diem"]},
    }
    # same title twice, different requisitions: both kept
    assert [i["title"] for i in out.items[:2]] == ["Certified Nursing Assistant (CNA)"] * 2


def test_a_department_shaped_like_a_place_is_not_one() -> None:
    spider = make_spider("taleo", NFINDY, NOW)
    row = {"rid": "1", "title": "Helpdesk", "url": NFINDY_URL, "columns": ["IT - Support", "Full Time"]}
    item = spider.posting(Board("taleo", NFINDY), row)
    assert item["locations"] == [] and item["extras"] == {"columns": ["IT - Support", "Full Time"]}


def test_paging_ends() -> None:
    run = CASES[1].run(now=NOW)
    assert run.outcome == "ok" and len(run.items) == 3 and len(run.requests) == 2
    assert (CASES[0].run(now=NOW).outcome, len(CASES[0].run(now=NOW).items)) == ("ok", 2)
    run = crawl_board("taleo", NFINDY, [(r"searchResults", NFINDY_ROWS)], now=NOW)  # page 2 repeats page 1
    assert (run.outcome, run.reason, len(run.items), len(run.requests)) == ("truncated", "no_new_ids on page 2", 3, 2)
    spider, out = _page(NFINDY, NFINDY_ROWS, settings={"CRAWLERATS_MAX_PAGES_PER_BOARD": 1})
    assert out.requests == [] and spider.outcomes[("taleo", NFINDY)].truncated == "page_cap (1 pages)"


def test_board_ids_and_detection() -> None:
    assert detect(SFU_CWS + "searchResults?org=SIMOFRAS&cws=37") == Board("taleo", SFU)
    assert detect(SFU_CWS + "viewRequisition?org=SIMOFRAS&cws=37&rid=7113") == Board("taleo", SFU)
    assert detect("https://phh.tbe.taleo.net/phh04/ats/careers/searchResults.jsp?org=NFINDY&cws=37") == \
        Board("taleo", NFINDY)
    for board in (SFU, NFINDY):
        assert detect(TaleoSpider.public_url(Board("taleo", board))) == Board("taleo", board)
    spider = make_spider("taleo", SFU, NOW)
    assert spider.valid_board_id(NFINDY) and not spider.valid_board_id("NFINDY")
    for url in ("https://tre.tbe.taleo.net/tre01/ats/careers/v2/searchResults?cws=37",
                "https://www.taleo.net/", "https://acme.taleo.net/careersection/2/jobsearch.ftl"):
        with pytest.raises(UnknownBoardUrl):
            detect(url)


def test_taleo_crawl_through_the_mirror(ats_server: AtsServer, crawl_settings: dict, mongo_db) -> None:
    rows = fixture(NFINDY_ROWS).read_bytes()
    ats_server.route("GET", "phh.tbe.taleo.net/phh04/ats/careers/v2/searchResults",
                     lambda q, b: Reply(body=rows if "pageNo" not in q else b"<html></html>", content_type="text/html"))
    result = run_crawl("taleo", {"companies": NFINDY_URL}, {**crawl_settings, "CRAWLERATS_NOW": NOW,
                                                           "RETRY_ENABLED": "False"})
    assert result.stats["crawlerats/boards/ok"] == 1
    jobs = mongo_db["jobs"]
    assert sorted(jobs.distinct("job_id", {"ats": "taleo", "company": NFINDY})) == ["17", "389", "618"]
    assert jobs.find_one({"job_id": "389"})["locations"][0]["city"] == "Indianapolis"
