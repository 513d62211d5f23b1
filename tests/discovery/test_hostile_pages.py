"""Hostile careers pages against the real discovery browser (issue 17 item 7): each is bounded and refused.

One `scrapy crawl discover` renders five hostile pages served from an allowed loopback origin while a
"victim" server (another loopback port, standing for Scrapyd or any internal service) records every request.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from pymongo.database import Database

from tests.support.crawl import run_crawl

POPUPS = 20


class Recorder(ThreadingHTTPServer):
    """A loopback HTTP server that records requests and serves pages built by `page(path)`."""

    daemon_threads = True

    def __init__(self) -> None:
        self.requests: list[str] = []
        self.victim_port = 0
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                recorder.requests.append(f"{self.command} {self.path}")
                status, headers, body = recorder.page(self.path)
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

        super().__init__(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def page(self, path: str) -> tuple[int, dict[str, str], bytes]:
        victim = f"http://127.0.0.1:{self.victim_port}"
        html = {
            # A JavaScript loop that starts after load and never yields.
            "/loop.html": "<p>Careers</p><script>setTimeout(() => { for (;;) {} }, 0)</script>",
            # Navigations to local files, by script and by link click.
            "/file.html": '<a id="f" href="file:///etc/passwd">jobs</a><script>setTimeout(() => '
                          '{ location.href = "file:///etc/passwd"; document.getElementById("f").click() }, 0)'
                          "</script>",
            # A form that posts to an internal service's API (Scrapyd's schedule.json), and a fetch by host name.
            "/form.html": f'<form method="post" action="{victim}/schedule.json"><input name="project" '
                          f'value="x"></form><script>fetch("http://localhost:{self.victim_port}/listjobs.json")'
                          ".catch(() => 0); document.forms[0].submit()</script>",
            # Twenty popups (ten to our own origin, ten to the internal service), and a careers link.
            "/popups.html": '<a href="/careers/jobs.html">Careers</a><script>for (let i = 0; i < '
                            f'{POPUPS}; i++) window.open(i % 2 ? "/pop" + i : "{victim}/pop" + i)</script>',
            "/careers/jobs.html": "<p>no board here</p>",
        }.get(path)
        if path == "/redirect":
            return 302, {"Location": f"{victim}/internal"}, b""
        if html is None:
            return 404, {"Content-Type": "text/plain"}, b"not found"
        return 200, {"Content-Type": "text/html"}, f"<html><body>{html}</body></html>".encode()

    def __enter__(self) -> Recorder:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.shutdown()
        self.server_close()


@pytest.fixture
def hostile() -> Iterator[tuple[Recorder, Recorder]]:
    with Recorder() as site, Recorder() as victim:
        site.victim_port = victim.server_address[1]
        yield site, victim


@pytest.mark.browser
def test_hostile_careers_pages_are_bounded_and_refused(
        hostile: tuple[Recorder, Recorder], mongo_uri: str, mongo_db_name: str, mongo_db: Database,
        process_marker) -> None:
    site, victim = hostile
    env, leftovers = process_marker
    names = ["loop.html", "file.html", "form.html", "redirect", "popups.html"]
    urls = {name: f"{site.origin}/{name}" for name in names}
    result = run_crawl("discover", {"urls": ",".join(urls.values())}, {
        "MONGO_URI": mongo_uri, "MONGO_DATABASE": mongo_db_name, "CRAWLERATS_NOW": "2026-09-01T08:00:00Z",
        "CRAWLERATS_BROWSER_ALLOWED_ORIGINS": site.origin,  # the site only: the victim is another loopback port
        "CRAWLERATS_RENDER_TIMEOUT_S": 8, "CRAWLERATS_RENDER_IDLE_TIMEOUT_MS": 2000,
        "CRAWLERATS_RENDER_SETTLE_MS": 300, "ROBOTSTXT_OBEY": False,
    }, env=env)
    stats = result.stats
    found = {doc["url"]: doc for doc in mongo_db["discoveries"].find({})}

    # Nothing reached the internal service: no redirect, form post, fetch or popup.
    assert victim.requests == []
    assert stats["crawlerats/browser/refused/loopback_address"] >= 3
    # Every start URL has its record, and the crawl ended by itself with no Chromium left behind.
    assert set(found) == set(urls.values())
    assert stats["finish_reason"] == "finished"
    assert leftovers() == []

    loop = found[urls["loop.html"]]
    assert loop["status"] == "failed" and "RenderTimeout" in loop["reason"]
    assert stats["crawlerats/browser/render_timeout"] == 1

    assert found[urls["file.html"]]["pages"] == [urls["file.html"]]  # never navigated to file:

    # The form post and the redirect leave the page on a refused destination: the page fails, and the
    # internal URL is neither rendered, nor followed, nor stored.
    for name in ("form.html", "redirect"):
        record = found[urls[name]]
        assert record["status"] == "failed" and record["pages"] == []
        assert record["reason"] == f"RefusedNavigation at {urls[name]}: navigation refused: loopback address"
        assert str(site.victim_port) not in str(record)
    assert stats["crawlerats/browser/navigation_refused"] == 2

    popups = found[urls["popups.html"]]
    assert popups["popups_closed"] == POPUPS == stats["crawlerats/browser/popups_closed"]
    # Popups count against CRAWLERATS_DISCOVER_MAX_PAGES (3): the careers link is not rendered.
    assert popups["pages"] == [urls["popups.html"]]
    assert "CRAWLERATS_DISCOVER_MAX_PAGES" in popups["reason"]
    assert "GET /careers/jobs.html" not in site.requests
    # Scrapy-opened pages were all closed; popups were closed as they opened.
    assert stats["playwright/page_count"] == stats["playwright/page_count/closed"]
