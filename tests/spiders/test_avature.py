"""Avature spider: the saved search-result slice fed in-process with every contract field compared, paging on the
legend's total, detection, and one mirror crawl."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawlerats.board import Board
from crawlerats.detect import UnknownBoardUrl, detect
from crawlerats.spiders.avature import AvatureSpider
from tests.support.ats_server import AtsServer, Reply
from tests.support.crawl import run_crawl
from tests.support.inprocess import BoardCase, crawl_board, feed, make_spider
from tests.support.paths import fixture

NOW = "2026-10-10T00:00:00Z"
RESULTS = "avature/unifi_search-slice_jobs-aaron.html"
UNIFI = "careers.unifiservice.com/careers"
DETAIL = "https://careers.unifiservice.com/careers/JobDetail/"


#: The saved board, answered from the payload (fuzzed by tests/reliability/test_fuzz_spiders.py): its legend says 720
#: results; the next page (jobOffset=3) is served empty, which marks the board truncated — so the case serves the
#: slice with its legend's total edited to the 3 rows it holds.
CASES = (BoardCase("avature", UNIFI, ((r"SearchJobs", fixture(RESULTS).read_bytes().replace(b"of 720", b"of 3")),)),)


def _page(source: str | bytes, offset: int = 0, spider: AvatureSpider | None = None, settings: dict | None = None):
    spider = spider or make_spider("avature", UNIFI, NOW, settings)
    out = feed(spider, spider.parse_page, source, url=f"https://{UNIFI}/SearchJobs/", board=UNIFI, offset=offset)
    return spider, out


def test_saved_results_every_field() -> None:
    spider, out = _page(RESULTS)
    assert [i["job_id"] for i in out.items] == ["13788", "14732", "13312"]
    assert [r.url for r in out.requests] == [f"https://{UNIFI}/SearchJobs/?jobOffset=3"]  # 3 read of 720
    url = DETAIL + "425-BOS-Delta-Security-Cart-Employee-Screener/13788"
    assert dict(out.items[0]) == {
        "ats": "avature", "company": UNIFI, "company_name": UNIFI, "job_id": "13788", "requisition_id": "13694",
        "title": "Security Cart/Employee Screener - BOS", "department": None, "team": None,
        "employment_type_raw": None, "employment_type": None, "workplace_type": None,
        "locations": [{"raw": "United States", "city": None, "region": None, "country": "US"}],
        "location": "United States", "salary": None, "salary_raw": None, "description_html": None,
        "description_text": None, "url": url, "apply_url": url,
        "posted_at": datetime(2026, 10, 5, tzinfo=UTC), "posted_at_raw": "05-Oct-2026",
        "updated_at": None, "updated_at_raw": None, "extras": {},
    }
    assert out.items[2]["title"] == "Airport Security Officer (Part-Time) - RAP"
    assert out.items[2]["employment_type"] is None  # title words are not an employment type field


def test_paging_ends() -> None:
    body = fixture(RESULTS).read_bytes()
    spider, out = _page(body.replace(b"of 720", b"of 3"))
    assert out.requests == [] and spider.outcomes[("avature", UNIFI)].finished
    spider, _ = _page(body)  # a second page repeating the first: truncated, no loop
    spider, out = _page(body, offset=3, spider=spider)
    assert out.requests == [] and spider.outcomes[("avature", UNIFI)].truncated == "no_new_ids on page 2 (6 of 720)"
    spider, out = _page(b"<html><div class='list-controls__text__legend'>21-40 of 720</div></html>", offset=20)
    assert spider.outcomes[("avature", UNIFI)].truncated == "empty page at jobOffset=20 of 720"
    spider, out = _page(body, settings={"CRAWLERATS_MAX_PAGES_PER_BOARD": 1})
    assert spider.outcomes[("avature", UNIFI)].truncated == "page_cap (1 pages) (3 of 720)"
    run = CASES[0].run(now=NOW)
    assert (run.outcome, len(run.items), len(run.requests)) == ("ok", 3, 1)
    run = crawl_board("avature", UNIFI, [(r"SearchJobs", b"<html><body><main>No results</main></body></html>")],
                      now=NOW)
    assert (run.items, run.outcome) == ([], "ok")


def test_board_ids_and_detection() -> None:
    for url in (f"https://{UNIFI}/SearchJobs/?listFilterMode=1",
                DETAIL + "425-BOS-Delta-Security-Cart-Employee-Screener/13788"):
        assert detect(url) == Board("avature", UNIFI), url
    assert detect("https://acme.avature.net/en_US/careers/SearchJobs") == \
        Board("avature", "acme.avature.net/en_US/careers")
    assert detect(AvatureSpider.public_url(Board("avature", UNIFI))) == Board("avature", UNIFI)
    spider = make_spider("avature", UNIFI, NOW)
    assert spider.board_from_token(UNIFI) == Board("avature", UNIFI)
    assert not spider.valid_board_id("careers.unifiservice.com")
    for url in (f"https://{UNIFI}/", "https://careers.unifiservice.com/careers/", "https://avature.net/SearchJobs"):
        with pytest.raises(UnknownBoardUrl):
            detect(url)


def test_jobdetail_on_other_hosts_is_no_board_evidence() -> None:
    """`JobDetail` is a common action name: on a vanity host a JobDetail URL counts only when given as a board URL;
    `SearchJobs/` and anything on `*.avature.net` count as page evidence too."""
    posting = DETAIL + "425-BOS-Delta-Security-Cart-Employee-Screener/13788"
    with pytest.raises(UnknownBoardUrl):
        detect(posting, page_evidence=True)
    assert detect(f"https://{UNIFI}/SearchJobs/", page_evidence=True) == Board("avature", UNIFI)
    assert detect("https://acme.avature.net/careers/JobDetail/Nurse/123", page_evidence=True) == \
        Board("avature", "acme.avature.net/careers")
    for url in ("https://www.example.gov/jobs/JobDetail?id=12", "https://www.example.com/careers/SearchJobs.aspx",
                "https://www.example.com/JobDetail/Nurse/12", "https://www.example.com/careers/searchjobs/"):
        with pytest.raises(UnknownBoardUrl):
            detect(url)


def test_avature_crawl_through_the_mirror(ats_server: AtsServer, crawl_settings: dict, mongo_db) -> None:
    first = fixture(RESULTS).read_bytes().replace(b"of 720", b"of 4")
    second = (b'<html><body><div class="list-controls__text__legend">4-4 of 4</div><article class="article '
              b'article--result"><h3 class="article__header__text__title"><a href="/careers/JobDetail/Remote-Agent/'
              b'15001">Remote Customer Agent</a></h3><span class="list-item-ref">Ref #15000</span></article>'
              b'</body></html>')
    ats_server.route("GET", f"{UNIFI}/SearchJobs/", lambda q, b: Reply(
        body=second if q.get("jobOffset") == "3" else first, content_type="text/html"))
    result = run_crawl("avature", {"companies": UNIFI}, {**crawl_settings, "CRAWLERATS_NOW": NOW,
                                                         "RETRY_ENABLED": "False"})
    assert result.stats["crawlerats/boards/ok"] == 1
    jobs = mongo_db["jobs"]
    assert sorted(jobs.distinct("job_id", {"ats": "avature"})) == ["13312", "13788", "14732", "15001"]
    agent = jobs.find_one({"job_id": "15001"})
    assert agent["workplace_type"] == "remote" and agent["url"] == DETAIL + "Remote-Agent/15001"
    assert agent["posted_at"] is None and agent["requisition_id"] == "15000"
