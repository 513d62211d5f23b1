"""Retries with backoff: honours `Retry-After` per host (429/503) and backs off exponentially otherwise.

Replaces Scrapy's RetryMiddleware (same settings: RETRY_TIMES, RETRY_HTTP_CODES, RETRY_EXCEPTIONS) and adds:

- a 429 or 503 with `Retry-After` (seconds or an HTTP date) pauses every request to that host until then;
  a 429 without it pauses the host for the exponential backoff instead (the ATS asked us to slow down);
- any other retry (5xx, timeouts, connection errors) waits `CRAWLERATS_RETRY_BACKOFF * 2**(n-1)` seconds
  before the n-th retry of that request only;
- every wait is capped at `CRAWLERATS_RETRY_MAX_WAIT` seconds, so a hostile `Retry-After: 86400` cannot
  stall a crawl.

The host is the ATS host of the original URL (before `CRAWLERATS_MIRROR` rewriting). Waiting requests
sleep in `process_request` like requests queued behind a download delay; other hosts are not delayed.
When retries are exhausted the response or error reaches the spider's errback, which fails the board.
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import time
from datetime import UTC, datetime
from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.downloadermiddlewares.retry import RetryMiddleware
from scrapy.http import Response

logger = logging.getLogger(__name__)

#: Base of the exponential backoff between retries, in seconds.
DEFAULT_BACKOFF = 1.0
#: Longest wait before a retry, whatever the server asks for.
DEFAULT_MAX_WAIT = 60.0
_THROTTLE_CODES = frozenset({429, 503})


def parse_retry_after(value: str | bytes | None, now: float | None = None) -> float | None:
    """Seconds to wait from a `Retry-After` header (delta-seconds or HTTP-date); None when unusable."""
    if value is None:
        return None
    text = value.decode("latin-1") if isinstance(value, bytes) else str(value)
    text = text.strip()
    if not text:
        return None
    try:
        seconds = float(text)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            return None
        if when is None:
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        current = datetime.fromtimestamp(now if now is not None else time.time(), tz=UTC)
        seconds = (when - current).total_seconds()
    if seconds != seconds:  # NaN
        return None
    return max(0.0, seconds)


def request_host(request: Request) -> str:
    """The ATS host a request is for (the original host when the offline mirror rewrote the URL)."""
    return urlsplit(request.meta.get("original_url") or request.url).netloc.lower()


class BackoffRetryMiddleware(RetryMiddleware):
    """Scrapy's RetryMiddleware plus per-host Retry-After and exponential backoff (see module doc)."""

    def __init__(self, crawler: Crawler) -> None:
        super().__init__(crawler.settings)
        self.crawler = crawler
        settings = crawler.settings
        self.backoff = settings.getfloat("CRAWLERATS_RETRY_BACKOFF", DEFAULT_BACKOFF)
        self.max_wait = settings.getfloat("CRAWLERATS_RETRY_MAX_WAIT", DEFAULT_MAX_WAIT)
        #: host -> monotonic time before which no request goes to that host.
        self.host_until: dict[str, float] = {}

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> BackoffRetryMiddleware:
        return cls(crawler)

    # --- waiting ----------------------------------------------------------------------------------
    async def process_request(self, request: Request) -> None:
        now = time.monotonic()
        until = max(self.host_until.get(request_host(request), 0.0), request.meta.get("retry_not_before", 0.0))
        if until > now:
            self.crawler.stats.inc_value("crawlerats/retry/waited")
            await asyncio.sleep(until - now)
        return None

    def _backoff_for(self, request: Request) -> float:
        attempt = request.meta.get("retry_times", 0) + 1
        return min(self.max_wait, self.backoff * 2 ** (attempt - 1))

    # --- retrying ---------------------------------------------------------------------------------
    def process_response(self, request: Request, response: Response) -> Request | Response:  # type: ignore[override]
        if request.meta.get("dont_retry", False) or response.status not in self.retry_http_codes:
            return response
        retry = self._retry(request, f"{response.status}")
        if retry is None:
            return response
        stats = self.crawler.stats
        header = parse_retry_after(response.headers.get("Retry-After"))
        if response.status in _THROTTLE_CODES and (header is not None or response.status == 429):
            wait = self._backoff_for(request) if header is None else header
            if wait > self.max_wait:
                stats.inc_value("crawlerats/retry/retry_after_capped")
                wait = self.max_wait
            host = request_host(request)
            self.host_until[host] = max(self.host_until.get(host, 0.0), time.monotonic() + wait)
            stats.inc_value(f"crawlerats/retry/throttled/{response.status}")
            if header is not None:
                stats.inc_value("crawlerats/retry/retry_after_honoured")
            logger.info("%s answered %s: pausing requests to %s for %.1f s", request_host(request),
                        response.status, host, wait)
        else:
            retry.meta["retry_not_before"] = time.monotonic() + self._backoff_for(request)
        return retry

    def process_exception(self, request: Request, exception: Exception) -> Request | None:  # type: ignore[override]
        retry = super().process_exception(request, exception)
        if isinstance(retry, Request):
            retry.meta["retry_not_before"] = time.monotonic() + self._backoff_for(request)
        return retry
