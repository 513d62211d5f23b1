"""A local HTTP server that answers mirrored ATS requests (`/<host><path>?<query>`) from a route table.

Routes map `(method, "/<host><path>")` to a handler `(query: dict[str, str], body: bytes) -> Reply`.
Helpers build the usual replies: a fixture file as is, a JSON array paged by skip/limit or offset/limit,
raw status codes and bodies for fault injection. Every request is recorded in `server.requests`.
"""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


Handler = Callable[[dict[str, str], bytes], Reply]


def file_reply(path: Path, content_type: str | None = None) -> Handler:
    data = Path(path).read_bytes()
    ctype = content_type or ("application/xml" if str(path).endswith(".xml") else "application/json")
    return lambda query, body: Reply(body=data, content_type=ctype)


def json_reply(payload: Any, status: int = 200) -> Handler:
    data = json.dumps(payload).encode()
    return lambda query, body: Reply(status=status, body=data)


def paged_list(items: list[Any], skip: str = "skip", limit: str = "limit", wrap: Callable[[list, int, int], Any] | None = None) -> Handler:
    """Serve `items` sliced by the query's skip/offset and limit; `wrap` builds the envelope."""

    def handler(query: dict[str, str], body: bytes) -> Reply:
        source = query
        if body:
            with contextlib.suppress(ValueError):
                source = {**query, **{k: str(v) for k, v in json.loads(body).items() if not isinstance(v, dict)}}
        start = int(source.get(skip, 0) or 0)
        size = int(source.get(limit, len(items)) or len(items))
        page = items[start : start + size]
        return Reply(body=json.dumps(wrap(page, start, len(items)) if wrap else page).encode())

    return handler


class AtsServer:
    """Threaded loopback server; use as a context manager or call start()/stop()."""

    def __init__(self) -> None:
        self.routes: dict[tuple[str, str], Handler] = {}
        self.requests: list[tuple[str, str, dict[str, str], bytes]] = []
        server = self

        class _Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _serve(self) -> None:
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query, keep_blank_values=True))
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                server.requests.append((self.command, parts.path, query, body))
                handler = server.routes.get((self.command, parts.path))
                reply = handler(query, body) if handler else Reply(404, b'{"error": "not found"}')
                if reply.delay:
                    time.sleep(reply.delay)
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for key, value in reply.headers.items():
                    self.send_header(key, value)
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(reply.body)

            do_GET = do_POST = do_HEAD = _serve

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def route(self, method: str, url_path: str, handler: Handler) -> None:
        """Register `handler` for `method` on `host/path` (e.g. ``api.lever.co/v0/postings/spotify``)."""
        self.routes[(method.upper(), "/" + url_path.lstrip("/"))] = handler

    def start(self) -> AtsServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> AtsServer:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()
