"""Endless paging ends by itself: a Lever board returning the same 100 postings on every page, one returning
fresh postings forever, and SmartRecruiters boards without `totalFound` doing the same. Each board stops at the
first page with no new id or at the page cap and is `truncated` with the reason (never `ok`: nothing closed);
the good board of the same crawl is stored in full. JSON nested 100,000 deep fails its board with a reason.

Before: such boards paged until the crawl was killed (43 pages in 45 s; 1,844 items in 20 s) and each
`duplicate_in_run` drop logged the whole item (~9 KB): 36-39 MB of log in 45 s. A 100,000-deep JSON raised
`RecursionError` out of `parse_json` and left the board `incomplete` with no reason.
"""

from __future__ import annotations

import json
import re
from typing import Any

from crawlerats.spiders.paging import PageGuard
from tests.reliability.boards import lever_path, lever_postings, serve_lever
from tests.support.ats_server import AtsServer, Reply
from tests.support.crawl import run_crawl
from tests.support.inprocess import crawl_board

PAGES = 3  # CRAWLERATS_MAX_PAGES_PER_BOARD in these tests (default 1000)


def test_page_guard_rules() -> None:
    guard = PageGuard(max_pages=3)
    assert guard.check("b", set(), ["1", "2"]) is None
    assert guard.check("b", {"1", "2"}, ["1", "2"]) == "no_new_ids on page 2"
    assert guard.check("c", set(), ["1"]) is None
    assert guard.check("c", {"1"}, []) is None  # an empty page is the normal end of a board
    assert guard.check("c", {"1"}, ["3", None]) == "page_cap (3 pages)"


def test_endless_lever_boards_end_truncated_and_the_log_stays_small(ats_server: AtsServer,
                                                                    crawl_settings: dict[str, str],
                                                                    mongo_db: Any) -> None:
    serve_lever(ats_server, "good", lever_postings("good", 120))
    same = json.dumps(lever_postings("same", 100)).encode()
    ats_server.route("GET", lever_path("same"), lambda q, b: Reply(body=same))
    ats_server.route("GET", lever_path("fresh"), lambda q, b: Reply(body=json.dumps(
        lever_postings(f"fresh-{q.get('skip')}", 100)).encode()))
    deep = b"[" * 100_000 + b"]" * 100_000
    ats_server.route("GET", lever_path("deep"), lambda q, b: Reply(body=deep))

    result = run_crawl("lever", {"companies": "good,same,fresh,deep"},
                       {**crawl_settings, "CRAWLERATS_MAX_PAGES_PER_BOARD": PAGES}, check=False, timeout=120)

    assert result.returncode == 0, result.log[-3000:]
    assert result.stats["finish_reason"] == "finished"
    boards = {b["company"]: b["last_crawl"] for b in mongo_db.boards.find()}
    assert boards["good"]["outcome"] == "ok" and mongo_db.jobs.count_documents({"company": "good"}) == 120
    assert boards["same"]["outcome"] == "truncated" and boards["same"]["reason"] == "no_new_ids on page 2"
    assert mongo_db.jobs.count_documents({"company": "same"}) == 100
    assert boards["fresh"]["outcome"] == "truncated" and boards["fresh"]["reason"] == f"page_cap ({PAGES} pages)"
    assert mongo_db.jobs.count_documents({"company": "fresh"}) == PAGES * 100
    assert boards["deep"]["outcome"] == "failed" and boards["deep"]["reason"].startswith("json_too_deep")
    assert result.stats["crawlerats/paging/no_new_ids"] == 1 and result.stats["crawlerats/paging/page_cap"] == 1
    # The repeated page's postings are dropped as duplicates: one short line each, never the item.
    assert result.stats["crawlerats/dropped/duplicate_in_run"] == 100
    drops = [line for line in result.log.splitlines() if "duplicate_in_run" in line and "Dropped" in line]
    assert len(drops) == 100 and all(len(line) < 400 for line in drops)
    assert "lever/same/same-0000" in drops[0] and "descriptionPlain" not in result.log
    assert len(result.log) < 300_000


def _sr_page(prefix: str, n: int = 100) -> bytes:
    """A SmartRecruiters list page without `totalFound`."""
    return json.dumps({"offset": 0, "limit": 100, "content": [
        {"id": f"{prefix}{i:03d}", "name": f"Engineer {prefix}{i}", "location": {"city": "Lyon", "country": "fr"}}
        for i in range(n)]}).encode()


def test_smartrecruiters_without_total_found_ends_truncated() -> None:
    api = r"api\.smartrecruiters\.com/v1/companies/acme/postings"
    same = crawl_board("smartrecruiters", "acme", [(api + r"\?", _sr_page("s"))],
                       settings={"CRAWLERATS_MAX_PAGES_PER_BOARD": PAGES})
    assert same.outcome == "truncated" and same.reason == "no_new_ids on page 2"
    assert len({item["job_id"] for item in same.items}) == 100
    pages = [(api + rf"\?limit=100&offset={100 * n}$", _sr_page(f"p{n}-")) for n in range(PAGES + 3)]
    fresh = crawl_board("smartrecruiters", "acme", pages, settings={"CRAWLERATS_MAX_PAGES_PER_BOARD": PAGES})
    assert fresh.outcome == "truncated" and fresh.reason == f"page_cap ({PAGES} pages)"
    list_requests = [r for r in fresh.requests if re.search(r"/postings\?", r.url)]
    assert len(list_requests) == PAGES and len(fresh.items) == PAGES * 100
