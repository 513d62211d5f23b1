"""Requests survive a pause: every request a spider makes pickles (JOBDIR disk queues), a crawl stopped midway
resumes from its JOBDIR, and boards come from a board source handed to the spider, not from the database."""

from __future__ import annotations

import asyncio
import json
import pickle
from pathlib import Path

import pytest
import scrapy
from pymongo.database import Database

from crawlerats.board import Board
from tests.support.ats_server import AtsServer, Reply, file_reply
from tests.support.crawl import run_crawl
from tests.support.inprocess import BoardCase, declared_cases, make_spider
from tests.support.paths import fixture

ALL_CASES = [case for cases in declared_cases().values() for case in cases]


@pytest.mark.parametrize("case", ALL_CASES, ids=[c.id for c in ALL_CASES])
def test_every_request_of_every_saved_board_pickles(case: BoardCase) -> None:
    run = case.run()
    assert run.requests
    for request in run.requests:
        assert not callable(request.meta.get("fallback")), "fallback must be a method name, not a callable"
        restored = pickle.loads(pickle.dumps(request.to_dict(spider=run.spider)))
        assert restored["url"] == request.url and restored["callback"] == request.callback.__name__


class FixedBoards:
    """A board source without a database (CRAWLERATS_BOARD_SOURCE points here)."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    async def boards(self, ats: str) -> list[Board]:
        self.asked.append(ats)
        return [Board(ats, "first"), Board(ats, "second", (), "Second Co")]


def test_spiders_without_companies_read_their_board_source() -> None:
    spider = make_spider("breezy", companies="",
                         settings={"CRAWLERATS_BOARD_SOURCE": "tests.test_requests_persist.FixedBoards"})

    async def start() -> list[scrapy.Request]:
        return [r async for r in spider.start()]

    requests = asyncio.new_event_loop().run_until_complete(start())
    assert [r.url for r in requests] == ["https://first.breezy.hr/json", "https://second.breezy.hr/json"]
    assert requests[1].cb_kwargs["board"].name == "Second Co"
    assert spider.crawler._crawlerats_board_source.asked == ["breezy"]


def test_a_paused_crawl_resumes_from_its_jobdir(ats_server: AtsServer, crawl_settings: dict, mongo_db: Database,
                                                tmp_path: Path) -> None:
    """SmartRecruiters: one list request then one detail per posting. The first run stops after 2 responses
    (CLOSESPIDER_PAGECOUNT) with the other detail requests pickled in JOBDIR; the second run finishes them."""
    listed = json.loads(fixture("smartrecruiters/vitol_list.json").read_text())
    api = "api.smartrecruiters.com/v1/companies/Vitol/postings"
    ats_server.route("GET", api, file_reply(fixture("smartrecruiters/vitol_list.json")))
    detail = json.loads(fixture("smartrecruiters/vitol_detail.json").read_text())
    for row in listed["content"]:
        body = json.dumps({**detail, "id": row["id"], "name": row["name"]}).encode()
        ats_server.route("GET", f"{api}/{row['id']}", lambda q, b, body=body: Reply(body=body))
    jobdir = tmp_path / "job"
    settings = {**crawl_settings, "JOBDIR": str(jobdir), "CONCURRENT_REQUESTS": 1}
    first = run_crawl("smartrecruiters", {"companies": "Vitol"}, {**settings, "CLOSESPIDER_PAGECOUNT": 2},
                      check=False)
    assert first.stats.get("finish_reason") == "closespider_pagecount", first.log[-3000:]
    assert first.stats.get("scheduler/enqueued/disk", 0) >= len(listed["content"])
    assert not first.stats.get("scheduler/unserializable")
    assert mongo_db["jobs"].count_documents({}) < len(listed["content"])
    assert any((jobdir / "requests.queue").iterdir())

    second = run_crawl("smartrecruiters", {"companies": "Vitol"}, settings)
    assert second.stats.get("finish_reason") == "finished"
    assert second.stats.get("scheduler/dequeued/disk", 0) >= 1  # requests pickled by the first run
    stored = {d["job_id"]: d for d in mongo_db["jobs"].find({}, {"job_id": 1, "title": 1, "description_text": 1})}
    assert set(stored) == {row["id"] for row in listed["content"]}
    assert all(d["description_text"] for d in stored.values())  # every posting read from its detail
