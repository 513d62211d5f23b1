"""Offline mirror: rewrite every ATS request to `CRAWLERATS_MIRROR/<host><path>?<query>`.

With `CRAWLERATS_MIRROR=http://127.0.0.1:8000`, a request for
`https://api.lever.co/v0/postings/spotify?mode=json` is sent to
`http://127.0.0.1:8000/api.lever.co/v0/postings/spotify?mode=json` with the same method, headers and body.
The original URL stays in `request.meta["original_url"]`, and responses are handed back to the spider
under the original URL, so spider code never knows it ran offline.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from scrapy import Request
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured
from scrapy.http import Response


def mirror_url(mirror: str, url: str) -> str:
    """The mirror URL for `url` (host and path kept, scheme dropped)."""
    parts = urlsplit(url)
    query = f"?{parts.query}" if parts.query else ""
    return f"{mirror.rstrip('/')}/{parts.netloc}{parts.path or '/'}{query}"


class MirrorMiddleware:
    """Downloader middleware that sends requests to the mirror and restores the original URL on responses."""

    def __init__(self, mirror: str) -> None:
        self.mirror = mirror.rstrip("/")

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> MirrorMiddleware:
        mirror = crawler.settings.get("CRAWLERATS_MIRROR")
        if not mirror:
            raise NotConfigured("CRAWLERATS_MIRROR not set")
        if not mirror.startswith(("http://", "https://")):
            raise ValueError(f"CRAWLERATS_MIRROR={mirror!r} must be an http(s) URL such as http://127.0.0.1:8000")
        return cls(mirror)

    def process_request(self, request: Request) -> Request | None:
        if request.meta.get("playwright") or request.url.startswith(self.mirror):
            return None  # already mirrored (retries keep the mirror URL); redirects to ATS URLs are not
        request.meta["original_url"] = request.url
        return request.replace(url=mirror_url(self.mirror, request.url), meta=request.meta, dont_filter=True)

    def process_response(self, request: Request, response: Response) -> Response:
        original = request.meta.get("original_url")
        if original and response.url.startswith(self.mirror):
            return response.replace(url=original)
        return response
