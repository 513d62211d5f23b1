"""Boards in what a rendered page exposes (links, iframes, scripts, network requests), and careers links.

Board recognition is `crawlerats.detect` (the same rules as `crawlerats detect`); this module only says
where each URL came from and picks the links worth one hop when a page shows no board.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urldefrag, urlsplit

from crawlerats.board import Board
from crawlerats.detect import UnknownBoardUrl, detect

#: Evidence kinds, in the order they are reported.
SOURCES = ("url", "link", "iframe", "script", "request")

_CAREERS = re.compile(
    r"\b(careers?|jobs?|join[\s_-]*(us|the[\s_-]*team)|open[\s_-]*(positions|roles)|vacanc(y|ies)|"
    r"work[\s_-]*(with|at|for)[\s_-]*us|we(['’]re|[\s_-]*are)[\s_-]*hiring|hiring|karriere|stellen(angebote)?|"
    r"jobb|emplois?|empleos?|carri[eè]res?|vacatures|lavora[\s_-]*con[\s_-]*noi)\b",
    re.I,
)
_SECOND_LEVEL = frozenset({"co", "com", "org", "net", "ac", "gov", "edu"})


@dataclass
class FoundBoard:
    """A board and the evidence for it: which page, and via which sources."""

    board: Board
    found_on: str
    via: list[str] = field(default_factory=list)
    urls: list[str] = field(default_factory=list)

    def as_doc(self) -> dict[str, Any]:
        return {"ats": self.board.ats, "company": self.board.company, "found_on": self.found_on,
                "via": self.via, "urls": self.urls[:5]}


def find_boards(page_url: str, sources: Mapping[str, Iterable[str]]) -> list[FoundBoard]:
    """Every distinct board in `sources` ({source kind: URLs}), with the kinds that revealed it."""
    found: dict[tuple[str, str], FoundBoard] = {}
    for kind in SOURCES:
        for url in sources.get(kind) or ():
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                continue
            try:
                board = detect(url, page_evidence=True)
            except UnknownBoardUrl:
                continue
            entry = found.setdefault(board.key, FoundBoard(board, page_url))
            if kind not in entry.via:
                entry.via.append(kind)
            if url not in entry.urls:
                entry.urls.append(url)
    return list(found.values())


def site_of(host: str) -> str:
    """The registrable part of a host, roughly ("careers.acme.co.uk" -> "acme.co.uk"); IPs stay whole."""
    host = (host or "").lower().rstrip(".")
    try:
        ipaddress.ip_address(host)
        return host
    except ValueError:
        pass
    labels = host.split(".")
    if len(labels) >= 3 and labels[-2] in _SECOND_LEVEL:
        return ".".join(labels[-3:])
    return ".".join(labels[-2:])


def careers_links(page_url: str, links: Iterable[Mapping[str, Any]], limit: int) -> list[str]:
    """Up to `limit` same-site links whose text or path says careers/jobs, best first (text and path >
    text > path), never the page itself."""
    here = urldefrag(page_url)[0].rstrip("/")
    site = site_of(urlsplit(page_url).hostname or "")
    scored: dict[str, int] = {}
    for link in links:
        href = link.get("href")
        if not isinstance(href, str) or not href.startswith(("http://", "https://")):
            continue
        target = urldefrag(href)[0]
        parts = urlsplit(target)
        if target.rstrip("/") == here or site_of(parts.hostname or "") != site:
            continue
        score = (2 if _CAREERS.search(str(link.get("text") or "")) else 0) + (
            1 if _CAREERS.search(parts.path + "?" + parts.query) else 0)
        if score:
            scored[target] = max(scored.get(target, 0), score)
    ranked = sorted(scored, key=lambda url: -scored[url])  # stable: page order within a score
    return ranked[: max(limit, 0)]
