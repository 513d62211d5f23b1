"""Workday spider: the saved CXS list/detail payloads plus hand-made boards (paging over three pages, detail
failures stored from list data, the 2,000-result cap), crawled by a real `scrapy crawl workday` through the
mirror into the test database; the cap and wrap-around paths are also driven directly through the callbacks."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from pymongo.database import Database
from scrapy.http import Request, TextResponse
from scrapy.utils.test import get_crawler

from crawlerats.board import Board
from crawlerats.spiders.base import BoardOutcome
from crawlerats.spiders.workday import WorkdaySpider, workday_location
from tests.support.ats_server import AtsServer, Reply, file_reply, json_reply, paged_list
from tests.support.crawl import run_crawl
from tests.support.inprocess import BoardCase, check_item, crawl_board
from tests.support.paths import fixture

NOW = "2026-08-02T15:00:00Z"
NVIDIA = "nvidia.wd5.myworkdayjobs.com/wday/cxs/nvidia/NVIDIAExternalCareerSite"
PJM = "pjm.wd1.myworkdayjobs.com/wday/cxs/pjm/PJMCareers"
NVLIKE = "nvlike.wd5.myworkdayjobs.com/wday/cxs/nvlike/Site"
ACME = "acme.wd3.myworkdayjobs.com/wday/cxs/acme/Careers"
EMPTY = "empty.wd1.myworkdayjobs.com/wday/cxs/empty/Jobs"
PAGED = 45


def _acme_posting(i: int) -> dict[str, Any]:
    bullet = "Berlin, Germany" if i == 7 else "R-00001" if i == 8 else f"R-{i:05d}"
    return {"title": f"Analyst {i}", "externalPath": f"/job/Germany-Berlin/Analyst-{i}_R-{i:05d}",
            "locationsText": "Germany, Berlin", "postedOn": f"Posted {i} Days Ago", "bulletFields": [bullet]}


def _acme_detail(i: int) -> dict[str, Any]:
    return {"jobPostingInfo": {"title": f"Analyst {i}", "jobDescription": f"<p>Role {i}</p><script>x()</script><p>Pay range: €{i},000 - €{i + 10},000 per year</p>",
                               "location": "Germany, Berlin", "additionalLocations": ["US, NY, New York"],
                               "postedOn": f"Posted {i} Days Ago", "timeType": "Part time", "jobReqId": f"R-{i:05d}",
                               "externalUrl": f"https://acme.wd3.myworkdayjobs.com/Careers/job/x/Analyst-{i}"},
            "hiringOrganization": {"name": "Acme GmbH"}}


def _serve(server: AtsServer) -> None:
    server.route("POST", f"{NVIDIA}/jobs", file_reply(fixture("workday/nvidia_list_eu-job-feeds.json")))
    server.route("GET", f"{NVIDIA}/job/Israel-Yokneam/Practical-Hardware-Electronics-Test-Engineer_JR2021705",
                 file_reply(fixture("workday/nvidia_detail_eu-job-feeds.json")))
    # The two other NVIDIA details have no route (HTTP 404).
    server.route("POST", f"{PJM}/jobs", file_reply(fixture("workday/pjm_list.json")))
    server.route("GET", f"{PJM}/job/Audubon-PA-Hybrid/Sr-Market-Strategist-I--II-_REQ-2026-4193",
                 lambda q, b: Reply(status=500, body=b"{}"))
    server.route("POST", f"{NVLIKE}/jobs", file_reply(fixture("workday/nvidia-like_prettyirrelevant_list.json")))
    postings = [_acme_posting(i) for i in range(PAGED)]
    # Like Workday, `total` is only given on the first page (later pages say 0).
    server.route("POST", f"{ACME}/jobs", paged_list(postings, skip="offset", wrap=lambda page, start, total: {
        "total": total if start == 0 else 0, "jobPostings": page}))
    for i in range(PAGED):
        server.route("GET", f"{ACME}{postings[i]['externalPath']}", json_reply(_acme_detail(i)))
    server.route("POST", f"{EMPTY}/jobs", json_reply({"total": 0, "jobPostings": []}))


def test_workday_boards_end_to_end(ats_server: AtsServer, crawl_settings: dict, mongo_db: Database) -> None:
    _serve(ats_server)
    boards = ("nvidia.wd5/NVIDIAExternalCareerSite,pjm.wd1/PJMCareers,nvlike.wd5/Site,"
              "https://acme.wd3.myworkdayjobs.com/en-US/Careers,empty.wd1/Jobs")
    result = run_crawl("workday", {"companies": boards}, {**crawl_settings, "CRAWLERATS_NOW": NOW})
    stats = result.stats
    # on failure, show which board failed or stayed incomplete, and why
    why = [line for line in result.log.splitlines() if "ERROR" in line or "WARNING" in line or "summary" in line]
    assert stats["crawlerats/boards/ok"] == 4, "\n".join(why)[-6000:]
    assert stats["crawlerats/boards/truncated"] == 1  # nvlike: total 2000 is Workday's cap
    assert stats["crawlerats/detail_failed/http_404"] == 6  # NVIDIA x2, PJM x2, nvlike x2 (no routes)
    assert stats["crawlerats/detail_failed/http_500"] == 1  # PJM, after retries
    bodies = [json.loads(r[3]) for r in ats_server.requests if r[1] == f"/{ACME}/jobs"]
    assert bodies == [{"limit": 20, "offset": offset, "appliedFacets": {}, "searchText": ""} for offset in (0, 20, 40)]
    jobs = mongo_db["jobs"]
    counts = {c: jobs.count_documents({"company": c}) for c in ("nvidia.wd5/NVIDIAExternalCareerSite",
                                                                "pjm.wd1/PJMCareers", "nvlike.wd5/Site",
                                                                "acme.wd3/Careers", "empty.wd1/Jobs")}
    assert list(counts.values()) == [3, 3, 2, PAGED, 0]

    # --- NVIDIA: detail answered -------------------------------------------------------------------------------
    nvidia = "nvidia.wd5/NVIDIAExternalCareerSite"
    test_eng = jobs.find_one({"ats": "workday", "company": nvidia, "job_id": "JR2021705"})
    assert test_eng["requisition_id"] == "JR2021705"
    assert test_eng["title"] == "Practical Hardware Electronics Test Engineer"
    assert test_eng["employment_type"] == "full_time" and test_eng["employment_type_raw"] == "Full time"
    assert test_eng["locations"] == [{"raw": "Israel, Yokneam", "city": "Yokneam", "region": None, "country": "IL"}]
    assert test_eng["posted_at"] == datetime(2026, 8, 2, tzinfo=UTC) and test_eng["posted_at_raw"] == "Posted Today"
    assert test_eng["url"] == ("https://nvidia.wd5.myworkdayjobs.com/NVIDIAExternalCareerSite/job/Israel-Yokneam/"
                               "Practical-Hardware-Electronics-Test-Engineer_JR2021705")
    assert test_eng["extras"]["start_date"] == "2026-08-02"
    assert test_eng["extras"]["hiring_organization"] == "IL00 Mellanox Technologies, Ltd."
    assert "Our Lab team in Israel Yokneam" in test_eng["description_text"]
    assert test_eng["company_name"] == nvidia
    # --- NVIDIA: details 404 -> list data ----------------------------------------------------------------------
    architect = jobs.find_one({"company": nvidia, "job_id": "JR1980127"})
    assert architect["extras"]["detail_missing"] is True and architect["description_html"] is None
    assert architect["locations"] == [{"raw": "US, CA, Santa Clara", "city": "Santa Clara", "region": "California",
                                       "country": "US"}]
    assert architect["posted_at"] == datetime(2026, 8, 1, tzinfo=UTC)
    assert architect["url"] == ("https://nvidia.wd5.myworkdayjobs.com/NVIDIAExternalCareerSite/job/US-CA-Santa-Clara/"
                                "Distinguished-Software-Architect---Deep-Learning-and-HPC-Communications_JR1980127")
    two_locations = jobs.find_one({"company": nvidia, "job_id": "JR2008808"})
    assert two_locations["locations"] == [] and two_locations["location"] is None  # "2 Locations" is no place
    assert two_locations["posted_at"] == datetime(2026, 7, 31, tzinfo=UTC)

    # --- PJM: "(Hybrid)" in locationsText; XMLNAME externalPath keeps the requisition id -----------------------
    pjm = {d["job_id"]: d for d in jobs.find({"company": "pjm.wd1/PJMCareers"})}
    assert set(pjm) == {"REQ-2026-4193", "REQ-2026-4176", "REQ-2026-4191"}
    assert pjm["REQ-2026-4193"]["workplace_type"] == "hybrid" and pjm["REQ-2026-4176"]["workplace_type"] is None
    assert pjm["REQ-2026-4193"]["locations"] == [{"raw": "Audubon, PA (Hybrid)", "city": "Audubon",
                                                  "region": "Pennsylvania", "country": "US"}]
    assert pjm["REQ-2026-4191"]["extras"]["external_path"].startswith("/job/Audubon-PA-Hybrid/XMLNAME--")
    assert pjm["REQ-2026-4176"]["posted_at"] == datetime(2026, 7, 26, tzinfo=UTC)

    # --- nvidia-like: "Posted 30+ Days Ago" is a lower bound; "Poland-Remote" in the path ---------------------
    director = jobs.find_one({"company": "nvlike.wd5/Site", "job_id": "JR2021061"})
    assert director["posted_at"] == datetime(2026, 7, 3, tzinfo=UTC)
    assert director["posted_at_raw"] == "Posted 30+ Days Ago"
    assert jobs.find_one({"company": "nvlike.wd5/Site", "job_id": "JR2026094"})["workplace_type"] == "remote"

    # --- Acme: three pages, detail mapping, ids that are not requisition ids ----------------------------------
    acme = {d["job_id"]: d for d in jobs.find({"company": "acme.wd3/Careers"})}
    assert len(acme) == PAGED
    analyst = acme["R-00044"]
    assert analyst["employment_type"] == "part_time"
    assert analyst["description_html"] == "<p>Role 44</p><p>Pay range: €44,000 - €54,000 per year</p>"
    assert analyst["salary"] == {"min": 44000.0, "max": 54000.0, "currency": "EUR", "interval": "year",
                                 "raw": "€44,000 - €54,000",
                                 "annual_min": 44000.0, "annual_max": 54000.0}
    assert [(loc["city"], loc["country"]) for loc in analyst["locations"]] == [("Berlin", "DE"), ("New York", "US")]
    assert analyst["location"] == "Germany, Berlin; US, NY, New York"
    assert analyst["extras"]["hiring_organization"] == "Acme GmbH"
    assert "/job/Germany-Berlin/Analyst-7_R-00007" in acme  # bulletFields[0] "Berlin, Germany" is no id
    assert "/job/Germany-Berlin/Analyst-8_R-00008" in acme  # "R-00001" already taken by another posting
    assert acme["/job/Germany-Berlin/Analyst-8_R-00008"]["requisition_id"] == "R-00008"  # detail jobReqId


def _spider() -> tuple[WorkdaySpider, Board]:
    crawler = get_crawler(WorkdaySpider, {"CRAWLERATS_NOW": NOW})
    spider = WorkdaySpider.from_crawler(crawler, companies="big.wd1/Jobs")
    board = spider.boards_given[0]
    spider.outcomes[board.key] = BoardOutcome(board)
    return spider, board


def _page(spider: WorkdaySpider, board: Board, payload: dict[str, Any], offset: int, total: int | None,
          paths: set[str]) -> list[Any]:
    request = Request("https://big.wd1.myworkdayjobs.com/wday/cxs/big/Jobs/jobs", method="POST")
    response = TextResponse(request.url, body=json.dumps(payload).encode(), encoding="utf-8", request=request)
    return list(spider.parse_page(response, board=board, offset=offset, total=total, paths=paths))


def _postings(start: int, count: int) -> list[dict[str, Any]]:
    return [{"title": f"Job {i}", "externalPath": f"/job/X/Job_{i}", "postedOn": "Posted Today",
             "bulletFields": [f"JR{i}"]} for i in range(start, start + count)]


def test_workday_stops_at_the_result_cap_and_marks_the_board_truncated() -> None:
    spider, board = _spider()
    out = _page(spider, board, {"total": 0, "jobPostings": _postings(1980, 20)}, 1980, 2000, set())
    assert [r.url for r in out if isinstance(r, Request) and r.method == "POST"] == []  # no page at offset 2000
    assert len([r for r in out if isinstance(r, Request) and r.method == "GET"]) == 20  # details
    outcome = spider.outcomes[board.key]
    assert outcome.truncated and "2000" in outcome.truncated and outcome.finished
    assert outcome.outcome("finished") == "truncated"


def test_workday_pages_on_until_the_cap_and_stops_when_results_wrap_around() -> None:
    spider, board = _spider()
    paths: set[str] = set()
    out = _page(spider, board, {"total": 2000, "jobPostings": _postings(0, 20)}, 0, None, paths)
    follow = [r for r in out if isinstance(r, Request) and r.method == "POST"]
    assert len(follow) == 1 and json.loads(follow[0].body)["offset"] == 20
    assert follow[0].cb_kwargs["total"] == 2000
    # A page that only repeats postings already seen (Workday wrapping around) ends the board.
    out = _page(spider, board, {"total": 0, "jobPostings": _postings(0, 20)}, 20, 2000, paths)
    assert not [r for r in out if isinstance(r, Request)]
    assert spider.outcomes[board.key].truncated  # total was at the cap
    assert spider.outcomes[board.key].seen_ids == {f"JR{i}" for i in range(20)}


def test_workday_location_text_is_country_first() -> None:
    assert workday_location("US, CA, Santa Clara") == {"raw": "US, CA, Santa Clara", "city": "Santa Clara",
                                                       "region": "California", "country": "US"}
    assert workday_location("Israel, Yokneam", "IL")["city"] == "Yokneam"
    assert workday_location("Audubon, PA (Hybrid)")["country"] == "US"
    assert workday_location("5 Locations") is None and workday_location(None) is None
    assert workday_location("Singapore, Singapore")["country"] == "SG"


def test_workday_board_ids() -> None:
    spider, _ = _spider()
    assert spider.board_from_token("nvidia.wd5/NVIDIAExternalCareerSite").company == "nvidia.wd5/NVIDIAExternalCareerSite"
    assert spider.board_from_token("https://nvidia.wd5.myworkdayjobs.com/en-US/NVIDIAExternalCareerSite").company == \
        "nvidia.wd5/NVIDIAExternalCareerSite"
    for bad in ("nvidia", "nvidia.wd5", "nvidia/site", "https://jobs.lever.co/x"):
        try:
            spider.board_from_token(bad)
        except ValueError:
            continue
        raise AssertionError(f"{bad!r} accepted as a Workday board id")


# --- in-process expected values (City Bureau style): every contract field, no subprocess, no database ---------
NVIDIA_BOARD = "nvidia.wd5/NVIDIAExternalCareerSite"
CASES = (
    BoardCase("workday", NVIDIA_BOARD, ((r"_JR2021705$", "workday/nvidia_detail_eu-job-feeds.json"), (r"/job/", b"{}", 404),
                                  (r"/jobs$", "workday/nvidia_list_eu-job-feeds.json"))),
    BoardCase("workday", "pjm.wd1/PJM", ((r"/job/", b"{}", 404), (r"/jobs$", "workday/pjm_list.json"))),
)


def test_nvidia_list_and_detail_in_process_every_field() -> None:
    """The saved detail answers its posting; the others answer 404 and are stored from their list rows."""
    run = CASES[0].run()
    assert (len(run.items), run.outcome, run.dropped, len(run.requests)) == (3, "ok", [], 4)
    site = "https://nvidia.wd5.myworkdayjobs.com/NVIDIAExternalCareerSite"
    check_item(run.by_id()["JR2021705"], job_id="JR2021705", title="Practical Hardware Electronics Test Engineer",
               company_name=NVIDIA_BOARD,
               locations=[{"raw": "Israel, Yokneam", "city": "Yokneam", "region": None, "country": "IL"}],
               location="Israel, Yokneam", workplace_type=None, employment_type="full_time",
               employment_type_raw="Full time", department=None, team=None, salary=None,
               posted_at="2026-11-25T00:00:00+00:00", posted_at_raw="Posted Today", updated_at=None,
               url=f"{site}/job/Israel-Yokneam/Practical-Hardware-Electronics-Test-Engineer_JR2021705",
               apply_url=f"{site}/job/Israel-Yokneam/Practical-Hardware-Electronics-Test-Engineer_JR2021705",
               description_text="Our Lab team in Israel Yokneam seeks a Practical H", requisition_id="JR2021705",
               extras={"external_path", "hiring_organization", "locations_text", "start_date"})
    path = "/job/US-CA-Santa-Clara/Distinguished-Software-Architect---Deep-Learning-and-HPC-Communications_JR1980127"
    check_item(run.by_id()["JR1980127"], job_id="JR1980127",
               title="Distinguished Software Architect - Deep Learning and HPC Communications", company_name=NVIDIA_BOARD,
               locations=[{"raw": "US, CA, Santa Clara", "city": "Santa Clara", "region": "California",
                           "country": "US"}],
               location="US, CA, Santa Clara", workplace_type=None, employment_type=None, employment_type_raw=None,
               department=None, team=None, salary=None, posted_at="2026-11-24T00:00:00+00:00",
               posted_at_raw="Posted Yesterday", updated_at=None, url=f"{site}{path}", apply_url=f"{site}{path}",
               description_text=None, requisition_id="JR1980127",
               extras={"detail_missing", "external_path", "locations_text"})


def test_pjm_list_in_process_every_field() -> None:
    run = CASES[1].run()
    assert (len(run.items), run.outcome, run.dropped) == (3, "ok", [])
    assert run.by_id()["REQ-2026-4193"]["workplace_type"] == "hybrid"  # "Audubon, PA (Hybrid)"
    url = "https://pjm.wd1.myworkdayjobs.com/PJM/job/Audubon-PA/Sr-Market-Design-Specialist-I--II-_REQ-2026-4176"
    check_item(run.by_id()["REQ-2026-4176"], job_id="REQ-2026-4176", title="Sr. Market Design Specialist I (II)",
               company_name="pjm.wd1/PJM",
               locations=[{"raw": "Audubon, PA", "city": "Audubon", "region": "Pennsylvania", "country": "US"}],
               location="Audubon, PA", workplace_type=None, employment_type=None, employment_type_raw=None,
               department=None, team=None, salary=None, posted_at="2026-11-18T00:00:00+00:00",
               posted_at_raw="Posted 7 Days Ago", updated_at=None, url=url, apply_url=url, description_text=None,
               requisition_id="REQ-2026-4176", extras={"detail_missing", "external_path", "locations_text"})


def test_nvidia_like_list_of_2000_is_truncated_in_process() -> None:
    run = crawl_board("workday", NVIDIA_BOARD, ((r"/job/", b"{}", 404),
                                                (r"/jobs$", "workday/nvidia-like_prettyirrelevant_list.json")))
    assert (len(run.items), run.outcome, len(run.requests)) == (2, "truncated", 3)
    assert "at most 2000" in (run.reason or "")
    item = run.by_id()["JR2026094"]  # "5 Locations": no place in the list row, "Poland-Remote" in the path
    assert (item["locations"], item["location"], item["workplace_type"]) == ([], None, "remote")
