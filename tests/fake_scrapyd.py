"""A small fake Scrapyd node (daemonstatus, listjobs, schedule) for scheduler unit tests.

It answers like Scrapyd 1.6: errors as HTTP 200 with `{"status": "error", "message": ...}`, scheduled jobs
land in `pending`. Tests set `running`/`pending`/`finished` lists, inject `schedule_error` (an error answer)
or `schedule_http_status` (a broken node), and read every POST in `scheduled`.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, parse_qsl, urlsplit


@dataclass
class FakeScrapydState:
    node_name: str = "node"
    projects: set[str] = field(default_factory=lambda: {"crawlerats"})
    spiders: set[str] = field(default_factory=lambda: {"lever", "greenhouse"})
    running: list[dict[str, Any]] = field(default_factory=list)
    pending: list[dict[str, Any]] = field(default_factory=list)
    finished: list[dict[str, Any]] = field(default_factory=list)
    schedule_error: str | None = None
    schedule_http_status: int | None = None
    status_body: bytes | None = None
    scheduled: list[dict[str, Any]] = field(default_factory=list)
    auth_headers: list[str | None] = field(default_factory=list)
    #: Answer every request with a redirect (`redirect_status`, default 307) to this base URL + the path.
    redirect_to: str | None = None
    redirect_status: int = 307
    redirect_methods: tuple[str, ...] = ("GET", "POST")


class FakeScrapyd:
    def __init__(self, **state: Any) -> None:
        self.state = FakeScrapydState(**state)
        fake = self

        class _Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _reply(self, payload: Any, status: int = 200, raw: bytes | None = None) -> None:
                body = raw if raw is not None else json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def _redirected(self) -> bool:
                if fake.state.redirect_to is None or self.command not in fake.state.redirect_methods:
                    return False
                self.send_response(fake.state.redirect_status)
                self.send_header("Location", fake.state.redirect_to + self.path)
                self.send_header("Content-Length", "0")
                self.end_headers()
                return True

            def do_GET(self) -> None:  # noqa: N802 - http.server API
                fake.state.auth_headers.append(self.headers.get("Authorization"))
                if self._redirected():
                    return None
                parts = urlsplit(self.path)
                query = dict(parse_qsl(parts.query))
                s = fake.state
                if parts.path == "/daemonstatus.json":
                    if s.status_body is not None:
                        return self._reply(None, raw=s.status_body)
                    return self._reply({"status": "ok", "node_name": s.node_name, "running": len(s.running),
                                        "pending": len(s.pending), "finished": len(s.finished)})
                if parts.path == "/listjobs.json":
                    project = query.get("project")
                    if project and project not in s.projects:
                        return self._reply({"status": "error", "message": f"project '{project}' not found"})
                    return self._reply({"status": "ok", "node_name": s.node_name, "running": s.running,
                                        "pending": s.pending, "finished": s.finished})
                return self._reply({"status": "error", "message": "not found"}, status=404)

            def do_POST(self) -> None:  # noqa: N802 - http.server API
                fake.state.auth_headers.append(self.headers.get("Authorization"))
                if self._redirected():
                    return None
                length = int(self.headers.get("Content-Length") or 0)
                form = parse_qs(self.rfile.read(length).decode(), keep_blank_values=True)
                s = fake.state
                if urlsplit(self.path).path != "/schedule.json":
                    return self._reply({"status": "error", "message": "not found"}, status=404)
                if s.schedule_http_status:
                    return self._reply(None, status=s.schedule_http_status, raw=b"<html>Internal error</html>")
                fields = {k: v[0] for k, v in form.items()}
                job = {"form": form, **fields}
                s.scheduled.append(job)
                if s.schedule_error:
                    return self._reply({"status": "error", "message": s.schedule_error})
                if fields.get("project") not in s.projects:
                    return self._reply({"status": "error", "message": f"project '{fields.get('project')}' not found"})
                if fields.get("spider") not in s.spiders:
                    return self._reply({"status": "error", "message": f"spider '{fields.get('spider')}' not found"})
                s.pending.append({"id": fields["jobid"], "project": fields["project"], "spider": fields["spider"]})
                return self._reply({"status": "ok", "node_name": s.node_name, "jobid": fields["jobid"]})

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> FakeScrapyd:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def finish_all(self) -> None:
        """Move every pending and running job to finished (as if the node ran them)."""
        s = self.state
        s.finished += s.running + s.pending
        s.running, s.pending = [], []
