"""What operators see at the end of a crawl: the summary line, and the exit status cron and Scrapyd get.

Real `scrapy crawl breezy` runs through the mirror into SecantusDB: a crawl in which one board fails
and one succeeds (exit 0, the good board fully stored), a crawl in which every board fails (exit 3), and a
crawl cut short by its time limit (exit 1, nothing closed).
"""

from __future__ import annotations

import json
import re

from pymongo.database import Database

from crawlerats.commands.crawl import NO_BOARD_SUCCEEDED
from crawlerats.extensions.crawl_summary import summarize
from tests.support.ats_server import AtsServer, Reply, file_reply
from tests.support.crawl import run_crawl
from tests.support.paths import fixture

SUMMARY = re.compile(r"Crawl summary \(breezy\): boards (\d+) ok, (\d+) failed, (\d+) truncated, (\d+) incomplete "
                     r"of (\d+); postings (\d+) new, (\d+) changed, (\d+) unchanged, (\d+) reopened, (\d+) closed, "
                     r"(\d+) dropped")


def _serve(ats_server: AtsServer) -> None:
    ats_server.route("GET", "good.breezy.hr/json", file_reply(fixture("breezy/breezy-trial_prettyirrelevant.json")))
    ats_server.route("GET", "gone.breezy.hr/json", lambda q, b: Reply(status=404, body=b"{}"))
    ats_server.route("GET", "broken.breezy.hr/json", lambda q, b: Reply(body=b"<html>maintenance</html>",
                                                                        content_type="text/html"))


def test_one_failed_board_does_not_stop_the_others_and_the_summary_counts_both(
        ats_server: AtsServer, crawl_settings: dict, mongo_db: Database) -> None:
    _serve(ats_server)
    stored = len(json.loads(fixture("breezy/breezy-trial_prettyirrelevant.json").read_text()))
    result = run_crawl("breezy", {"companies": "gone,good"}, crawl_settings)  # exit 0 (checked)
    lines = [m.groups() for m in SUMMARY.finditer(result.log)]
    assert lines == [("1", "1", "0", "0", "2", str(stored), "0", "0", "0", "0", "0")], result.log[-3000:]
    assert mongo_db["jobs"].count_documents({"company": "good"}) == stored
    again = run_crawl("breezy", {"companies": "good"}, crawl_settings)
    assert SUMMARY.search(again.log).groups() == ("1", "0", "0", "0", "1", "0", "0", str(stored), "0", "0", "0")


def test_a_crawl_in_which_every_board_failed_exits_non_zero(ats_server: AtsServer, crawl_settings: dict) -> None:
    _serve(ats_server)
    result = run_crawl("breezy", {"companies": "gone,broken"}, crawl_settings, check=False)
    assert result.returncode == NO_BOARD_SUCCEEDED == 3, result.log[-3000:]
    assert SUMMARY.search(result.log).groups()[:5] == ("0", "2", "0", "0", "2")
    assert "No board of this crawl succeeded" in result.log


def test_a_crawl_cut_short_by_its_time_limit_exits_1_and_closes_nothing(
        ats_server: AtsServer, crawl_settings: dict, mongo_db: Database) -> None:
    """A resource limit (here CLOSESPIDER_TIMEOUT) is a failure finish reason: exit 1, the board `incomplete`,
    so the posting missing from the slow answer is not closed."""
    board = json.loads(fixture("breezy/breezy-trial_prettyirrelevant.json").read_text())
    ats_server.route("GET", "good.breezy.hr/json", lambda q, b: Reply(body=json.dumps(board).encode()))
    run_crawl("breezy", {"companies": "good"}, crawl_settings)
    ats_server.route("GET", "good.breezy.hr/json", lambda q, b: Reply(body=json.dumps(board[1:]).encode(), delay=4))
    result = run_crawl("breezy", {"companies": "good"}, {**crawl_settings, "CLOSESPIDER_TIMEOUT": 1}, check=False)
    assert result.stats.get("finish_reason") == "closespider_timeout", result.log[-3000:]
    assert result.returncode == 1, result.log[-3000:]
    assert "finish reason 'closespider_timeout': exiting with status 1" in result.log
    assert result.stats.get("crawlerats/boards/incomplete") == 1 and not result.stats.get("crawlerats/boards/ok")
    assert not result.stats.get("crawlerats/dedup/closed")
    jobs = mongo_db["jobs"]
    assert jobs.count_documents({"company": "good", "status": "open"}) == len(board) == 2
    assert jobs.count_documents({"company": "good", "status": {"$ne": "open"}}) == 0


def test_summary_from_stats() -> None:
    stats = {"crawlerats/boards/total": 3, "crawlerats/boards/ok": 1, "crawlerats/boards/failed": 1,
             "crawlerats/boards/truncated": 1, "crawlerats/outcome/new": 4, "crawlerats/outcome/unchanged": 2,
             "crawlerats/dedup/closed": 5, "crawlerats/dropped/no_title": 2, "crawlerats/dropped/parse_error": 1}
    summary = summarize(stats)
    assert summary.postings == {"new": 4, "changed": 0, "unchanged": 2, "reopened": 0, "closed": 5, "dropped": 3}
    assert not summary.no_board_succeeded
    assert summarize({**stats, "crawlerats/boards/ok": 0, "crawlerats/boards/truncated": 0}).no_board_succeeded
    assert not summarize({"crawlerats/boards/total": 0}).no_board_succeeded  # nothing to crawl is not a failure
    assert not summarize({}).board_crawl  # e.g. `discover`: no summary line, no board rule
