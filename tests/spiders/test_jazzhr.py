"""JazzHR spider: both saved list pages and the saved job page (with and without its JSON-LD) fed in-process with every
contract field compared; the HTTP-200 "notfound" redirect of a retired board; detection; one mirror crawl."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest

from crawlerats.board import Board
from crawlerats.detect import UnknownBoardUrl, detect
from crawlerats.spiders.jazzhr import JazzhrSpider
from tests.support.ats_server import AtsServer, Reply
from tests.support.crawl import run_crawl
from tests.support.inprocess import BoardCase, crawl_board, feed, make_spider
from tests.support.paths import fixture

NOW = "2026-10-10T00:00:00Z"
ARC_LIST = "jazzhr/addictionrecoverycare_list_resume-signal-pro.html"
ARC_JOB = "jazzhr/addictionrecoverycare_detail_resume-signal-pro.html"
PARADROMICS = "jazzhr/paradromics_list-slice_jobs-aaron.html"
ARC = "https://addictionrecoverycare.applytojob.com/apply/"
CLERK = ARC + "sf4i9HFuTa/Admissions-Clerk"


#: Saved boards answered from the payloads (fuzzed by tests/reliability/test_fuzz_spiders.py); job pages not saved 404.
CASES = (
    BoardCase("jazzhr", "addictionrecoverycare", ((r"/sf4i9HFuTa/", ARC_JOB), (r"/apply/$", ARC_LIST))),
    BoardCase("jazzhr", "paradromicsinc", ((r"/apply/$", PARADROMICS),)),
)


def _spider(board: str = "addictionrecoverycare") -> JazzhrSpider:
    return make_spider("jazzhr", board, NOW)


def _listed() -> dict:
    spider = _spider()
    return feed(spider, spider.parse_list, ARC_LIST, url=ARC, board="addictionrecoverycare").requests[0].cb_kwargs[
        "listed"]


def test_saved_list_page() -> None:
    spider = _spider()
    out = feed(spider, spider.parse_list, ARC_LIST, url=ARC, board="addictionrecoverycare")
    assert [r.cb_kwargs["listed"]["id"] for r in out.requests] == ["sf4i9HFuTa", "WbdogO3ePy", "Tg23QkBXzM",
                                                                   "7vqozGIHcS"]
    assert out.requests[0].cb_kwargs["listed"] == {"id": "sf4i9HFuTa", "title": "Admissions Clerk", "url": CLERK,
                                                   "location": "St. Catharine, KY",
                                                   "department": "Crown Recovery Center"}
    assert out.requests[0].url == CLERK and out.requests[0].meta["fallback"] == "listed_posting"
    assert spider.outcomes[("jazzhr", "addictionrecoverycare")].finished  # the whole board is one page
    # two postings share a title and a location: distinct ids, both kept
    assert [r.cb_kwargs["listed"]["title"] for r in out.requests[1:3]] == [
        "Behavioral Health Assessor - Weekend Shifts"] * 2


def test_saved_list_slice_without_department() -> None:
    spider = _spider("paradromicsinc")
    out = feed(spider, spider.parse_list, PARADROMICS, url="https://paradromicsinc.applytojob.com/apply/",
               board="paradromicsinc")
    assert [r.cb_kwargs["listed"] for r in out.requests] == [{
        "id": "ujxQN2lhPz", "title": "Field Clinical Specialist/Engineer",
        "url": "https://paradromicsinc.applytojob.com/apply/ujxQN2lhPz/Field-Clinical-SpecialistEngineer",
        "location": "Austin, TX", "department": None}]
    item = spider.posting(Board("jazzhr", "paradromicsinc"), out.requests[0].cb_kwargs["listed"], None)
    assert item["locations"] == [{"raw": "Austin, TX", "city": "Austin", "region": "Texas", "country": "US"}]
    assert item["posted_at"] is None and item["extras"] == {"detail_missing": True}  # no date on list pages


def test_saved_job_page_every_field() -> None:
    spider = _spider()
    [item] = feed(spider, spider.parse_detail, ARC_JOB, url=CLERK, board="addictionrecoverycare",
                  listed=_listed()).items
    item = dict(item)
    assert item.pop("description_html").startswith("<p><span><span><span><span><b><span><span>Are you looking for")
    assert item.pop("description_text").startswith("Are you looking for the best place to work? Join Addiction")
    assert item == {
        "ats": "jazzhr", "company": "addictionrecoverycare", "company_name": "Addiction Recovery Care",
        "job_id": "sf4i9HFuTa", "requisition_id": None, "title": "Admissions Clerk",
        "department": "Crown Recovery Center", "team": None, "employment_type_raw": "Full Time",
        "employment_type": "full_time", "workplace_type": None,
        "locations": [{"raw": "St. Catharine, KY", "city": "St. Catharine", "region": "Kentucky", "country": "US"}],
        "location": "St. Catharine, KY", "salary": None, "salary_raw": None, "url": CLERK, "apply_url": CLERK,
        "posted_at": datetime(2026, 7, 31, tzinfo=UTC), "posted_at_raw": "2026-07-31",
        "updated_at": None, "updated_at_raw": None,
        "extras": {"valid_through": "2026-10-29", "experience": "Entry Level",
                   "job_code": "job_20260105222933_8EOSWTFHDM0DK5UY"},
    }


def test_job_page_without_json_ld_uses_the_markup() -> None:
    page = re.sub(rb'<script type="application/ld\+json">.*?</script>', b"", fixture(ARC_JOB).read_bytes(),
                  flags=re.S)
    # the saver's trim left an open attribute (`<div class="` + comment) that swallows `id="job-description"`
    page = page.replace(b'<div class="\n<!-- fixture trim: share tools removed -->', b'<div class="">')
    spider = _spider()
    [item] = feed(spider, spider.parse_detail, page, url=CLERK, board="addictionrecoverycare",
                  listed={**_listed(), "department": None}).items
    assert item["company_name"] == "addictionrecoverycare" and item["posted_at"] is None  # never invented
    assert item["employment_type_raw"] == "Full Time" and item["department"] == "Crown Recovery Center"
    assert item["locations"][0]["raw"] == "St. Catharine, KY" and item["extras"] == {"experience": "Entry Level"}
    assert item["description_text"].startswith("Are you looking for the best place to work?")
    [bare] = feed(spider, spider.parse_detail, b"<html><body>Oops</body></html>", url=CLERK,
                  board="addictionrecoverycare", listed=_listed()).items
    assert bare["extras"] == {"detail_missing": True} and bare["department"] == "Crown Recovery Center"
    assert spider.crawler.stats.get_value("crawlerats/detail_failed/no_job_markup") == 1


def test_retired_board_and_empty_board() -> None:
    spider = _spider("gone")
    out = feed(spider, spider.parse_list, b"<html><body>Not found</body></html>",
               url="https://app.applytojob.com/notfound.html", board="gone")
    assert out.items == out.requests == []
    assert spider.outcomes[("jazzhr", "gone")].failed.startswith("retired board (redirected to")
    run = crawl_board("jazzhr", "quiet", [(r"/apply/$", b"<html><body><ul class='list-group'></ul></body></html>")],
                      now=NOW)
    assert (run.items, run.outcome) == ([], "ok")


def test_board_with_a_failing_job_page() -> None:
    run = CASES[0].run(now=NOW)
    assert run.outcome == "ok" and len(run.items) == 4
    assert run.stats["crawlerats/detail_failed/http_404"] == 3
    assert run.by_id()["sf4i9HFuTa"]["posted_at"] == datetime(2026, 7, 31, tzinfo=UTC)
    assert run.by_id()["7vqozGIHcS"]["department"] == "Operations"


def test_detection() -> None:
    for url in ("https://addictionrecoverycare.applytojob.com", "addictionrecoverycare.applytojob.com/apply",
                CLERK, "http://addictionrecoverycare.applytojob.com/apply/jobs"):
        assert detect(url) == Board("jazzhr", "addictionrecoverycare"), url
    board = Board("jazzhr", "paradromicsinc")
    assert detect(JazzhrSpider.public_url(board)) == board
    for url in ("https://app.applytojob.com/notfound.html", "https://www.applytojob.com/", "https://applytojob.com/x",
                "https://x.applytojob.co/apply"):
        with pytest.raises(UnknownBoardUrl):
            detect(url)


def test_jazzhr_crawl_through_the_mirror(ats_server: AtsServer, crawl_settings: dict, mongo_db) -> None:
    ats_server.route("GET", "addictionrecoverycare.applytojob.com/apply/",
                     lambda q, b: Reply(body=fixture(ARC_LIST).read_bytes(), content_type="text/html"))
    ats_server.route("GET", "addictionrecoverycare.applytojob.com/apply/sf4i9HFuTa/Admissions-Clerk",
                     lambda q, b: Reply(body=fixture(ARC_JOB).read_bytes(), content_type="text/html"))
    ats_server.route("GET", "gone.applytojob.com/apply/", lambda q, b: Reply(
        302, b"", "text/html", headers={"Location": "https://app.applytojob.com/notfound.html"}))
    ats_server.route("GET", "app.applytojob.com/notfound.html",
                     lambda q, b: Reply(body=b"<html><body>This job board is no longer available</body></html>",
                                        content_type="text/html"))
    result = run_crawl("jazzhr", {"companies": "addictionrecoverycare,gone"},
                       {**crawl_settings, "CRAWLERATS_NOW": NOW, "RETRY_ENABLED": "False"})
    assert result.stats["crawlerats/boards/ok"] == 1 and result.stats["crawlerats/boards/failed"] == 1
    assert "retired board (redirected to https://app.applytojob.com/notfound.html)" in result.log
    jobs = mongo_db["jobs"]
    assert jobs.count_documents({"ats": "jazzhr", "company": "addictionrecoverycare"}) == 4
    clerk = jobs.find_one({"job_id": "sf4i9HFuTa"})
    assert clerk["posted_at"] == datetime(2026, 7, 31, tzinfo=UTC) and clerk["extras"]["experience"] == "Entry Level"
    assert jobs.find_one({"job_id": "Tg23QkBXzM"})["extras"]["detail_missing"] is True
