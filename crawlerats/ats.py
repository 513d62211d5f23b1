"""One source of truth per ATS: the spider classes, and what is derived from them.

An ATS spider class (`crawlerats/spiders/<ats>.py`) declares `board_urls` (the public board URL forms that
`crawlerats detect` and `boards add` recognise, as `BoardUrl` rules) and `public_url_template` (the canonical
public board URL of a board id). Everything else that names ATSs reads the spider classes through this module:
detection (`crawlerats.detect`), the registry's public URLs, the web's ATS filter, `schedule --all`, the test
lists and the ATS list in README.md / docs.

The one rule:
- a *board spider* is an `AtsSpider` subclass with a `name`: it crawls registered boards into postings
  (`board_spider_names()`: `schedule --all`, the web's ATS filter, the `ats` values a document may carry);
- an *ATS* is a board spider that declares `board_urls` (`ats_names()`: detection, `boards add`, the README
  list, the fixture/fuzz test lists). `jsonld` is a board spider but not an ATS (its boards are any careers
  site, found by `crawlerats discover`); `discover` finds boards and is neither.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING
from urllib.parse import parse_qs

from crawlerats.board import Board

if TYPE_CHECKING:
    from crawlerats.spiders.base import AtsSpider

#: Host-captured ids that are an ATS's own site, never a company board.
RESERVED_SUBDOMAINS = frozenset({"www", "api", "app", "apply", "jobs", "careers", "help", "support", "blog",
                                 "status", "docs", "developers", "static", "cdn", "assets", "mail"})
#: Building blocks for `BoardUrl` regexes: a board id in a URL path, a board id as a subdomain.
TOKEN = r"(?P<company>[A-Za-z0-9][A-Za-z0-9_.\-]*)"
SUB = r"(?P<company>[a-z0-9][a-z0-9\-]*)"
#: A board id carried in a query parameter (`?for=datadog`).
_QUERY_TOKEN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}")
#: The Python package holding the spiders (also `SPIDER_MODULES` in crawlerats/settings.py).
SPIDER_PACKAGE = "crawlerats.spiders"


class UnknownBoardUrl(ValueError):
    """The URL is not a recognised public board URL of a supported ATS."""


@dataclass(frozen=True)
class BoardUrl:
    """One public board URL form of an ATS (see docs/adding-an-ats.md).

    `host` is fullmatched against the lowercased hostname, `path` is `re.match`ed against the URL path;
    their named groups, plus the `query` parameters (required when listed), fill the `board` template that
    gives the board id. Captured ids in `exclude` (lowercase) are not boards: the next rule is tried.
    A `generic` form (any host and a path other sites use too, e.g. Jibe's `/api/jobs`) is accepted only for a
    URL given as a board URL (`crawlerats detect`, `boards add`, `-a companies=`), never as evidence found on a
    page (`detect(url, page_evidence=True)`: `detect_all`, careers-page discovery).
    """

    host: str
    path: str = r"/"
    board: str = "{company}"
    query: tuple[str, ...] = ()
    params: tuple[tuple[str, object], ...] = ()
    exclude: frozenset[str] = frozenset()
    generic: bool = False
    _host: re.Pattern[str] = field(init=False, repr=False, compare=False)
    _path: re.Pattern[str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_host", re.compile(self.host))
        object.__setattr__(self, "_path", re.compile(self.path))
        object.__setattr__(self, "exclude", frozenset(x.lower() for x in self.exclude))

    def board_for(self, ats: str, url: str, host: str, path: str, query: str) -> Board | None:
        """The board this rule reads from a URL's parts; None when the rule does not apply; UnknownBoardUrl
        when it applies but names the ATS's own site."""
        host_match = self._host.fullmatch(host)
        if not host_match:
            return None
        path_match = self._path.match(path)
        if not path_match:
            return None
        host_groups = {k: v for k, v in host_match.groupdict().items() if v is not None}
        if any(v in RESERVED_SUBDOMAINS for v in host_groups.values()):
            raise UnknownBoardUrl(f"{url!r}: {host} is the ATS's own site, not a company board")
        groups = {**host_groups, **{k: v for k, v in path_match.groupdict().items() if v is not None}}
        if self.query:
            values = parse_qs(query)
            for name in self.query:
                value = (values.get(name) or [""])[0].strip()
                if not _QUERY_TOKEN.fullmatch(value):
                    return None
                groups[name] = value
        if any(v.lower() in self.exclude for v in groups.values()):
            return None
        try:
            company = self.board.format(**groups)
        except (KeyError, IndexError) as exc:
            raise TypeError(f"{ats} BoardUrl board template {self.board!r} names an uncaptured group") from exc
        if company.lower() in self.exclude:
            return None
        return Board(ats, company, self.params)


@cache
def board_spiders() -> dict[str, type[AtsSpider]]:
    """Every board spider class (AtsSpider subclass with a name) of the project, by name, sorted."""
    from scrapy.utils.misc import walk_modules_iter
    from scrapy.utils.spider import iter_spider_classes

    from crawlerats.spiders.base import AtsSpider

    found: dict[str, type[AtsSpider]] = {}
    for module in walk_modules_iter(SPIDER_PACKAGE):
        for cls in iter_spider_classes(module):
            if issubclass(cls, AtsSpider) and cls.name:
                found.setdefault(cls.name, cls)
    return dict(sorted(found.items()))


def board_spider_names() -> tuple[str, ...]:
    """Names of the board spiders: what `schedule --all` runs and what a document's `ats` may be."""
    return tuple(board_spiders())


@cache
def ats_spiders() -> dict[str, type[AtsSpider]]:
    """The ATS spiders: board spiders that declare public board URL forms (`board_urls`), by name."""
    return {name: cls for name, cls in board_spiders().items() if cls.board_urls}


def ats_names() -> tuple[str, ...]:
    """Names of the supported ATSs (detection, `boards add`, the README list), sorted."""
    return tuple(ats_spiders())


def rules() -> tuple[tuple[str, BoardUrl], ...]:
    """(ats, rule) in the order detection tries them: spider by spider, each spider's declared order."""
    return tuple((name, rule) for name, cls in ats_spiders().items() for rule in cls.board_urls)


def public_url(board: Board) -> str | None:
    """The canonical public board URL of a board (what detection maps back to the same board); None for an
    unknown ATS or a board id its spider cannot turn into a URL (never raises: the registry stores None)."""
    cls = board_spiders().get(board.ats)
    try:
        return cls.public_url(board) if cls is not None else None
    except (ValueError, KeyError, IndexError):
        return None


def spider_class(ats: str) -> type[AtsSpider] | None:
    """The board spider class of an ATS name, or None."""
    return board_spiders().get(ats)

