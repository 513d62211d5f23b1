"""Jobvite spider: both list markups and a JSON-LD job page fed in-process with every contract field compared, paging
on the pagination text, detection, and one mirror crawl."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from scrapy.http import HtmlResponse

from crawlerats.board import Board
from crawlerats.detect import UnknownBoardUrl, detect
from crawlerats.spiders.jobvite import JobviteSpider
from tests.support.ats_server import AtsServer, Reply
from tests.support.crawl import run_crawl
from tests.support.inprocess import BoardCase, make_spider
from tests.support.paths import fixture

NOW = "2026-10-10T00:00:00Z"
LIST = "jobvite/neogenomics_list-slice_jobs-aaron.html"
TABLE = "jobvite/feedingamerica_search.html"
JOB_PAGE = "jobvite/neogenomics_detail-jsonld_jobs-aaron.html"
NEO = Board("jobvite", "neogenomics")
NEO_JOB = "https://jobs.jobvite.com/neogenomics/job/"


#: Saved boards answered from the payloads (fuzzed by tests/reliability/test_fuzz_spiders.py).
CASES = (
    BoardCase("jobvite", "neogenomics", ((r"/job/oiiRyfwJ$", JOB_PAGE), (r"/search\?p=0$", LIST))),
    BoardCase("jobvite", "feedingamerica", ((r"/search\?p=0$", TABLE),)),
)


def _spider(settings: dict | None = None) -> JobviteSpider:
    return make_spider("jobvite", "neogenomics", NOW, settings)


def _page(spider: JobviteSpider, body: bytes, board: Board = NEO, number: int = 0) -> list:
    url = f"https://jobs.jobvite.com/{board.company}/search?p={number}"
    return list(spider.parse_page(HtmlResponse(url=url, body=body), board, number))


def _with_pagination(body: bytes, text: str) -> bytes:
    return body.replace(b"</body>", f'<div class="jv-pagination-text">{text}</div></body>'.encode())


def test_saved_list_items() -> None:
    spider = _spider()
    out = _page(spider, fixture(LIST).read_bytes())
    assert [r.cb_kwargs["listed"] for r in out] == [
        {"id": "oiiRyfwJ", "title": "Accessioning Technician I (Temp), Evenings", "url": NEO_JOB + "oiiRyfwJ",
         "location": "Ft Myers, Florida"},
        {"id": "oaIyAfwK", "title": "Accessioning Technician I (Temp), Overnights", "url": NEO_JOB + "oaIyAfwK",
         "location": "Aliso Viejo, California"},
        {"id": "oWcLAfwd", "title": "Accessioning Technician I (Temp), Part-time Mornings",
         "url": NEO_JOB + "oWcLAfwd", "location": "Aliso Viejo, California"}]
    assert [r.url for r in out] == [NEO_JOB + "oiiRyfwJ", NEO_JOB + "oaIyAfwK", NEO_JOB + "oWcLAfwd"]
    assert spider.outcomes[NEO.key].finished  # no pagination text: one page


def test_saved_table_rows() -> None:
    spider = _spider()
    board = Board("jobvite", "feedingamerica")
    out = _page(spider, fixture(TABLE).read_bytes(), board)
    assert [r.cb_kwargs["listed"]["id"] for r in out] == ["octxAfww", "ohAzAfwK"]
    item = spider.posting(board, out[0].cb_kwargs["listed"], None)  # the row alone when the job page fails
    assert item["title"] == "Manager, Development (Chicago/Hybrid)" and item["workplace_type"] == "hybrid"
    assert item["locations"] == [{"raw": "Chicago, Illinois", "city": "Chicago", "region": "Illinois", "country": "US"}]
    assert item["url"] == "https://jobs.jobvite.com/feedingamerica/job/octxAfww"
    assert item["posted_at"] is None and item["extras"] == {"detail_missing": True}


def test_saved_job_page_every_field() -> None:
    spider = _spider()
    listed = _page(spider, fixture(LIST).read_bytes())[0].cb_kwargs["listed"]
    [item] = spider.parse_detail(HtmlResponse(url=listed["url"], body=fixture(JOB_PAGE).read_bytes()), NEO,
                                 listed=listed)
    item = dict(item)
    assert item.pop("description_html").startswith("<div><span>Are you motivated to participate in a dynamic")
    assert item.pop("description_text").startswith("Are you motivated to participate in a dynamic, multi-tasking")
    assert item == {
        "ats": "jobvite", "company": "neogenomics", "company_name": "neogenomics", "job_id": "oiiRyfwJ",
        "requisition_id": None, "title": "Accessioning Technician I (Temp), Evenings", "department": "Accessioning",
        "team": None, "employment_type_raw": None, "employment_type": None, "workplace_type": None,
        "locations": [{"raw": "Ft Myers, Florida, United States", "city": "Ft Myers", "region": "Florida",
                       "country": "US"}],
        "location": "Ft Myers, Florida, United States", "salary": None, "salary_raw": None,  # baseSalary all ""
        "url": NEO_JOB + "oiiRyfwJ", "apply_url": NEO_JOB + "oiiRyfwJ",
        "posted_at": datetime(2025, 11, 6, tzinfo=UTC), "posted_at_raw": "2025-11-06",
        "updated_at": None, "updated_at_raw": None, "extras": {},
    }
    [bare] = spider.parse_detail(HtmlResponse(url=listed["url"], body=b"<html></html>"), NEO, listed=listed)
    assert bare["locations"][0]["raw"] == "Ft Myers, Florida" and bare["extras"] == {"detail_missing": True}
    assert spider.crawler.stats.get_value("crawlerats/detail_failed/no_jobposting") == 1


def test_paging_on_the_pagination_text() -> None:
    body = fixture(LIST).read_bytes()
    spider = _spider()
    out = _page(spider, _with_pagination(body, "1-3 of 5"))
    assert out[-1].url == "https://jobs.jobvite.com/neogenomics/search?p=1" and not spider.outcomes[NEO.key].finished
    spider = _spider()
    assert len(_page(spider, _with_pagination(body, "1-3 of 3"))) == 3 and spider.outcomes[NEO.key].finished
    spider = _spider()  # a second page repeating the first one's ids: truncated, no loop
    assert len(_page(spider, _with_pagination(body, "1-3 of 9"))) == 4
    assert _page(spider, _with_pagination(body, "4-6 of 9"), number=1) == []
    assert spider.outcomes[NEO.key].truncated == "no_new_ids on page 2 (6 of 9 listed)"
    spider = _spider()
    assert _page(spider, _with_pagination(b"<html><body></body></html>", "4-6 of 9"), number=1) == []
    assert spider.outcomes[NEO.key].truncated == "page 1 listed no postings (6 of 9 listed)"
    spider = _spider({"CRAWLERATS_MAX_PAGES_PER_BOARD": 1})
    assert len(_page(spider, _with_pagination(body, "1-3 of 1,250"))) == 3
    assert spider.outcomes[NEO.key].truncated == "page_cap (1 pages) (3 of 1250 listed)"


def test_saved_boards_end_to_end_in_process() -> None:
    neo, feeding = (case.run(now=NOW) for case in CASES)
    assert (neo.outcome, len(neo.items), neo.stats["crawlerats/detail_failed/http_404"]) == ("ok", 3, 2)
    assert neo.by_id()["oiiRyfwJ"]["department"] == "Accessioning"
    assert (feeding.outcome, sorted(feeding.by_id())) == ("ok", ["octxAfww", "ohAzAfwK"])


def test_other_companies_links_are_not_postings() -> None:
    body = b'<html><body><a href="/othercorp/job/abc123">x</a><a href="/neogenomics/jobs">all</a></body></html>'
    spider = _spider()
    assert _page(spider, body) == [] and spider.outcomes[NEO.key].finished


def test_detection() -> None:
    for url in ("https://jobs.jobvite.com/neogenomics", "https://jobs.jobvite.com/neogenomics/search?p=2",
                "jobs.jobvite.com/neogenomics/job/oiiRyfwJ"):
        assert detect(url) == NEO, url
    assert detect(JobviteSpider.public_url(NEO)) == NEO
    assert _spider().board_from_token("https://jobs.jobvite.com/feedingamerica/jobs").company == "feedingamerica"
    for url in ("https://jobs.jobvite.com/", "https://www.jobvite.com/neogenomics", "https://app.jobvite.com/x"):
        with pytest.raises(UnknownBoardUrl):
            detect(url)


def test_jobvite_crawl_through_the_mirror(ats_server: AtsServer, crawl_settings: dict, mongo_db) -> None:
    first = _with_pagination(fixture(LIST).read_bytes(), "1-3 of 4")
    second = _with_pagination(b'<html><body><table><tr><td class="jv-job-list-name"><a href="/neogenomics/job/oZZZ1">'
                              b'Lab Tech</a></td><td class="jv-job-list-location">Remote</td></tr></table></body>'
                              b'</html>', "4-4 of 4")
    ats_server.route("GET", "jobs.jobvite.com/neogenomics/search",
                     lambda q, b: Reply(body=first if q.get("p") == "0" else second, content_type="text/html"))
    page = fixture(JOB_PAGE).read_bytes()
    ats_server.route("GET", "jobs.jobvite.com/neogenomics/job/oiiRyfwJ", lambda q, b: Reply(body=page,
                                                                                          content_type="text/html"))
    ats_server.route("GET", "jobs.jobvite.com/gone/search", lambda q, b: Reply(404, b"", "text/html"))
    result = run_crawl("jobvite", {"companies": "neogenomics,gone"},
                       {**crawl_settings, "CRAWLERATS_NOW": NOW, "RETRY_ENABLED": "False"})
    assert result.stats["crawlerats/boards/ok"] == 1 and result.stats["crawlerats/boards/failed"] == 1
    jobs = mongo_db["jobs"]
    assert sorted(jobs.distinct("job_id", {"ats": "jobvite"})) == ["oWcLAfwd", "oZZZ1", "oaIyAfwK", "oiiRyfwJ"]
    evenings = jobs.find_one({"job_id": "oiiRyfwJ"})
    assert evenings["department"] == "Accessioning" and evenings["posted_at"] == datetime(2025, 11, 6, tzinfo=UTC)
    remote = jobs.find_one({"job_id": "oZZZ1"})
    assert remote["workplace_type"] == "remote" and remote["extras"]["detail_missing"] is True
