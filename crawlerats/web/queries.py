"""Read-only MongoDB queries behind the web pages (synchronous pymongo; the app runs them in a threadpool).

Every query sent to MongoDB has an index-shaped filter (equalities on an index's first keys plus at most
one range on the next key), because the embedded SecantusDB uses an index only for exactly that shape and
otherwise reads and decodes the whole collection, whatever the limit. The job list therefore reads
disjoint *bands* along its sort key, best first (`first_seen` in the last 2 days before the anchor, then
2-4 days, 4-8 days, ...; or `ghost_score >= 100`, then 99-100, 98-99, ...), applies the remaining filters to each
band in Python, and stops as soon as the requested page is full. Every document in a later band sorts
after every document in an earlier one, so the page is exactly what
`find(filter).sort(key).skip(n).limit(25)` returns; on MongoDB the same filters are index-friendly too.
"""

from __future__ import annotations

import re
import statistics
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import DESCENDING
from pymongo.database import Database

import crawlerats.web.indexes  # noqa: F401 - registers the indexes these queries rely on
from crawlerats import clock

PAGE_SIZE = 25
#: Candidates a list request reads before it stops and offers "search all postings" (`deep=1`): a search
#: that matches almost nothing would otherwise read every stored posting.
SCAN_BUDGET = 5_000
#: Deepest page we serve; past it, narrow the filters instead.
MAX_PAGE = 400
RISK_LEVELS: tuple[str, ...] = ("low", "medium", "high", "very_high")
RISK_LABELS: dict[str, str] = {"low": "Low Risk", "medium": "Medium Risk", "high": "High Risk",
                               "very_high": "Very High Risk"}
WORKPLACES: dict[str, str] = {"remote": "Remote", "hybrid": "Hybrid", "onsite": "On-site"}
SORTS: dict[str, str] = {"newest": "Newest", "ghost": "Ghost score"}
STATUSES: tuple[str, ...] = ("open", "closed", "any")
#: Spider names (docs/schema.md `ats`); the filter also offers any ATS found in `boards`.
KNOWN_ATS: tuple[str, ...] = ("lever", "greenhouse", "ashby", "workday", "smartrecruiters", "workable",
                              "recruitee", "personio", "teamtailor", "bamboohr", "breezy", "jsonld")
#: "Newest" bands: [anchor - 2 days, ...), then [anchor - 4 d, anchor - 2 d), doubling up to ~11 years.
NEWEST_BAND_DAYS: tuple[int, ...] = (2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096)
#: "Ghost score" bands: [100, ...), [99, 100), ... [0, 1): one per integer score, since scores cluster.
GHOST_BANDS: tuple[int, ...] = tuple(range(100, -1, -1))

#: Fields the job list needs (keeps rows small).
LIST_FIELDS = {"ats": 1, "company": 1, "company_name": 1, "job_id": 1, "title": 1, "location": 1,
               "workplace_type": 1, "status": 1, "first_seen": 1, "last_seen": 1, "posted_at": 1,
               "health.ghost_score": 1, "health.risk": 1, "health.risk_label": 1, "health.days_active": 1}

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _moment(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return _EPOCH


def _score(doc: Mapping[str, Any]) -> float:
    health = doc.get("health")
    score = health.get("ghost_score") if isinstance(health, Mapping) else None
    return float(score) if isinstance(score, int | float) and not isinstance(score, bool) else -1.0


#: Python sort keys matching MongoDB's descending sorts (missing scores last; ties: later-stored first).
SORT_KEYS: dict[str, Callable[[Mapping[str, Any]], tuple]] = {
    "newest": lambda d: (_moment(d.get("first_seen")), str(d.get("_id"))),
    "ghost": lambda d: (_score(d), _moment(d.get("first_seen")), str(d.get("_id"))),
}


def _text(params: Mapping[str, str], name: str, limit: int = 200) -> str:
    return (params.get(name) or "").strip()[:limit]


def _choice(params: Mapping[str, str], name: str, allowed: tuple[str, ...] | dict[str, Any], default: str) -> str:
    value = (params.get(name) or "").strip()
    return value if value in allowed else default


def _field(doc: Mapping[str, Any], dotted: str) -> Any:
    value: Any = doc
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


@dataclass(frozen=True)
class ListParams:
    """The job list's query string, validated: unknown values fall back to defaults."""

    q: str = ""
    company: str = ""
    ats: str = ""
    location: str = ""
    workplace: str = ""
    risk: str = ""
    status: str = "open"
    sort: str = "newest"
    page: int = 1
    deep: bool = False

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> ListParams:
        try:
            page = int(params.get("page") or 1)
        except ValueError:
            page = 1
        return cls(
            q=_text(params, "q"),
            company=_text(params, "company"),
            ats=_text(params, "ats", 40),
            location=_text(params, "location"),
            workplace=_choice(params, "workplace", WORKPLACES, ""),
            risk=_choice(params, "risk", RISK_LEVELS, ""),
            status=_choice(params, "status", STATUSES, "open"),
            sort=_choice(params, "sort", SORTS, "newest"),
            page=min(max(page, 1), MAX_PAGE),
            deep=(params.get("deep") or "") == "1",
        )

    def query(self) -> dict[str, Any]:
        """The whole filter as one MongoDB query (user text only as an escaped regex or an exact value)."""
        flt: dict[str, Any] = {}
        if self.q:
            flt["title"] = {"$regex": re.escape(self.q), "$options": "i"}
        if self.company:
            flt["company"] = self.company
        if self.ats:
            flt["ats"] = self.ats
        if self.location:
            flt["location"] = {"$regex": re.escape(self.location), "$options": "i"}
        if self.workplace:
            flt["workplace_type"] = self.workplace
        if self.risk:
            flt["health.risk"] = self.risk
        if self.status != "any":
            flt["status"] = self.status
        return flt

    def matches(self, doc: Mapping[str, Any]) -> bool:
        """`query()` evaluated in Python on a fetched candidate (same semantics as the MongoDB filter)."""
        for name, condition in self.query().items():
            value = _field(doc, name)
            if isinstance(condition, dict):
                pattern = re.compile(condition["$regex"], re.IGNORECASE)
                if not isinstance(value, str) or not pattern.search(value):
                    return False
            elif value != condition:
                return False
        return True

    def as_query_string(self, **changes: Any) -> dict[str, str]:
        """Non-default parameters (with `changes` applied) for building links that keep the filters."""
        values = {**self.__dict__, **changes}
        defaults = ListParams().__dict__
        return {k: ("1" if v is True else str(v)) for k, v in values.items() if v != defaults[k] and v != ""}


def _bands(name: str, bounds: list[Any], prefix: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """Disjoint ranges of `name`, best first: [b0, +inf), [b1, b0), ..., (-inf, bN) and null/missing."""
    upper = None
    for bound in bounds:
        yield {**prefix, name: {"$gte": bound} if upper is None else {"$gte": bound, "$lt": upper}}
        upper = bound
    yield {**prefix, name: {"$lt": upper}}
    yield {**prefix, name: None}


def candidate_bands(params: ListParams, anchor: datetime) -> Iterator[dict[str, Any]]:
    """Index-shaped, disjoint candidate filters in sort order; together they cover every posting the
    filters can match (a filter on one company or one risk level narrows the bands first)."""
    if params.company:
        # One board's postings, all at once: the `web_company` index (or the identity index with the ATS).
        yield {"ats": params.ats, "company": params.company} if params.ats else {"company": params.company}
        return
    if params.risk and params.sort == "ghost":
        if params.status == "any":
            yield {"health.risk": params.risk}  # the whole level (web_risk index)
            return
        # Score bands within one status and risk level: the status_health_risk index.
        yield from _bands("health.ghost_score", list(GHOST_BANDS), {"status": params.status, "health.risk": params.risk})
        return
    prefix = {"health.risk": params.risk} if params.risk else {}
    if params.sort == "ghost":
        yield from _bands("health.ghost_score", list(GHOST_BANDS), prefix)
    else:
        yield from _bands("first_seen", [anchor - timedelta(days=d) for d in NEWEST_BAND_DAYS], prefix)


@dataclass
class JobListPage:
    params: ListParams
    rows: list[dict[str, Any]]
    #: Exact number of matches when the search covered every candidate, else None (more pages exist).
    total: int | None
    has_next: bool
    #: The scan budget ran out before the page was full: only the `scanned` best candidates were searched.
    partial: bool = False
    scanned: int = 0
    ats_choices: list[str] = field(default_factory=list)

    @property
    def first(self) -> int:
        return (self.params.page - 1) * PAGE_SIZE + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return (self.params.page - 1) * PAGE_SIZE + len(self.rows)

    @property
    def pages(self) -> int | None:
        return None if self.total is None else max(1, min(MAX_PAGE, -(-self.total // PAGE_SIZE)))


class _TtlCache:
    """Per-process cache for slow aggregates: fresh for `seconds`; after that the stale value is served
    while one background thread recomputes it (only the very first request waits)."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds
        self._data: dict[tuple, tuple[float, Any]] = {}
        self._refreshing: set[tuple] = set()
        self._lock = threading.Lock()

    def _refresh(self, key: tuple, compute: Callable[[], Any]) -> Any:
        try:
            value = compute()
            with self._lock:
                self._data[key] = (time.monotonic(), value)
            return value
        finally:
            with self._lock:
                self._refreshing.discard(key)

    def get(self, key: tuple, compute: Callable[[], Any]) -> Any:
        with self._lock:
            hit = self._data.get(key)
            stale = hit is not None and time.monotonic() - hit[0] >= self.seconds
            if hit is not None and not stale:
                return hit[1]
            serve_stale = hit is not None and self.seconds > 0
            start_refresh = serve_stale and key not in self._refreshing
            if start_refresh:
                self._refreshing.add(key)
        if start_refresh:
            threading.Thread(target=self._refresh, args=(key, compute), daemon=True).start()
        if serve_stale:
            return hit[1]
        return self._refresh(key, compute)


class WebQueries:
    """All reads the web app makes, bound to one database."""

    def __init__(self, db: Database, cache_seconds: float = 60.0) -> None:
        self.db = db
        self.jobs = db["jobs"]
        self._cache = _TtlCache(cache_seconds)

    # --- job list ------------------------------------------------------------------------------------
    def ats_names(self) -> list[str]:
        """ATSs for the filter: the known spiders plus any in `boards` (a small collection)."""
        return self._cache.get(("ats",), lambda: sorted(set(KNOWN_ATS) | {
            a for a in self.db["boards"].distinct("ats") if isinstance(a, str) and a}))

    def anchor(self) -> datetime:
        """Where the "newest" bands start: the latest crawl's start, else now (affects speed only; cached)."""

        def compute() -> datetime:
            latest = self.recent_crawls(limit=1)
            started = latest[0].get("started_at") if latest else None
            if isinstance(started, datetime):
                return started if started.tzinfo else started.replace(tzinfo=UTC)
            return clock.now()

        return self._cache.get(("anchor",), compute)

    def job_list(self, params: ListParams) -> JobListPage:
        """One page of the list: read candidate bands in sort order until the page (and one more) is full."""
        skip = (params.page - 1) * PAGE_SIZE
        wanted = skip + PAGE_SIZE + 1
        matched: list[dict[str, Any]] = []
        complete, partial, scanned = True, False, 0
        for band in candidate_bands(params, self.anchor()):
            if len(matched) >= wanted or (scanned >= SCAN_BUDGET and not params.deep):
                complete, partial = False, len(matched) < wanted
                break
            docs = list(self.jobs.find(band, LIST_FIELDS))
            scanned += len(docs)
            found = [doc for doc in docs if params.matches(doc)]
            matched.extend(sorted(found, key=SORT_KEYS[params.sort], reverse=True))
        rows = matched[skip: skip + PAGE_SIZE + 1]
        return JobListPage(params=params, rows=rows[:PAGE_SIZE], total=len(matched) if complete else None,
                           has_next=len(rows) > PAGE_SIZE, partial=partial, scanned=scanned,
                           ats_choices=self.ats_names())

    # --- job page ------------------------------------------------------------------------------------
    def job(self, ats: str, company: str, job_id: str) -> dict[str, Any] | None:
        return self.jobs.find_one({"ats": ats, "company": company, "job_id": job_id}, {"_id": 0})

    def duplicates(self, job: Mapping[str, Any]) -> list[dict[str, Any]]:
        """The other postings of the job's duplicate group (one board; `dedup_duplicate_group` index)."""
        group = job.get("duplicate_group")
        if not group:
            return []
        fields = {"_id": 0, "ats": 1, "company": 1, "job_id": 1, "title": 1, "location": 1, "status": 1,
                  "first_seen": 1}
        flt = {"ats": job["ats"], "company": job["company"], "duplicate_group": group}
        members = [d for d in self.jobs.find(flt, fields) if d.get("job_id") != job["job_id"]]
        return sorted(members, key=lambda d: _moment(d.get("first_seen")))[:50]

    def later_postings(self, job: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Postings that repost this one (one board; `web_repost_of` index)."""
        fields = {"_id": 0, "ats": 1, "company": 1, "job_id": 1, "title": 1, "status": 1, "first_seen": 1,
                  "repost_of": 1}
        later = [d for d in self.jobs.find({"repost_of.job_id": job["job_id"]}, fields)
                 if isinstance(d.get("repost_of"), Mapping) and d.get("ats") == job["ats"]
                 and d.get("company") == job["company"] and d["repost_of"].get("company") == job["company"]]
        return sorted(later, key=lambda d: _moment(d.get("first_seen")))[:20]

    def existing_job_ids(self, ats: str, company: str, job_ids: list[str]) -> set[str]:
        """Which of these postings are stored (earlier postings link only when they exist)."""
        if not job_ids:
            return set()
        found = self.jobs.find({"ats": ats, "company": company, "job_id": {"$in": job_ids}}, {"_id": 0, "job_id": 1})
        return {doc["job_id"] for doc in found}

    # --- company page --------------------------------------------------------------------------------
    def company(self, ats: str, company: str) -> dict[str, Any] | None:
        """Open postings with their risk shares, reposts and median days active for one board."""
        base = {"ats": ats, "company": company}
        fields = {**LIST_FIELDS, "repost_count": 1, "department": 1}
        open_jobs = list(self.jobs.find({**base, "status": "open"}, fields))
        closed = self.jobs.count_documents({**base, "status": "closed"})
        if not open_jobs and not closed:
            return None
        open_jobs.sort(key=SORT_KEYS["ghost"], reverse=True)
        by_risk = dict.fromkeys(RISK_LEVELS, 0)
        unscored = 0
        days: list[float] = []
        for doc in open_jobs:
            health = doc.get("health") if isinstance(doc.get("health"), Mapping) else {}
            if health.get("risk") in by_risk:
                by_risk[health["risk"]] += 1
            else:
                unscored += 1
            if isinstance(health.get("days_active"), int | float):
                days.append(health["days_active"])
        names = [d.get("company_name") for d in open_jobs if d.get("company_name")]
        board = self.db["boards"].find_one(base, {"_id": 0})
        if not names:
            any_doc = self.jobs.find_one(base, {"_id": 0, "company_name": 1}) or {}
            names = [any_doc.get("company_name") or (board or {}).get("company_name") or company]
        return {
            "ats": ats,
            "company": company,
            "company_name": names[0],
            "board": board,
            "open_jobs": open_jobs,
            "open_count": len(open_jobs),
            "closed_count": closed,
            "by_risk": by_risk,
            "unscored": unscored,
            "reposts": sum(1 for d in open_jobs if (d.get("repost_count") or 0) > 0),
            "median_days_active": statistics.median(days) if days else None,
        }

    # --- stats page ----------------------------------------------------------------------------------
    def stats_summary(self) -> dict[str, Any]:
        """Open postings per ATS and risk level plus open/closed totals, from one aggregation over `jobs`.

        It reads every posting, so it is cached: fresh for `cache_seconds`, then served stale while a
        background thread recomputes it (`crawlerats web` also computes it once at start)."""

        def compute() -> dict[str, Any]:
            pipeline = [{"$group": {"_id": {"status": "$status", "ats": "$ats", "risk": "$health.risk"},
                                    "n": {"$sum": 1}}}]
            table: dict[str, dict[str, Any]] = {}
            status = {"open": 0, "closed": 0}
            for row in self.jobs.aggregate(pipeline):
                key = row["_id"]
                if key.get("status") in status:
                    status[key["status"]] += row["n"]
                if key.get("status") != "open":
                    continue
                ats = key.get("ats") or "—"
                entry = table.setdefault(ats, {"ats": ats, "total": 0, "unscored": 0,
                                               **dict.fromkeys(RISK_LEVELS, 0)})
                risk = key.get("risk")
                entry[risk if risk in RISK_LEVELS else "unscored"] += row["n"]
                entry["total"] += row["n"]
            return {"by_ats": sorted(table.values(), key=lambda e: (-e["total"], e["ats"])), "status": status}

        return self._cache.get(("stats",), compute)

    def recent_crawls(self, limit: int = 20) -> list[dict[str, Any]]:
        """The latest crawls, newest first (the `started_at` index: last 60 days, else all of them)."""
        crawls = self.db["crawls"]
        since = clock.now() - timedelta(days=60)
        for flt in ({"started_at": {"$gte": since}}, {}):
            found = list(crawls.find(flt).sort("started_at", DESCENDING).limit(limit))
            if len(found) >= limit or flt == {}:
                return found
        return []
