"""Run ATS spider callbacks in-process on saved payloads (City Bureau style): no reactor, no network, no database.

    spider = make_spider("greenhouse")                                    # frozen CRAWLERATS_NOW, companies="x"
    items = feed(spider, spider.parse_board, "greenhouse/vercel_prettyirrelevant.json",
                 url="https://boards-api.greenhouse.io/v1/boards/vercel/jobs?content=true", board="vercel").items
    run = crawl_board("workday", "pjm.wd1/PJM", [(r"/job/", "workday/nvidia_detail_eu-job-feeds.json"),
                                                 (r"/jobs$", "workday/pjm_list.json")])
    run.items, run.outcome, run.requests, run.dropped

`feed` calls one callback with one saved payload as the response; `crawl_board` runs a whole board from
`start()` on, answering each request from the first route whose regex is found in the request URL (404
otherwise), and passes every item through the validate stage, as a crawl would hand it to the later stages.
Fixture paths are relative to the shared fixtures folder (tests/support/paths.py); bytes are served as is.
"""

from __future__ import annotations

import asyncio
import inspect
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import scrapy
from scrapy.exceptions import DropItem
from scrapy.http import Headers, Response
from scrapy.responsetypes import responsetypes
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler, get_reactor_settings

from crawlerats.ats import board_spiders
from crawlerats.board import Board
from crawlerats.items import JobItem
from crawlerats.normalize.salary import annualised
from crawlerats.pipelines.validate import ValidatePipeline
from tests.support.paths import fixture

NOW = "2026-11-25T12:00:00+00:00"
MAX_REQUESTS = 500
_CONTENT_TYPES = {".json": "application/json", ".xml": "application/xml", ".html": "text/html",
                  ".htm": "text/html", ".rss": "application/rss+xml"}
_LOOP = asyncio.new_event_loop()

Body = bytes | str  # bytes: served as is; str: a shared fixture path
#: (URL regex, body[, status[, content type]]); the content type defaults to the fixture's suffix / the body.
Route = tuple[str, Body] | tuple[str, Body, int] | tuple[str, Body, int, str]


@dataclass
class Output:
    """What callbacks yielded: items (as the spider built them) and follow-up requests."""

    items: list[JobItem] = field(default_factory=list)
    requests: list[scrapy.Request] = field(default_factory=list)


@dataclass
class BoardRun:
    """One board crawled in-process: validated items, validate-stage drops, requests made, board outcome."""

    items: list[JobItem] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    requests: list[scrapy.Request] = field(default_factory=list)
    outcome: str = ""
    reason: str | None = None
    stats: dict[str, Any] = field(default_factory=dict)
    spider: Any = None

    def by_id(self) -> dict[str, JobItem]:
        return {item["job_id"]: item for item in self.items}


@dataclass(frozen=True)
class BoardCase:
    """One saved board: the ATS, its board id and the routes answering its requests from saved payloads.

    Each ATS's test file declares its boards as `CASES = (BoardCase(...), ...)`; the fuzz test
    (tests/reliability/test_fuzz_spiders.py) mutates every case's payloads (see `declared_cases`)."""

    ats: str
    company: str
    routes: tuple[Route, ...]

    @property
    def id(self) -> str:
        first = self.routes[0][1]
        return f"{self.ats}:{first.rsplit('/', 1)[-1].split('.')[0] if isinstance(first, str) else self.company}"

    def run(self, **kwargs: Any) -> BoardRun:
        return crawl_board(self.ats, self.company, self.routes, **kwargs)


def declared_cases() -> dict[str, tuple[BoardCase, ...]]:
    """`CASES` of each ATS's test file tests/spiders/test_<ats>.py (empty when it has none), by ATS name."""
    import importlib

    from crawlerats.ats import ats_names

    found: dict[str, tuple[BoardCase, ...]] = {}
    for ats in ats_names():
        try:
            module = importlib.import_module(f"tests.spiders.test_{ats}")
        except ModuleNotFoundError:
            module = None
        found[ats] = tuple(getattr(module, "CASES", ()))
    return found


#: The contract fields (docs/schema.md) an expected-value test states for a posting (`check_item`).
CONTRACT_FIELDS = ("job_id", "title", "company_name", "locations", "location", "workplace_type", "employment_type",
                   "employment_type_raw", "department", "team", "salary", "posted_at", "posted_at_raw", "updated_at",
                   "url", "apply_url", "description_text", "requisition_id", "extras")


def check_item(item: Any, **expected: Any) -> None:
    """Assert every contract field of `item`: all of CONTRACT_FIELDS must be given. `description_text` is a
    snippet the text must contain (None: no text); `extras` the set of its keys; datetimes as ISO text."""
    missing = [name for name in CONTRACT_FIELDS if name not in expected]
    assert not missing, f"state every contract field; missing {missing}"
    problems = []
    for name, want in expected.items():
        got = item.get(name)
        if name == "description_text" and want is not None:
            ok = isinstance(got, str) and want in got
        elif name == "extras" and isinstance(want, (set, frozenset)):
            got = set(got or {})
            ok = got == want
        elif name in ("posted_at", "updated_at") and got is not None:
            got = got.isoformat()
            ok = got == want
        elif name == "salary" and isinstance(want, dict) and isinstance(got, dict) and "annual_max" not in want:
            ok = got == (annualised(want) if "annual_max" in got else want)  # validated: with the annual range
        else:
            ok = got == want
        if not ok:
            problems.append(f"{name}: got {got!r}, expected {want!r}")
    assert not problems, f"{item.get('ats')}:{item.get('job_id')}: " + "; ".join(problems)


def make_spider(name: str | type, companies: str = "x", now: str = NOW, settings: dict[str, Any] | None = None,
                **args: str) -> Any:
    """A spider (by name, or a spider class) built from a crawler with the project settings and a frozen
    CRAWLERATS_NOW."""
    cls = board_spiders()[name] if isinstance(name, str) else name
    merged = get_project_settings().copy_to_dict()
    merged.update({"CRAWLERATS_NOW": now, "LOG_LEVEL": "ERROR", **get_reactor_settings(), **(settings or {})})
    crawler = get_crawler(cls, merged)
    spider = cls.from_crawler(crawler, companies=companies, **args)
    crawler.spider = spider
    return spider


def body_of(source: Body) -> bytes:
    return source if isinstance(source, bytes) else fixture(source).read_bytes()


def response(url: str, source: Body, *, status: int = 200, content_type: str | None = None,
             request: scrapy.Request | None = None) -> Response:
    """A Text/Html/Xml response for `url` with the bytes of `source` (fixture path or bytes)."""
    body = body_of(source)
    if content_type is None and isinstance(source, str):
        content_type = content_type_of(source)
    elif content_type is None:
        start = body.lstrip()[:5].lower()
        content_type = "application/xml" if start == b"<?xml" else "text/html" if start[:1] == b"<" else \
            "application/json"
    headers = Headers({"Content-Type": content_type})
    cls = responsetypes.from_args(headers=headers, url=url, body=body)
    return cls(url=url, status=status, headers=headers, body=body,
               request=request or scrapy.Request(url))


def feed(spider: Any, callback: Callable[..., Any], source: Body, *, url: str, board: str | Board = "x",
         **cb_kwargs: Any) -> Output:
    """Call `callback(response, board=..., **cb_kwargs)` on one saved payload; collect what it yields."""
    target = board if isinstance(board, Board) else Board(spider.name, board)
    return _split(_LOOP.run_until_complete(_collect(callback(response(url, source), board=target, **cb_kwargs))))


def crawl_board(name: str | type, company: str, routes: Sequence[Route], now: str = NOW,
                settings: dict[str, Any] | None = None, **args: str) -> BoardRun:
    """Crawl one board from `start()`; each request gets the first route whose regex matches its URL."""
    spider = make_spider(name, company, now, settings, **args)
    return _LOOP.run_until_complete(_run(spider, routes))


async def _run(spider: Any, routes: Sequence[Route]) -> BoardRun:
    run = BoardRun(spider=spider)
    validate = ValidatePipeline(spider.crawler)
    queue = [r async for r in spider.start() if isinstance(r, scrapy.Request)]
    while queue:
        request = queue.pop(0)
        run.requests.append(request)
        if len(run.requests) > MAX_REQUESTS:
            raise AssertionError(f"more than {MAX_REQUESTS} requests: is the paging loop endless?")
        answer = _route(routes, request.url) or (b'{"error": "not found"}', 404, None)
        resp = response(request.url, answer[0], status=answer[1], content_type=answer[2], request=request)
        if 200 <= resp.status < 300:
            produced = await _collect(request.callback(resp, **request.cb_kwargs))
        else:
            produced = await _collect(request.errback(_http_failure(request, resp)) if request.errback else None)
        for thing in produced:
            if isinstance(thing, scrapy.Request):
                queue.append(thing)
            elif thing is not None:
                try:
                    run.items.append(validate.process_item(thing))
                except DropItem as exc:
                    run.dropped.append(str(exc).split(":", 1)[0])
    if spider.outcomes:
        outcome = next(iter(spider.outcomes.values()))
        run.outcome, run.reason = outcome.outcome("finished"), outcome.reason
    spider.closed("finished")
    run.stats = spider.crawler.stats.get_stats()
    return run


def content_type_of(path: str) -> str:
    """The Content-Type a saved payload is served with, from its file suffix."""
    suffix = re.search(r"\.\w+$", path)
    return _CONTENT_TYPES.get(suffix.group(0) if suffix else "", "application/json")


def _route(routes: Sequence[Route], url: str) -> tuple[Body, int, str | None] | None:
    for route in routes:
        if re.search(route[0], url):
            status = route[2] if len(route) > 2 else 200  # type: ignore[misc]
            return route[1], status, route[3] if len(route) > 3 else None  # type: ignore[misc]
    return None


async def _collect(result: Any) -> list[Any]:
    if result is None:
        return []
    if inspect.isasyncgen(result):
        return [x async for x in result]
    if inspect.iscoroutine(result):
        return await _collect(await result)
    return list(result)


def _split(produced: list[Any]) -> Output:
    out = Output()
    for thing in produced:
        if isinstance(thing, scrapy.Request):
            out.requests.append(thing)
        elif thing is not None:
            out.items.append(thing)
    return out


def _http_failure(request: scrapy.Request, resp: Response) -> Any:
    from scrapy.spidermiddlewares.httperror import HttpError
    from twisted.python.failure import Failure

    failure = Failure(HttpError(resp, f"Ignoring non-200 response ({resp.status})"))
    failure.request = request  # type: ignore[attr-defined]
    return failure
