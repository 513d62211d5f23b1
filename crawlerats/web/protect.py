"""Keeps the web view answering under load and hostile requests (docs/operations.md "The web view under load").

- **Expensive requests** (`deep=1` "search all", a text filter `q`/`company`/`location` on a list, the CSV
  export) read many postings. At most `expensive_concurrency` run at once; one more gets an immediate
  `503` with `Retry-After` instead of queueing behind the others, so ordinary pages keep their threads and
  the database. Each client (its IP address) may also start at most `expensive_rate` of them (`429`).
- **A time limit on every query**: each request runs inside `pymongo.timeout(...)`, a deadline shared by all
  its database operations; pymongo sends the remaining time as `maxTimeMS` (the server abandons the scan:
  SecantusDB honours it) and stops waiting itself. A request that runs out of time gets `503`.
- **Trusted hosts**: requests whose `Host` header is not in `allowed_hosts` get `400` (Starlette's
  `TrustedHostMiddleware`), which stops DNS-rebinding pages from reading a board served on localhost.
- **Security headers on every response**: the app's header middleware is wrapped around the whole stack,
  outside Starlette's own error handler, so `500`s, `400`s and `503`s carry them too.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import pymongo
from limits import RateLimitItem, parse
from limits.storage import MemoryStorage
from limits.strategies import MovingWindowRateLimiter
from pymongo.errors import PyMongoError
from starlette.applications import Starlette
from starlette.datastructures import QueryParams
from starlette.middleware.trustedhost import TrustedHostMiddleware
from starlette.responses import PlainTextResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

logger = logging.getLogger(__name__)

#: Routes that list postings from a query string (they share `ListParams`).
LIST_PATHS = frozenset({"/jobs", "/api/jobs", "/jobs.atom", "/jobs.csv"})
#: Routes that stream many rows: the longer `export_seconds` time limit applies.
EXPORT_PATHS = frozenset({"/jobs.csv"})
#: List filters that no index serves: the list reads candidates and filters them in Python.
TEXT_FILTERS = ("q", "company", "location")
#: Default host names the web answers to: the loopback names, and `testserver` (Starlette's TestClient).
DEFAULT_ALLOWED_HOSTS: tuple[str, ...] = ("localhost", "127.0.0.1", "::1", "testserver")


@dataclass(frozen=True)
class WebLimits:
    """The web's load limits and trusted hosts (settings `CRAWLERATS_WEB_*`, see `from_settings`)."""

    allowed_hosts: tuple[str, ...] = DEFAULT_ALLOWED_HOSTS
    #: Time limit of every page's database work, and of an export's.
    query_seconds: float = 10.0
    export_seconds: float = 60.0
    #: Expensive requests that may run at once (process-wide) ...
    expensive_concurrency: int = 2
    #: ... and that one client may start (`limits` notation, moving window).
    expensive_rate: str = "20/minute"
    #: Seconds a client is told to wait after a 503.
    retry_after: int = 5

    @classmethod
    def from_settings(cls, settings: Any) -> WebLimits:
        """From a Scrapy `Settings` (or any mapping); unset values keep the defaults above."""

        def get(name: str, default: Any) -> Any:
            value = settings.get(name) if settings is not None else None
            return default if value in (None, "") else value

        hosts = get("CRAWLERATS_WEB_ALLOWED_HOSTS", cls.allowed_hosts)
        if isinstance(hosts, str):
            hosts = [h for h in hosts.replace(",", " ").split() if h]
        return cls(allowed_hosts=tuple(str(h).strip().lower() for h in hosts),
                   query_seconds=float(get("CRAWLERATS_WEB_QUERY_SECONDS", cls.query_seconds)),
                   export_seconds=float(get("CRAWLERATS_WEB_EXPORT_SECONDS", cls.export_seconds)),
                   expensive_concurrency=int(get("CRAWLERATS_WEB_EXPENSIVE_CONCURRENCY", cls.expensive_concurrency)),
                   expensive_rate=str(get("CRAWLERATS_WEB_EXPENSIVE_RATE", cls.expensive_rate)),
                   retry_after=int(get("CRAWLERATS_WEB_RETRY_AFTER", cls.retry_after)))


def is_expensive(path: str, params: Mapping[str, str]) -> bool:
    """A request that may read many postings: "search all", a text filter on a list, or the CSV export."""
    if path not in LIST_PATHS:
        return False
    if path in EXPORT_PATHS or params.get("deep") == "1":
        return True
    return any((params.get(name) or "").strip() for name in TEXT_FILTERS)


def is_timeout(exc: BaseException) -> bool:
    """A pymongo error caused by the time limit (client deadline or the server's `maxTimeMS`)."""
    return isinstance(exc, PyMongoError) and bool(getattr(exc, "timeout", False))


@dataclass
class LoadCounters:
    """What the load shedding did since start (exposed as `app.state.load` for tests and operators)."""

    expensive_started: int = 0
    busy_503: int = 0
    rate_limited_429: int = 0
    timeout_503: int = 0
    peak_expensive: int = 0
    _running: int = field(default=0, repr=False)


class LoadShedding:
    """Concurrency cap and per-client rate for expensive requests, a deadline on every request's queries."""

    def __init__(self, app: ASGIApp, limits: WebLimits, counters: LoadCounters) -> None:
        self.app = app
        self.limits = limits
        self.counters = counters
        self.rate: RateLimitItem = parse(limits.expensive_rate)
        self.limiter = MovingWindowRateLimiter(MemoryStorage())

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path = scope.get("path", "")
        expensive = is_expensive(path, QueryParams(scope.get("query_string", b"").decode("latin-1")))
        counters = self.counters
        if expensive:
            client = (scope.get("client") or ("unknown", 0))[0]
            if not self.limiter.hit(self.rate, "web-expensive", client):
                counters.rate_limited_429 += 1
                reset = self.limiter.get_window_stats(self.rate, "web-expensive", client).reset_time
                await self._refuse(429, "Too many searches from your address; try again later.",
                                   max(1, math.ceil(reset - time.time())), scope, receive, send)
                return
            if counters._running >= self.limits.expensive_concurrency:
                counters.busy_503 += 1
                await self._refuse(503, "Too many searches are running; try again in a few seconds.",
                                   self.limits.retry_after, scope, receive, send)
                return
            counters._running += 1  # one event loop: no await between the check and the increment
            counters.expensive_started += 1
            counters.peak_expensive = max(counters.peak_expensive, counters._running)
        started = False

        async def watch(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        seconds = self.limits.export_seconds if path in EXPORT_PATHS else self.limits.query_seconds
        try:
            with pymongo.timeout(seconds):  # copied into the threadpool with the request's context
                await self.app(scope, receive, watch)
        except Exception as exc:
            if not is_timeout(exc) or started:
                raise
            counters.timeout_503 += 1
            logger.warning("web request over its %.0f s time limit: %s", seconds, path)
            await self._refuse(503, "The search took too long; narrow the filters or try again later.",
                               self.limits.retry_after, scope, receive, send)
        finally:
            if expensive:
                counters._running -= 1

    @staticmethod
    async def _refuse(status: int, text: str, retry_after: int, scope: Scope, receive: Receive, send: Send) -> None:
        response = PlainTextResponse(text, status_code=status, headers={"retry-after": str(retry_after)})
        await response(scope, receive, send)


def install(app: Starlette, limits: WebLimits, outermost: Callable[[ASGIApp], ASGIApp] | None = None,
            ) -> LoadCounters:
    """Add load shedding (inside Starlette's error handler, so a timeout becomes a 503, not a 500), trusted
    hosts, and `outermost` (the security-header middleware) around everything, including the 500 page."""
    counters = LoadCounters()
    app.add_middleware(LoadShedding, limits=limits, counters=counters)  # type: ignore[arg-type]
    build = app.build_middleware_stack

    def build_protected() -> ASGIApp:
        inner: ASGIApp = TrustedHostMiddleware(build(), allowed_hosts=list(limits.allowed_hosts))
        return outermost(inner) if outermost is not None else inner

    app.build_middleware_stack = build_protected  # type: ignore[method-assign]
    app.state.load = counters
    app.state.limits = limits
    return counters
