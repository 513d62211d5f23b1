"""Oracle Recruiting Cloud spider: the saved list pages and details fed in-process with every contract field compared,
paging on `items[0].TotalJobsCount` (not the wrapper's `hasMore`), detail fallback, and one mirror crawl."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from scrapy.http import TextResponse

from crawlerats.board import Board
from crawlerats.detect import UnknownBoardUrl, detect
from crawlerats.items import JobItem
from crawlerats.spiders.oracle import OracleSpider
from tests.spiders.fuzzing import mutations
from tests.support.ats_server import AtsServer, Reply
from tests.support.crawl import run_crawl
from tests.support.inprocess import BoardCase, make_spider
from tests.support.paths import fixture

NOW = "2026-10-10T00:00:00Z"
LIST = "oracle/southernco_list_haydenham.json"
DETAIL = "oracle/southernco_detail_haydenham.json"
SOUTHERN = Board("oracle", "emje.fa.us6.oraclecloud.com/CX_1001")
CE = "https://emje.fa.us6.oraclecloud.com/hcmUI/CandidateExperience/en/sites/CX_1001/job/"


EJOV = "oracle/ejov-ca2_careerkit.json"
#: Saved boards, answered from the payloads (fuzzed by tests/reliability/test_fuzz_spiders.py). Southern Company's
#: first page says 105 jobs; its second page is served with the trimmed ejov page (2 more ids, no total: the end).
CASES = (
    BoardCase("oracle", SOUTHERN.company, ((r"recruitingCEJobRequisitionDetails", DETAIL), (r"offset=3,", EJOV),
                                           (r"recruitingCEJobRequisitions\?", LIST))),
    BoardCase("oracle", "ejov.fa.ca2.oraclecloud.com/CX", ((r"recruitingCEJobRequisitions\?", EJOV),)),
)


def _spider(settings: dict | None = None) -> OracleSpider:
    return make_spider("oracle", SOUTHERN.company, NOW, settings)


def _json(relative: str) -> Any:
    return json.loads(fixture(relative).read_text())


def _response(payload: Any, url: str = "https://emje.fa.us6.oraclecloud.com/hcmRestApi/x") -> TextResponse:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    return TextResponse(url=url, body=body, encoding="utf-8")


def _page(spider: OracleSpider, payload: Any, board: Board = SOUTHERN, offset: int = 0) -> list:
    return list(spider.parse_page(_response(payload), board, offset))


def test_saved_list_page_asks_details_and_pages_on_total_jobs_count() -> None:
    spider = _spider()
    out = _page(spider, fixture(LIST).read_bytes())
    details, following = out[:3], out[3]
    assert [r.cb_kwargs["listed"]["Id"] for r in details] == ["16280", "17305", "18868"]
    assert details[0].url.endswith('finder=ById;Id=%2216280%22,siteNumber=CX_1001')
    assert details[0].meta["fallback"] == "listed_posting"
    # the wrapper says hasMore:false and limit:200, but TotalJobsCount is 105: the next page is asked at offset 3
    assert "finder=findReqs;siteNumber=CX_1001,limit=200,offset=3,sortBy=POSTING_DATES_DESC" in following.url
    assert not spider.outcomes[SOUTHERN.key].finished
    assert spider.outcomes[SOUTHERN.key].seen_ids == {"16280", "17305", "18868"}


def test_saved_detail_every_field() -> None:
    spider = _spider()
    listed = _json(LIST)["items"][0]["requisitionList"][0]
    [item] = spider.parse_detail(_response(fixture(DETAIL).read_bytes()), SOUTHERN, listed=listed)
    item = dict(item)
    html, text = item.pop("description_html"), item.pop("description_text")
    assert html.startswith("<div><p><strong>Radiation Protection Supervisor (Plant Hatch)")
    assert text.startswith("Radiation Protection Supervisor (Plant Hatch)\n\nJOB SUMMARY:\n\nThe radiation protection")
    assert "Southern Nuclear, a subsidiary of Southern Company" in text  # CorporateDescriptionStr is kept
    assert item == {
        "ats": "oracle", "company": SOUTHERN.company, "company_name": SOUTHERN.company, "job_id": "16280",
        "requisition_id": "16280", "title": "Radiation Protection Supervisor - Plant Hatch", "department": None,
        "team": None, "employment_type_raw": "Full time", "employment_type": "full_time", "workplace_type": None,
        "locations": [{"raw": "Baxley, GA, United States", "city": "Baxley", "region": "Georgia", "country": "US"}],
        "location": "Baxley, GA, United States", "salary": None, "salary_raw": None,
        "url": CE + "16280", "apply_url": CE + "16280",
        "posted_at": datetime(2026, 6, 23, 15, 48, 6, tzinfo=UTC), "posted_at_raw": "2026-06-23T15:48:06+00:00",
        "updated_at": None, "updated_at_raw": None,
        "extras": {"posting_end_date": "2026-07-08T03:55:00+00:00", "category": "Power Plant Operations & Maintenance",
                   "requisition_type": "Professional / Exempt", "job_function": "Research/Development",
                   "work_locations": ["Plant Hatch"]},
    }


def test_saved_canadian_detail_reads_the_hourly_pay_band() -> None:
    board = Board("oracle", "emqk.fa.ca3.oraclecloud.com/CX")
    raw = fixture("oracle/saskhealth_detail-payband_medcareer.json").read_bytes()
    [item] = _spider().parse_detail(_response(raw), board, listed={"Id": "98665", "Title": "listed title"})
    assert item["title"] == "Nurse A - Registered Nurse General Duty Nurse"
    assert item["employment_type_raw"] == "Part time" and item["employment_type"] == "part_time"
    assert item["locations"] == [{"raw": "Porcupine Plain, SK, Canada", "city": "Porcupine Plain",
                                  "region": "Saskatchewan", "country": "CA"}]
    assert item["posted_at_raw"] == "2026-09-19T00:00:00+00:00" and "posting_end_date" not in item["extras"]
    assert item["extras"]["requisition_type"] == "Hourly"
    assert item["extras"]["work_locations"] == ["Red Deer Nursing Home"]
    assert "Pay Band Nurse A $38.580 to $50.070" in item["description_text"]
    # "Hourly" requisition in Canada: $38.580 is 38.58 CAD an hour, not 38,580 USD a year.
    assert item["salary"] == {"min": 38.58, "max": 50.07, "currency": "CAD", "interval": "hour",
                              "raw": "$38.580 to $50.070"}
    assert item["salary_raw"] == "$38.580 to $50.070"
    assert item["url"] == "https://emqk.fa.ca3.oraclecloud.com/hcmUI/CandidateExperience/en/sites/CX/job/98665"


def test_pay_band_without_an_interval_hint_stays_null() -> None:
    """Without `RequisitionType` nothing says whether "$38.580" is $38,580 or $38.58: no salary is made up."""
    board = Board("oracle", "emqk.fa.ca3.oraclecloud.com/CX")
    data = json.loads(fixture("oracle/saskhealth_detail-payband_medcareer.json").read_bytes())
    for value in (None, "Professional / Exempt", ["Hourly"]):
        data["items"][0]["RequisitionType"] = value
        [item] = _spider().parse_detail(_response(json.dumps(data).encode()), board, listed={"Id": "98665"})
        assert item["salary"] is None and item["salary_raw"] is None, value


def test_saved_trimmed_list_with_secondary_locations_and_no_total() -> None:
    spider = _spider()
    board = Board("oracle", "ejov.fa.ca2.oraclecloud.com/CX")
    out = _page(spider, fixture("oracle/ejov-ca2_careerkit.json").read_bytes(), board)
    assert len(out) == 2 and spider.outcomes[board.key].finished  # no TotalJobsCount, a short page: the end
    item = spider.posting(board, out[1].cb_kwargs["listed"], None)
    assert item["job_id"] == "26876" and item["title"] == "Technology and Communications Sector Leader"
    assert [loc["raw"] for loc in item["locations"]] == [
        "SAN FRANCISCO, CA, United States", "HOUSTON, TX, United States", "ATLANTA, GA, United States",
        "MIAMI, FL, United States", "IRVINE, CA, United States"]
    assert {loc["country"] for loc in item["locations"]} == {"US"}
    assert item["posted_at_raw"] == "2026-08-07" and item["posted_at"].isoformat() == "2026-08-07T00:00:00+00:00"
    assert item["description_html"] is None and item["extras"] == {"detail_missing": True}


def test_paging_ends_on_total_on_repeated_ids_and_on_the_page_cap() -> None:
    data = _json(LIST)
    spider = _spider()
    data["items"][0]["TotalJobsCount"] = 3
    assert len(_page(spider, data)) == 3 and spider.outcomes[SOUTHERN.key].finished
    data["items"][0]["TotalJobsCount"] = 105
    spider = _spider()  # a second page repeating the first one's ids: truncated, no loop
    assert len(_page(spider, data)) == 4
    assert _page(spider, data, offset=3) == []
    assert spider.outcomes[SOUTHERN.key].truncated == "no_new_ids on page 2 (TotalJobsCount=105)"
    spider = _spider()  # an empty page before the total: truncated too (nothing gets closed on it)
    empty = {"items": [{"TotalJobsCount": 105, "requisitionList": []}]}
    assert _page(spider, empty, offset=50) == []
    assert spider.outcomes[SOUTHERN.key].truncated == "empty page at offset 50 of TotalJobsCount=105"
    spider = _spider({"CRAWLERATS_MAX_PAGES_PER_BOARD": 1})
    assert len(_page(spider, data)) == 3
    assert spider.outcomes[SOUTHERN.key].truncated == "page_cap (1 pages) (TotalJobsCount=105)"


def test_saved_boards_end_to_end_in_process() -> None:
    run = CASES[0].run(now=NOW)
    assert (run.outcome, sorted(run.by_id())) == ("ok", ["16280", "17305", "18868", "25587", "26876"])
    assert run.by_id()["16280"]["employment_type"] == "full_time"  # from its detail
    assert run.by_id()["17305"]["extras"] == {"detail_missing": True}  # the detail served belongs to 16280
    run = CASES[1].run(now=NOW)
    assert (run.outcome, len(run.items), run.stats["crawlerats/detail_failed/http_404"]) == ("ok", 2, 2)


def test_bad_payloads_fail_the_board_and_bad_details_fall_back() -> None:
    spider = _spider()
    assert _page(spider, {"items": [], "count": 0, "hasMore": False}) == []
    assert spider.outcomes[SOUTHERN.key].failed.startswith("unexpected_payload (no items[0].requisitionList)")
    spider = _spider()
    listed = {"Id": "7", "Title": "Welder", "PrimaryLocation": "Mobile, AL, United States", "PostedDate": "2026-09-01"}
    [item] = spider.parse_detail(_response({"items": []}), SOUTHERN, listed=listed)
    assert item["title"] == "Welder" and item["extras"] == {"detail_missing": True}
    [item] = spider.parse_detail(_response(b"<html>"), SOUTHERN, listed=listed)
    assert item["job_id"] == "7" and spider.crawler.stats.get_value("crawlerats/detail_failed/invalid_payload") == 1


def test_board_ids_and_public_url() -> None:
    spider = _spider()
    assert spider.board_from_token("fa-abcd-saasfaprod1.fa.ocs.oraclecloud.com/CX_1").company == \
        "fa-abcd-saasfaprod1.fa.ocs.oraclecloud.com/CX_1"
    for bad in ("emje.fa.us6.oraclecloud.com", "CX_1001", "emje.fa.us6.oraclecloud.com/CX 1"):
        assert not spider.valid_board_id(bad)
    assert OracleSpider.public_url(SOUTHERN) == \
        "https://emje.fa.us6.oraclecloud.com/hcmUI/CandidateExperience/en/sites/CX_1001/"


def test_workplace_code_and_odd_values() -> None:
    listed = {**_json(LIST)["items"][0]["requisitionList"][0], "WorkplaceTypeCode": "ORA_HYBRID"}
    assert _spider().posting(SOUTHERN, listed, None)["workplace_type"] == "hybrid"
    detail = _json(DETAIL)["items"][0]
    spider = _spider()
    for path, weird, mutated in mutations(detail):  # odd values become nulls, never a lost posting
        assert isinstance(spider.posting(SOUTHERN, {"Id": "16280"}, mutated), JobItem), (path, weird)


def _finder(query: dict[str, str]) -> dict[str, str]:
    finder = query.get("finder", "")
    return dict(part.split("=", 1) for part in finder.split(";", 1)[-1].split(",") if "=" in part)


def test_oracle_crawl_through_the_mirror(ats_server: AtsServer, crawl_settings: dict, mongo_db) -> None:
    first = _json(LIST)
    first["items"][0]["TotalJobsCount"] = 4
    second = {"items": [{"TotalJobsCount": 4, "requisitionList": [_json("oracle/ejov-ca2_careerkit.json")[
        "items"][0]["requisitionList"][1]]}], "count": 1, "hasMore": False}
    api = "emje.fa.us6.oraclecloud.com/hcmRestApi/resources/latest/"

    def listing(query: dict[str, str], body: bytes) -> Reply:
        page = first if _finder(query).get("offset") == "0" else second
        return Reply(body=json.dumps(page).encode())

    def detail(query: dict[str, str], body: bytes) -> Reply:
        if _finder(query).get("Id") == '"16280"':
            return Reply(body=fixture(DETAIL).read_bytes())
        return Reply(404, b"{}")

    ats_server.route("GET", api + "recruitingCEJobRequisitions", listing)
    ats_server.route("GET", api + "recruitingCEJobRequisitionDetails", detail)
    ats_server.route("GET", "down.fa.us2.oraclecloud.com/hcmRestApi/resources/latest/recruitingCEJobRequisitions",
                     lambda q, b: Reply(503, b"busy", "text/plain"))
    result = run_crawl("oracle", {"companies": f"{SOUTHERN.company},down.fa.us2.oraclecloud.com/CX"},
                       {**crawl_settings, "CRAWLERATS_NOW": NOW, "RETRY_ENABLED": "False"})
    assert result.stats["crawlerats/boards/ok"] == 1 and result.stats["crawlerats/boards/failed"] == 1
    assert result.stats["crawlerats/detail_failed/http_404"] == 3
    jobs = mongo_db["jobs"]
    assert sorted(jobs.distinct("job_id", {"ats": "oracle"})) == ["16280", "17305", "18868", "26876"]
    hatch = jobs.find_one({"job_id": "16280"})
    assert hatch["employment_type"] == "full_time" and hatch["description_text"].startswith("Radiation Protection")
    leader = jobs.find_one({"job_id": "26876"})
    assert len(leader["locations"]) == 5 and leader["extras"]["detail_missing"] is True
    offsets = [_finder(q).get("offset") for _, path, q, _ in ats_server.requests if path.endswith("Requisitions")
               and path.startswith("/emje")]
    assert offsets == ["0", "3"]


def test_detection_of_board_urls() -> None:
    accepted = {
        "https://emje.fa.us6.oraclecloud.com/hcmUI/CandidateExperience/en/sites/CX_1001/requisitions":
            "emje.fa.us6.oraclecloud.com/CX_1001",
        "https://fa-abcd-saasfaprod1.fa.ocs.oraclecloud.com/hcmUI/CandidateExperience/fr-FR/sites/CX_1/job/42":
            "fa-abcd-saasfaprod1.fa.ocs.oraclecloud.com/CX_1",
        "careers.example.com/hcmUI/CandidateExperience/en/sites/CX/job/123": "careers.example.com/CX",
    }
    for url, company in accepted.items():
        assert detect(url) == Board("oracle", company), url
        assert _spider().board_from_token(url).company == company
    assert detect(OracleSpider.public_url(SOUTHERN)) == SOUTHERN
    for url in ("https://emje.fa.us6.oraclecloud.com/",
                "https://emje.fa.us6.oraclecloud.com/hcmUI/CandidateExperience/",
                "https://oraclecloud.com/hcmUI/CandidateExperience/en/sites/", "https://www.oracle.com/careers/"):
        with pytest.raises(UnknownBoardUrl):
            detect(url)


def test_candidate_experience_path_counts_on_any_host() -> None:
    """`/hcmUI/CandidateExperience/{lang}/sites/{site}` is Oracle's own application path, so it is board evidence
    on a vanity host too; look-alikes without the `hcmUI` prefix or a site are not boards."""
    url = "https://careers.example.com/hcmUI/CandidateExperience/en/sites/CX/job/123"
    assert detect(url, page_evidence=True) == Board("oracle", "careers.example.com/CX")
    for url in ("https://careers.example.com/CandidateExperience/en/sites/CX", "https://careers.example.com/hcmUI/",
                "https://careers.example.com/hcmUI/CandidateExperience/en/jobs/CX",
                "https://careers.example.com/candidate/hcmUI/CandidateExperience/en/sites/CX"):
        with pytest.raises(UnknownBoardUrl):
            detect(url)
