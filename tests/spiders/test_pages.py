"""HTML pages are read as HTML whatever their Content-Type (crawlerats/spiders/pages.py), in every ATS spider.

A careers page served as `application/json` or `text/plain` gets a JSON selector from Scrapy when its body looks
like JSON, and `.css()` on it raises; the spiders read pages through `html_page` so that never crashes a board.
"""

from __future__ import annotations

import pytest
from scrapy.http import HtmlResponse, JsonResponse, Response, TextResponse

from crawlerats.spiders.pages import html_page
from tests.support.inprocess import NOW, BoardCase, content_type_of, crawl_board, declared_cases

URL = "https://careers.example.com/jobs"
PAGE = b'<html><body><a class="job" href="/job/1">Nurse</a></body></html>'


def test_html_response_keeps_its_own_selector() -> None:
    response = HtmlResponse(url=URL, body=PAGE)
    assert html_page(response) is response.selector
    assert html_page(response).css("a.job::text").get() == "Nurse"  # type: ignore[union-attr]


@pytest.mark.parametrize("cls", [JsonResponse, TextResponse])
def test_json_looking_bodies_are_read_as_html(cls: type[TextResponse]) -> None:
    assert cls(url=URL, body=b'{"jobs": []}', encoding="utf-8").selector.type == "json"  # what Scrapy does
    page = html_page(cls(url=URL, body=b'{"jobs": []}', encoding="utf-8"))
    assert page is not None and page.type == "html" and page.css("a").getall() == []
    markup = html_page(cls(url=URL, body=PAGE, encoding="utf-8"))
    assert markup is not None and markup.css("a.job::attr(href)").get() == "/job/1"


def test_empty_text_is_an_empty_page_and_binary_is_no_page() -> None:
    page = html_page(TextResponse(url=URL, body=b"", encoding="utf-8"))
    assert page is not None and page.css("a").getall() == []
    assert html_page(Response(url=URL, body=PAGE)) is None


def _is_page(route: tuple) -> bool:
    """A route answering with an HTML page: a saved .html file, or markup bytes served without a content type."""
    if isinstance(route[1], str):
        return content_type_of(route[1]) == "text/html"
    start = route[1].lstrip()[:5].lower()
    return len(route) < 4 and start[:1] == b"<" and start != b"<?xml"


def _html_cases() -> list[BoardCase]:
    return [case for cases in declared_cases().values() for case in cases if any(map(_is_page, case.routes))]


HTML_CASES = _html_cases()


def _served_as(case: BoardCase, content_type: str, body: bytes | None = None) -> tuple:
    """The case's routes with every saved HTML page served as `content_type` (and `body` instead, if given)."""
    return tuple((route[0], body if body is not None else route[1], route[2] if len(route) > 2 else 200,
                  content_type) if _is_page(route) else route for route in case.routes)


def test_every_html_ats_is_covered() -> None:
    assert {"icims", "jazzhr", "jobvite", "successfactors", "taleo", "avature", "join", "zohorecruit"} <= {
        case.ats for case in HTML_CASES}


@pytest.mark.parametrize("case", HTML_CASES, ids=[c.id for c in HTML_CASES])
def test_html_pages_served_as_json_give_the_same_postings(case: BoardCase) -> None:
    expected = case.run(now=NOW)
    run = crawl_board(case.ats, case.company, _served_as(case, "application/json"), now=NOW)
    assert (run.outcome, sorted(run.by_id())) == (expected.outcome, sorted(expected.by_id()))
    assert run.items and run.outcome == "ok"


@pytest.mark.parametrize("case", HTML_CASES, ids=[c.id for c in HTML_CASES])
@pytest.mark.parametrize("content_type", ["application/json", "text/plain"])
def test_json_body_where_a_page_was_expected_does_not_crash_the_board(case: BoardCase, content_type: str) -> None:
    run = crawl_board(case.ats, case.company, _served_as(case, content_type, b'{"jobs": [{"id": 1}]}'), now=NOW)
    assert run.outcome in {"ok", "failed", "truncated", "incomplete"}
    assert not run.stats.get("crawlerats/dropped/parse_error")
