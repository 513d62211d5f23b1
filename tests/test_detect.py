"""ATS detection from public URLs (`crawlerats.detect`) and the `crawlerats detect` command."""

from __future__ import annotations

from pathlib import Path

import pytest

from crawlerats.ats import ats_names, board_spiders
from crawlerats.board import Board
from crawlerats.cli import main
from crawlerats.detect import SUPPORTED_ATS, UnknownBoardUrl, detect
from crawlerats.registry import public_url

EU = (("eu", True),)

#: (url, ats, board id, params) — board pages, posting pages, apply pages and API URLs of all eleven ATSs.
RECOGNISED: list[tuple[str, str, str, tuple]] = [
    ("https://jobs.lever.co/spotify", "lever", "spotify", ()),
    ("https://jobs.lever.co/spotify/0a1b2c3d-1111-2222-3333-444455556666", "lever", "spotify", ()),
    ("https://jobs.lever.co/spotify/0a1b2c3d-1111-2222-3333-444455556666/apply", "lever", "spotify", ()),
    ("jobs.lever.co/voltus", "lever", "voltus", ()),
    ("HTTPS://Jobs.Lever.co/spotify?lever-source=linkedin#top", "lever", "spotify", ()),
    ("http://jobs.lever.co/spotify", "lever", "spotify", ()),
    ("https://jobs.eu.lever.co/acme", "lever", "acme", EU),
    ("https://api.lever.co/v0/postings/voltus?mode=json", "lever", "voltus", ()),
    ("https://boards.greenhouse.io/vercel", "greenhouse", "vercel", ()),
    ("https://boards.greenhouse.io/vercel/jobs/5012345", "greenhouse", "vercel", ()),
    ("https://job-boards.greenhouse.io/anthropic", "greenhouse", "anthropic", ()),
    ("https://job-boards.greenhouse.io/anthropic/jobs/4020305008", "greenhouse", "anthropic", ()),
    ("https://job-boards.eu.greenhouse.io/acme/jobs/123", "greenhouse", "acme", ()),
    ("https://boards.greenhouse.io/embed/job_board?for=datadog", "greenhouse", "datadog", ()),
    ("https://boards-api.greenhouse.io/v1/boards/datadog/jobs?content=true", "greenhouse", "datadog", ()),
    ("https://jobs.ashbyhq.com/ramp", "ashby", "ramp", ()),
    ("https://jobs.ashbyhq.com/HighlightTA/6a0b-4c1d/application", "ashby", "HighlightTA", ()),
    ("https://api.ashbyhq.com/posting-api/job-board/ramp?includeCompensation=true", "ashby", "ramp", ()),
    ("https://nvidia.wd5.myworkdayjobs.com/en-US/NVIDIAExternalCareerSite", "workday",
     "nvidia.wd5/NVIDIAExternalCareerSite", ()),
    ("https://nvidia.wd5.myworkdayjobs.com/NVIDIAExternalCareerSite/job/Israel-Yokneam/Test-Engineer_JR2021705",
     "workday", "nvidia.wd5/NVIDIAExternalCareerSite", ()),
    ("https://NVIDIA.WD5.myworkdayjobs.com/en-us/NVIDIAExternalCareerSite", "workday",
     "nvidia.wd5/NVIDIAExternalCareerSite", ()),
    ("https://pjm.wd1.myworkdayjobs.com/wday/cxs/pjm/PJM/jobs", "workday", "pjm.wd1/PJM", ()),
    ("https://jobs.smartrecruiters.com/Vitol", "smartrecruiters", "Vitol", ()),
    ("https://jobs.smartrecruiters.com/Vitol/744000133666057-commodity-analyst", "smartrecruiters", "Vitol", ()),
    ("https://careers.smartrecruiters.com/Ubisoft2", "smartrecruiters", "Ubisoft2", ()),
    ("https://api.smartrecruiters.com/v1/companies/Vitol/postings?limit=100", "smartrecruiters", "Vitol", ()),
    ("https://apply.workable.com/vortexa", "workable", "vortexa", ()),
    ("https://apply.workable.com/vortexa/j/ABC123DEF4/", "workable", "vortexa", ()),
    ("https://apply.workable.com/api/v1/widget/accounts/vortexa?details=true", "workable", "vortexa", ()),
    ("https://acme.recruitee.com", "recruitee", "acme", ()),
    ("https://acme.recruitee.com/o/senior-financial-accountant", "recruitee", "acme", ()),
    ("https://acme.recruitee.com/api/offers/", "recruitee", "acme", ()),
    ("https://acme.jobs.personio.de", "personio", "acme", ()),
    ("https://acme.jobs.personio.de/job/1834171?language=en", "personio", "acme", ()),
    ("https://acme.jobs.personio.com/xml", "personio", "acme", ()),
    ("https://career.teamtailor.com", "teamtailor", "career", ()),
    ("https://career.teamtailor.com/jobs/7167985-account-executive", "teamtailor", "career", ()),
    ("https://acme-labs.teamtailor.com/jobs.json", "teamtailor", "acme-labs", ()),
    ("https://acme.bamboohr.com/careers", "bamboohr", "acme", ()),
    ("https://acme.bamboohr.com/careers/125", "bamboohr", "acme", ()),
    ("https://acme.bamboohr.com/jobs/", "bamboohr", "acme", ()),
    ("https://breezy.breezy.hr", "breezy", "breezy", ()),
    ("https://acme.breezy.hr/p/98323abf2296-employee-12", "breezy", "acme", ()),
    ("https://acme.breezy.hr/json", "breezy", "acme", ()),
]

#: URLs that must be rejected: ATS marketing sites, www/app subdomains, board roots without a board id,
#: look-alike and unrelated domains, non-http schemes and empty input.
REJECTED: list[str] = [
    "https://www.lever.co/", "https://lever.co/", "https://jobs.lever.co/", "https://jobs.lever.co",
    "https://www.greenhouse.io/", "https://boards.greenhouse.io/", "https://boards.greenhouse.io/embed/job_board",
    "https://www.ashbyhq.com/", "https://jobs.ashbyhq.com/",
    "https://www.workday.com/", "https://www.myworkdayjobs.com/", "https://wd5.myworkdayjobs.com/Site",
    "https://nvidia.wd5.myworkdayjobs.com/", "https://nvidia.wd5.myworkdayjobs.com/en-US/",
    "https://www.smartrecruiters.com/", "https://jobs.smartrecruiters.com/",
    "https://www.workable.com/", "https://apply.workable.com/", "https://apply.workable.com/j/ABC123DEF4",
    "https://www.recruitee.com/", "https://recruitee.com/", "https://app.recruitee.com/",
    "https://www.personio.de/", "https://www.personio.com/", "https://jobs.personio.de/",
    "https://www.jobs.personio.de/",
    "https://www.teamtailor.com/", "https://teamtailor.com/", "https://app.teamtailor.com/",
    "https://www.bamboohr.com/", "https://www.bamboohr.com/careers", "https://api.bamboohr.com/api/gateway.php/x/v1/",
    "https://www.breezy.hr/", "https://breezy.hr/", "https://app.breezy.hr/",
    "https://example.com/careers", "https://careers.example.com/jobs/123", "https://www.linkedin.com/jobs/view/1",
    "https://jobs.lever.co.evil.com/spotify", "https://evil.com/jobs.lever.co/spotify",
    "https://acme.recruitee.com.evil.com/", "https://acmebreezy.hr/", "https://acme.breezy.hr.example.org/",
    "", "   ", "ftp://jobs.lever.co/spotify", "ftp://acme.recruitee.com/", "mailto:jobs@lever.co",
    "javascript:alert(1)", "not a url",
]


@pytest.mark.parametrize(("url", "ats", "company", "params"), RECOGNISED)
def test_detect_recognises_board_urls(url: str, ats: str, company: str, params: tuple) -> None:
    board = detect(url)
    assert (board.ats, board.company, board.params) == (ats, company, params)


@pytest.mark.parametrize("url", REJECTED)
def test_detect_rejects(url: str) -> None:
    with pytest.raises(UnknownBoardUrl) as info:
        detect(url)
    assert str(info.value)  # always says why


def test_supported_ats_are_the_spiders_that_declare_board_urls() -> None:
    """SUPPORTED_ATS is derived from the spider classes (crawlerats/ats.py), never kept by hand."""
    declared = {name for name, cls in board_spiders().items() if cls.board_urls}
    assert set(SUPPORTED_ATS) == declared == set(ats_names())
    assert {ats for _, ats, _, _ in RECOGNISED} <= set(SUPPORTED_ATS)
    assert "jsonld" in board_spiders() and "jsonld" not in SUPPORTED_ATS  # a board spider, not an ATS


@pytest.mark.parametrize("ats", sorted(set(ats_names()) - {ats for _, ats, _, _ in RECOGNISED}))
def test_an_ats_outside_this_table_tests_its_detection_in_its_own_file(ats: str) -> None:
    """ATSs added after the first eleven test their URL forms in tests/spiders/test_<ats>.py."""
    text = (Path(__file__).parent / "spiders" / f"test_{ats}.py").read_text()
    assert "detect(" in text, f"tests/spiders/test_{ats}.py does not test detection of {ats} board URLs"


@pytest.mark.parametrize("ats", ats_names())
def test_every_ats_declares_its_public_url(ats: str) -> None:
    """The registry stores `public_url(board)`; round trips are tested per ATS (below, or in its own file)."""
    cls = board_spiders()[ats]
    assert cls.public_url_template or "public_url" in vars(cls), f"{ats}: no public_url_template or public_url"


@pytest.mark.parametrize("board", sorted({Board(a, c, p) for _, a, c, p in RECOGNISED}, key=str))
def test_public_url_round_trips(board: Board) -> None:
    """The URL the registry stores for a board is detected as that same board."""
    url = public_url(board)
    assert url is not None and url.startswith("https://")
    assert detect(url) == board


def test_detect_command(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["detect", "https://jobs.lever.co/spotify", "https://acme.jobs.personio.de/job/1",
                 "https://jobs.eu.lever.co/acme"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["https://jobs.lever.co/spotify", "lever", "spotify"]
    assert out[1].split() == ["https://acme.jobs.personio.de/job/1", "personio", "acme"]
    assert out[2].split() == ["https://jobs.eu.lever.co/acme", "lever", "acme", "eu=True"]


def test_detect_command_says_when_it_cannot_tell(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["detect", "https://x.breezy.hr", "https://www.recruitee.com/", "https://example.com/jobs"]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["https://x.breezy.hr", "breezy", "x"]
    assert "cannot tell" in out[1] and "ATS's own site" in out[1]
    assert "cannot tell" in out[2] and "not a public board URL" in out[2]
    assert out[3] == "2 of 3 URL(s) not recognised"


def test_board_url_rules() -> None:
    """The BoardUrl machinery itself: named groups fill the board template, query parameters are required
    when listed, excluded ids fall through, reserved subdomains are the ATS's own site."""
    from crawlerats.ats import SUB, TOKEN, BoardUrl

    rule = BoardUrl(host=r"(?P<tenant>[a-z]+)\.example\.com", path=rf"/c/{TOKEN}", board="{tenant}/{company}",
                    query=("lang",), params=(("v", 2),), exclude=frozenset({"API"}))
    assert rule.board_for("x", "u", "acme.example.com", "/c/Jobs", "lang=en") == Board("x", "acme/Jobs", (("v", 2),))
    assert rule.board_for("x", "u", "acme.example.com", "/c/Jobs", "") is None  # required query parameter missing
    assert rule.board_for("x", "u", "acme.example.com", "/c/api", "lang=en") is None  # excluded (case-insensitive)
    assert rule.board_for("x", "u", "acme.example.com.evil", "/c/Jobs", "lang=en") is None  # host is fullmatched
    with pytest.raises(UnknownBoardUrl, match="ATS's own site"):
        rule.board_for("x", "u", "www.example.com", "/c/Jobs", "lang=en")
    with pytest.raises(TypeError, match="uncaptured group"):
        BoardUrl(host=rf"{SUB}\.example\.com", board="{site}").board_for("x", "u", "acme.example.com", "/", "")
