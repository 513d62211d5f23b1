"""Crawl records (`crawls`), board outcomes in `boards`, and the Spidermon close monitors."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace

from pymongo.database import Database
from scrapy import Spider
from scrapy.utils.test import get_crawler

from crawlerats.board import Board
from crawlerats.extensions.crawl_record import key_stats
from crawlerats.extensions.monitors import run_monitors
from crawlerats.spiders.base import BoardOutcome
from tests.lever_boards import SPOTIFY, VOLTUS, load, serve_lever
from tests.support.ats_server import AtsServer
from tests.support.crawl import run_crawl

NOW = "2026-09-01T08:00:00Z"


def test_clean_crawl_writes_one_complete_record(ats_server: AtsServer, crawl_settings: dict, mongo_db: Database) -> None:
    serve_lever(ats_server, "spotify", load(SPOTIFY))
    serve_lever(ats_server, "voltus", load(VOLTUS))
    before = datetime.now(UTC)
    result = run_crawl("lever", {"companies": "spotify,voltus"}, {**crawl_settings, "CRAWLERATS_NOW": NOW})

    records = list(mongo_db["crawls"].find())
    assert len(records) == 1
    record = records[0]
    assert set(mongo_db["jobs"].distinct("crawl_id")) == {record["_id"]}
    assert record["spider"] == "lever"
    assert record["args"] == {"companies": "spotify,voltus"}
    assert record["shard"] is None and record["scrapyd_job"] is None and record["node"] is None
    assert record["status"] == "finished" and record["finish_reason"] == "finished"
    assert before.replace(microsecond=0) <= record["started_at"].replace(tzinfo=UTC) <= \
        record["finished_at"].replace(tzinfo=UTC)
    assert record["boards"] == {"ok": 2, "failed": 0, "truncated": 0, "incomplete": 0, "total": 2, "problems": []}
    assert record["items"]["stored"] == 5 and record["items"]["dropped"] == {}
    assert record["stats"]["crawlerats/field/checked"] == 5
    assert record["stats"]["crawlerats/field/salary/missing"] == result.stats["crawlerats/field/salary/missing"]
    assert record["monitors"]["passed"] is True and record["monitors"]["failures"] == []
    assert record["monitors"]["ran"] == 6
    assert result.stats["crawlerats/monitors/passed"] is True
    assert "Monitors passed (6 checks)" in result.log
    assert "[Spidermon] Field coverage/contract fields reach CRAWLERATS_MONITOR_FIELD_COVERAGE... OK" in result.log
    assert "Spider.log() is deprecated" not in result.log

    boards = {b["company"]: b for b in mongo_db["boards"].find({"ats": "lever"})}
    assert set(boards) == {"spotify", "voltus"}
    for company, items in (("spotify", 2), ("voltus", 3)):
        last = boards[company]["last_crawl"]
        assert last["outcome"] == "ok" and last["items"] == items and last["crawl_id"] == record["_id"]
        assert last["at"].replace(tzinfo=UTC) == datetime(2026, 9, 1, 8, tzinfo=UTC)
        assert last["reason"] is None


def test_failed_board_is_recorded_and_fails_the_monitors(
    ats_server: AtsServer, crawl_settings: dict, mongo_db: Database
) -> None:
    serve_lever(ats_server, "spotify", load(SPOTIFY))  # "gone" is not served: 404
    result = run_crawl("lever", {"companies": "spotify,gone"}, crawl_settings)
    assert result.returncode == 0, "a failed monitor does not change the exit code"
    record = mongo_db["crawls"].find_one()
    assert record["boards"]["ok"] == 1 and record["boards"]["failed"] == 1
    [problem] = record["boards"]["problems"]
    assert problem["company"] == "gone" and problem["outcome"] == "failed" and problem["reason"].startswith("http_404")
    assert record["monitors"]["passed"] is False
    failed = {f["monitor"]: f["message"] for f in record["monitors"]["failures"]}
    assert failed.keys() == {"Boards/failed boards stay within CRAWLERATS_MONITOR_MAX_FAILED_BOARDS",
                             "Errors/logged errors stay within CRAWLERATS_MONITOR_MAX_ERRORS"}
    assert failed["Boards/failed boards stay within CRAWLERATS_MONITOR_MAX_FAILED_BOARDS"].startswith(
        "1 board(s) failed (at most 0): lever:gone (http_404")
    assert "Monitors FAILED for lever: 2 of 6 checks failed" in result.log
    assert "ERROR: [Spidermon] FAIL: Boards/failed boards stay within CRAWLERATS_MONITOR_MAX_FAILED_BOARDS: " \
        "1 board(s) failed (at most 0): lever:gone (http_404" in result.log
    assert "Traceback" not in result.log
    assert result.stats["crawlerats/monitors/failed"] == 2
    gone = mongo_db["boards"].find_one({"ats": "lever", "company": "gone"})
    assert gone["last_crawl"]["outcome"] == "failed" and gone["last_crawl"]["reason"].startswith("http_404")


def test_scrapyd_job_node_shard_and_field_coverage(
    ats_server: AtsServer, crawl_settings: dict, mongo_db: Database
) -> None:
    serve_lever(ats_server, "spotify", load(SPOTIFY))
    serve_lever(ats_server, "voltus", load(VOLTUS))
    settings = {**crawl_settings, "CRAWLERATS_NODE": "node-a",
                "CRAWLERATS_MONITOR_FIELD_COVERAGE": json.dumps({"salary": 0.9, "title": 1.0})}
    result = run_crawl("lever", {"companies": "spotify,voltus", "shard": "1/1", "_job": "lever-s1of1-20260901T0800"},
                       settings)
    record = mongo_db["crawls"].find_one()
    assert record["_id"] == record["scrapyd_job"] == "lever-s1of1-20260901T0800"
    assert record["node"] == "node-a" and record["shard"] == "1/1"
    assert set(mongo_db["jobs"].distinct("crawl_id")) == {"lever-s1of1-20260901T0800"}
    missing = result.stats["crawlerats/field/salary/missing"]
    [failure] = record["monitors"]["failures"]
    assert failure["monitor"] == "Field coverage/contract fields reach CRAWLERATS_MONITOR_FIELD_COVERAGE"
    assert failure["message"] == f"low field coverage over 5 item(s): salary {(5 - missing) / 5:.0%} < 90%"


# --- units -------------------------------------------------------------------------------------------


def _closed_crawler(settings: dict, stats: dict, outcomes: dict | None = None):
    crawler = get_crawler(Spider, settings)
    for key, value in stats.items():
        crawler.stats.set_value(key, value)
    spider = SimpleNamespace(name="lever", outcomes=outcomes or {}, crawler=crawler,
                             log=lambda *a, **k: None, logger=SimpleNamespace(log=lambda *a, **k: None))
    return crawler, spider


def test_monitors_run_once_and_read_thresholds_from_settings() -> None:
    outcome = BoardOutcome(Board("lever", "acme"), finished=True, truncated="cap of 1000 postings")
    crawler, spider = _closed_crawler(
        {"CRAWLERATS_MONITOR_MIN_ITEMS": 10, "CRAWLERATS_MONITOR_MAX_TRUNCATED_BOARDS": 1},
        {"crawlerats/boards/total": 1, "crawlerats/items/stored": 4, "crawlerats/field/checked": 4},
        {outcome.board.key: outcome},
    )
    first = run_monitors(crawler, spider, "finished")
    assert first is not None
    assert [f["message"] for f in first["failures"]] == ["4 item(s) stored, expected at least 10"]
    assert run_monitors(crawler, spider, "shutdown") is first, "the suite runs once per crawl"


def test_monitors_flag_the_finish_reason_and_skip_empty_crawls() -> None:
    crawler, spider = _closed_crawler({}, {})
    result = run_monitors(crawler, spider, "shutdown")
    assert result["passed"] is False
    assert [f["message"] for f in result["failures"]] == ["finish reason 'shutdown', expected one of ['finished']"]
    assert {s["reason"] for s in result["skipped"]} == {"no boards in this crawl", "no items reached validation"}


def test_monitors_can_be_disabled() -> None:
    crawler, spider = _closed_crawler({"CRAWLERATS_MONITORS_ENABLED": False}, {})
    assert run_monitors(crawler, spider, "finished") is None


def test_key_stats_are_safe_mongodb_field_names() -> None:
    stats = {"downloader/exception_type_count/twisted.internet.error.ConnectionRefusedError": 2,
             "crawlerats/dropped/missing_title": 1, "scheduler/enqueued": 9, "log_count/ERROR": 3}
    assert key_stats(stats) == {
        "downloader/exception_type_count/twisted_internet_error_ConnectionRefusedError": 2,
        "crawlerats/dropped/missing_title": 1, "log_count/ERROR": 3,
    }
