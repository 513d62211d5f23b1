"""Fixtures for discovery tests: the careers pages under pages/ served on loopback, and a process check."""

from __future__ import annotations

import functools
import os
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

PAGES = Path(__file__).parent / "pages"


class PagesServer:
    """A threaded static server for PAGES on 127.0.0.1:0 that records every path requested."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        server = self

        class _Handler(SimpleHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                server.paths.append(self.path)
                super().do_GET()

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(_Handler, directory=str(PAGES)))
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, name: str) -> str:
        return f"{self.origin}/{name}"

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> PagesServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def pages() -> Iterator[PagesServer]:
    with PagesServer() as server:
        yield server


@pytest.fixture
def db_settings(mongo_uri: str, mongo_db_name: str, pages: PagesServer) -> dict[str, str]:
    """Test database settings for discover/jsonld crawls (no ATS mirror: pages are served directly). The
    browser's destination guard allows the pages server's origin only, not other loopback ports."""
    return {"MONGO_URI": mongo_uri, "MONGO_DATABASE": mongo_db_name, "CRAWLERATS_NOW": "2026-09-01T08:00:00Z",
            "CRAWLERATS_BROWSER_ALLOWED_ORIGINS": pages.origin}


def marked_processes(marker: str) -> list[tuple[int, str]]:
    """(pid, command) of live processes whose environment carries CRAWLERATS_TEST_MARK=marker."""
    needle = f"CRAWLERATS_TEST_MARK={marker}".encode()
    found = []
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            if needle not in (proc / "environ").read_bytes().split(b"\0"):
                continue
            status = (proc / "status").read_text()
            if "\nState:\tZ" in status:
                continue
            found.append((int(proc.name), (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode()[:200]))
        except OSError:
            continue
    return found


@pytest.fixture
def process_marker() -> Iterator[tuple[dict[str, str], Any]]:
    """Env that tags a crawl subprocess and its children, and a function listing those still alive
    (waiting up to a few seconds for exiting processes to be reaped)."""
    marker = uuid.uuid4().hex

    def leftovers() -> list[tuple[int, str]]:
        deadline = time.monotonic() + 5
        while True:
            alive = marked_processes(marker)
            if not alive or time.monotonic() > deadline:
                return alive
            time.sleep(0.2)

    yield {"CRAWLERATS_TEST_MARK": marker}, leftovers
    os.environ.pop("CRAWLERATS_TEST_MARK", None)
