"""Run ATS spider callbacks in-process on canned bodies: no reactor, no network, no database.

`run_board(spider_name, company, serve)` builds the spider through a real Crawler (project settings), runs
its `start()`, answers every request with `serve(request) -> Canned`, follows the requests callbacks yield
(bounded) and passes every item through the validate stage. It returns what a crawl of that board would
hand to the later stages, plus the board outcome and the stats, so property tests can assert on them far
faster than a `scrapy crawl` subprocess.
"""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import scrapy
from scrapy.crawler import Crawler
from scrapy.exceptions import DropItem
from scrapy.http import Headers
from scrapy.responsetypes import responsetypes
from scrapy.spiderloader import SpiderLoader
from scrapy.utils.project import get_project_settings
from scrapy.utils.test import get_crawler, get_reactor_settings

from crawlerats.items import JobItem
from crawlerats.pipelines.validate import ValidatePipeline

NOW = "2026-11-25T12:00:00+00:00"
MAX_REQUESTS = 60


@dataclass
class Canned:
    body: bytes
    status: int = 200
    content_type: str = "application/json"


@dataclass
class BoardRun:
    items: list[JobItem] = field(default_factory=list)
    dropped: list[str] = field(default_factory=list)
    requests: int = 0
    outcome: str = ""
    reason: str | None = None
    stats: dict[str, Any] = field(default_factory=dict)


_LOADER: SpiderLoader | None = None


def spider_loader() -> SpiderLoader:
    global _LOADER
    if _LOADER is None:
        _LOADER = SpiderLoader.from_settings(get_project_settings())
    return _LOADER


def ats_spider_names() -> list[str]:
    """Every spider that reads an ATS board (AtsSpider subclasses), as `scrapy list` shows them."""
    from crawlerats.spiders.base import AtsSpider

    loader = spider_loader()
    return sorted(n for n in loader.list() if issubclass(loader.load(n), AtsSpider) and n not in {"jsonld"})


_CRAWLERS: dict[str, Crawler] = {}
_LOOP = asyncio.new_event_loop()


def make_spider(name: str, company: str, **extra: str) -> scrapy.Spider:
    """A fresh spider (fresh stats) on a crawler built once per spider class with the project settings."""
    crawler = _CRAWLERS.get(name)
    cls = spider_loader().load(name)
    if crawler is None:
        settings = get_project_settings().copy_to_dict()
        settings.update({"CRAWLERATS_NOW": NOW, "LOG_LEVEL": "ERROR", **get_reactor_settings()})
        crawler = _CRAWLERS[name] = get_crawler(cls, settings)
    crawler.stats.clear_stats()
    spider = cls(companies=company, **extra)
    spider.crawler = crawler
    spider.settings = crawler.settings
    crawler.spider = spider
    return spider


async def _collect(result: Any) -> list[Any]:
    if result is None:
        return []
    if inspect.isasyncgen(result):
        return [x async for x in result]
    if inspect.iscoroutine(result):
        return await _collect(await result)
    return list(result)


def run_board(name: str, company: str, serve: Callable[[scrapy.Request], Canned], **extra: str) -> BoardRun:
    """Crawl one board in-process; exceptions from spider code propagate (that is the point)."""
    spider = make_spider(name, company, **extra)
    return _LOOP.run_until_complete(_run(spider, serve))


async def _run(spider: scrapy.Spider, serve: Callable[[scrapy.Request], Canned]) -> BoardRun:
    run = BoardRun()
    validate = ValidatePipeline(spider.crawler)
    queue: list[scrapy.Request] = [r async for r in spider.start() if isinstance(r, scrapy.Request)]
    while queue and run.requests < MAX_REQUESTS:
        request = queue.pop(0)
        run.requests += 1
        canned = serve(request)
        headers = Headers({"Content-Type": canned.content_type})
        cls = responsetypes.from_args(headers=headers, url=request.url, body=canned.body)
        response = cls(url=request.url, status=canned.status, headers=headers, body=canned.body, request=request)
        if 200 <= canned.status < 300:
            output = await _collect(request.callback(response, **request.cb_kwargs))
        else:
            output = await _collect(request.errback(_http_failure(request, response)) if request.errback else None)
        for thing in output:
            if isinstance(thing, scrapy.Request):
                queue.append(thing)
            elif thing is not None:
                try:
                    run.items.append(validate.process_item(thing))
                except DropItem as exc:
                    run.dropped.append(str(exc).split(":", 1)[0])
    outcomes = getattr(spider, "outcomes", {})
    if outcomes:
        board_outcome = next(iter(outcomes.values()))
        run.outcome = board_outcome.outcome("finished")
        run.reason = board_outcome.reason
    run.stats = spider.crawler.stats.get_stats()
    return run


def _http_failure(request: scrapy.Request, response: Any) -> Any:
    from scrapy.spidermiddlewares.httperror import HttpError
    from twisted.python.failure import Failure

    failure = Failure(HttpError(response, f"Ignoring non-200 response ({response.status})"))
    failure.request = request  # type: ignore[attr-defined]
    return failure
