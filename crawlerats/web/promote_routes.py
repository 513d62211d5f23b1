"""The promote pages: `GET|POST /jobs/<ats>/<company>/<job_id>/promote` (the form) and
`GET|POST /promote/confirm/<token>` (the link from the mail; only the POST changes anything).

Every POST is counted against the per-IP limit first, then passes a same-origin check (Origin, else Referer,
must be this site) and a signed per-form CSRF token tied to a random nonce in a `SameSite=Lax`, HttpOnly cookie. Bodies are capped and parsed here
(urlencoded only). Every promote response is `Cache-Control: no-store` with `Referrer-Policy: same-origin`
(so the browser sends Origin on the form POST and the token never leaves the site in a Referer).
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from pymongo.database import Database
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from crawlerats.promote.config import PromoteConfig
from crawlerats.promote.flow import HONEYPOT, Outcome, PromoteService
from crawlerats.promote.tokens import TokenError, check_form, new_nonce, sign_form

Render = Callable[[Request, str, dict[str, Any], int], Response]

COOKIE = "crawlerats_form"
MAX_BODY = 8 * 1024
FORM_PATH = "/jobs/{ats}/{company:path}/{job_id}/promote"
CONFIRM_PATH = "/promote/confirm/{token}"
PRIVATE_HEADERS = {"cache-control": "no-store", "referrer-policy": "same-origin", "x-robots-tag": "noindex"}


class FormRejected(Exception):
    """The POST is not a same-origin, CSRF-protected, urlencoded form of reasonable size."""

    def __init__(self, status: int, why: str) -> None:
        super().__init__(why)
        self.status = status


def _origin_of(url: str | None) -> str | None:
    if not url:
        return None
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower() if parts.scheme and parts.netloc else "null"


def same_origin(request: Request, public_url: str | None) -> bool:
    """Origin (or, without it, Referer) names this site: the Host the request came to, or CRAWLERATS_PUBLIC_URL."""
    sent = request.headers.get("origin")
    origin = sent.lower() if sent else _origin_of(request.headers.get("referer"))
    if not origin or origin == "null":
        return False
    allowed = {f"{request.url.scheme}://{request.headers.get('host', '')}".lower()}
    if public_url:
        allowed.add(_origin_of(public_url) or "")
    return origin in allowed


async def read_form(request: Request) -> dict[str, str]:
    """The urlencoded body (at most MAX_BODY bytes) as a dict of first values."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/x-www-form-urlencoded":
        raise FormRejected(415, "not a form")
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY:
            raise FormRejected(413, "form too large")
    form: dict[str, str] = {}
    for key, value in parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=20):
        form.setdefault(key, value)
    return form


def promote_routes(db: Database, render: Render, config: PromoteConfig | None = None,
                   on_activated: Callable[[], None] | None = None) -> list[Route]:
    """The promote routes over `db`; put them before the job page's route (its path would match too).

    Without `config`, the settings (secret key, mail, limits, scoring weights) are read at the first
    promote request, so an app that never serves one never creates a key file. `on_activated`: called once a
    confirmation link activated a promotion (the lists' cached active promotions are read again).
    """
    lazy: dict[str, PromoteService] = {}
    lock = threading.Lock()

    def service() -> PromoteService:
        with lock:
            if "service" not in lazy:
                lazy["service"] = _service_from_settings(db, config)
            return lazy["service"]

    def page(request: Request, name: str, context: dict[str, Any], status: int = 200,
             retry_after: int = 0) -> Response:
        secret = service().config.secret_key
        promote = service().config
        nonce = request.cookies.get(COOKIE) or ""
        fresh = not nonce or len(nonce) > 64
        if fresh:
            nonce = new_nonce()
        context = {**context, "csrf_token": sign_form(secret, nonce, request.url.path), "honeypot": HONEYPOT,
                   "promotion_days": promote.promotion_days, "token_hours": promote.token_hours}
        response = render(request, name, context, status)
        response.headers.update(PRIVATE_HEADERS)
        if retry_after:
            response.headers["retry-after"] = str(retry_after)
        if fresh:
            response.set_cookie(COOKIE, nonce, httponly=True, samesite="lax", path="/",
                                secure=request.url.scheme == "https")
        return response

    async def checked_form(request: Request) -> dict[str, str]:
        promote = service().config
        if not same_origin(request, promote.public_url):
            raise FormRejected(403, "cross-origin")
        form = await read_form(request)
        try:
            check_form(promote.secret_key, form.get("csrf_token"), request.cookies.get(COOKIE), request.url.path)
        except TokenError as exc:
            raise FormRejected(403, str(exc)) from exc
        return form

    def posting_of(request: Request) -> tuple[str, str, str]:
        return tuple(str(request.path_params[k]) for k in ("ats", "company", "job_id"))  # type: ignore[return-value]

    async def promote_form(request: Request) -> Response:
        posting = posting_of(request)
        job = await run_in_threadpool(service().job, posting)
        if job is None:
            return page(request, "promote.html", {"state": "missing", "job": None}, 404)
        if request.method == "GET":
            state = "form" if job.get("status") == "open" else "closed"
            return page(request, "promote.html", {"state": state, "job": job, "form": {}})
        limited = await run_in_threadpool(service().throttle_client, "ip", posting, _client(request))
        if limited is not None:
            return page(request, "promote.html", {"state": "limited", "job": job, "form": {}, "outcome": limited},
                        limited.status, limited.retry_after)
        try:
            form = await checked_form(request)
        except FormRejected as exc:
            await run_in_threadpool(service().reject, posting, f"form {exc}", _client(request))
            return page(request, "promote.html", {"state": "forbidden", "job": job, "form": {}}, exc.status)
        outcome: Outcome = await run_in_threadpool(service().request_promotion, posting, form, _client(request),
                                                   str(request.base_url))
        state = {"invalid": "form", "closed": "closed"}.get(outcome.kind, outcome.kind)
        shown = {"email": form.get("email", "")[:254], "name": form.get("name", "")[:80],
                 "confirm_open": form.get("confirm_open") == "yes"}
        return page(request, "promote.html", {"state": state, "job": job, "form": shown, "outcome": outcome},
                    outcome.status, outcome.retry_after)

    async def confirm_link(request: Request) -> Response:
        token = str(request.path_params["token"])
        if request.method == "GET":
            record, why = await run_in_threadpool(service().check_link, token)
            job = await run_in_threadpool(service().job, _key(record)) if record else None
            return page(request, "promote_confirm.html", {"state": "ask" if record else why, "job": job},
                        200 if record else (400 if why == "invalid" else 410))
        limited = await run_in_threadpool(service().throttle_client, "confirm_ip", ("", "", ""), _client(request))
        if limited is not None:
            return page(request, "promote_confirm.html", {"state": "limited", "job": None, "outcome": limited},
                        limited.status, limited.retry_after)
        try:
            await checked_form(request)
        except FormRejected as exc:
            await run_in_threadpool(service().reject, ("", "", ""), f"confirm {exc}", _client(request))
            return page(request, "promote_confirm.html", {"state": "forbidden", "job": None}, exc.status)
        outcome = await run_in_threadpool(service().confirm, token, _client(request))
        if outcome.kind == "activated" and on_activated is not None:
            on_activated()
        job = None
        if outcome.promotion_id:
            job = await run_in_threadpool(service().job_of_promotion, outcome.promotion_id)
        return page(request, "promote_confirm.html", {"state": outcome.kind, "job": job, "outcome": outcome},
                    outcome.status, outcome.retry_after)

    return [Route(FORM_PATH, promote_form, methods=["GET", "POST"]),
            Route(CONFIRM_PATH, confirm_link, methods=["GET", "POST"])]


def _service_from_settings(db: Database, config: PromoteConfig | None) -> PromoteService:
    from crawlerats.cli.settings import project_settings
    from crawlerats.promote.config import config_from_settings
    from crawlerats.scoring.config import config_from_settings as scoring_from_settings

    settings = project_settings()
    return PromoteService(db, config or config_from_settings(settings), scoring_from_settings(settings))


def _key(record: dict[str, Any]) -> tuple[str, str, str]:
    return (str(record["ats"]), str(record["company"]), str(record["job_id"]))


def _client(request: Request) -> str | None:
    return request.client.host if request.client else None

