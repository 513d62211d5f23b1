"""Board finding and careers-link choice on collected page URLs (no browser), and the embed URL rules."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from crawlerats.board import Board
from crawlerats.detect import UnknownBoardUrl, detect
from crawlerats.discovery.browser import abort_request
from crawlerats.discovery.find import careers_links, find_boards, site_of


@pytest.mark.parametrize(("url", "board"), [
    ("https://boards.greenhouse.io/embed/job_board/js?for=acme", Board("greenhouse", "acme")),
    ("https://job-boards.greenhouse.io/embed/job_app?for=acme&token=4012", Board("greenhouse", "acme")),
    ("https://boards.greenhouse.io/embed/job_app?token=4012&for=acme", Board("greenhouse", "acme")),
    ("https://job-boards.eu.greenhouse.io/embed/job_board?for=acme", Board("greenhouse", "acme")),
])
def test_greenhouse_embed_urls_are_boards(url: str, board: Board) -> None:
    assert detect(url) == board


def test_greenhouse_job_app_embed_without_board_token_is_not_a_board() -> None:
    with pytest.raises(UnknownBoardUrl):
        detect("https://job-boards.greenhouse.io/embed/job_app?token=4012")


def test_find_boards_reports_every_source_per_board() -> None:
    found = find_boards("https://acme.example/careers", {
        "link": ["https://jobs.lever.co/acme/1234", "https://acme.example/about", "mailto:x@y"],
        "iframe": ["https://jobs.ashbyhq.com/acme/embed?version=2"],
        "script": ["https://boards.greenhouse.io/embed/job_board/js?for=acme", "https://cdn.example/x.js"],
        "request": ["https://api.lever.co/v0/postings/acme?mode=json",
                    "https://boards.greenhouse.io/embed/job_board?for=acme&b=https%3A%2F%2Facme.example",
                    "https://apply.workable.com/api/v1/widget/accounts/acme"],
    })
    by_board = {str(f.board): f for f in found}
    assert set(by_board) == {"lever:acme", "ashby:acme", "greenhouse:acme", "workable:acme"}
    assert by_board["lever:acme"].via == ["link", "request"]
    assert by_board["greenhouse:acme"].via == ["script", "request"]
    assert by_board["workable:acme"].via == ["request"]
    assert all(f.found_on == "https://acme.example/careers" for f in found)


def _links(*pairs: tuple[str, str]) -> list[dict[str, Any]]:
    return [{"href": href, "text": text} for href, text in pairs]


def test_careers_links_same_site_best_first() -> None:
    links = _links(
        ("https://acme.example/about", "About"),
        ("https://acme.example/company/jobs", "Open roles"),   # text and path
        ("https://acme.example/team", "Join us"),             # text only
        ("https://acme.example/careers#top", "Life at Acme"),  # path only
        ("https://other.example/jobs", "Jobs"),               # another site
        ("https://careers.acme.example/", "Careers"),         # same site, sub-domain
        ("https://acme.example/", "Jobs home"),               # the page itself
    )
    assert careers_links("https://acme.example/", links, 5) == [
        "https://acme.example/company/jobs", "https://acme.example/team", "https://careers.acme.example/",
        "https://acme.example/careers"]
    assert careers_links("https://acme.example/", links, 1) == ["https://acme.example/company/jobs"]
    assert careers_links("https://acme.example/", _links(("https://acme.example/about", "About")), 3) == []


def test_site_of() -> None:
    assert site_of("careers.acme.co.uk") == "acme.co.uk"
    assert site_of("www.acme.com") == "acme.com"
    assert site_of("127.0.0.1") == "127.0.0.1"


def _request(url: str, resource_type: str = "script", navigation: bool = False, main: bool = False) -> Any:
    frame = SimpleNamespace(parent_frame=None if main else object())
    return SimpleNamespace(url=url, resource_type=resource_type, frame=frame,
                           is_navigation_request=lambda: navigation)


def test_abort_request_spares_pages_and_main_navigations() -> None:
    assert abort_request(_request("https://boards.greenhouse.io/embed/job_board/js?for=acme")) is True
    assert abort_request(_request("https://jobs.ashbyhq.com/acme/embed", "document", navigation=True)) is True
    assert abort_request(_request("https://jobs.lever.co/acme", "document", navigation=True, main=True)) is False
    assert abort_request(_request("https://acme.example/app.js")) is False
    assert abort_request(_request("https://acme.example/logo.png", "image")) is True
