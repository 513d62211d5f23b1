"""A minimal Scrapyd JSON API client (stdlib only): daemonstatus, listjobs, schedule.

Scrapyd reports most errors with HTTP 200 and `{"status": "error", "message": ...}`, so every answer's
JSON `status` is checked: an error answer raises `ScrapydError`, a node that does not answer (refused,
timeout, HTTP error, not JSON) raises `NodeUnavailable`. Credentials may be given in the URL
(`http://user:secret@host:6800`) and are sent as HTTP basic auth, never shown in messages. Redirects are
refused (`NodeUnavailable`): Scrapyd's API never redirects, and following one would send the credentials
(and a job) to whatever host the answer names.
"""

from __future__ import annotations

import base64
import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

DEFAULT_TIMEOUT = 10.0


class ScrapydError(RuntimeError):
    """The node answered, with `status: error` (or an answer that makes no sense)."""


class NodeUnavailable(ScrapydError):
    """The node did not answer usefully: connection refused, timeout, HTTP error, redirect, not JSON."""


class _RefuseRedirects(urllib.request.HTTPRedirectHandler):
    """Turns every redirect into an HTTPError (urllib would copy the Authorization header to the new host)."""

    def redirect_request(self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any,
                         newurl: str) -> None:
        return None


_OPENER = urllib.request.build_opener(_RefuseRedirects)


@dataclass
class ScrapydNode:
    url: str
    timeout: float = DEFAULT_TIMEOUT
    base: str = field(init=False)
    auth: str | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        url = self.url.strip()
        if "://" not in url:
            url = "http://" + url
        parts = urllib.parse.urlsplit(url)
        if not parts.hostname:
            raise ValueError(f"not a Scrapyd URL: {self.url!r}")
        if parts.username:
            creds = f"{urllib.parse.unquote(parts.username)}:{urllib.parse.unquote(parts.password or '')}"
            self.auth = "Basic " + base64.b64encode(creds.encode()).decode()
        netloc = parts.hostname + (f":{parts.port}" if parts.port else "")
        self.base = urllib.parse.urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))

    @property
    def address(self) -> str:
        """host:port, for tables and messages (no credentials)."""
        return urllib.parse.urlsplit(self.base).netloc

    def _call(self, endpoint: str, params: Iterable[tuple[str, str]] = (), post: bool = False) -> dict[str, Any]:
        query = urllib.parse.urlencode(list(params))
        url = f"{self.base}/{endpoint}"
        data = None
        if post:
            data = query.encode()
        elif query:
            url += "?" + query
        request = urllib.request.Request(url, data=data, method="POST" if post else "GET")
        if self.auth:
            request.add_header("Authorization", self.auth)
        try:
            with _OPENER.open(request, timeout=self.timeout) as response:
                body = response.read()
        except urllib.error.HTTPError as exc:
            if 300 <= exc.code < 400:
                target = urllib.parse.urlsplit(exc.headers.get("Location") or "").hostname or "?"
                raise NodeUnavailable(f"{self.address}: {endpoint} answered with a redirect (HTTP {exc.code}, to "
                                      f"host {target}); redirects are not followed, so that the credentials "
                                      "and the job stay with this node: use the node's real URL") from exc
            raise NodeUnavailable(f"{self.address}: HTTP {exc.code} from {endpoint}") from exc
        except (TimeoutError, urllib.error.URLError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise NodeUnavailable(f"{self.address}: no answer ({reason})") from exc
        try:
            answer = json.loads(body)
        except ValueError as exc:
            raise NodeUnavailable(f"{self.address}: {endpoint} did not return JSON") from exc
        if not isinstance(answer, dict):
            raise ScrapydError(f"{self.address}: unexpected {endpoint} answer {answer!r:.100}")
        if answer.get("status") != "ok":
            message = str(answer.get("message") or answer)[:300]
            raise ScrapydError(f"{self.address}: {message}")
        return answer

    def daemonstatus(self) -> dict[str, Any]:
        """{"pending", "running", "finished", "node_name", "status"}."""
        return self._call("daemonstatus.json")

    def listjobs(self, project: str) -> dict[str, list[dict[str, Any]]]:
        """{"pending": [...], "running": [...], "finished": [...]}, each job with at least `id` and `spider`."""
        answer = self._call("listjobs.json", [("project", project)])
        return {state: list(answer.get(state) or []) for state in ("pending", "running", "finished")}

    def schedule(self, project: str, spider: str, jobid: str, args: dict[str, str] | None = None,
                 settings: dict[str, str] | None = None, version: str | None = None) -> str:
        """Queue a job (on egg `version`, default the latest); returns the job id Scrapyd accepted."""
        params = [("project", project), ("spider", spider), ("jobid", jobid)]
        if version:
            params.append(("_version", version))
        params += [("setting", f"{k}={v}") for k, v in (settings or {}).items()]
        params += [(k, v) for k, v in (args or {}).items()]
        answer = self._call("schedule.json", params, post=True)
        return str(answer.get("jobid") or jobid)
