"""iCIMS spider: Jibe JSON pages, classic search rows (both markups) and a JSON-LD job page fed in-process with every
contract field compared; "UNAVAILABLE" address parts; paging ends; detection; one mirror crawl of each board kind."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from parsel import Selector
from scrapy.http import HtmlResponse, TextResponse

from crawlerats.board import Board
from crawlerats.detect import UnknownBoardUrl, detect
from crawlerats.items import JobItem
from crawlerats.spiders.icims import IcimsSpider
from tests.spiders.fuzzing import mutations
from tests.support.ats_server import AtsServer, Reply
from tests.support.crawl import run_crawl
from tests.support.inprocess import BoardCase, make_spider
from tests.support.paths import fixture

NOW = "2026-10-10T00:00:00Z"
GARMIN = "icims/garmin_jibe-api_haydenham.json"
KEYSIGHT = "icims/keysight-likely_jibe-api_job-poller.json"
ROWS = "icims/fujifilm_search-rows_jobs-aaron.html"
CARDS = "icims/wipfli_search.html"
JOB_PAGE = "icims/fujifilm_detail-jsonld_jobs-aaron.html"
FUJI = Board("icims", "uscareers-fujifilm")
FUJI_JOBS = "https://uscareers-fujifilm.icims.com/jobs/"


SITEMAP = "icims/vch_sitemap_medcareer.xml"
#: Saved boards answered from the payloads (fuzzed by tests/reliability/test_fuzz_spiders.py): Garmin's Jibe page says
#: 303 jobs, its second page is the Keysight-like page (totalCount 2, read so far 5: the end); FUJIFILM's search rows,
#: its job page for 38896 (the other job pages 404: row data kept) and an empty second search page.
CASES = (
    BoardCase("icims", "careers.garmin.com", ((r"page=2&", KEYSIGHT), (r"/api/jobs\?page=1&", GARMIN))),
    BoardCase("icims", "uscareers-fujifilm", ((r"/38896/", JOB_PAGE), (r"pr=0$", ROWS),
                                              (r"pr=1$", b"<html><body></body></html>"))),
    BoardCase("icims", "careers-wipfli", ((r"pr=0$", CARDS), (r"pr=1$", b"<html><body></body></html>"))),
)


def _spider(settings: dict | None = None) -> IcimsSpider:
    return make_spider("icims", "careers.garmin.com", NOW, settings)


def _jibe(spider: IcimsSpider, payload: Any, host: str = "careers.garmin.com", page: int = 1, read: int = 0) -> list:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    response = TextResponse(url=f"https://{host}/api/jobs?page=1", body=body, encoding="utf-8")
    return list(spider.parse_jibe(response, Board("icims", host), page, read))


def _search(spider: IcimsSpider, relative: str, board: Board = FUJI, page: int = 0) -> list:
    url = f"https://{board.company}.icims.com/jobs/search?ss=1&in_iframe=1&pr={page}"
    return list(spider.parse_search(HtmlResponse(url=url, body=fixture(relative).read_bytes()), board, page))


def test_saved_jibe_page_every_field() -> None:
    spider = _spider()
    out = _jibe(spider, fixture(GARMIN).read_bytes())
    items, following = out[:3], out[3]
    assert [i["job_id"] for i in items] == ["18921", "18411", "18683"]
    assert following.url == "https://careers.garmin.com/api/jobs?page=2&limit=100&sortBy=posted_date&descending=true"
    item = dict(items[0])
    assert item.pop("description_text").startswith(
        "Overview We are seeking a full-time Aircraft Systems Engineer 2 - Project Lead in our New Century, KS")
    assert item == {
        "ats": "icims", "company": "careers.garmin.com", "company_name": "Garmin International, Inc.",
        "job_id": "18921", "requisition_id": "18921", "title": "Aircraft Systems Engineer 2 (Project Lead)",
        "department": "Engineering", "team": None, "employment_type_raw": "FULL_TIME", "employment_type": "full_time",
        "workplace_type": "onsite",
        "locations": [{"raw": "New Century, Kansas, US", "city": "New Century", "region": "Kansas", "country": "US"}],
        "location": "New Century, Kansas, US", "salary": None, "salary_raw": None, "description_html": None,
        "url": "https://careers.garmin.com/jobs/18921",
        "apply_url": "https://careers-garmin.icims.com/jobs/18921/login",
        "posted_at": datetime(2026, 6, 24, 15, 2, tzinfo=UTC), "posted_at_raw": "2026-06-24T15:02:00+0000",
        "updated_at": datetime(2026, 6, 24, 15, 37, 58, tzinfo=UTC), "updated_at_raw": "2026-06-24T15:37:58+0000",
        "extras": {"created_at": "2026-06-24T15:03:44+0000", "location_name": "New Century",
                   "full_location": "New Century, Kansas", "ats_code": "icims",
                   "tags": {"tags": ["Hiring Only"], "tags1": ["Aviation Operations & Aircraft Certification"],
                            "tags2": ["Core Business Hours"], "tags3": ["Regular Full-Time"], "tags6": ["On-site"],
                            "tags7": ["Garmin International"], "tags9": ["#LI-TB1"]}},
    }
    assert "\n\nResponsibilities\nEssential Functions" in items[0]["description_text"]
    assert items[1]["extras"]["location_name"] == "Olathe Building 5" and items[1]["department"] == "Warehouse"


def test_saved_jibe_page_with_additional_locations() -> None:
    spider = _spider()
    items = _jibe(spider, fixture(KEYSIGHT).read_bytes(), "jobs.example.com")
    assert len(items) == 2 and spider.outcomes[("icims", "jobs.example.com")].finished  # totalCount 2 reached
    manager = items[0]
    assert manager["job_id"] == "53640" and manager["requisition_id"] is None  # only a slug in this payload
    assert manager["locations"] == [
        {"raw": "Santa Rosa, California, United States", "city": "Santa Rosa", "region": "California", "country": "US"},
        {"raw": "Loveland, Colorado, US", "city": "Loveland", "region": "Colorado", "country": "US"}]
    assert manager["department"] == "R&D" and manager["posted_at"] == datetime(2026, 10, 2, 20, 55, tzinfo=UTC)
    assert manager["url"] == manager["apply_url"] == "https://jobs.example.com/jobs/53640"
    assert manager["workplace_type"] is None and manager["description_text"] is None
    assert manager["extras"] == {"full_location": "Santa Rosa, California; Loveland, Colorado"}


def test_jibe_paging_ends_and_bad_payloads() -> None:
    data = json.loads(fixture(GARMIN).read_text())
    spider = _spider()  # a second page repeating the first: truncated, no loop
    assert len(_jibe(spider, data)) == 4 and _jibe(spider, data, page=2, read=3) == []
    assert spider.outcomes[("icims", "careers.garmin.com")].truncated == "no_new_ids on page 2 (totalCount=303)"
    spider = _spider()
    assert _jibe(spider, {"jobs": [], "totalCount": 303}, page=4, read=300) == []
    assert spider.outcomes[("icims", "careers.garmin.com")].truncated == "empty page 4 after 300 of totalCount=303"
    spider = _spider({"CRAWLERATS_MAX_PAGES_PER_BOARD": 1})
    assert len(_jibe(spider, data)) == 3
    assert spider.outcomes[("icims", "careers.garmin.com")].truncated == "page_cap (1 pages) (totalCount=303)"
    spider = _spider()
    assert _jibe(spider, {"results": []}) == []
    assert spider.outcomes[("icims", "careers.garmin.com")].failed.startswith("unexpected_payload (no jobs list)")
    tag = {**data["jobs"][0]["data"], "tags6": ["Remote Sensing Team"], "tags4": ["Hybrid"]}
    assert _spider().jibe_posting(Board("icims", "h.example.com"), tag)["workplace_type"] == "hybrid"


def test_saved_search_rows_ask_job_pages_then_the_next_page() -> None:
    spider = _spider()
    out = _search(spider, ROWS)
    assert [r.url for r in out] == [
        FUJI_JOBS + "38897/endoscopy-repair-technician-associate-trainer-%28onsite-wayne%2c-nj%29/job?in_iframe=1",
        FUJI_JOBS + "38896/national-security-manager/job?in_iframe=1",
        FUJI_JOBS + "38895/field-service-technician-ii/job?in_iframe=1",
        "https://uscareers-fujifilm.icims.com/jobs/search?ss=1&in_iframe=1&pr=1"]
    listed = out[0].cb_kwargs["listed"]
    assert listed["title"] == "Endoscopy Repair Technician Associate Trainer (onsite Wayne, NJ)"
    assert listed["fields"] == {"Posted Date": "9/23/2026 7:11 PM", "Requisition ID": "2026-38897",
                                "Position Type": "Full-time", "Work Arrangement": "On Site"}
    item = dict(spider.posting(FUJI, listed, None))  # a row alone (job page failed): every listed field
    assert item.pop("description_text").startswith("The Endoscopic Repair Technician/Associate Trainer plays a dual")
    assert item == {
        "ats": "icims", "company": "uscareers-fujifilm", "company_name": "uscareers-fujifilm", "job_id": "38897",
        "requisition_id": "2026-38897", "title": "Endoscopy Repair Technician Associate Trainer (onsite Wayne, NJ)",
        "department": None, "team": None, "employment_type_raw": "Full-time", "employment_type": "full_time",
        "workplace_type": "onsite", "locations": [], "location": None, "salary": None, "salary_raw": None,
        "description_html": None,
        "url": FUJI_JOBS + "38897/endoscopy-repair-technician-associate-trainer-%28onsite-wayne%2c-nj%29/job",
        "apply_url": FUJI_JOBS + "38897/login", "posted_at": None, "posted_at_raw": None,
        "updated_at": None, "updated_at_raw": None,
        "extras": {"listed_posted": "9/23/2026 7:11 PM", "detail_missing": True},
    }


def test_saved_card_rows() -> None:
    spider = _spider()
    board = Board("icims", "careers-wipfli")
    out = _search(spider, CARDS, board)
    assert [r.cb_kwargs["listed"]["id"] for r in out[:2]] == ["8214", "8212"] and out[2].url.endswith("pr=1")
    item = spider.posting(board, out[0].cb_kwargs["listed"], None)
    assert item["title"] == "Payroll Tax Specialist" and item["requisition_id"] == "2026-8214"
    assert item["locations"] == [{"raw": "US", "city": None, "region": None, "country": "US"}]
    assert item["url"] == "https://careers-wipfli.icims.com/jobs/8214/payroll-tax-specialist/job"
    coded = {**out[0].cb_kwargs["listed"], "fields": {"Job Locations": "US-NJ-Wayne | CA-ON-Toronto"}}
    assert [(loc["city"], loc["region"], loc["country"]) for loc in spider.posting(board, coded, None)["locations"]] \
        == [("Wayne", "New Jersey", "US"), ("Toronto", "Ontario", "CA")]


def test_saved_job_page_unavailable_parts_are_unknowns() -> None:
    spider = _spider()
    listed = _search(spider, ROWS)[1].cb_kwargs["listed"]
    page = HtmlResponse(url=listed["page_url"], body=fixture(JOB_PAGE).read_bytes())
    [item] = spider.parse_detail(page, FUJI, listed=listed)
    item = dict(item)
    assert item.pop("description_html").startswith("<h2>Position Overview</h2>\n<p>As a National Security Manager")
    assert item.pop("description_text").startswith("Position Overview\n\nAs a National Security Manager, you will")
    assert item == {
        "ats": "icims", "company": "uscareers-fujifilm", "company_name": "Fujifilm", "job_id": "38896",
        "requisition_id": "2026-38896", "title": "National Security Manager", "department": "Operations",
        "team": None, "employment_type_raw": "Full-time", "employment_type": "full_time", "workplace_type": "remote",
        "locations": [{"raw": "Remote, US", "city": None, "region": None, "country": "US"}],
        "location": "Remote, US", "salary": None, "salary_raw": None,
        "url": FUJI_JOBS + "38896/national-security-manager/job", "apply_url": FUJI_JOBS + "38896/login",
        "posted_at": datetime(2026, 9, 23, 4, 0, tzinfo=UTC), "posted_at_raw": "2026-09-23T04:00:00.000Z",
        "updated_at": None, "updated_at_raw": None,
        "extras": {"valid_through": "2027-09-23T04:00:00.000Z", "listed_posted": "9/23/2026 5:52 PM"},
    }
    # a job page without JSON-LD keeps the row's values and is counted
    [bare] = spider.parse_detail(HtmlResponse(url=listed["page_url"], body=b"<html></html>"), FUJI, listed=listed)
    assert bare["title"] == "National Security Manager" and bare["extras"]["detail_missing"] is True
    assert spider.crawler.stats.get_value("crawlerats/detail_failed/no_jobposting") == 1


def test_empty_search_page_ends_the_board_and_odd_values() -> None:
    spider = _spider()
    response = HtmlResponse(url="https://careers-x.icims.com/jobs/search?pr=0", body=b"<html><body></body></html>")
    assert list(spider.parse_search(response, Board("icims", "careers-x"), 0)) == []
    assert spider.outcomes[("icims", "careers-x")].finished
    jibe = json.loads(fixture(GARMIN).read_text())["jobs"][0]["data"]
    for path, weird, mutated in mutations(jibe):
        assert isinstance(spider.jibe_posting(Board("icims", "h.example.com"), mutated), JobItem), (path, weird)


def test_board_ids_and_detection() -> None:
    spider = _spider()
    assert spider.board_from_token("careers.garmin.com") == Board("icims", "careers.garmin.com")
    assert spider.board_from_token("careers-wipfli") == Board("icims", "careers-wipfli")
    accepted = {
        "https://careers-wipfli.icims.com/jobs/search?ss=1": "careers-wipfli",
        "https://uscareers-fujifilm.icims.com/jobs/38896/national-security-manager/job?in_iframe=1":
            "uscareers-fujifilm",
        "https://careers.garmin.com/api/jobs?page=1&limit=100": "careers.garmin.com",
    }
    for url, company in accepted.items():
        assert detect(url) == Board("icims", company), url
    for board in (FUJI, Board("icims", "careers.garmin.com")):
        assert detect(IcimsSpider.public_url(board)) == board
    for url in ("https://www.icims.com/", "https://icims.com/jobs", "https://careers.garmin.com/careers-home/jobs"):
        with pytest.raises(UnknownBoardUrl):
            detect(url)


def test_any_sites_api_jobs_is_no_board_evidence() -> None:
    """Jibe's `/api/jobs` has no host signal: a given board URL is accepted, the same URL seen on a page is not (any
    careers site may call its own `/api/jobs`), so discovery neither registers it nor aborts the site's own request."""
    from types import SimpleNamespace

    from crawlerats.detect import detect_all
    from crawlerats.discovery.browser import abort_request
    from crawlerats.discovery.find import find_boards

    for url in ("https://careers.garmin.com/api/jobs?page=1&limit=100", "https://www.example.com/api/jobs"):
        assert detect(url).ats == "icims"
        with pytest.raises(UnknownBoardUrl):
            detect(url, page_evidence=True)
    for url in ("https://www.example.com/api/jobs/123", "https://www.example.com/v2/api/jobs", "https://example/api/jobs"):
        with pytest.raises(UnknownBoardUrl):
            detect(url)
    page = ('<script>fetch("https://www.example.com/api/jobs?page=1")</script>'
            '<a href="https://careers-wipfli.icims.com/jobs/search?ss=1">jobs</a>')
    assert detect_all(page) == [Board("icims", "careers-wipfli")]
    assert find_boards("https://www.example.com/careers", {"request": ["https://www.example.com/api/jobs?page=1"],
                                                          "link": ["https://www.example.com/api/jobs"]}) == []
    xhr = SimpleNamespace(url="https://www.example.com/api/jobs?page=1", resource_type="xhr",
                          frame=SimpleNamespace(parent_frame=None), is_navigation_request=lambda: False)
    assert abort_request(xhr) is False  # the careers page's own API call still loads


def test_icims_crawl_through_the_mirror(ats_server: AtsServer, crawl_settings: dict, mongo_db) -> None:
    garmin = json.loads(fixture(GARMIN).read_text())
    garmin["totalCount"] = 4
    page2 = {"jobs": [json.loads(fixture(KEYSIGHT).read_text())["jobs"][1]], "totalCount": 4}
    ats_server.route("GET", "careers.garmin.com/api/jobs",
                     lambda q, b: Reply(body=json.dumps(garmin if q.get("page") == "1" else page2).encode()))
    rows = fixture(ROWS).read_bytes()
    ats_server.route("GET", "uscareers-fujifilm.icims.com/jobs/search",
                     lambda q, b: Reply(body=rows if q.get("pr") == "0" else b"<html></html>",
                                        content_type="text/html"))
    page = fixture(JOB_PAGE).read_bytes()
    ats_server.route("GET", "uscareers-fujifilm.icims.com/jobs/38896/national-security-manager/job",
                     lambda q, b: Reply(body=page, content_type="text/html"))
    result = run_crawl("icims", {"companies": "careers.garmin.com,uscareers-fujifilm"},
                       {**crawl_settings, "CRAWLERATS_NOW": NOW, "RETRY_ENABLED": "False"})
    assert result.stats["crawlerats/boards/ok"] == 2
    assert result.stats["crawlerats/detail_failed/http_404"] == 2  # the two job pages not served: row data kept
    jobs = mongo_db["jobs"]
    assert sorted(jobs.distinct("job_id", {"company": "careers.garmin.com"})) == ["18411", "18683", "18921", "54388"]
    assert sorted(jobs.distinct("job_id", {"company": "uscareers-fujifilm"})) == ["38895", "38896", "38897"]
    manager = jobs.find_one({"job_id": "38896"})
    assert manager["workplace_type"] == "remote" and manager["company_name"] == "Fujifilm"
    assert manager["locations"] == [{"raw": "Remote, US", "city": None, "region": None, "country": "US"}]
    assert jobs.find_one({"job_id": "38895"})["extras"]["detail_missing"] is True


def test_saved_boards_end_to_end_in_process() -> None:
    garmin, fuji, wipfli = (case.run(now=NOW) for case in CASES)
    assert (garmin.outcome, sorted(garmin.by_id())) == ("ok", ["18411", "18683", "18921", "53640", "54388"])
    assert (fuji.outcome, sorted(fuji.by_id())) == ("ok", ["38895", "38896", "38897"])
    assert fuji.by_id()["38896"]["company_name"] == "Fujifilm" and fuji.stats["crawlerats/detail_failed/http_404"] == 2
    assert (wipfli.outcome, len(wipfli.items)) == ("ok", 2)


def test_saved_sitemap_job_urls_are_portal_postings() -> None:
    """The portal sitemap (a possible change feed, not read by the spider) lists job pages in the form the search
    rows link to: detection maps each to the portal board and the spider's link pattern reads its id."""
    from lxml import etree

    namespace = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    locs = etree.fromstring(fixture(SITEMAP).read_bytes()).findall(f".//{namespace}loc")
    urls = [loc.text for loc in locs]
    assert len(urls) == 10 and {detect(url) for url in urls} == {Board("icims", "careers-vch")}
    ids = [IcimsSpider.row(Selector(text=f'<a class="iCIMS_Anchor" href="{url}">x</a>').css("a")[0], url)
           for url in urls[1:]]
    assert [row["id"] for row in ids][:3] == ["166810", "170059", "169770"]
    assert ids[0]["url"] == urls[1]
