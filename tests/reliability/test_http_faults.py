"""HTTP faults: one crawl of 16 Lever boards, each answered by the fault-injecting server in its own way.

Throttling (429 with and without Retry-After, an absurd Retry-After), 5xx (transient and permanent),
timeouts, a redirect, an HTML error page served with status 200, empty and truncated bodies, wrong
content types, a JSON error object and a board whose second page keeps failing. The crawl must finish
normally; transient faults are retried to success; permanent ones fail only their board, visibly in the
stats, in the `crawls` record and in `boards.last_crawl`; and no failed or partial board closes postings,
while the complete boards do close what they no longer list (the positive control).
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from crawlerats.middlewares.retry import parse_retry_after
from tests.reliability.boards import json_body, lever_path, lever_postings, sequence, serve_lever
from tests.reliability.contract import violations
from tests.support.ats_server import AtsServer, Reply, paged_list
from tests.support.crawl import run_crawl

RETRY_AFTER = 2.0
MAX_WAIT = 3.0

#: board -> (expected outcome, expected reason prefix or None)
EXPECTED = {
    "healthy": ("ok", None),
    "throttled": ("ok", None),             # 429 Retry-After: 2, then 200
    "throttled-bare": ("ok", None),        # 429 without Retry-After, then 200
    "throttled-absurd": ("ok", None),      # 429 Retry-After: 86400 (capped), then 200
    "flaky": ("ok", None),                 # 500, 502, then 200
    "moved": ("ok", None),                 # 301 to another board URL
    "wrong-type": ("ok", None),            # valid JSON labelled text/html
    "down": ("failed", "http_503"),        # 503 on every attempt
    "broken": ("failed", "http_500"),      # 500 on every attempt
    "slow": ("failed", "downloadtimeouterror"),    # answers after the download timeout, every time
    "html-200": ("failed", "html_instead_of_json"),
    "empty": ("failed", "empty_body"),
    "truncated": ("failed", "invalid_json"),
    "error-object": ("failed", "unexpected_payload"),
    "not-found": ("failed", "http_404"),
    "partial": ("failed", "http_500"),     # page 1 fine, page 2 fails every time
}


class Timed:
    """Record when each request of a route arrived."""

    def __init__(self, handler: Any) -> None:
        self.handler = handler
        self.times: list[float] = []

    def __call__(self, query: dict[str, str], body: bytes) -> Reply:
        self.times.append(time.monotonic())
        return self.handler(query, body)


def _seed_stale(db: Any, company: str, job_id: str) -> None:
    """An open posting last seen yesterday that the board no longer lists."""
    seen = datetime.now(UTC) - timedelta(days=1)
    db.jobs.insert_one({"ats": "lever", "company": company, "job_id": job_id, "title": f"Old role at {company}",
                        "status": "open", "first_seen": seen - timedelta(days=5), "last_seen": seen,
                        "crawl_id": "earlier", "locations": [], "extras": {}})


def _routes(server: AtsServer) -> dict[str, Timed]:
    ok = {c: lever_postings(c, 3) for c in EXPECTED}
    timed: dict[str, Timed] = {}

    def route(company: str, handler: Any) -> None:
        timed[company] = Timed(handler)
        server.route("GET", lever_path(company), timed[company])

    serve_lever(server, "healthy", ok["healthy"])
    route("throttled", sequence(Reply(429, b"slow down", "text/plain", {"Retry-After": f"{RETRY_AFTER:.0f}"}),
                                paged_list(ok["throttled"])))
    route("throttled-bare", sequence(Reply(429, b"", "text/plain"), paged_list(ok["throttled-bare"])))
    route("throttled-absurd", sequence(Reply(429, b"", "text/plain", {"Retry-After": "86400"}),
                                       paged_list(ok["throttled-absurd"])))
    route("flaky", sequence(Reply(500, b"oops"), Reply(502, b"<html>bad gateway</html>", "text/html"),
                            paged_list(ok["flaky"])))
    server.route("GET", lever_path("moved"), lambda q, b: Reply(
        301, b"", "text/html", {"Location": "https://api.lever.co/v0/postings/moved-here?mode=json&skip=0&limit=100"}))
    serve_lever(server, "moved-here", ok["moved"])
    server.route("GET", lever_path("wrong-type"), lambda q, b: Reply(body=json_body(ok["wrong-type"]),
                                                                       content_type="text/html; charset=utf-8"))
    server.route("GET", lever_path("down"), lambda q, b: Reply(503, b"maintenance", "text/plain"))
    server.route("GET", lever_path("broken"), lambda q, b: Reply(500, b'{"error": "internal"}'))
    server.route("GET", lever_path("slow"), lambda q, b: Reply(body=json_body(ok["slow"]), delay=2.5))
    server.route("GET", lever_path("html-200"), lambda q, b: Reply(
        body=b"<!DOCTYPE html><html><body><h1>We'll be right back</h1></body></html>", content_type="text/html"))
    server.route("GET", lever_path("empty"), lambda q, b: Reply(body=b""))
    server.route("GET", lever_path("truncated"), lambda q, b: Reply(body=json_body(ok["truncated"])[:700]))
    server.route("GET", lever_path("error-object"), lambda q, b: Reply(body=b'{"ok": false, "error": "Document not found"}'))
    # "not-found" has no route: the server answers 404.
    first_page = lever_postings("partial", 100)
    pages = paged_list(first_page)
    server.route("GET", lever_path("partial"), lambda q, b: pages(q, b) if q.get("skip") == "0" else Reply(500, b""))
    return timed


@pytest.fixture
def faulty_crawl(ats_server: AtsServer, crawl_settings: dict[str, str], mongo_db: Any) -> dict[str, Any]:
    timed = _routes(ats_server)
    for company in EXPECTED:
        _seed_stale(mongo_db, company, f"{company}-stale")
    _seed_stale(mongo_db, "partial", "partial-0005")  # listed on page 1: must stay open and be updated
    settings = {**crawl_settings, "RETRY_TIMES": 2, "CRAWLERATS_RETRY_BACKOFF": 0.2,
                "CRAWLERATS_RETRY_MAX_WAIT": MAX_WAIT, "DOWNLOAD_TIMEOUT": 1}
    result = run_crawl("lever", {"companies": ",".join(EXPECTED)}, settings, check=False)
    return {"result": result, "timed": timed, "db": mongo_db}


def test_http_faults(faulty_crawl: dict[str, Any]) -> None:
    """One crawl (it takes ~10 s) proves both: faults fail only their board, and retries back off."""
    _faults_fail_only_their_board_and_never_close(faulty_crawl)
    _retries_back_off_and_honour_retry_after(faulty_crawl)


def _faults_fail_only_their_board_and_never_close(faulty_crawl: dict[str, Any]) -> None:
    result, db = faulty_crawl["result"], faulty_crawl["db"]
    stats = result.stats
    assert result.returncode == 0, result.log[-5000:]
    assert stats["finish_reason"] == "finished"
    assert "Spider error processing" not in result.log, result.log[-3000:]
    assert not any(key.startswith("spider_exceptions") for key in stats)
    expected_failed = sum(1 for outcome, _ in EXPECTED.values() if outcome == "failed")
    assert stats["crawlerats/boards/failed"] == expected_failed
    assert stats["crawlerats/boards/ok"] == len(EXPECTED) - expected_failed

    # Every board's outcome and reason in the registry, the counts in the crawl record.
    boards = {b["company"]: b["last_crawl"] for b in db.boards.find({"ats": "lever"})}
    for company, (outcome, reason) in EXPECTED.items():
        assert boards[company]["outcome"] == outcome, (company, boards[company])
        if reason:
            assert boards[company]["reason"].startswith(reason), (company, boards[company]["reason"])
    record = db.crawls.find_one({})
    assert record["boards"]["failed"] == expected_failed
    assert record["boards"]["ok"] == len(EXPECTED) - expected_failed
    assert {p["company"] for p in record["boards"]["problems"]} == {c for c, (o, _) in EXPECTED.items() if o != "ok"}

    # Good boards stored in full; failed boards stored nothing new; partial board kept page 1.
    for company, (outcome, _) in EXPECTED.items():
        fresh = db.jobs.count_documents({"company": "moved" if company == "moved" else company,
                                         "crawl_id": {"$ne": "earlier"}})
        if outcome == "ok":
            assert fresh == 3, company
        elif company == "partial":
            assert fresh == 100
        else:
            assert fresh == 0, company

    # Closing: complete boards close what they no longer list; failed or partial boards close nothing.
    for company, (outcome, _) in EXPECTED.items():
        stale = db.jobs.find_one({"company": company, "job_id": f"{company}-stale"})
        assert stale["status"] == ("closed" if outcome == "ok" else "open"), (company, stale["status"])
    assert db.jobs.find_one({"company": "partial", "job_id": "partial-0005"})["status"] == "open"
    assert db.jobs.count_documents({"company": "partial", "status": "closed"}) == 0
    assert stats["crawlerats/dedup/closed"] == len(EXPECTED) - expected_failed

    for doc in db.jobs.find({"crawl_id": {"$ne": "earlier"}}):
        assert not violations(doc, stored=True), (doc["job_id"], violations(doc, stored=True))


def _retries_back_off_and_honour_retry_after(faulty_crawl: dict[str, Any]) -> None:
    stats, timed = faulty_crawl["result"].stats, faulty_crawl["timed"]
    throttled = timed["throttled"].times
    assert len(throttled) == 2
    assert throttled[1] - throttled[0] >= RETRY_AFTER - 0.1  # the server's Retry-After was honoured
    absurd = timed["throttled-absurd"].times
    assert len(absurd) == 2 and absurd[1] - absurd[0] < 86400  # capped, and it still succeeded
    assert stats["crawlerats/retry/retry_after_capped"] == 1
    assert stats["crawlerats/retry/retry_after_honoured"] == 2
    assert stats["crawlerats/retry/throttled/429"] == 3
    flaky = timed["flaky"].times
    assert len(flaky) == 3
    assert flaky[1] - flaky[0] >= 0.2 - 0.05 and flaky[2] - flaky[1] >= 0.4 - 0.05  # exponential backoff
    assert stats["retry/max_reached"] >= 4  # down, broken, slow, partial gave up after RETRY_TIMES


@pytest.mark.parametrize(("header", "expected"), [
    ("120", 120.0), (" 3 ", 3.0), ("0", 0.0), ("-5", 0.0), ("soon", None), ("", None), (None, None),
    ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0),
])
def test_parse_retry_after(header: str | None, expected: float | None) -> None:
    assert parse_retry_after(header) == expected


def test_parse_retry_after_http_date_in_the_future() -> None:
    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC).timestamp()
    assert parse_retry_after("Wed, 25 Nov 2026 12:01:30 GMT", now=now) == 90.0
