"""Robustness of the greenhouse, ashby, workable, smartrecruiters and workday mappings on boards they have not
seen: every top-level field of a real posting replaced by a missing/None/wrong-typed value must still map
(the posting is stored with what is left), and whole payloads of the wrong shape fail only their board."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from scrapy.http import Request, TextResponse
from scrapy.utils.test import get_crawler

from crawlerats.items import JobItem
from crawlerats.spiders.ashby import AshbySpider
from crawlerats.spiders.base import AtsSpider, BoardOutcome
from crawlerats.spiders.greenhouse import GreenhouseSpider
from crawlerats.spiders.smartrecruiters import SmartRecruitersSpider
from crawlerats.spiders.workable import WorkableSpider, _row_locations
from crawlerats.spiders.workday import WorkdaySpider
from tests.support.paths import fixture

BAD_VALUES: list[Any] = [None, "", "x", 0, 1.5, True, [], {}, ["x"], {"x": 1}, [None], [{"x": None}]]
IDENTITY = {"id", "shortcode", "externalPath", "_job_id"}


def _spider(cls: type[AtsSpider], company: str) -> AtsSpider:
    crawler = get_crawler(cls, {"CRAWLERATS_NOW": "2026-08-01T00:00:00Z"})
    spider = cls.from_crawler(crawler, companies=company)
    board = spider.boards_given[0]
    spider.outcomes[board.key] = BoardOutcome(board)
    return spider


def _load(path: str) -> Any:
    return json.loads(fixture(path).read_text())


def _cases() -> list[tuple[str, dict[str, Any], Callable[[dict[str, Any]], Any]]]:
    gh = _spider(GreenhouseSpider, "datadog")
    ashby = _spider(AshbySpider, "HighlightTA")
    workable = _spider(WorkableSpider, "amazingcare")
    sr = _spider(SmartRecruitersSpider, "Vitol")
    wd = _spider(WorkdaySpider, "nvidia.wd5/NVIDIAExternalCareerSite")
    board = {s.name: s.boards_given[0] for s in (gh, ashby, workable, sr, wd)}
    sr_list = _load("smartrecruiters/vitol_list.json")["content"][0]
    wd_list = {**_load("workday/nvidia_list_eu-job-feeds.json")["jobPostings"][0], "_job_id": "JR2021705"}
    wd_detail = _load("workday/nvidia_detail_eu-job-feeds.json")
    return [
        ("greenhouse", _load("greenhouse/datadog_content_eu-job-feeds.json")["jobs"][1],
         lambda p: gh.posting(board["greenhouse"], p)),
        ("ashby", _load("ashby/highlightta.json")["jobs"][1], lambda p: ashby.posting(board["ashby"], p)),
        ("workable", _load("workable/amazingcare_widget_eu-job-feeds.json")["jobs"][1],
         lambda p: workable.posting(board["workable"], {**p, "_locations": _row_locations(p)}, "Amazing Care")),
        ("smartrecruiters-list", sr_list, lambda p: sr.posting(board["smartrecruiters"], p, None)),
        ("smartrecruiters-detail", _load("smartrecruiters/vitol_detail.json"),
         lambda p: sr.posting(board["smartrecruiters"], sr_list, p)),
        ("workday-list", wd_list, lambda p: wd.posting(board["workday"], p, None)),
        ("workday-detail", wd_detail["jobPostingInfo"],
         lambda p: wd.posting(board["workday"], wd_list, {**wd_detail, "jobPostingInfo": p})),
    ]


@pytest.mark.parametrize("name,posting,build", _cases(), ids=lambda v: v if isinstance(v, str) else "")
def test_every_field_may_be_missing_or_of_the_wrong_type(name: str, posting: dict[str, Any],
                                                         build: Callable[[dict[str, Any]], Any]) -> None:
    reference = build(posting)
    assert isinstance(reference, JobItem) and reference["title"]
    failures = []
    for key in posting:
        for bad in BAD_VALUES:
            try:
                item = build({**posting, key: bad})
            except Exception as exc:  # noqa: BLE001 - collected and reported below
                failures.append(f"{key}={bad!r}: {type(exc).__name__}: {exc}")
                continue
            assert isinstance(item, JobItem) and item["ats"] == reference["ats"]
            if key not in IDENTITY:
                assert item["job_id"] == reference["job_id"]
            assert isinstance(item["locations"], list) and isinstance(item["extras"], dict)
    assert failures == []


@pytest.mark.parametrize("spider_cls,company,callback,kwargs", [
    (GreenhouseSpider, "acme", "parse_board", {}),
    (AshbySpider, "acme", "parse_board", {}),
    (WorkableSpider, "acme", "parse_board", {}),
    (SmartRecruitersSpider, "acme", "parse_page", {"offset": 0}),
    (WorkdaySpider, "acme.wd1/Jobs", "parse_page", {"offset": 0, "total": None, "paths": set()}),
])
@pytest.mark.parametrize("body", [b"[]", b'{"jobs": "none", "content": 5, "jobPostings": {}}', b"null", b"<html>",
                                  b'{"jobs": [1, "x", null]'])
def test_wrong_payload_shapes_fail_or_empty_only_that_board(spider_cls: type[AtsSpider], company: str, callback: str,
                                                           kwargs: dict[str, Any], body: bytes) -> None:
    spider = _spider(spider_cls, company)
    board = spider.boards_given[0]
    request = Request("https://example.invalid/board")
    response = TextResponse(request.url, body=body, encoding="utf-8", request=request)
    out = list(getattr(spider, callback)(response, board=board, **kwargs))
    outcome = spider.outcomes[board.key]
    assert not [o for o in out if isinstance(o, JobItem)]
    assert outcome.failed and not outcome.finished  # a reason, never an exception or a silently empty board
