"""Database faults against a real SecantusDB server that the tests stop and restart mid-crawl.

- MongoDB unreachable at start: the crawl fails fast, exit status non-zero, an error line naming MONGO_URI.
- An outage that ends while the writer is still retrying: the crawl finishes normally with every posting.
- A server that stalls (stops answering for seconds, as a busy single-process server does): the stall is
  ridden out without cancelling anything; with a heartbeat timeout shorter than the stall, the operations
  pymongo cancels are retried by every stage and the crawl still stores every posting.
- An outage that does not end: the crawl stops with finish reason `database_error` and exit status 1,
  closes nothing; after the server is back the next run repairs everything (same documents as a clean run).

The fixture board is slow (each page waits) so the crawl is mid-way when the server goes down; the
server is stopped from inside the request handler of a given page, so the fault lands at the same point
of the crawl on every run.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo import MongoClient

from tests.reliability.boards import lever_path, lever_postings, on_call
from tests.support.ats_server import AtsServer, Reply, paged_list
from tests.support.crawl import run_crawl
from tests.support.mongo import SecantusServer, free_port

POSTINGS = 300
#: The short outage ends within pymongo's 5 s server selection timeout: every stage rides it out.
OUTAGE = 1.0
FAST_WRITER = {"CRAWLERATS_BATCH_SIZE": 25, "CRAWLERATS_WRITE_ATTEMPTS": 4, "CRAWLERATS_WRITE_BACKOFF": 0.5}


@pytest.fixture
def own_server() -> Iterator[SecantusServer]:
    server = SecantusServer().start()
    yield server
    server.stop()


def _slow_board(server: AtsServer, company: str, n: int, delay: float, at_skip: str, action: Any) -> None:
    pages = paged_list(lever_postings(company, n))

    def handler(query: dict[str, str], body: bytes) -> Reply:
        reply = pages(query, body)
        reply.delay = delay
        return reply

    server.route("GET", lever_path(company), on_call(handler, lambda q: q.get("skip") == at_skip, action))


def _seed_stale(client: MongoClient, db: str, company: str) -> None:
    seen = datetime.now(UTC) - timedelta(days=1)
    client[db].jobs.insert_one({"ats": "lever", "company": company, "job_id": f"{company}-gone", "title": "Gone",
                                "status": "open", "first_seen": seen, "last_seen": seen, "crawl_id": "earlier",
                                "locations": [], "extras": {}})


def test_unreachable_database_fails_fast(ats_server: AtsServer) -> None:
    uri = f"mongodb://127.0.0.1:{free_port()}/"
    ats_server.route("GET", lever_path("acme"), paged_list(lever_postings("acme", 3)))
    result = run_crawl("lever", {"companies": "acme"}, {"MONGO_URI": uri, "CRAWLERATS_MIRROR": ats_server.url},
                       check=False, timeout=120)
    assert result.returncode != 0
    error_lines = [line for line in result.log.splitlines() if "not reachable" in line]
    assert error_lines and "MONGO_URI" in error_lines[-1] and uri in error_lines[-1], result.log[-2000:]
    assert not any(path.startswith("/api.lever.co") for _, path, _, _ in ats_server.requests)  # nothing crawled


def test_outage_that_ends_is_ridden_out(ats_server: AtsServer, own_server: SecantusServer) -> None:
    def outage() -> None:
        own_server.stop()  # SIGTERM; returns when the port is closed (2-3 s)
        threading.Timer(OUTAGE, own_server.start).start()

    _slow_board(ats_server, "steady", POSTINGS, 0.3, "200", outage)
    settings = {"MONGO_URI": own_server.uri, "MONGO_DATABASE": "outage", "CRAWLERATS_MIRROR": ats_server.url,
                **FAST_WRITER}
    result = run_crawl("lever", {"companies": "steady"}, settings, check=False)
    stats = result.stats
    assert result.returncode == 0, result.log[-3000:]
    assert stats["finish_reason"] == "finished"
    assert stats["elapsed_time_seconds"] > 2.0  # the crawl really waited through the outage
    assert "crawlerats/database_error" not in stats
    client: MongoClient = MongoClient(own_server.uri, tz_aware=True)
    try:
        assert client.outage.jobs.count_documents({"company": "steady"}) == POSTINGS, result.log[-8000:]
        assert client.outage.jobs.count_documents({"status": "closed"}) == 0
    finally:
        client.close()


def _freeze(server: SecantusServer, seconds: float) -> None:
    """Stop the server process (SIGSTOP) for `seconds`: connections stay open, nothing answers."""
    assert server.proc is not None
    pid = server.proc.pid
    os.kill(pid, signal.SIGSTOP)
    threading.Timer(seconds, os.kill, (pid, signal.SIGCONT)).start()


def _crawl_through_stall(ats_server: AtsServer, server: SecantusServer, uri_options: str, seconds: float,
                         db: str) -> dict[str, Any]:
    _slow_board(ats_server, "stall", POSTINGS, 0.3, "200", lambda: _freeze(server, seconds))
    settings = {"MONGO_URI": server.uri + uri_options, "MONGO_DATABASE": db, "CRAWLERATS_MIRROR": ats_server.url,
                **FAST_WRITER}
    result = run_crawl("lever", {"companies": "stall"}, settings, check=False)
    assert result.returncode == 0, result.log[-3000:]
    assert result.stats["finish_reason"] == "finished"
    assert "crawlerats/database_error" not in result.stats
    assert result.stats["elapsed_time_seconds"] > seconds  # the crawl really waited for the server
    client: MongoClient = MongoClient(server.uri, tz_aware=True)
    try:
        assert client[db].jobs.count_documents({"company": "stall", "status": "open"}) == POSTINGS
        assert len(client[db].jobs.distinct("job_id")) == POSTINGS
    finally:
        client.close()
    return result.stats


def test_server_stall_is_ridden_out(ats_server: AtsServer, own_server: SecantusServer) -> None:
    # Heartbeats every 0.5 s meet the 7 s stall; with the client's default heartbeat timeout (30 s) the
    # server is never declared down, so no operation is cancelled and nothing needs a retry.
    # retryReads=false: pymongo's own single retry of a read must not hide a cancelled operation.
    stats = _crawl_through_stall(ats_server, own_server, "?heartbeatFrequencyMS=500&retryReads=false", 7.0,
                                 "stall")
    assert "crawlerats/db/retries" not in stats


def test_operations_cancelled_by_a_stall_are_retried(ats_server: AtsServer, own_server: SecantusServer) -> None:
    # A heartbeat timeout (1 s) shorter than the stall (4 s): pymongo marks the server down and cancels the
    # operations in flight ("operation cancelled"); the stages retry them once the server answers again.
    options = "?heartbeatFrequencyMS=500&connectTimeoutMS=1000&retryReads=false"
    stats = _crawl_through_stall(ats_server, own_server, options, 4.0, "cancelled")
    assert stats["crawlerats/db/retries"] >= 1


def test_outage_that_lasts_stops_the_crawl_and_next_run_repairs(ats_server: AtsServer,
                                                                 own_server: SecantusServer) -> None:
    db = "lasting"
    client: MongoClient = MongoClient(own_server.uri, tz_aware=True, serverSelectionTimeoutMS=20000)
    _seed_stale(client, db, "lasting")
    _seed_stale(client, db, "other")
    client.close()
    stopped = threading.Event()

    def outage() -> None:
        own_server.stop()
        stopped.set()

    _slow_board(ats_server, "lasting", POSTINGS, 0.3, "200", outage)
    ats_server.route("GET", lever_path("other"), paged_list(lever_postings("other", 20)))
    # a dead server fails each call after the server selection timeout: 1.5 s here instead of the default 5 s
    # (the same failures, sooner; the short outage above is the test that rides the default out)
    settings = {"MONGO_URI": own_server.uri + "?serverSelectionTimeoutMS=1500", "MONGO_DATABASE": db,
                "CRAWLERATS_MIRROR": ats_server.url, **FAST_WRITER, "CRAWLERATS_WRITE_ATTEMPTS": 2,
                "CRAWLERATS_WRITE_BACKOFF": 0.2}
    started = time.monotonic()
    result = run_crawl("lever", {"companies": "lasting,other"}, settings, check=False)
    assert stopped.is_set()
    assert result.returncode == 1, result.log[-3000:]
    assert result.stats["finish_reason"] == "database_error"
    assert result.stats["crawlerats/database_error"]
    assert result.stats["crawlerats/dropped/database_error"] >= 1
    # Whichever stage meets the outage first (the writer after its retries, or the dedup stage's reads)
    # must say so at ERROR level and name the crawl stop.
    assert any("ERROR" in line and ("MongoDB write failed after" in line
                                    or "lost an item to a database error" in line)
               for line in result.log.splitlines())
    assert time.monotonic() - started < 120  # it stopped rather than hanging on a dead server

    own_server.start()  # the server comes back with what it had stored
    client = MongoClient(own_server.uri, tz_aware=True)
    try:
        jobs = client[db].jobs
        assert jobs.count_documents({"status": "closed"}) == 0  # no partial closed state
        assert jobs.count_documents({"company": "lasting"}) < POSTINGS + 1
        rerun = run_crawl("lever", {"companies": "lasting,other"}, {**settings, "CRAWLERATS_WRITE_ATTEMPTS": 4})
        assert rerun.stats["finish_reason"] == "finished"
        # Repaired: every posting once, open; the postings the boards no longer list closed, as a clean run would.
        assert jobs.count_documents({"company": "lasting", "status": "open"}) == POSTINGS
        assert jobs.count_documents({"company": "other", "status": "open"}) == 20
        assert {d["job_id"] for d in jobs.find({"status": "closed"})} == {"lasting-gone", "other-gone"}
        assert len(jobs.distinct("job_id")) == jobs.count_documents({})
    finally:
        client.close()
