"""The text-search side collection `job_search` follows the postings across crawls (real `scrapy crawl lever` runs
over a board built from the real Lever payloads): a first crawl writes one search document per posting; a second
one, where one title changed, one location changed, one posting is gone (closed) and one is new, writes exactly
those four; a third that sees nothing new writes none. After every crawl each posting's search document is what
it should be, and the job list's text search and location filter find the postings by their new title and
location. Rescoring later writes the changed ghost scores into the search documents' sort keys too."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from pymongo.database import Database

from crawlerats.db.search_index import SEARCH_COLLECTION, search_changed, search_fields, sort_keys
from crawlerats.scoring.config import effective_config
from crawlerats.scoring.rescore import rescore_keys, rescore_open
from crawlerats.web.queries import ListParams, WebQueries
from tests.lever_boards import SPOTIFY, load, serve_lever, varied
from tests.support.ats_server import AtsServer
from tests.support.crawl import run_crawl

BOARD = "search-a"
STEPS = (datetime(2026, 3, 1, 9, 0, tzinfo=UTC), datetime(2026, 3, 1, 10, 0, tzinfo=UTC),
         datetime(2026, 3, 1, 10, 30, tzinfo=UTC))
RETITLED = "Quokka Wrangler Extraordinaire"
MOVED = "Reykjavik Harbour"


def board(step: int) -> list[dict[str, Any]]:
    postings = varied(load(SPOTIFY), 5, BOARD)
    if step >= 1:
        postings[0] = copy.deepcopy(postings[0])
        postings[0]["text"] = RETITLED
        postings[2] = copy.deepcopy(postings[2])
        postings[2]["categories"].update(location=MOVED, allLocations=[MOVED])
        del postings[1]  # closed
        postings.append(varied(load(SPOTIFY), 6, BOARD)[5])  # new
    return postings


def assert_follows(db: Database) -> dict[str, dict[str, Any]]:
    """Every posting has its search document, equal to the one built from the stored posting."""
    search = {d["job_id"]: d for d in db[SEARCH_COLLECTION].find()}
    jobs = list(db.jobs.find())
    assert sorted(search) == sorted(d["job_id"] for d in jobs)
    for doc in jobs:
        expected = search_fields(doc)
        stored = {k: v for k, v in search[doc["job_id"]].items() if k in expected}
        assert stored == expected, doc["job_id"]
        assert search[doc["job_id"]].get("job") in (None, doc["_id"])  # names the posting when it names one
    return search


def test_search_documents_follow_title_changes_closes_and_new_postings(
        ats_server: AtsServer, crawl_settings: dict[str, str], mongo_db: Database,
        monkeypatch: pytest.MonkeyPatch) -> None:
    written = []
    for step in range(len(STEPS)):
        serve_lever(ats_server, BOARD, board(step))
        stats = run_crawl("lever", {"companies": BOARD},
                          {**crawl_settings, "CRAWLERATS_NOW": STEPS[step].isoformat(), "RETRY_TIMES": "0"}).stats
        written.append(stats.get(f"crawlerats/db/documents_written/{SEARCH_COLLECTION}", 0))
        search = assert_follows(mongo_db)
    assert written == [5, 4, 0]  # all new; retitled + moved + closed + new; nothing changed
    first = board(0)
    assert search[first[1]["id"]]["status"] == "closed" and RETITLED.casefold() in search[first[0]["id"]]["text"]
    assert all(d.get("job") is not None for d in search.values())  # inserted postings are named by `_id`

    monkeypatch.setenv("CRAWLERATS_NOW", STEPS[-1].isoformat())
    queries = WebQueries(mongo_db, cache_seconds=0)
    assert queries.search_ready()
    assert [r["job_id"] for r in queries.job_list(ListParams(q="WRANGLER quok")).rows] == [first[0]["id"]]
    assert queries.job_list(ListParams(q=first[1]["text"])).rows == []  # closed: not in the open list
    closed = queries.job_list(ListParams(q=first[1]["text"], status="closed")).rows
    assert [r["job_id"] for r in closed] == [first[1]["id"]]
    moved = board(1)[1]  # (the second posting closed: the third is second now)
    assert moved["categories"]["location"] == MOVED and search[moved["id"]]["place"] == MOVED.casefold()
    assert [r["job_id"] for r in queries.job_list(ListParams(location="REYKJAVIK har")).rows] == [moved["id"]]
    old_place = first[2]["categories"]["location"]
    assert moved["id"] not in {r["job_id"] for r in queries.job_list(ListParams(location=old_place)).rows}

    # Rescoring later (days active grows): the search documents' sort keys follow the changed ghost scores.
    keys = [("lever", BOARD, job) for job in search]
    for days, rescore in ((40, lambda now: rescore_keys(mongo_db, keys, now, effective_config())),
                          (120, lambda now: rescore_open(mongo_db, now, effective_config()))):
        before = {d["job_id"]: d["score"] for d in mongo_db[SEARCH_COLLECTION].find()}
        assert rescore(STEPS[-1] + timedelta(days=days)) > 0
        after = assert_follows(mongo_db)
        assert any(after[job]["score"] != score for job, score in before.items()), days
        assert all(after[job]["score"] == score for job, score in before.items() if after[job]["status"] == "closed")


def test_a_changed_sort_key_rewrites_the_search_document_and_nothing_else_does() -> None:
    stored = {"title": "Data Engineer", "company_name": "Spotify", "location": "Berlin", "status": "open",
              "posted_at": STEPS[0], "health": {"ghost_score": 40, "risk": "medium", "signals": [1]},
              "salary": {"min": 1.0, "annual_max": 90_000.0}, "last_seen": STEPS[0]}
    assert sort_keys(stored) == {"score": 40, "pay": 90_000.0}
    same = {**stored, "health": {**stored["health"], "signals": [2]}, "last_seen": STEPS[1],
            "salary": {**stored["salary"], "min": 2.0}}
    assert not search_changed(same, stored)
    assert search_changed({**stored, "health": {**stored["health"], "ghost_score": 45}}, stored)
    assert search_changed({**stored, "salary": None}, stored)
    assert search_changed({**stored, "salary": {"annual_max": 95_000}}, stored)
    assert search_changed(stored, None)
    assert sort_keys({"health": {"ghost_score": True}, "salary": {"annual_max": 0}}) == {"score": None, "pay": None}
    assert sort_keys({"health": "x", "salary": {"annual_max": -5}}) == {"score": None, "pay": None}
