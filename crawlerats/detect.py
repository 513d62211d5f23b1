"""ATS detection from public URLs: which ATS a board URL (or API URL) belongs to, and its board id.

The rules are the `board_urls` the ATS spider classes declare (see crawlerats/ats.py), tried spider by
spider in each spider's declared order. `SUPPORTED_ATS` and `RULES` are computed on first use.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from crawlerats import ats
from crawlerats.ats import UnknownBoardUrl
from crawlerats.board import Board

__all__ = ["UnknownBoardUrl", "detect", "detect_all"]  # and, computed on first use, SUPPORTED_ATS and RULES


def __getattr__(name: str) -> Any:
    """`SUPPORTED_ATS` (ATS names) and `RULES` ((ats, BoardUrl) pairs), derived from the spider classes."""
    if name == "SUPPORTED_ATS":
        return ats.ats_names()
    if name == "RULES":
        return ats.rules()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def detect(url: str, *, page_evidence: bool = False) -> Board:
    """The board a public board URL (or ATS API URL) points at; UnknownBoardUrl with the reason otherwise.

    `page_evidence=True` for a URL found on a page (a link, script, iframe or request of some careers site) rather
    than given as a board URL: `generic` rules (any host, a path other sites use too) do not count then."""
    text = (url or "").strip()
    if not text:
        raise UnknownBoardUrl("empty URL")
    if "://" not in text:
        text = "https://" + text
    try:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
    except ValueError as exc:
        raise UnknownBoardUrl(f"{url!r}: not a valid URL ({exc})") from exc
    if parts.scheme.lower() not in ("http", "https"):
        raise UnknownBoardUrl(f"{url!r}: not an http(s) URL")
    path = parts.path or "/"
    for name, rule in ats.rules():
        if page_evidence and rule.generic:
            continue
        board = rule.board_for(name, url, host, path, parts.query)
        if board is not None:
            return board
    raise UnknownBoardUrl(f"{url!r}: not a public board URL of a supported ATS ({', '.join(ats.ats_names())})")


def detect_all(text: str) -> list[Board]:
    """Every distinct board URL found anywhere in `text` (page evidence: generic rules do not count)."""
    found: dict[tuple[str, str], Board] = {}
    for match in re.finditer(r"https?://[^\s\"'<>()\\]+", text):
        try:
            board = detect(match.group(0).rstrip(".,;"), page_evidence=True)
        except UnknownBoardUrl:
            continue
        found.setdefault(board.key, board)
    return list(found.values())
