"""SuccessFactors spider: the saved RSS feed and search rows fed in-process with every contract field compared; the
search pages as fallback when the feed fails, is not RSS or may be capped; paging; detection; one mirror crawl."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from crawlerats.board import Board
from crawlerats.detect import UnknownBoardUrl, detect
from crawlerats.spiders.successfactors import SuccessfactorsSpider
from tests.support.ats_server import AtsServer, Reply
from tests.support.crawl import run_crawl
from tests.support.inprocess import BoardCase, crawl_board, feed, make_spider
from tests.support.paths import fixture

NOW = "2026-10-10T00:00:00Z"
RSS = "successfactors/qorvo_rss_job-poller.xml"
ROWS = "successfactors/unnamed-pharma_search-rows_jobs-aaron.html"
QORVO = "careers.qorvo.com"
FEED_URL = f"https://{QORVO}/services/rss/job/?locale=en_US&keywords=&rows=1000"
SEARCH = "https://jobs.example.com/search/?q=&sortColumn=referencedate&sortDirection=desc&startrow="


#: Saved boards answered from the payloads (fuzzed by tests/reliability/test_fuzz_spiders.py): Qorvo's feed; a site
#: whose feed fails, read from the saved search rows.
CASES = (
    BoardCase("successfactors", QORVO, ((r"/services/rss/job/", RSS),)),
    BoardCase("successfactors", "jobs.example.com", ((r"/services/rss/job/", b"", 404), (r"/search/", ROWS))),
)


def _search(spider: SuccessfactorsSpider, body: bytes | str = ROWS, startrow: int = 0):
    return feed(spider, spider.parse_search, body, url=SEARCH + str(startrow), board="jobs.example.com",
                startrow=startrow)


def test_saved_feed_every_field() -> None:
    spider = make_spider("successfactors", QORVO, NOW)
    out = feed(spider, spider.parse_feed, RSS, url=FEED_URL, board=QORVO)
    assert [i["job_id"] for i in out.items] == ["1397790900", "1397710500"] and out.requests == []
    assert spider.outcomes[("successfactors", QORVO)].finished
    url = f"https://{QORVO}/job/Richardson-Principal-Research-Scientist-TX-75080/1397790900/"
    assert dict(out.items[0]) == {
        "ats": "successfactors", "company": QORVO, "company_name": QORVO, "job_id": "1397790900",
        "requisition_id": None, "title": "Principal Research Scientist", "department": None, "team": None,
        "employment_type_raw": None, "employment_type": None, "workplace_type": None,
        "locations": [{"raw": "Richardson, TX, US, 75080", "city": "Richardson", "region": "Texas", "country": "US"}],
        "location": "Richardson, TX, US, 75080", "salary": None, "salary_raw": None,
        "description_html": "...", "description_text": "...",  # the saver replaced the descriptions by "..."
        "url": url, "apply_url": url,
        "posted_at": datetime(2026, 10, 2, 7, 0, tzinfo=UTC), "posted_at_raw": "Fri, 02 Oct 2026 7:00:00 GMT",
        "updated_at": None, "updated_at_raw": None, "extras": {},
    }
    assert out.items[1]["title"] == "Principal Research Scientist - RF MMIC Design"  # double space collapsed


def test_saved_search_rows_every_field() -> None:
    spider = make_spider("successfactors", "jobs.example.com", NOW)
    out = _search(spider)
    assert [i["job_id"] for i in out.items] == ["755919802", "1372996357", "1370202757"] and out.requests == []
    assert spider.outcomes[("successfactors", "jobs.example.com")].finished  # "Results 1 – 3 of 3"
    url = "https://jobs.example.com/job/Europe%2C-remote-Clinical-Project-Manager%2C-Global-Rare-Diseases/1370202757/"
    assert dict(out.items[2]) == {
        "ats": "successfactors", "company": "jobs.example.com", "company_name": "jobs.example.com",
        "job_id": "1370202757", "requisition_id": None, "title": "Clinical Project Manager, Global Rare Diseases",
        "department": None, "team": None, "employment_type_raw": None, "employment_type": None,
        "workplace_type": "remote",
        "locations": [{"raw": "Europe, remote, IT", "city": "Europe", "region": None, "country": "IT"}],
        "location": "Europe, remote, IT", "salary": None, "salary_raw": None, "description_html": None,
        "description_text": None, "url": url, "apply_url": url,
        "posted_at": datetime(2026, 9, 22, tzinfo=UTC), "posted_at_raw": "Sep 22, 2026",
        "updated_at": None, "updated_at_raw": None, "extras": {"columns": {"facility": "7642"}},
    }
    assert out.items[1]["locations"] == [{"raw": "Cary, NC, US", "city": "Cary", "region": "North Carolina",
                                          "country": "US"}]


def test_search_paging() -> None:
    more = fixture(ROWS).read_bytes().replace(b"<b>3</b></span>", b"<b>1,204</b></span>")
    spider = make_spider("successfactors", "jobs.example.com", NOW)
    out = _search(spider, more)
    assert [r.url for r in out.requests] == [SEARCH + "3"]
    spider = make_spider("successfactors", "jobs.example.com", NOW)  # a second page repeating the first: truncated
    assert len(_search(spider, more).items) == 3 and _search(spider, more, 3).requests == []
    assert spider.outcomes[("successfactors", "jobs.example.com")].truncated == "no_new_ids on page 2 (6 of 1204)"
    spider = make_spider("successfactors", "jobs.example.com", NOW)
    assert _search(spider, b"<html><span class='paginationLabel'>Results 26 - 50 of 1204</span></html>", 25).items == []
    assert spider.outcomes[("successfactors", "jobs.example.com")].truncated == \
        "empty search page at startrow 25 of 1204"
    spider = make_spider("successfactors", "jobs.example.com", NOW, {"CRAWLERATS_MAX_PAGES_PER_BOARD": 1})
    assert _search(spider, more).requests == []
    assert spider.outcomes[("successfactors", "jobs.example.com")].truncated == "page_cap (1 pages) (3 of 1204)"


def test_saved_boards_end_to_end_in_process() -> None:
    qorvo, fallback = (case.run(now=NOW) for case in CASES)
    assert (qorvo.outcome, sorted(qorvo.by_id())) == ("ok", ["1397710500", "1397790900"])
    assert (fallback.outcome, len(fallback.items)) == ("ok", 3)
    assert fallback.stats["crawlerats/successfactors/feed_failed/http_404"] == 1


@pytest.mark.parametrize(("feed_route", "why"), [
    ((r"/services/rss/", b"busy", 503), "feed_failed/http_503"),
    ((r"/services/rss/", b"<html><body>Sign in</body></html>"), "feed_failed/not_rss"),
])
def test_search_pages_replace_a_failing_feed(feed_route: tuple, why: str) -> None:
    run = crawl_board("successfactors", "jobs.example.com", [feed_route, (r"/search/", ROWS)], now=NOW)
    assert run.outcome == "ok" and sorted(run.by_id()) == ["1370202757", "1372996357", "755919802"]
    assert run.stats[f"crawlerats/successfactors/{why}"] == 1


def test_a_full_feed_is_read_from_the_search_pages_and_broken_rss_fails() -> None:
    run = crawl_board("successfactors", QORVO, [(r"/services/rss/", RSS), (r"/search/", ROWS)], now=NOW)
    assert run.outcome == "ok" and len(run.items) == 2  # 2 items < 1000 rows: the feed is the whole board
    spider = make_spider("successfactors", QORVO, NOW)
    spider.rows = 2
    out = feed(spider, spider.parse_feed, RSS, url=FEED_URL, board=QORVO)
    assert out.items == [] and out.requests[0].url.startswith(f"https://{QORVO}/search/?q=")
    spider = make_spider("successfactors", QORVO, NOW)
    broken = fixture(RSS).read_bytes()[:-30]
    assert feed(spider, spider.parse_feed, broken, url=FEED_URL, board=QORVO).items == []
    assert spider.outcomes[("successfactors", QORVO)].failed.startswith("invalid_xml")


def test_detection() -> None:
    accepted = {
        "https://careers.qorvo.com/services/rss/job/?locale=en_US": QORVO,
        "https://careers.qorvo.com/job/Richardson-Principal-Research-Scientist-TX-75080/1397790900/": QORVO,
        "jobs.example.com/job/Cary%2C-NC-Business-Systems-Analyst-NC/1372996357/": "jobs.example.com",
    }
    for url, company in accepted.items():
        assert detect(url) == Board("successfactors", company), url
    assert detect(SuccessfactorsSpider.public_url(Board("successfactors", QORVO))) == Board("successfactors", QORVO)
    spider = make_spider("successfactors", QORVO, NOW)
    assert spider.board_from_token("careers.qorvo.com") == Board("successfactors", QORVO)
    assert not spider.valid_board_id("qorvo")
    for url in ("https://careers.qorvo.com/", "https://careers.qorvo.com/search/", "https://example.com/job/x/12/"):
        with pytest.raises(UnknownBoardUrl):
            detect(url)


def test_posting_urls_are_no_board_evidence_on_a_page() -> None:
    """`/job/{slug}/{id}/` is common outside SuccessFactors: a given URL is accepted, a link on a page is not; the
    feed path `/services/rss/job/` is RMK's own and counts anywhere."""
    from crawlerats.detect import detect_all

    posting = "https://careers.qorvo.com/job/Richardson-Principal-Research-Scientist-TX-75080/1397790900/"
    assert detect(posting) == Board("successfactors", QORVO)
    with pytest.raises(UnknownBoardUrl):
        detect(posting, page_evidence=True)
    assert detect(FEED_URL, page_evidence=True) == Board("successfactors", QORVO)
    assert detect_all(f'<a href="https://www.example.com/job/senior-nurse/12345678/">x</a> <a href="{posting}">y</a>'
                      ) == []
    for url in ("https://www.example.com/job/a/b/12345678/", "https://www.example.com/job/x/123456789012345/",
                "https://www.example.com/jobs/x/12345678/", "https://www.example.com/services/rss/jobs/",
                "https://www.example.com/services/rss/job/feed.xml"):
        with pytest.raises(UnknownBoardUrl):
            detect(url)


def test_successfactors_crawl_through_the_mirror(ats_server: AtsServer, crawl_settings: dict, mongo_db) -> None:
    ats_server.route("GET", f"{QORVO}/services/rss/job/", lambda q, b: Reply(body=fixture(RSS).read_bytes(),
                                                                             content_type="application/rss+xml"))
    ats_server.route("GET", "jobs.example.com/services/rss/job/", lambda q, b: Reply(404, b"", "text/html"))
    ats_server.route("GET", "jobs.example.com/search/", lambda q, b: Reply(body=fixture(ROWS).read_bytes(),
                                                                           content_type="text/html"))
    result = run_crawl("successfactors", {"companies": f"{QORVO},jobs.example.com"},
                       {**crawl_settings, "CRAWLERATS_NOW": NOW, "RETRY_ENABLED": "False"})
    assert result.stats["crawlerats/boards/ok"] == 2
    jobs = mongo_db["jobs"]
    assert jobs.count_documents({"ats": "successfactors", "company": QORVO}) == 2
    assert jobs.count_documents({"ats": "successfactors", "company": "jobs.example.com"}) == 3
    analyst = jobs.find_one({"job_id": "1372996357"})
    assert analyst["posted_at"] == datetime(2026, 9, 23, tzinfo=UTC) and analyst["extras"]["columns"] == {
        "facility": "7730"}
