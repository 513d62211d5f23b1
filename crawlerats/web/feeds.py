"""Routes for machines: the JSON API, the CSV and Atom exports of the job list, the favicon, cached static files.

Every route reads the same `ListParams` as the HTML list, so a saved search works in all of them
(docs/analysts.md). The app's `WebQueries` is `request.app.state.queries`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response, StreamingResponse
from starlette.staticfiles import StaticFiles

from crawlerats import clock
from crawlerats.web.exports import (
    CSV_MAX_ROWS,
    FEED_ENTRIES,
    api_item,
    atom_feed,
    csv_lines,
    csv_row,
    to_json,
)
from crawlerats.web.queries import ListParams, WebQueries, is_promoted

STATIC = Path(__file__).resolve().parent / "static"
#: Static files (stylesheet, script, icons) may be reused for a day; a changed file shows after that.
STATIC_CACHE_CONTROL = "public, max-age=86400"


class CachedStaticFiles(StaticFiles):
    """Static files with a `Cache-Control` header (they are gzip'ed by the app's GZipMiddleware)."""

    def file_response(self, *args: Any, **kwargs: Any) -> Response:
        response = super().file_response(*args, **kwargs)
        response.headers.setdefault("cache-control", STATIC_CACHE_CONTROL)
        return response


def list_url(path: str, params: ListParams, **changes: Any) -> str:
    """`path?...` with only the non-default, non-empty parameters."""
    query = params.as_query_string(**changes)
    return f"{path}?{urlencode(query)}" if query else path


def _queries(request: Request) -> WebQueries:
    return request.app.state.queries


def _base(request: Request) -> str:
    return str(request.base_url).rstrip("/")


async def favicon(request: Request) -> Response:
    return FileResponse(STATIC / "favicon.ico", media_type="image/x-icon",
                        headers={"cache-control": STATIC_CACHE_CONTROL})


async def api_jobs(request: Request) -> Response:
    """`GET /api/jobs?...` -> `{"total", "page", "per_page", "items"}` (`total` null when not known without
    reading every posting: then `total_at_least` says how many were found)."""
    params = ListParams.parse(request.query_params)
    queries = _queries(request)
    page = await run_in_threadpool(queries.job_list, params)
    rows = await run_in_threadpool(queries.whole_documents, page.rows)
    base = _base(request)
    body: dict[str, Any] = {"total": page.total, "page": params.page, "per_page": params.per_page,
                            "items": [api_item(doc, page.names, base) for doc in rows]}
    if page.total is None:
        body["total_at_least"] = page.found
    if page.has_next:
        body["next"] = base + list_url("/api/jobs", params, page=params.page + 1)
    return JSONResponse(body)


async def api_job(request: Request) -> Response:
    """`GET /api/jobs/<ats>/<company>/<job_id>` -> the posting with its health, or 404 `{"error": ...}`."""
    ats, company, job_id = (request.path_params[k] for k in ("ats", "company", "job_id"))
    queries = _queries(request)

    def load() -> dict[str, Any] | None:
        doc = queries.job(ats, company, job_id)  # whole: `api_item` leaves out `_id` and `dedup`
        if doc is None:
            return None
        return api_item(doc, queries.registry_names(), _base(request))

    item = await run_in_threadpool(load)
    if item is None:
        return JSONResponse({"error": "No such job posting"}, status_code=404)
    return JSONResponse(to_json(item))


async def csv_export(request: Request) -> Response:
    """`GET /jobs.csv?...`: the matching postings in list order, at most `CSV_MAX_ROWS` per file (`page=N`)."""
    params = ListParams.parse(request.query_params)
    queries = _queries(request)
    base = _base(request)
    now = clock.now()
    names = queries.registry_names()
    skip = (params.page - 1) * CSV_MAX_ROWS
    state = {"more": False}

    def rows() -> Iterator[list[str]]:
        for n, doc in enumerate(queries.iter_matches(params, now=now)):
            if n < skip:
                continue
            if n >= skip + CSV_MAX_ROWS:
                state["more"] = True
                return
            yield csv_row(doc, names, base, is_promoted(doc, now))

    def note() -> Iterator[str]:
        if state["more"]:
            next_url = base + list_url("/jobs.csv", params, page=params.page + 1)
            yield (f"# Truncated: more than {CSV_MAX_ROWS:,} postings match; this file holds rows "
                   f"{skip + 1:,}-{skip + CSV_MAX_ROWS:,}. Narrow the filters, or fetch the next rows: {next_url}")

    return StreamingResponse(csv_lines(rows(), note()), media_type="text/csv; charset=utf-8",
                             headers={"content-disposition": 'attachment; filename="jobs.csv"'})


async def atom_export(request: Request) -> Response:
    """`GET /jobs.atom?...`: the newest `FEED_ENTRIES` matching postings as an Atom feed."""
    params = ListParams.parse({**request.query_params, "sort": "newest", "page": "1",
                               "per_page": str(FEED_ENTRIES)})
    queries = _queries(request)
    page = await run_in_threadpool(queries.job_list, params)
    base = _base(request)
    self_url = base + list_url("/jobs.atom", params, per_page=params.per_page, sort="newest")
    xml = atom_feed(page.rows, page.names, base, self_url, base + list_url("/jobs", params), clock.now())
    return Response(xml, media_type="application/atom+xml; charset=utf-8")
