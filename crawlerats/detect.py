"""ATS detection from public URLs: which ATS a board URL (or API URL) belongs to, and its board id."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, urlsplit

from crawlerats.board import Board


class UnknownBoardUrl(ValueError):
    """The URL is not a recognised public board URL of a supported ATS."""


@dataclass(frozen=True)
class _Rule:
    ats: str
    host: re.Pattern[str]
    path: re.Pattern[str]
    build: str  # how to form the board id: "path1", "host1", "workday"
    params: tuple[tuple[str, object], ...] = ()


_TOKEN = r"([A-Za-z0-9][A-Za-z0-9_.\-]*)"
_SUB = r"([a-z0-9][a-z0-9\-]*)"
_LOCALE = re.compile(r"[a-z]{2}-[A-Za-z]{2}")
_RESERVED_SUBDOMAINS = frozenset({"www", "api", "app", "apply", "jobs", "careers", "help", "support", "blog",
                                  "status", "docs", "developers", "static", "cdn", "assets", "mail"})

RULES: tuple[_Rule, ...] = (
    _Rule("lever", re.compile(r"^jobs\.eu\.lever\.co$"), re.compile(rf"^/{_TOKEN}"), "path1", (("eu", True),)),
    _Rule("lever", re.compile(r"^jobs\.lever\.co$"), re.compile(rf"^/{_TOKEN}"), "path1"),
    _Rule("lever", re.compile(r"^api\.eu\.lever\.co$"), re.compile(rf"^/v0/postings/{_TOKEN}"), "path1", (("eu", True),)),
    _Rule("lever", re.compile(r"^api\.lever\.co$"), re.compile(rf"^/v0/postings/{_TOKEN}"), "path1"),
    _Rule("greenhouse", re.compile(r"^boards-api\.greenhouse\.io$"), re.compile(rf"^/v1/boards/{_TOKEN}"), "path1"),
    _Rule("greenhouse", re.compile(r"^(job-boards|boards)(\.eu)?\.greenhouse\.io$"),
          re.compile(r"^/embed/(?:job_board(?:/js)?|job_app)/?$"), "query_for"),
    _Rule("greenhouse", re.compile(r"^(job-boards|boards)(\.eu)?\.greenhouse\.io$"), re.compile(rf"^/{_TOKEN}"), "path1"),
    _Rule("ashby", re.compile(r"^api\.ashbyhq\.com$"), re.compile(rf"^/posting-api/job-board/{_TOKEN}"), "path1"),
    _Rule("ashby", re.compile(r"^jobs\.ashbyhq\.com$"), re.compile(rf"^/{_TOKEN}"), "path1"),
    _Rule("workday", re.compile(rf"^{_SUB}\.(wd\d+)\.myworkdayjobs\.com$"),
          re.compile(rf"^/wday/cxs/[^/]+/{_TOKEN}"), "workday"),
    _Rule("workday", re.compile(rf"^{_SUB}\.(wd\d+)\.myworkdayjobs\.com$"),
          re.compile(rf"^/(?:[a-z]{{2}}-[A-Za-z]{{2}}/)?{_TOKEN}"), "workday"),
    _Rule("smartrecruiters", re.compile(r"^api\.smartrecruiters\.com$"), re.compile(rf"^/v1/companies/{_TOKEN}"), "path1"),
    _Rule("smartrecruiters", re.compile(r"^(jobs|careers)\.smartrecruiters\.com$"), re.compile(rf"^/{_TOKEN}"), "path1"),
    _Rule("workable", re.compile(r"^apply\.workable\.com$"), re.compile(rf"^/api/v\d/(?:widget/)?accounts/{_TOKEN}"), "path1"),
    _Rule("workable", re.compile(r"^apply\.workable\.com$"), re.compile(rf"^/{_TOKEN}"), "path1"),
    _Rule("workable", re.compile(rf"^{_SUB}\.workable\.com$"), re.compile(r"^/"), "host1"),
    _Rule("recruitee", re.compile(rf"^{_SUB}\.recruitee\.com$"), re.compile(r"^/"), "host1"),
    _Rule("personio", re.compile(rf"^{_SUB}\.jobs\.personio\.(de|com)$"), re.compile(r"^/"), "host1"),
    _Rule("teamtailor", re.compile(rf"^{_SUB}\.teamtailor\.com$"), re.compile(r"^/"), "host1"),
    _Rule("bamboohr", re.compile(rf"^{_SUB}\.bamboohr\.com$"), re.compile(r"^/"), "host1"),
    _Rule("breezy", re.compile(rf"^{_SUB}\.breezy\.hr$"), re.compile(r"^/"), "host1"),
)
_NOT_BOARDS = {"greenhouse": {"embed", "v1", "jobs"}, "workable": {"api", "j", "jobs"},
               "smartrecruiters": {"oneclick-ui", "api"}, "lever": {"v0"}, "ashby": {"api"}}

SUPPORTED_ATS: tuple[str, ...] = tuple(dict.fromkeys(rule.ats for rule in RULES))


def detect(url: str) -> Board:
    """The board a public board URL (or ATS API URL) points at; UnknownBoardUrl with the reason otherwise."""
    text = (url or "").strip()
    if not text:
        raise UnknownBoardUrl("empty URL")
    if "://" not in text:
        text = "https://" + text
    parts = urlsplit(text)
    if parts.scheme not in ("http", "https"):
        raise UnknownBoardUrl(f"{url!r}: not an http(s) URL")
    host = (parts.hostname or "").lower()
    path = parts.path or "/"
    for rule in RULES:
        host_match = rule.host.match(host)
        if not host_match:
            continue
        path_match = rule.path.match(path)
        if not path_match:
            continue
        if rule.build == "host1":
            company = host_match.group(1)
            if company in _RESERVED_SUBDOMAINS:
                raise UnknownBoardUrl(f"{url!r}: {host} is the ATS's own site, not a company board")
        elif rule.build == "workday":
            if _LOCALE.fullmatch(path_match.group(1)):
                raise UnknownBoardUrl(f"{url!r}: Workday URL without a career site name after the locale")
            company = f"{host_match.group(1)}.{host_match.group(2)}/{path_match.group(1)}"
        elif rule.build == "query_for":
            values = parse_qs(parts.query).get("for")
            if not values:
                raise UnknownBoardUrl(f"{url!r}: Greenhouse embed URL without ?for=<board token>")
            company = values[0]
        else:
            company = path_match.group(1)
            if company.lower() in _NOT_BOARDS.get(rule.ats, set()):
                continue
        return Board(rule.ats, company, rule.params)
    raise UnknownBoardUrl(f"{url!r}: not a public board URL of a supported ATS ({', '.join(SUPPORTED_ATS)})")


def detect_all(text: str) -> list[Board]:
    """Every distinct board URL found anywhere in `text` (used by careers-page discovery)."""
    found: dict[tuple[str, str], Board] = {}
    for match in re.finditer(r"https?://[^\s\"'<>()\\]+", text):
        try:
            board = detect(match.group(0).rstrip(".,;"))
        except UnknownBoardUrl:
            continue
        found.setdefault(board.key, board)
    return list(found.values())
