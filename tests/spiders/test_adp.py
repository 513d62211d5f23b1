"""ADP Workforce Now spider: the saved requisition list and detail crawled in-process (every contract field), paging,
odd values, detection, and one `scrapy crawl adp` through the mirror into SecantusDB."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from crawlerats.board import Board
from crawlerats.detect import UnknownBoardUrl, detect
from crawlerats.spiders.adp import AdpSpider
from tests.spiders.fuzzing import mapping_failures
from tests.support.ats_server import AtsServer, Reply, file_reply
from tests.support.crawl import run_crawl
from tests.support.inprocess import BoardCase, crawl_board
from tests.support.paths import fixture

NOW = "2026-10-10T00:00:00Z"
CID, CC = "5f1b6c52-0e6a-4b4e-9d7c-2a1b3c4d5e6f", "19000101_000001"
LIST = "adp/unnamed-wfn_job-requisitions_jobs-aaron.json"
DETAIL = "adp/unnamed-wfn_job-requisition-detail_jobs-aaron.json"
PAGE = "https://workforcenow.adp.com/mascsr/default/mdf/recruitment/recruitment.html"
API = "workforcenow.adp.com/mascsr/default/careercenter/public/events/staffing/v1/job-requisitions"
CASES = (BoardCase("adp", f"{CID}/{CC}", ((r"/job-requisitions/9205234334470_1\?", DETAIL),
                                          (r"/job-requisitions\?", LIST))),)


def test_saved_list_and_detail_in_process() -> None:
    run = crawl_board("adp", f"{CID}/{CC}", [(r"/job-requisitions/9205234334470_1\?", DETAIL),
                                             (r"/job-requisitions\?", LIST)], now=NOW)
    assert (run.outcome, len(run.items), run.dropped) == ("ok", 3, [])
    assert run.requests[0].url == (f"https://{API}?cid={CID}&ccId={CC}&locale=en_US&$top=20&$skip=0")
    assert run.requests[1].url == f"https://{API}/9205234334470_1?cid={CID}&ccId={CC}&locale=en_US"
    url = f"{PAGE}?cid={CID}&ccId={CC}&jobId=9205234334470_1&lang=en_US"
    assert dict(run.by_id()["9205234334470_1"]) == {
        "ats": "adp", "company": f"{CID}/{CC}", "company_name": f"{CID}/{CC}", "job_id": "9205234334470_1",
        "requisition_id": None, "title": "Sr. Director, FP&A", "department": None, "team": None,
        "employment_type": None, "employment_type_raw": None, "workplace_type": None,
        "locations": [{"raw": "US", "city": None, "region": None, "country": "US"}], "location": "US",
        "salary": None, "salary_raw": None, "description_html": "<div><p><strong>Summary</strong></p></div>",
        "description_text": "Summary", "url": url, "apply_url": url,
        "posted_at": datetime(2026, 9, 10, 14, 14, tzinfo=UTC), "posted_at_raw": "2026-09-10T10:14:00.000-04:00",
        "updated_at": None, "updated_at_raw": None, "extras": {},
    }
    vp = run.by_id()["9205231141781_1"]  # detail 404: stored from the list row
    assert vp["title"] == "VP, Engineering" and vp["extras"] == {"detail_missing": True}
    assert vp["posted_at"] == datetime(2026, 9, 4, 20, 36, tzinfo=UTC)
    assert run.stats["crawlerats/detail_failed/http_404"] == 2


def _page(ids: range, total: int) -> bytes:
    return json.dumps({"meta": {"totalNumber": total}, "jobRequisitions": [
        {"itemID": f"r{i}", "requisitionTitle": f"Job {i}",
         "requisitionLocations": [{"nameCode": {"shortName": "Boston"},
                                   "address": {"cityName": "Boston", "countrySubdivisionLevel1": {"codeValue": "MA"}}}],
         "organizationalUnits": [{"nameCode": {"shortName": "Finance"}, "typeCode": {"shortName": "Department"}},
                                 {"nameCode": {"shortName": "East"}, "typeCode": {"shortName": "Region"}}]}
        for i in ids]}).encode()


def test_paging_until_the_total_and_on_repeats() -> None:
    run = crawl_board("adp", CID, [(r"\$skip=0$", _page(range(20), 25)), (r"\$skip=20$", _page(range(20, 25), 25)),
                                   (r"/r\d+\?", b'{"jobRequisitions": [{"requisitionDescription": "<p>Hi</p>"}]}')],
                      now=NOW)
    assert (run.outcome, len(run.items)) == ("ok", 25)
    assert run.requests[0].url == f"https://{API}?cid={CID}&locale=en_US&$top=20&$skip=0"
    item = run.by_id()["r0"]
    assert item["department"] == "Finance" and item["description_text"] == "Hi"
    assert item["locations"] == [{"raw": "Boston", "city": "Boston", "region": "Massachusetts", "country": "US"}]
    assert item["url"] == f"{PAGE}?cid={CID}&jobId=r0&lang=en_US"
    repeat = crawl_board("adp", CID, [(r"\$skip=", _page(range(20), 100)), (r"/r\d+\?", b"{}")], now=NOW)
    assert (repeat.outcome, len(repeat.items)) == ("truncated", 20)  # page 2 repeats page 1: cut short
    assert repeat.reason == "no_new_ids on page 2 (40 of 100)"
    broken = crawl_board("adp", CID, [(r"\$skip=0$", b'{"errors": ["bad cid"]}')], now=NOW)
    assert broken.outcome == "failed" and broken.reason.startswith("unexpected_payload (no jobRequisitions")


def test_mapping_tolerates_odd_values() -> None:
    row = json.loads(fixture(LIST).read_text())["jobRequisitions"][0]
    assert mapping_failures(AdpSpider, row, lambda s, b, r: s.posting(b, r)) == []


def test_adp_crawl_through_the_mirror(ats_server: AtsServer, crawl_settings: dict, mongo_db) -> None:
    ats_server.route("GET", API, file_reply(fixture(LIST)))
    ats_server.route("GET", f"{API}/9205234334470_1", file_reply(fixture(DETAIL)))
    ats_server.route("GET", f"{API}/9205231141781_1", lambda q, b: Reply(500, b"oops", "text/plain"))
    result = run_crawl("adp", {"companies": f"{PAGE}?cid={CID}&ccId={CC}&lang=en_US"},
                       {**crawl_settings, "CRAWLERATS_NOW": NOW, "RETRY_ENABLED": "False"})
    assert result.stats["crawlerats/boards/ok"] == 1
    docs = {d["job_id"]: d for d in mongo_db["jobs"].find({"ats": "adp"})}
    assert len(docs) == 3 and docs["9205234334470_1"]["description_text"] == "Summary"
    assert docs["9205231141781_1"]["extras"] == {"detail_missing": True}
    assert docs["9205230421275_1"]["title"] == "WEM Technical Consultant"


@pytest.mark.parametrize(("url", "company"), [
    (f"{PAGE}?cid={CID}&ccId={CC}&lang=en_US", f"{CID}/{CC}"),
    (f"{PAGE}?cid={CID}&ccId={CC}&jobId=9205234334470_1&lang=en_US&selectedMenuKey=CurrentOpenings", f"{CID}/{CC}"),
    (f"{PAGE}?cid={CID}&lang=en_US", CID),
    (f"https://{API}?cid={CID}&ccId={CC}&locale=en_US&$top=20", f"{CID}/{CC}"),
])
def test_board_urls_detected(url: str, company: str) -> None:
    board = detect(url)
    assert board == Board("adp", company)
    assert detect(AdpSpider.public_url(board)) == board


@pytest.mark.parametrize("url", [
    f"{PAGE}?lang=en_US", "https://workforcenow.adp.com/", f"https://workforcenow.adp.com.evil.com/x?cid={CID}",
    f"https://www.adp.com/careers?cid={CID}",
])
def test_look_alike_urls_rejected(url: str) -> None:
    with pytest.raises(UnknownBoardUrl):
        detect(url)
