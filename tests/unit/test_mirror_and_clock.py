"""The offline mirror's URL mapping and the CRAWLERATS_NOW clock."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from scrapy import Request
from scrapy.http import TextResponse

from crawlerats.clock import ClockError, now, parse_now
from crawlerats.mirror import MirrorMiddleware, mirror_url


def test_mirror_url_keeps_host_path_and_query() -> None:
    assert mirror_url("http://127.0.0.1:8000/", "https://api.lever.co/v0/postings/x?mode=json&skip=0") == (
        "http://127.0.0.1:8000/api.lever.co/v0/postings/x?mode=json&skip=0")
    assert mirror_url("http://m", "https://acme.recruitee.com") == "http://m/acme.recruitee.com/"


def test_mirror_middleware_round_trip() -> None:
    mw = MirrorMiddleware("http://127.0.0.1:9")
    original = Request("https://x.wd5.myworkdayjobs.com/wday/cxs/x/S/jobs", method="POST", body=b'{"a":1}',
                       headers={"Content-Type": "application/json"})
    mirrored = mw.process_request(original)
    assert mirrored.url == "http://127.0.0.1:9/x.wd5.myworkdayjobs.com/wday/cxs/x/S/jobs"
    assert mirrored.method == "POST" and mirrored.body == b'{"a":1}'
    assert mirrored.headers["Content-Type"] == b"application/json"
    assert mw.process_request(mirrored) is None
    response = TextResponse(mirrored.url, body=b"{}", request=mirrored)
    assert mw.process_response(mirrored, response).url == original.url


def test_clock() -> None:
    assert now({"CRAWLERATS_NOW": "2026-03-17T09:00:00Z"}) == datetime(2026, 3, 17, 9, 0, tzinfo=UTC)
    assert parse_now("2026-03-17T10:00:00+01:00") == datetime(2026, 3, 17, 9, 0, tzinfo=UTC)
    with pytest.raises(ClockError, match="CRAWLERATS_NOW"):
        parse_now("yesterday-ish")
    assert now({}).tzinfo is not None
