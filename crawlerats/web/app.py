"""The job board: a Starlette app serving server-rendered Jinja2 pages from the `jobs` database; read-only except
for its one write path, the "Promote this listing" flow (crawlerats/web/promote_routes.py, docs/promote.md)."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from pymongo.database import Database
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.gzip import GZipMiddleware
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from crawlerats import clock
from crawlerats.db.indexes import ensure_indexes
from crawlerats.web import feeds
from crawlerats.web.charts import stacked_bars
from crawlerats.web.formatting import FILTERS, GLOBALS, finalize
from crawlerats.web.health_text import breakdown, summary
from crawlerats.web.promote_routes import PromoteConfig, promote_routes
from crawlerats.web.protect import WebLimits
from crawlerats.web.protect import install as install_protection
from crawlerats.web.queries import (
    EMPLOYMENT_TYPES,
    POSTED_WITHIN,
    RISK_LABELS,
    RISK_LEVELS,
    SALARY_CHOICES,
    SORTS,
    STATUSES,
    WORKPLACES,
    ListParams,
    WebQueries,
    is_promoted,
)

HERE = Path(__file__).resolve().parent

#: Only our own stylesheet and script; no inline code, no other origins, no framing, forms post to us only.
CONTENT_SECURITY_POLICY = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; font-src 'self'; "
    "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]


class SecurityHeadersMiddleware:
    """Adds the strict CSP and related headers to every response (pages, static files, errors)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = list(message.get("headers", [])) + [
                    (name, value) for name, value in SECURITY_HEADERS if name not in names]
            await send(message)

        await self.app(scope, receive, send_with_headers)


#: zlib level of the pages' gzip. Starlette's default, 9, spent 1.1 ms on a 41 kB list page; 5 spends 0.28 ms for
#: a body 3 % larger (nginx's default is 1).
GZIP_LEVEL = 5


def build_templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(HERE / "templates")),
        autoescape=jinja2.select_autoescape(default=True, default_for_string=True),
        undefined=jinja2.ChainableUndefined,
        finalize=finalize,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(FILTERS)
    env.globals.update(GLOBALS)
    env.globals.update({"RISK_LEVELS": RISK_LEVELS, "RISK_LABELS": RISK_LABELS, "WORKPLACES": WORKPLACES,
                        "EMPLOYMENT_TYPES": EMPLOYMENT_TYPES, "SALARY_CHOICES": SALARY_CHOICES,
                        "POSTED_WITHIN": POSTED_WITHIN, "STATUSES": STATUSES, "SORTS": SORTS, "urlencode": urlencode})
    return Jinja2Templates(env=env)


def create_app(db: Database, *, create_indexes: bool = True, cache_seconds: float = 60.0,
               warm: bool = False, limits: WebLimits | None = None,
               promote: PromoteConfig | None = None) -> Starlette:
    """The web app over `db` (a pymongo Database); creates the registered indexes unless told not to.

    `cache_seconds`: how long the stats aggregation is served before it is recomputed in the background;
    `warm`: compute it once at start in a background thread. `promote`: the promote flow's config
    (default: from the project settings, read at its first request).
    """
    if create_indexes:
        ensure_indexes(db)
    queries = WebQueries(db, cache_seconds=cache_seconds)
    templates = build_templates()
    if warm and cache_seconds > 0:
        # The stats aggregation reads every posting: compute it once now, off the request path.
        def warm_caches() -> None:
            queries.stats_summary()  # the facet counts behind /stats and the list's totals
            queries.directory()  # company-name filter

        threading.Thread(target=warm_caches, name="crawlerats-web-warm", daemon=True).start()

    def render(request: Request, name: str, context: dict[str, Any], status_code: int = 200) -> Response:
        return templates.TemplateResponse(request, name, context, status_code=status_code)

    async def home(request: Request) -> Response:
        return RedirectResponse("/jobs", status_code=307)

    async def job_list(request: Request) -> Response:
        params = ListParams.parse(request.query_params)
        if any(not value.strip() for value in request.query_params.values()):
            return RedirectResponse(feeds.list_url("/jobs", params), status_code=302)  # only non-empty parameters
        page = await run_in_threadpool(queries.job_list, params)
        if page.pages is not None and params.page > page.pages:
            return RedirectResponse(feeds.list_url("/jobs", params, page=page.pages), status_code=302)
        return render(request, "jobs.html", {"page": page, "params": params})

    async def job_page(request: Request) -> Response:
        ats, company, job_id = (request.path_params[k] for k in ("ats", "company", "job_id"))

        def load() -> dict[str, Any] | None:
            job = queries.job(ats, company, job_id)
            if job is None:
                return None
            earlier = [e for e in (job.get("earlier_postings") or []) if isinstance(e, dict)]
            stored = queries.existing_job_ids(ats, company, [str(e.get("job_id")) for e in earlier])
            health = job.get("health") if isinstance(job.get("health"), dict) else None
            label = (health or {}).get("risk_label") or RISK_LABELS.get(str((health or {}).get("risk")), "")
            return {"job": job, "earlier": earlier, "earlier_stored": stored,
                    "duplicates": queries.duplicates(job), "later": queries.later_postings(job),
                    "company_name": queries.company_display(job), "promoted": is_promoted(job, clock.now()),
                    "signals": breakdown(health, job), "summary": summary(health, str(label))}

        context = await run_in_threadpool(load)
        if context is None:
            raise HTTPException(status_code=404, detail="No such job posting")
        return render(request, "job.html", context)

    async def company_page(request: Request) -> Response:
        ats, company = request.path_params["ats"], request.path_params["company"]
        page = ListParams.parse({"page": request.query_params.get("page", "1")}).page
        info = await run_in_threadpool(queries.company, ats, company, page)
        if info is None:
            raise HTTPException(status_code=404, detail="No such company")
        chart = stacked_bars("Open postings by risk level", list(RISK_LEVELS),
                             [(RISK_LABELS[level], {level: info["by_risk"][level]}) for level in RISK_LEVELS])
        return render(request, "company.html", {"info": info, "chart": chart})

    async def stats_page(request: Request) -> Response:
        def load() -> dict[str, Any]:
            return {**queries.stats_summary(wait=False), "crawls": queries.recent_crawls()}

        data = await run_in_threadpool(load)
        keys = [*RISK_LEVELS, "unscored"]
        ats_chart = stacked_bars("Open postings by ATS and risk level", keys,
                                 [(row["ats"], row) for row in data["by_ats"]])
        outcome_keys = ["ok", "incomplete", "truncated", "failed"]
        crawl_chart = stacked_bars(
            "Boards per crawl by outcome", outcome_keys,
            [(str(c.get("_id")), {k: (c.get("boards") or {}).get(k) or 0 for k in outcome_keys})
             for c in reversed(data["crawls"])])
        return render(request, "stats.html", {**data, "ats_chart": ats_chart, "crawl_chart": crawl_chart})

    async def not_found(request: Request, exc: Exception) -> Response:
        status = getattr(exc, "status_code", 404)
        detail = getattr(exc, "detail", None) or "Not found"
        return render(request, "error.html", {"status": status, "detail": detail}, status_code=status)

    routes = [
        Route("/", home),
        Route("/favicon.ico", feeds.favicon),
        Route("/jobs", job_list),
        Route("/jobs.csv", feeds.csv_export),
        Route("/jobs.atom", feeds.atom_export),
        Route("/api/jobs", feeds.api_jobs),
        Route("/api/jobs/{ats}/{company:path}/{job_id}", feeds.api_job),
        # before the job page: its path would match them too
        *promote_routes(db, render, promote, queries.forget_promotions),
        Route("/jobs/{ats}/{company:path}/{job_id}", job_page),
        Route("/companies/{ats}/{company:path}", company_page),
        Route("/stats", stats_page),
        Mount("/static", app=feeds.CachedStaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    middleware = [Middleware(SecurityHeadersMiddleware),
                  Middleware(GZipMiddleware, minimum_size=500, compresslevel=GZIP_LEVEL)]
    app = Starlette(routes=routes, middleware=middleware, exception_handlers={HTTPException: not_found})
    app.state.queries = queries
    # Load shedding, query time limits, trusted hosts; security headers around everything (500s too).
    install_protection(app, limits or WebLimits(), outermost=SecurityHeadersMiddleware)
    return app
