"""JOIN spider: the saved `__NEXT_DATA__` slice fed in-process (every contract field), paging by `pageCount`, pay kept
raw only when shown, odd values, detection, and one `scrapy crawl join` through the mirror into SecantusDB."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime

import pytest
from scrapy.http import HtmlResponse

from crawlerats.board import Board
from crawlerats.detect import UnknownBoardUrl, detect
from crawlerats.spiders.join import JoinSpider
from tests.spiders.fuzzing import mapping_failures
from tests.support.ats_server import AtsServer, Reply
from tests.support.crawl import run_crawl
from tests.support.inprocess import BoardCase, make_spider
from tests.support.paths import fixture

NOW = "2026-10-10T00:00:00Z"
SLICE = "join/bexio_next-data-slice_jobs-aaron.html"
BEXIO = Board("join", "bexio")
#: The saved page 1 (of 2); page 2 answers an empty job list.
CASES = (BoardCase("join", "bexio", ((r"\?page=2$", b'<html><script id="__NEXT_DATA__">{"props": {"pageProps": {'
                                                     b'"initialState": {"jobs": {"items": []}}}}}</script></html>'),
                                     (r"/companies/bexio$", SLICE))),)


def _data() -> dict:
    text = fixture(SLICE).read_text()
    return json.loads(re.search(r"<script[^>]*>(.*)</script>", text, re.S).group(1))


def _page(state_jobs: dict, company: str = "bexio") -> bytes:
    data = {"props": {"pageProps": {"initialState": {"company": {"name": company}, "jobs": state_jobs}}}}
    return f'<html><script id="__NEXT_DATA__" type="application/json">{json.dumps(data)}</script></html>'.encode()


def _parse(spider: JoinSpider, body: bytes, number: int = 1) -> list:
    response = HtmlResponse(url="https://join.com/companies/bexio", body=body, encoding="utf-8")
    return list(spider.parse_page(response, BEXIO, number=number))


def test_saved_page_in_process() -> None:
    spider = make_spider("join", now=NOW)
    [first] = list(spider.board_requests(BEXIO))
    assert first.url == "https://join.com/companies/bexio"
    out = _parse(spider, fixture(SLICE).read_bytes())
    assert [i["job_id"] for i in out[:-1]] == ["16789521", "16318714", "16788654", "16573865", "16407817"]
    assert out[-1].url == "https://join.com/companies/bexio?page=2"  # page 1 of 2
    url = "https://join.com/companies/bexio/16789521-ai-engineer-m-w-d-80-100"
    assert dict(out[0]) == {
        "ats": "join", "company": "bexio", "company_name": "bexio", "job_id": "16789521", "requisition_id": None,
        "title": "AI Engineer (m/w/d) 80-100%", "department": "IT", "team": None, "employment_type": None,
        "employment_type_raw": "Employee", "workplace_type": "onsite",
        "locations": [{"raw": "Rapperswil-Jona, Switzerland", "city": "Rapperswil-Jona", "region": None,
                       "country": "CH"}],
        "location": "Rapperswil-Jona, Switzerland", "salary": None, "salary_raw": None, "description_html": None,
        "description_text": None, "url": url, "apply_url": url,
        "posted_at": datetime(2026, 10, 5, 13, 33, 3, 404000, tzinfo=UTC), "posted_at_raw": "2026-10-05T13:33:03.404Z",
        "updated_at": None, "updated_at_raw": None, "extras": {},
    }
    assert out[1]["extras"] == {"id_param": "16738632-junior-1st-level-supporter-w-m-d-80-100"}  # prefix ≠ id


def test_last_page_repeats_and_missing_data() -> None:
    spider = make_spider("join", now=NOW)
    jobs = _data()["props"]["pageProps"]["initialState"]["jobs"]
    assert len(_parse(spider, fixture(SLICE).read_bytes())) == 6
    assert _parse(spider, _page(jobs), number=2) == []  # the same ids again: the board is cut short
    assert spider.outcomes[BEXIO.key].truncated == "no_new_ids on page 2 of 2"
    last = make_spider("join", now=NOW)
    assert len(_parse(last, _page({**jobs, "pagination": {"page": 2, "pageCount": 2}}), number=2)) == 5
    capped = make_spider("join", now=NOW, settings={"CRAWLERATS_MAX_PAGES_PER_BOARD": 1})
    assert len(_parse(capped, fixture(SLICE).read_bytes())) == 5 and capped.outcomes[BEXIO.key].truncated
    broken = make_spider("join", now=NOW)
    assert _parse(broken, b"<html><body>Company not found</body></html>") == []
    assert broken.outcomes[BEXIO.key].failed.startswith("unexpected_payload (no __NEXT_DATA__ jobs)")


def test_pay_kept_raw_only_when_shown() -> None:
    spider = make_spider("join", now=NOW)
    job = _data()["props"]["pageProps"]["initialState"]["jobs"]["items"][0]
    pay = {"salaryAmountFrom": {"amount": 9000000, "currency": "CHF"}}
    shown = spider.posting(BEXIO, {**job, **pay})
    assert shown["salary"] is None
    assert shown["salary_raw"] == {"salaryAmountFrom": {"amount": 9000000, "currency": "CHF"},
                                   "salaryFrequency": "PER_YEAR"}
    hidden = spider.posting(BEXIO, {**job, **pay, "settings": {"showSalary": False}})
    assert hidden["salary_raw"] is None
    assert spider.posting(BEXIO, job)["salary_raw"] is None  # a frequency alone is not pay


def test_mapping_tolerates_odd_values() -> None:
    job = _data()["props"]["pageProps"]["initialState"]["jobs"]["items"][0]
    assert mapping_failures(JoinSpider, job, lambda s, b, j: s.posting(b, j)) == []


def test_join_crawl_through_the_mirror(ats_server: AtsServer, crawl_settings: dict, mongo_db) -> None:
    page2 = _page({"items": [{"id": 1, "idParam": "1-chef", "title": "Chef", "workplaceType": "HYBRID",
                              "createdAt": "2026-09-01T00:00:00.000Z", "city": {"cityName": "Zürich"}}],
                   "pagination": {"page": 2, "pageCount": 2}})
    first = fixture(SLICE).read_bytes()
    ats_server.route("GET", "join.com/companies/bexio", lambda q, b: Reply(
        body=page2 if q.get("page") == "2" else first, content_type="text/html"))
    ats_server.route("GET", "join.com/companies/empty", lambda q, b: Reply(
        body=_page({"items": [], "pagination": {"page": 1, "pageCount": 0}}), content_type="text/html"))
    result = run_crawl("join", {"companies": "https://join.com/companies/bexio,empty,gone"},
                       {**crawl_settings, "CRAWLERATS_NOW": NOW})
    assert result.stats["crawlerats/boards/ok"] == 2 and result.stats["crawlerats/boards/failed"] == 1
    docs = {d["job_id"]: d for d in mongo_db["jobs"].find({"ats": "join"})}
    assert len(docs) == 6 and docs["1"]["workplace_type"] == "hybrid"
    assert docs["1"]["locations"] == [{"raw": "Zürich", "city": "Zürich", "region": None, "country": None}]
    assert docs["16573865"]["department"] == "Engineering" and docs["16573865"]["company_name"] == "bexio"


@pytest.mark.parametrize(("url", "company"), [
    ("https://join.com/companies/bexio", "bexio"),
    ("https://join.com/companies/bexio/16789521-ai-engineer-m-w-d-80-100", "bexio"),
    ("join.com/companies/bexio?page=2", "bexio"),
])
def test_board_urls_detected(url: str, company: str) -> None:
    board = detect(url)
    assert (board.ats, board.company) == ("join", company)
    assert detect(JoinSpider.public_url(board)) == board


@pytest.mark.parametrize("url", [
    "https://join.com/", "https://join.com/jobs/bexio", "https://join.com.evil.com/companies/bexio",
    "https://companies.join.com/bexio",
])
def test_look_alike_urls_rejected(url: str) -> None:
    with pytest.raises(UnknownBoardUrl):
        detect(url)
