"""The base ATS spider: everything every ATS spider shares, so each ATS spider holds only its mapping.

Shared here: board arguments (`companies`, `companies_file`, `shard`) and the board registry fallback,
request building with per-board bookkeeping, JSON/XML payload checks, per-posting error isolation,
board completeness (ok / failed / truncated / incomplete) and item normalisation.

An ATS spider sets `name`, implements `board_requests(board)` and its callbacks, and builds items with
`self.make_item(board, job_id=..., title=..., ...)`. It calls `self.board_finished(board)` once the last
page of a board has been read, and `self.board_truncated(board, why)` when the ATS cut results short.

Raw fingerprints: a spider whose `posting(board, row)` reads nothing but the board and the row sets
`raw_fingerprints = True`; `emit(..., row_id=...)` then digests each raw row (with the board and the mapping
code's version, `mapping_version`) before mapping it, and a row whose digest is stored for its job id
(`crawlerats.board_source.stored_fingerprints`, read per board in `start()`) becomes an unmapped item
(`crawlerats.items.unmapped_item`) instead of being mapped again (docs/dedup.md "The fast path").
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import pkgutil
import re
import sys
import types
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

import bson
import scrapy
from pydantic import BaseModel, ConfigDict, Field, field_validator
from scrapy.http import Response
from scrapy_spider_metadata import Args
from twisted.python.failure import Failure

from crawlerats import normalize as n
from crawlerats.arguments import argument_tokens, existing_file
from crawlerats.ats import BoardUrl
from crawlerats.board import Board, parse_shard, select_shard
from crawlerats.board_source import board_source, stored_fingerprints
from crawlerats.clock import now as clock_now
from crawlerats.detect import UnknownBoardUrl, detect
from crawlerats.items import FINGERPRINT_VERSION, JobItem, unmapped_item
from crawlerats.spiders import paging

logger = logging.getLogger(__name__)

_LOCATION_KEYS = frozenset({"raw", "city", "region", "country"})
_URLISH = re.compile(r"^(https?://|[\w-]+(\.[\w-]+)*\.(co|io|com|de|hr|net|org)(/|$))", re.I)


def _is_contract_location(value: dict[str, Any]) -> bool:
    """Already a contract location: the four keys, text parts, ISO 3166-1 alpha-2 country or null."""
    country = value.get("country")
    return (set(value) == _LOCATION_KEYS
            and all(value[k] is None or isinstance(value[k], str) for k in ("raw", "city", "region"))
            and (country is None or (isinstance(country, str) and re.fullmatch(r"[A-Z]{2}", country) is not None)))


def dig(data: Any, *path: str | int, default: Any = None, expect: type | tuple[type, ...] | None = None) -> Any:
    """`data[k1][k2]...` for ATS payloads of unknown shape: `default` as soon as a level is missing, None, or
    not a dict (str keys) / list (int keys), e.g. `dig(p, "location", "country", "alpha2Code")`; with `expect`,
    also when the value found is not of that type (`dig(p, "company", default={}, expect=dict)`)."""
    for key in path:
        if isinstance(key, int) and isinstance(data, list) and -len(data) <= key < len(data):
            data = data[key]
        elif isinstance(key, str) and isinstance(data, dict):
            data = data.get(key)
        else:
            return default
        if data is None:
            return default
    if expect is not None and not isinstance(data, expect):
        return default
    return data


def dicts(value: Any) -> list[dict[str, Any]]:
    """The dict elements of a list from an ATS payload; [] when the value is missing or not a list."""
    return [v for v in value if isinstance(v, dict)] if isinstance(value, list) else []


class BoardArgs(BaseModel):
    """Spider arguments shared by every ATS spider (strings from the command line or Scrapyd)."""

    model_config = ConfigDict(extra="ignore")

    companies: str | None = Field(default=None, description="Comma-separated board ids or public board URLs.")
    companies_file: str | None = Field(default=None, description="File with one board id or URL per line.")
    shard: str | None = Field(default=None, description="Crawl only shard I of N of the boards, as I/N.")

    _file_exists = field_validator("companies_file")(existing_file)

    @field_validator("shard")
    @classmethod
    def _shard_format(cls, value: str | None) -> str | None:
        if value:
            parse_shard(value)
        return value


@dataclass
class BoardOutcome:
    """What happened to one board in this crawl."""

    board: Board
    finished: bool = False
    failed: str | None = None
    truncated: str | None = None
    items: int = 0
    seen_ids: set[str] = field(default_factory=set)

    def outcome(self, finish_reason: str | None) -> str:
        if self.failed:
            return "failed"
        if self.truncated:
            return "truncated"
        if self.finished and finish_reason in (None, "finished"):
            return "ok"
        return "incomplete"

    @property
    def reason(self) -> str | None:
        return self.failed or self.truncated


class AtsSpider(Args[BoardArgs], scrapy.Spider):
    """Base class of every ATS spider. Subclasses set `name` and implement `board_requests`."""

    name = ""  # abstract: not listed by `scrapy list`
    #: Payload kind a spider reads; decides the content check in `parse_payload`.
    payload: str = "json"
    #: Public board URL forms `crawlerats detect` recognises, specific forms first (crawlerats/ats.py).
    board_urls: tuple[BoardUrl, ...] = ()
    #: Canonical public board URL of a board id: `{company}` and the board params as fields.
    public_url_template: str | None = None
    #: True when the item of a listed row depends on nothing but the board and the row (no other response,
    #: no spider state, no clock): rows are then fingerprinted raw and unchanged ones are not mapped again.
    raw_fingerprints: bool = False

    @classmethod
    def public_url(cls, board: Board) -> str | None:
        """The public board page of `board` (detection maps it back to the same board); override when the
        template is not enough."""
        if cls.public_url_template is None:
            return None
        return cls.public_url_template.format(**{**dict(board.params), "company": board.company})

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.crawl_id: str = kwargs.get("_job") or f"{self.name}-{uuid.uuid4().hex[:12]}"
        self.boards_given: list[Board] = self._boards_from_args()
        self.outcomes: dict[tuple[str, str], BoardOutcome] = {}
        #: Per board, `{job_id: raw_fingerprint}` of the stored open postings a row may be matched against;
        #: absent when this crawl does not fingerprint rows (no dedup stage, or not `raw_fingerprints`).
        self.stored_raw: dict[tuple[str, str], dict[str, str]] = {}

    # --- boards ---------------------------------------------------------------------------------
    def _boards_from_args(self) -> list[Board]:
        boards: dict[tuple[str, str], Board] = {}
        for token in argument_tokens(self.args.companies, self.args.companies_file):
            board = self.board_from_token(token)
            boards.setdefault(board.key, board)
        return list(boards.values())

    def board_from_token(self, token: str) -> Board:
        """A board from an id or a public board URL; ValueError naming the argument otherwise."""
        if _URLISH.match(token) and not self.looks_like_board_id(token):
            try:
                board = detect(token)
            except UnknownBoardUrl as exc:
                raise ValueError(f"Invalid argument companies: {exc}") from exc
            if board.ats != self.name:
                raise ValueError(f"Invalid argument companies: {token!r} is a {board.ats} board, not {self.name}")
            return board
        if not self.valid_board_id(token):
            raise ValueError(f"Invalid argument companies: {token!r} is not a valid {self.name} board id")
        return Board(self.name, token)

    def looks_like_board_id(self, token: str) -> bool:
        """Hook: True when a token that looks like a host is really this ATS's board id."""
        return False

    def valid_board_id(self, token: str) -> bool:
        """Hook: whether `token` is a well-formed board id for this ATS."""
        return bool(re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,99}", token))

    async def registered_boards(self) -> list[Board]:
        """Boards of this ATS from the crawl's board source (crawlerats/board_source.py: by default the
        `boards` registry), used when no `companies` are given. The spider never opens the database."""
        return list(await board_source(self.crawler).boards(self.name))

    async def start(self) -> AsyncIterator[Any]:
        boards = self.boards_given
        source = "arguments"
        if not boards:
            boards = await self.registered_boards()
            source = "registry"
        if self.args.shard:
            index, total = parse_shard(self.args.shard)
            boards = select_shard(sorted(boards, key=lambda b: b.key), index, total)
        self.logger.info("Crawling %d %s board(s) from %s%s", len(boards), self.name, source,
                         f" (shard {self.args.shard})" if self.args.shard else "")
        if not boards:
            self.logger.warning("No boards to crawl: pass -a companies=... or register boards with "
                                "`crawlerats boards add URL`")
        self.crawler.stats.set_value("crawlerats/boards/total", len(boards))
        fingerprints = stored_fingerprints(self.crawler) if self.raw_fingerprints else None
        for board in boards:
            self.outcomes[board.key] = BoardOutcome(board)
            if fingerprints is not None and fingerprints.active:
                self.stored_raw[board.key] = await fingerprints.for_board(board)
            for request in self.board_requests(board):
                yield request

    def board_requests(self, board: Board) -> Iterable[scrapy.Request]:
        raise NotImplementedError

    # --- requests -------------------------------------------------------------------------------
    def request(
        self,
        board: Board,
        url: str,
        callback: Callable[..., Any],
        *,
        method: str = "GET",
        json_body: Any = None,
        headers: dict[str, str] | None = None,
        cb_kwargs: dict[str, Any] | None = None,
        detail: bool = False,
        fallback: str | None = None,
        errback: Callable[[Failure], Any] | None = None,
    ) -> scrapy.Request:
        """A request for `board`. List requests (`detail=False`) failing fail the board; a failing detail
        request counts the failure and, with `fallback` (the name of a spider method), stores
        `self.<fallback>(board=board, **cb_kwargs)` (the posting from list data). `errback` (a spider method)
        replaces that handling for this request. Callbacks are spider methods and meta/cb_kwargs plain data,
        so requests pickle (JOBDIR pause/resume)."""
        if fallback is not None and not (isinstance(fallback, str) and callable(getattr(self, fallback, None))):
            raise TypeError(f"fallback must name a method of {type(self).__name__}, got {fallback!r}")
        body = json.dumps(json_body) if json_body is not None else None
        hdrs = {"Content-Type": "application/json", **(headers or {})} if body else headers
        return scrapy.Request(
            url, callback=callback, errback=errback or self.on_error, method=method, body=body, headers=hdrs,
            cb_kwargs={"board": board, **(cb_kwargs or {})}, dont_filter=True,
            meta={"board": board.key, "detail": detail, "fallback": fallback},
        )

    def on_error(self, failure: Failure) -> Iterator[Any]:
        request = failure.request  # type: ignore[attr-defined]
        board: Board = request.cb_kwargs["board"]
        reason = self._failure_reason(failure)
        if request.meta.get("detail"):
            self.crawler.stats.inc_value(f"crawlerats/detail_failed/{reason}")
            self.logger.warning("Detail request failed for %s (%s): %s", board, reason, request.url)
            fallback = request.meta.get("fallback")
            if fallback is not None:
                yield from self.emit(board, [request], self._fallback_item)
            return
        self.board_failed(board, f"{reason} at {request.meta.get('original_url') or request.url}")

    def _fallback_item(self, board: Board, request: scrapy.Request) -> Any:
        """The posting from list data of a failed detail request: `self.<meta fallback>(board, **cb_kwargs)`."""
        kwargs = {k: v for k, v in request.cb_kwargs.items() if k != "board"}
        return getattr(self, request.meta["fallback"])(board=board, **kwargs)

    @staticmethod
    def _failure_reason(failure: Failure) -> str:
        response = getattr(failure.value, "response", None)
        if response is not None:
            return f"http_{response.status}"
        if re.search(r"DOWNLOAD_MAXSIZE|download max size", str(failure.value)):  # on the wire or decompressed
            return "response_too_large"
        return re.sub(r"\W+", "_", type(failure.value).__name__).lower()

    # --- payloads -------------------------------------------------------------------------------
    def parse_json(self, response: Response, board: Board, expect: type = dict) -> Any:
        """The JSON body, or None after failing the board with the reason (HTML error page, bad JSON...)."""
        body = response.body.lstrip()
        if not body:
            self.board_failed(board, f"empty_body at {response.url}")
            return None
        if body[:1] == b"<":
            self.board_failed(board, f"html_instead_of_json at {response.url}")
            return None
        try:
            data = json.loads(body)
        except ValueError:
            try:
                data = json.loads(response.text)
            except ValueError:
                self.board_failed(board, f"invalid_json at {response.url}")
                return None
            except RecursionError:
                self.board_failed(board, f"json_too_deep at {response.url}")
                return None
        except RecursionError:  # JSON nested deeper than Python's recursion limit (hostile payload)
            self.board_failed(board, f"json_too_deep at {response.url}")
            return None
        if not isinstance(data, expect):
            self.board_failed(board, f"unexpected_payload ({type(data).__name__}) at {response.url}")
            return None
        return data

    def parse_listing(self, response: Response, board: Board, key: str | None = None) -> list[Any] | None:
        """The postings of a board page: the JSON body itself (`key` None) or its `key` list member.

        None after failing the board with the reason (see `parse_json`, or no such list)."""
        data = self.parse_json(response, board, list if key is None else dict)
        if data is None or key is None:
            return data
        rows = data.get(key)
        if not isinstance(rows, list):
            self.board_failed(board, f"unexpected_payload (no {key} list) at {response.url}")
            return None
        return rows

    def read_whole_board(self, response: Response, board: Board, key: str | None,
                         build: Callable[[Board, Any], Any], row_id: str | None = None) -> Iterator[Any]:
        """For ATSs that serve a whole board in one response: emit every posting, then finish the board."""
        rows = self.parse_listing(response, board, key)
        if rows is None:
            return
        yield from self.emit(board, rows, build, row_id)
        self.board_finished(board)

    def parse_xml(self, response: Response, board: Board, root: str | None = None) -> Any:
        """The XML root element (lxml), or None after failing the board: empty, truncated or malformed
        XML, or a root other than `root`. Strict parse (no recovery), no entities, no network."""
        from lxml import etree

        body = response.body.strip()
        if not body:
            self.board_failed(board, f"empty_body at {response.url}")
            return None
        parser = etree.XMLParser(recover=False, resolve_entities=False, no_network=True, huge_tree=False)
        try:
            element = etree.fromstring(body, parser=parser)
        except etree.XMLSyntaxError as exc:
            self.board_failed(board, f"invalid_xml ({str(exc)[:80]}) at {response.url}")
            return None
        if root is not None and element.tag != root:
            self.board_failed(board, f"unexpected_payload (<{element.tag}>) at {response.url}")
            return None
        return element

    def detail_json(self, response: Response, board: Board, expect: type = dict) -> Any:
        """The JSON body of a detail response, or None after counting `crawlerats/detail_failed/<reason>`.

        Unlike `parse_json` this never fails the board: on None the caller stores its list-data fallback.
        """
        try:
            data = json.loads(response.body) if response.body.strip() else None
        except (ValueError, RecursionError):
            data = None
        if not isinstance(data, expect):
            reason = "empty_body" if not response.body.strip() else "invalid_payload"
            self.crawler.stats.inc_value(f"crawlerats/detail_failed/{reason}")
            self.logger.warning("Detail response unusable for %s (%s): %s", board, reason, response.url)
            return None
        return data

    def detail_is_for(self, board: Board, listed_id: Any, detail_id: Any, url: str) -> bool:
        """Whether a detail payload is for the listed posting: True when it names no id (None or empty) or the
        listed one; else counts `crawlerats/detail_failed/id_mismatch`, logs it and returns False, and the caller
        stores the posting from its list data (a detail for another id is never merged into this posting)."""
        if detail_id is None or detail_id == "" or str(detail_id) == str(listed_id):
            return True
        self.crawler.stats.inc_value("crawlerats/detail_failed/id_mismatch")
        self.logger.warning("Detail for another posting on %s (listed %s, detail %s): %s", board,
                            str(listed_id)[:80], str(detail_id)[:80], url)
        return False

    def emit(self, board: Board, postings: Iterable[Any], build: Callable[[Board, Any], Any],
             row_id: str | None = None) -> Iterator[Any]:
        """Build an item per raw posting; a posting that breaks the mapping is dropped and counted.

        With `row_id` (the key of a row's job id; only for `build(board, row)` reading nothing but its arguments)
        and stored raw fingerprints for the board, a row whose digest is stored for its id is emitted unmapped
        (stat `crawlerats/spider/unmapped`), and a mapped item gets its row's `raw_fingerprint`."""
        outcome = self.outcomes.setdefault(board.key, BoardOutcome(board))
        stored = self.stored_raw.get(board.key) if row_id is not None else None
        for raw in postings:
            digest = job_id = None
            if stored is not None and isinstance(raw, dict):
                digest = self.raw_fingerprint(board, raw)
                job_id = str(raw.get(row_id)).strip() if raw.get(row_id) is not None else None
                if digest is not None and job_id and stored.get(job_id) == digest:
                    outcome.seen_ids.add(job_id)
                    outcome.items += 1
                    stats = self.crawler.stats
                    stats.inc_value("crawlerats/items/emitted")
                    stats.inc_value("crawlerats/spider/unmapped")
                    yield unmapped_item(self.name, board.company, job_id, digest)
                    continue
            try:
                result = build(board, raw)
            except Exception as exc:  # noqa: BLE001 - one bad posting must not lose the board
                self.crawler.stats.inc_value("crawlerats/dropped/parse_error")
                self.logger.warning("Dropped a %s posting on %s: %s: %s", self.name, board, type(exc).__name__, exc)
                raw_id = raw.get("id") if isinstance(raw, dict) else None
                if raw_id is not None:
                    outcome.seen_ids.add(str(raw_id))
                continue
            if result is None:
                continue
            if isinstance(result, scrapy.Request):
                yield result
                continue
            if stored is not None and isinstance(result, JobItem):
                # None when no digest can stand for the item: another id than the row's, or a posted date dropped
                # as implausible (it may be kept later: the clock mapped it, not the row alone); None also
                # replaces a stored digest, which must never be matched again
                result["raw_fingerprint"] = digest if digest is not None and result.get("job_id") == job_id and not (
                    result.get("posted_at") is None and result.get("posted_at_raw") is not None) else None
            job_id = result.get("job_id")
            if job_id:
                outcome.seen_ids.add(str(job_id))
            outcome.items += 1
            self.crawler.stats.inc_value("crawlerats/items/emitted")
            yield result

    def raw_fingerprint(self, board: Board, raw: dict[str, Any]) -> str | None:
        """Digest of a raw row with the board and `mapping_version`; None when BSON cannot encode the row."""
        try:
            encoded = bson.encode({"board": [board.ats, board.company, list(map(list, board.params)), board.name],
                                   "row": raw})
        except Exception:  # noqa: BLE001 - e.g. an integer over 64 bits: the row is simply mapped
            return None
        version = mapping_version(type(self))
        if version is None:
            return None
        return hashlib.blake2b(version + encoded, digest_size=16).hexdigest()

    def mark_seen(self, board: Board, job_id: Any) -> None:
        """Record that `job_id` is on the board even though its item comes later (detail pages)."""
        if job_id is not None:
            self.outcomes.setdefault(board.key, BoardOutcome(board)).seen_ids.add(str(job_id))

    def page_guard(self, board: Board, ids_on_page: Iterable[Any]) -> str | None:
        """Call once per list page before emitting it: None to go on, else why the board stops after this page
        (page cap, or a page with no new id); then call `board_truncated(board, reason)` (crawlerats/spiders/paging.py)."""
        return paging.page_guard(self, board, ids_on_page)

    # --- board completeness -----------------------------------------------------------------------
    def board_finished(self, board: Board) -> None:
        self.outcomes.setdefault(board.key, BoardOutcome(board)).finished = True

    def board_failed(self, board: Board, reason: str) -> None:
        outcome = self.outcomes.setdefault(board.key, BoardOutcome(board))
        if outcome.failed is None:
            outcome.failed = reason
            self.crawler.stats.inc_value("crawlerats/boards/failed_events")
            self.logger.error("Board %s failed: %s", board, reason)

    def board_truncated(self, board: Board, reason: str) -> None:
        outcome = self.outcomes.setdefault(board.key, BoardOutcome(board))
        outcome.truncated = reason
        self.logger.warning("Board %s truncated: %s", board, reason)

    def closed(self, reason: str) -> None:
        counts: dict[str, int] = {}
        for outcome in self.outcomes.values():
            state = outcome.outcome(reason)
            counts[state] = counts.get(state, 0) + 1
        for state in ("ok", "failed", "truncated", "incomplete"):
            self.crawler.stats.set_value(f"crawlerats/boards/{state}", counts.get(state, 0))

    # --- items ------------------------------------------------------------------------------------
    @property
    def now(self) -> datetime:
        return clock_now(self.crawler.settings)

    def make_item(
        self,
        board: Board,
        *,
        job_id: Any,
        title: Any,
        description_html: str | None = None,
        description_text: str | None = None,
        locations: Iterable[Any] | None = None,
        location: str | None = None,
        posted_at: Any = None,
        posted_at_parsed: datetime | None = None,
        updated_at: Any = None,
        employment_type_raw: Any = None,
        workplace_type: Any = None,
        salary: dict[str, Any] | None = None,
        salary_raw: Any = None,
        url: str | None = None,
        apply_url: str | None = None,
        extras: dict[str, Any] | None = None,
        **other: Any,
    ) -> JobItem:
        """A contract item: values normalised, HTML sanitised, dates in UTC, locations parsed."""
        html = n.sanitize_html(description_html) if description_html else None
        if description_html and html and len(description_html) > n.html.MAX_DESCRIPTION_CHARS:
            self.crawler.stats.inc_value("crawlerats/repaired/description_capped")
        text = n.html_to_text(html) if html else None
        if description_text and not text:
            text = "\n".join(line.strip() for line in str(description_text).splitlines()).strip() or None
        locs = self._locations(locations)
        posted = posted_at_parsed if posted_at_parsed is not None else n.parse_datetime(posted_at)
        plausible = n.plausible_posted(posted, self.now)
        if posted is not None and plausible is None:
            self.crawler.stats.inc_value("crawlerats/repaired/posted_at_implausible")
        emp_raw = n.clean_text(employment_type_raw)
        loc_text = location or n.join_locations(locs)
        item = JobItem(
            ats=self.name,
            company=board.company,
            company_name=n.clean_text(other.pop("company_name", None)) or board.name or board.company,
            job_id=str(job_id) if job_id is not None and str(job_id).strip() else None,
            title=n.clean_text(title),
            employment_type_raw=emp_raw,
            employment_type=n.employment_type(emp_raw),
            workplace_type=n.workplace_type(workplace_type) or n.workplace_from_text(loc_text, title),
            locations=locs,
            location=loc_text,
            salary=salary,
            salary_raw=n.safe_keys(salary_raw) if salary_raw not in (None, "", {}, []) else None,
            description_html=html,
            description_text=text,
            url=url or None,
            apply_url=apply_url or url or None,
            posted_at=plausible,
            posted_at_raw=None if posted_at is None else str(posted_at),
            updated_at=n.parse_datetime(updated_at),
            updated_at_raw=None if updated_at is None else str(updated_at),
            extras=n.safe_keys({k: v for k, v in (extras or {}).items() if v not in (None, "", [], {})}),
            requisition_id=n.clean_text(other.pop("requisition_id", None)),
            department=n.clean_text(other.pop("department", None)),
            team=n.clean_text(other.pop("team", None)),
        )
        if other:
            raise TypeError(f"unknown item fields: {sorted(other)}")
        return item

    @staticmethod
    def _locations(values: Iterable[Any] | None) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = []
        for value in values or ():
            if isinstance(value, dict):
                loc = value if _is_contract_location(value) else n.parse_location(
                    **{k: value.get(k) for k in _LOCATION_KEYS})
            else:
                loc = n.parse_location(value) if isinstance(value, str) else None
            if loc and loc not in result:
                result.append(loc)
        return result


def _project_modules_used(module_name: str) -> set[str]:
    """The project modules whose names a module imported (`from crawlerats.x import helper`, `import crawlerats.x`)."""
    found = set()
    for value in vars(sys.modules[module_name]).values():
        used = value.__name__ if isinstance(value, types.ModuleType) else getattr(value, "__module__", None)
        if isinstance(used, str) and used.startswith("crawlerats.") and used in sys.modules:
            found.add(used)
    return found


@cache
def mapping_version(spider_class: type) -> bytes | None:
    """Digest of the code that maps a row into a stored item: the spider's classes, the normalisation package,
    the validation stage, the item contract and `FINGERPRINT_VERSION`. Any change to them changes every raw
    fingerprint, so the next crawl maps every posting once again.

    Sources are read through each module's loader, so this also works from a Scrapyd egg (a zip file). None when
    a source cannot be read (e.g. a bytecode-only install): raw fingerprints are then off and every row is mapped.
    """
    names = {c.__module__ for c in spider_class.__mro__ if c.__module__.startswith("crawlerats.")}
    names |= {used for name in list(names) for used in _project_modules_used(name)}  # their helpers
    names |= {f"{n.__name__}.{m.name}" for m in pkgutil.iter_modules(n.__path__)}
    names |= {n.__name__, "crawlerats.pipelines.validate", "crawlerats.items"}
    digest = hashlib.blake2b(FINGERPRINT_VERSION.encode(), digest_size=16)
    for name in sorted(names):
        spec = importlib.util.find_spec(name)
        loader = spec.loader if spec else None
        source = loader.get_source(name) if loader is not None and hasattr(loader, "get_source") else None
        if source is None:
            logger.warning("Raw fingerprints are off: the source of %s cannot be read", name)
            return None
        digest.update(name.encode() + b"\0" + source.encode())
    return digest.digest()
