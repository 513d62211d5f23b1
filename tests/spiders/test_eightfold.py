"""Eightfold spider: the saved apply/v2 and pcsx payloads fed in-process (every contract field), paging ends, the
apply/v2 → pcsx switch, odd values, and one `scrapy crawl eightfold` through the mirror into SecantusDB."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from scrapy.http import TextResponse

from crawlerats.board import Board
from crawlerats.detect import UnknownBoardUrl, detect
from crawlerats.items import JobItem
from crawlerats.spiders.eightfold import APPLY, PCSX, EightfoldSpider
from tests.spiders.fuzzing import mutations
from tests.support.ats_server import AtsServer, Reply, file_reply, json_reply
from tests.support.crawl import run_crawl
from tests.support.inprocess import BoardCase, make_spider
from tests.support.paths import fixture

NOW = "2026-10-10T00:00:00Z"
ALB = Board("eightfold", "albemarle.eightfold.ai/albemarle.com")
CACI = Board("eightfold", "caci.eightfold.ai/caci.com")
#: The saved boards: apply/v2 search + one detail (other details 404), the older apply/v2 rows, and a pcsx site
#: whose apply/v2 answers 403. Later pages answer empty.
CASES = (
    BoardCase("eightfold", ALB.company, (
        (r"/apply/v2/jobs/1099556324897\?", "eightfold/albemarle_apply-job_jobs-aaron.json"),
        (r"/apply/v2/jobs\?.*&start=0&", "eightfold/albemarle_apply-search_jobs-aaron.json"),
        (r"/apply/v2/jobs\?", b'{"positions": [], "count": 59}'))),
    BoardCase("eightfold", "albemarle.eightfold.ai/albemarle.com", (
        (r"/apply/v2/jobs\?.*&start=0&", "eightfold/albemarle_careerkit.json"),
        (r"/apply/v2/jobs\?", b'{"positions": []}'))),
    BoardCase("eightfold", CACI.company, (
        (r"/apply/v2/", b"<html>Forbidden</html>", 403),
        (r"/pcsx/search\?.*&start=0$", "eightfold/caci_pcsx-search_jobs-aaron.json"),
        (r"/pcsx/search\?", b'{"status": 200, "data": {"positions": [], "count": 1758}}'))),
)


def _spider() -> EightfoldSpider:
    return make_spider("eightfold", companies="x.eightfold.ai", now=NOW)


def _page(spider: EightfoldSpider, board: Board, api: str, body: bytes | object, start: int = 0) -> list:
    body = body if isinstance(body, bytes) else json.dumps(body).encode()
    response = TextResponse(url=f"https://{board.company}/p", body=body, encoding="utf-8")
    domain = board.company.split("/")[1]
    return list(spider.parse_page(response, board, api=api, domain=domain, start=start))


def test_apply_v2_search_and_detail_in_process() -> None:
    spider = _spider()
    [first] = list(spider.board_requests(ALB))
    assert first.url == "https://albemarle.eightfold.ai/api/apply/v2/jobs?domain=albemarle.com&start=0&num=10&sort_by=new"
    out = _page(spider, ALB, APPLY, fixture("eightfold/albemarle_apply-search_jobs-aaron.json").read_bytes())
    assert [r.url for r in out] == [
        "https://albemarle.eightfold.ai/api/apply/v2/jobs/1099556324897?domain=albemarle.com",
        "https://albemarle.eightfold.ai/api/apply/v2/jobs/1099556190478?domain=albemarle.com",
        "https://albemarle.eightfold.ai/api/apply/v2/jobs?domain=albemarle.com&start=2&num=10&sort_by=new"]  # count 59
    detail = fixture("eightfold/albemarle_apply-job_jobs-aaron.json").read_bytes()
    [item] = list(spider.parse_detail(TextResponse(url=out[0].url, body=detail, encoding="utf-8"),
                                      **out[0].cb_kwargs))
    item = dict(item)
    assert item.pop("description_html").startswith("<p>Be an essential element to a brighter future. </p>")
    assert item.pop("description_text").endswith("Job Description\n\nAlbemarle is hiring for")
    url = "https://albemarle.eightfold.ai/careers/job/1099556324897"
    assert item == {
        "ats": "eightfold", "company": ALB.company, "company_name": ALB.company, "job_id": "1099556324897",
        "requisition_id": "REQ-31520", "title": "Environmental Professional",
        "department": "Health, Safety & Environment", "team": None, "employment_type": None,
        "employment_type_raw": None, "workplace_type": "onsite",  # the detail's null does not override the row
        "locations": [{"raw": "Silver Peak, Nevada, United States of America", "city": "Silver Peak",
                       "region": "Nevada", "country": "US"}],
        "location": "Silver Peak, Nevada, United States of America", "salary": None, "salary_raw": None,
        "url": url, "apply_url": url,
        "posted_at": datetime(2026, 9, 24, tzinfo=UTC), "posted_at_raw": "1790208000",
        "updated_at": datetime(2026, 9, 24, tzinfo=UTC), "updated_at_raw": "1790208000",
        "extras": {"business_unit": "Corporate", "location_flexibility": "flexible_within_country"},
    }


def test_older_apply_v2_rows_without_count() -> None:
    spider = _spider()
    out = _page(spider, ALB, APPLY, fixture("eightfold/albemarle_careerkit.json").read_bytes())
    assert len(out) == 3  # two details, then the next page: no count, so only an empty page ends the board
    assert len(spider.posting(ALB, out[1].cb_kwargs["listed"])["locations"]) == 2
    url = "https://albemarle.eightfold.ai/careers/job/1099555326551"
    charlotte = "Charlotte, North Carolina, United States of America"
    magnolia = "Magnolia, Arkansas, United States of America"
    assert dict(spider.posting(ALB, out[0].cb_kwargs["listed"])) == {  # its detail failed: list data only
        "ats": "eightfold", "company": ALB.company, "company_name": ALB.company, "job_id": "1099555326551",
        "requisition_id": None, "title": "Supply Planner, Bromine S&OP", "department": "Supply Chain", "team": None,
        "employment_type": None, "employment_type_raw": None, "workplace_type": None,
        "locations": [{"raw": charlotte, "city": "Charlotte", "region": "North Carolina", "country": "US"},
                      {"raw": magnolia, "city": "Magnolia", "region": "Arkansas", "country": "US"}],
        "location": f"{charlotte}; {magnolia}", "salary": None, "salary_raw": None, "description_html": None,
        "description_text": None, "url": url, "apply_url": url,
        "posted_at": datetime(2026, 8, 4, tzinfo=UTC), "posted_at_raw": "1785801600",
        "updated_at": None, "updated_at_raw": None, "extras": {"detail_missing": True},
    }
    assert _page(spider, ALB, APPLY, {"positions": [], "count": 2}, start=2) == []
    assert spider.outcomes[ALB.key].finished


def test_pcsx_search_in_process() -> None:
    spider = _spider()
    out = _page(spider, CACI, PCSX, fixture("eightfold/caci_pcsx-search_jobs-aaron.json").read_bytes())
    assert out[0].url == "https://caci.eightfold.ai/api/pcsx/position_details?position_id=1443153815392&domain=caci.com"
    assert out[-1].url == "https://caci.eightfold.ai/api/pcsx/search?domain=caci.com&start=3"
    detail = {"status": 200, "data": {"id": 1443153815392, "jobDescription": "<p>Design systems.</p>",
                                      "publicUrl": "https://caci.eightfold.ai/careers/job/1443153815392"}}
    [item] = list(spider.parse_detail(TextResponse(url=out[0].url, body=json.dumps(detail).encode(),
                                                   encoding="utf-8"), **out[0].cb_kwargs))
    assert dict(item) == {
        "ats": "eightfold", "company": CACI.company, "company_name": CACI.company, "job_id": "1443153815392",
        "requisition_id": "332948", "title": "Systems Engineer, Mid-level", "department": "Systems Engineering",
        "team": None, "employment_type": None, "employment_type_raw": None, "workplace_type": "onsite",
        "locations": [{"raw": "Sterling, VA, US", "city": "Sterling", "region": "Virginia", "country": "US"},
                      {"raw": "Denver, CO, US", "city": "Denver", "region": "Colorado", "country": "US"}],
        "location": "Sterling, VA, US; Denver, CO, US", "salary": None, "salary_raw": None,
        "description_html": "<p>Design systems.</p>", "description_text": "Design systems.",
        "url": "https://caci.eightfold.ai/careers/job/1443153815392",
        "apply_url": "https://caci.eightfold.ai/careers/job/1443153815392",
        "posted_at": datetime(2026, 10, 5, tzinfo=UTC), "posted_at_raw": "1791158400",
        "updated_at": None, "updated_at_raw": None, "extras": {"created_ts": 1790726400},
    }
    remote = spider.posting(CACI, out[2].cb_kwargs["listed"], None)
    assert remote["workplace_type"] == "remote" and remote["url"].endswith("/careers/job/1443153816177")


def test_paging_ends_on_repeats_and_caps() -> None:
    spider = _spider()
    page = {"positions": [{"id": i, "name": f"Job {i}"} for i in range(10)], "count": 1000}
    assert len(_page(spider, ALB, APPLY, page)) == 11
    assert _page(spider, ALB, APPLY, page, start=10) == []  # the same ids again: the board is cut short
    assert spider.outcomes[ALB.key].truncated == "no_new_ids on page 2 (start=20 of 1000)"
    capped = make_spider("eightfold", companies="x.eightfold.ai", now=NOW,
                         settings={"CRAWLERATS_MAX_PAGES_PER_BOARD": 1})
    assert len(_page(capped, ALB, APPLY, page)) == 10  # ten details, no next page
    assert capped.outcomes[ALB.key].truncated.startswith("page_cap (1 pages)")


def test_apply_v2_without_a_position_list_switches_to_pcsx() -> None:
    spider = _spider()
    [request] = _page(spider, CACI, APPLY, b"<html>Forbidden</html>")
    assert request.url == "https://caci.eightfold.ai/api/pcsx/search?domain=caci.com&start=0"
    assert _page(spider, CACI, PCSX, {"status": 400, "error": {"message": "bad domain"}, "data": None}) == []
    assert spider.outcomes[CACI.key].failed.startswith("unexpected_payload (pcsx)")


def test_board_ids_and_the_careers_page_domain() -> None:
    spider = _spider()
    assert spider.board_from_token("careers.example.com/example.com").company == "careers.example.com/example.com"
    assert not spider.valid_board_id("x") and not spider.valid_board_id("host.com/not a domain")
    board = Board("eightfold", "careers.example.com")
    [request] = list(spider.board_requests(board))
    assert request.url == "https://careers.example.com/careers"
    page = b'<code id="pcsx-data">{&#34;domain&#34;: &#34;example.com&#34;, &#34;x&#34;: 1}</code>'
    [first] = list(spider.parse_careers_page(TextResponse(url=request.url, body=page, encoding="utf-8"), board))
    assert first.url.startswith("https://careers.example.com/api/apply/v2/jobs?domain=example.com&start=0")
    assert list(spider.parse_careers_page(TextResponse(url=request.url, body=b"<html></html>", encoding="utf-8"),
                                          board)) == []
    assert spider.outcomes[board.key].failed.startswith("no_domain")


def test_mapping_tolerates_odd_values() -> None:
    spider = _spider()
    rows = [json.loads(fixture("eightfold/albemarle_apply-search_jobs-aaron.json").read_text())["positions"][0],
            json.loads(fixture("eightfold/caci_pcsx-search_jobs-aaron.json").read_text())["data"]["positions"][0]]
    failures = []
    for row in rows:
        for path, weird, mutated in mutations(row):
            try:
                assert isinstance(spider.posting(ALB, mutated, mutated), JobItem)
            except Exception as exc:  # noqa: BLE001 - collected for the assertion
                failures.append(f"{path}={weird!r}: {exc!r}")
    assert failures == []


def test_eightfold_crawl_through_the_mirror(ats_server: AtsServer, crawl_settings: dict, mongo_db) -> None:
    alb, caci = "albemarle.eightfold.ai/api", "caci.eightfold.ai/api"
    search = json.loads(fixture("eightfold/albemarle_apply-search_jobs-aaron.json").read_text())
    ats_server.route("GET", f"{alb}/apply/v2/jobs", lambda q, b: Reply(body=json.dumps(
        search if q["start"] == "0" else {"positions": [], "count": 59}).encode()))
    ats_server.route("GET", f"{alb}/apply/v2/jobs/1099556324897",
                     file_reply(fixture("eightfold/albemarle_apply-job_jobs-aaron.json")))
    pcsx = json.loads(fixture("eightfold/caci_pcsx-search_jobs-aaron.json").read_text())
    ats_server.route("GET", f"{caci}/apply/v2/jobs", lambda q, b: Reply(403, b"Forbidden", "text/html"))
    ats_server.route("GET", f"{caci}/pcsx/search", lambda q, b: Reply(body=json.dumps(
        pcsx if q["start"] == "0" else {"status": 200, "data": {"positions": [], "count": 1758}}).encode()))
    ats_server.route("GET", "jobs.example.com/careers", lambda q, b: Reply(
        body=b'<code id="pcsx-data">{&#34;domain&#34;: &#34;example.com&#34;}</code>', content_type="text/html"))
    ats_server.route("GET", "jobs.example.com/api/apply/v2/jobs", json_reply({"positions": [], "count": 0}))
    boards = "albemarle.eightfold.ai/albemarle.com,caci.eightfold.ai/caci.com,jobs.example.com,gone.eightfold.ai/x.com"
    result = run_crawl("eightfold", {"companies": boards}, {**crawl_settings, "CRAWLERATS_NOW": NOW,
                                                           "RETRY_ENABLED": "False"})
    assert result.stats["crawlerats/boards/ok"] == 3 and result.stats["crawlerats/boards/failed"] == 1, result.log[-3000:]
    jobs = mongo_db["jobs"]
    counts = {c: jobs.count_documents({"company": c}) for c in (ALB.company, CACI.company)}
    assert counts == {ALB.company: 2, CACI.company: 3}, result.log[-3000:]
    env = jobs.find_one({"company": ALB.company, "job_id": "1099556324897"})
    assert env["description_text"].startswith("Be an essential element") and env["workplace_type"] == "onsite"
    electrician = jobs.find_one({"company": ALB.company, "job_id": "1099556190478"})
    assert electrician["extras"]["detail_missing"] is True and electrician["requisition_id"] == "REQ-31463"
    intern = jobs.find_one({"company": CACI.company, "job_id": "1443153778442"})
    assert intern["title"] == "Network Engineer Intern - Summer 2027" and intern["locations"][0]["region"] == \
        "North Carolina"
    assert result.stats["crawlerats/detail_failed/http_404"] == 4


@pytest.mark.parametrize(("url", "company"), [
    ("https://albemarle.eightfold.ai/careers?domain=albemarle.com", "albemarle.eightfold.ai/albemarle.com"),
    ("https://albemarle.eightfold.ai/careers/job/1099556324897?domain=albemarle.com", "albemarle.eightfold.ai/albemarle.com"),
    ("https://albemarle.eightfold.ai/careers", "albemarle.eightfold.ai"),
])
def test_board_urls_detected(url: str, company: str) -> None:
    board = detect(url)
    assert (board.ats, board.company) == ("eightfold", company)
    assert detect(EightfoldSpider.public_url(board)) == board


@pytest.mark.parametrize("url", [
    "https://app.eightfold.ai/careers",
    "https://eightfold.ai/careers",
    "https://albemarle.eightfold.ai.evil.com/careers",
    "https://www.eightfold.ai/",
])
def test_look_alike_urls_rejected(url: str) -> None:
    with pytest.raises(UnknownBoardUrl):
        detect(url)
