"""Read-only MongoDB queries behind the web pages, the JSON API and the exports (synchronous pymongo; the app
runs them in a threadpool).

Every query sent to MongoDB has an index-shaped filter (equalities on an index's first keys plus at most
one range or `$in` on the next key), because the embedded SecantusDB uses an index only for exactly that
shape and otherwise reads and decodes the whole collection, whatever the limit. A job list therefore reads
disjoint *bands* along its sort key, best first, applies the remaining filters to each band in Python, and
stops as soon as the requested page is full. Every document in a later band sorts after every document in
an earlier one, so the page is exactly what `find(filter).sort(key).skip(n).limit(k)` returns:

- active promotions first (`promotion.until` > now: the `web_promotion` index), then
- "newest": bands of the posted date (`posted_at`, or `first_seen` for postings without one: two
  queries per band on `web_posted` (its leading key, then both), or `web_risk_posted` under a risk filter, the
  posted-date range with exclusive bounds); under an ATS and a workplace filter together, two queries per band on
  `web_ats_workplace`, the first bands merged to hold the page by the cached date index
  (crawlerats/web/ats_workplace_bands.py);
- "ghost" / "low": ghost-score ranges (`web_ghost_posted`'s leading key, or `status_health_risk` under a risk
  filter) sized by the cached postings-per-score counts; a crowded score (~1,700 postings at 100,000) is
  read alone in posted-date sub-bands (`web_ghost_posted`, exclusive bounds); before the counts are
  ready, one band per integer score;
- "salary": bands of the stored annualised salary (`salary.annual_max`: `web_salary_annual`, one query per
  status) sized by a cached histogram (crawlerats/web/salary_bands.py), then the postings without one by
  posted date;
- a company-name filter first resolves the names to board ids (a cached directory of boards) and reads
  those boards' postings at once (`web_company` with `$in`).

Filters that no index serves (workplace, employment type, salary, posted within; location outside text
search) are applied in Python; the "newest" bands stop at a "posted within" cutoff and the "salary" bands at a
minimum salary. Totals are exact: counted while reading when every band was read, else taken from a cached
facet count when the filters are all equalities, or from the cached salary histogram when a salary filter is
the only other one, else reported as "at least N".

Text search (`q`) and the location filter read the candidates of the `job_search` trigram index instead, in
the same date bands (crawlerats/web/search.py; other orders: every match when they are few enough, else in bands
of the search documents' sort keys); a deep "newest"
page under equality filters counts the rows before it from a cached date index and reads from the band that
holds it (crawlerats/web/paging.py).
"""

from __future__ import annotations

import math
import re
import statistics
import threading
import time
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import DESCENDING
from pymongo.database import Database

import crawlerats.web.indexes  # noqa: F401 - registers the indexes these queries rely on
from crawlerats import ats as ats_registry
from crawlerats import clock
from crawlerats.db.search_index import PAY_INDEX, SCORE_INDEX, SEARCH_COLLECTION, SEARCH_INDEX, ghost_score
from crawlerats.db.updates import find_in
from crawlerats.scoring.config import DEFAULT_CONFIG
from crawlerats.scoring.config import RISK_LEVELS as SCORING_RISK_LEVELS
from crawlerats.web.ats_workplace_bands import ats_workplace_bands, exclusive, merge_newest
from crawlerats.web.names import display_name
from crawlerats.web.paging import (
    MIN_SKIP,
    DateIndex,
    DeepStart,
    Window,
    build_date_index,
    deep_window,
    first_of_rank,
    top_window,
)
from crawlerats.web.salary import stored_annual
from crawlerats.web.salary_bands import KEY as SALARY_KEY
from crawlerats.web.salary_bands import Histogram, histogram, per_amount, postings_paid, salary_bands
from crawlerats.web.search import (
    REGISTRY_BOARDS_LIMIT,
    DatePlan,
    TextSearch,
    driver_gram,
    pay_ranges,
    query_words,
    score_ranges,
)

PAGE_SIZE = 25
#: Most rows one API page may ask for (`per_page`).
MAX_PER_PAGE = 100
#: Candidates a list request reads before it stops and offers "search all postings" (`deep=1`): a search
#: that matches almost nothing would otherwise read every stored posting.
SCAN_BUDGET = 5_000
#: ... and "search all" stops too, after this many (with the request time limit of crawlerats/web/protect.py).
DEEP_SCAN_BUDGET = 200_000
#: Deepest page we serve; past it, narrow the filters instead.
MAX_PAGE = 400
#: A company-name filter reads the matching boards' postings at once when they hold at most this many.
COMPANY_DIRECT_LIMIT = 5_000
#: A company page reads whole postings (no projection: SecantusDB projects in Python, slower than sending the
#: document) when the cached board directory says the board holds at most this many.
COMPANY_WHOLE_READ = 200
RISK_LEVELS: tuple[str, ...] = SCORING_RISK_LEVELS
RISK_LABELS: dict[str, str] = dict(DEFAULT_CONFIG["labels"])
WORKPLACES: dict[str, str] = {"remote": "Remote", "hybrid": "Hybrid", "onsite": "On-site"}
EMPLOYMENT_TYPES: dict[str, str] = {"full_time": "Full-time", "part_time": "Part-time", "contract": "Contract",
                                    "temporary": "Temporary", "internship": "Internship"}
SORTS: dict[str, str] = {"newest": "Newest posted", "low": "Lowest ghost score", "ghost": "Highest ghost score",
                         "salary": "Highest salary"}
STATUSES: dict[str, str] = {"open": "Open", "closed": "Closed", "any": "Open or closed"}
POSTED_WITHIN: dict[str, str] = {"1": "Last 24 hours", "7": "Last 7 days", "30": "Last 30 days"}
SALARY_CHOICES: dict[str, str] = {"known": "Salary given"}
#: "Newest" bands: [anchor - 2 days, ...), then [anchor - 4 d, anchor - 2 d), doubling up to ~11 years.
NEWEST_BAND_DAYS: tuple[int, ...] = (2, 4, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096)
#: "Ghost score" bands: [100, ...), [99, 100), ... [0, 1): one per integer score, since scores cluster.
GHOST_BANDS: tuple[int, ...] = tuple(range(100, -1, -1))
#: A ghost score holding more postings than this (by the cached counts) is read in posted-date sub-bands.
CROWDED_SCORE = 150
#: A text search's estimated match rate sizes the sort bands down to this (at most 75 times a page per band,
#: with the margin below).
MIN_MATCH_RATE = 0.02
#: Bands sized by an estimated match rate hold this many times the postings it says the page needs.
RATE_MARGIN = 1.5
#: How long the active promotions read for one list page serve the next ones (seconds, at most the app's cache
#: time; `WebQueries.active_promotions`): a promotion confirmed through this app is listed at once, one approved,
#: revoked or ended elsewhere (`crawlerats promotions approve|revoke`, a crawl closing the posting) within this
#: time.
PROMOTIONS_SECONDS = 5.0
#: Searches whose learned hints are kept (`WebQueries._hints`).
HINTS_KEPT = 1_000

#: Fields a list row, the CSV and the feed need (keeps rows small).
LIST_FIELDS = {"ats": 1, "company": 1, "company_name": 1, "job_id": 1, "title": 1, "location": 1,
               "workplace_type": 1, "employment_type": 1, "department": 1, "status": 1, "first_seen": 1,
               "last_seen": 1, "posted_at": 1, "closed_at": 1, "salary": 1, "url": 1, "apply_url": 1,
               "promotion": 1, "repost_count": 1, "health.ghost_score": 1, "health.risk": 1,
               "health.risk_label": 1, "health.days_active": 1}
#: Fields never shown by the API: internal dedup keys (docs/schema.md).
API_HIDDEN = {"dedup": 0}

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _moment(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return _EPOCH


def _dated(doc: Mapping[str, Any]) -> datetime | None:
    """`posted_or_seen`, None for a posting with neither date."""
    moment = posted_or_seen(doc)
    return None if moment == _EPOCH else moment


def posted_or_seen(doc: Mapping[str, Any]) -> datetime:
    """The date the "newest" order and the "posted within" filter use: `posted_at`, else `first_seen`."""
    return _moment(doc.get("posted_at") if isinstance(doc.get("posted_at"), datetime) else doc.get("first_seen"))


def _score(doc: Mapping[str, Any]) -> float | None:
    score = ghost_score(doc)
    return None if score is None else float(score)


def promoted_query(now: datetime) -> dict[str, Any]:
    """The postings promoted at `now` (index `web_promotion`)."""
    return {"promotion.until": {"$gt": now}}


def is_promoted(doc: Mapping[str, Any], now: datetime) -> bool:
    """An active promotion: `promotion.until` later than now (written by the promote flow)."""
    promotion = doc.get("promotion")
    until = promotion.get("until") if isinstance(promotion, Mapping) else None
    return isinstance(until, datetime) and _moment(until) > now


def _tie(doc: Mapping[str, Any]) -> tuple:
    return (posted_or_seen(doc), _moment(doc.get("first_seen")), str(doc.get("_id")))


GHOST_KEY = "health.ghost_score"

#: Python sort keys, descending = best first (ties: newer posted first, then later stored first).
SORT_KEYS: dict[str, Callable[[Mapping[str, Any]], tuple]] = {
    "newest": _tie,
    "ghost": lambda d: (_score(d) if _score(d) is not None else -1.0, *_tie(d)),
    "low": lambda d: (_score(d) is not None, -(_score(d) or 0.0), *_tie(d)),
    "salary": lambda d: (stored_annual(d.get("salary")) or -1.0, *_tie(d)),
}


def _text(params: Mapping[str, str], name: str, limit: int = 200) -> str:
    return " ".join((params.get(name) or "").split())[:limit]


def _choice(params: Mapping[str, str], name: str, allowed: Mapping[str, Any] | tuple[str, ...], default: str) -> str:
    value = (params.get(name) or "").strip()
    return value if value in allowed else default


def _int(params: Mapping[str, str], name: str, default: int, low: int, high: int) -> int:
    try:
        value = int(float((params.get(name) or "").replace(",", "").strip() or default))
    except (ValueError, OverflowError):
        value = default
    return min(max(value, low), high)


def _field(doc: Mapping[str, Any], dotted: str) -> Any:
    value: Any = doc
    for part in dotted.split("."):
        value = value.get(part) if isinstance(value, Mapping) else None
    return value


@dataclass(frozen=True)
class ListParams:
    """The job list's query string, validated: unknown values fall back to defaults (docs/analysts.md)."""

    q: str = ""
    company: str = ""
    ats: str = ""
    location: str = ""
    workplace: str = ""
    employment: str = ""
    salary: str = ""
    min_salary: int = 0
    posted: str = ""
    risk: str = ""
    status: str = "open"
    sort: str = "newest"
    page: int = 1
    per_page: int = PAGE_SIZE
    deep: bool = False

    @classmethod
    def parse(cls, params: Mapping[str, str]) -> ListParams:
        return cls(
            q=_text(params, "q"),
            company=_text(params, "company"),
            ats=_text(params, "ats", 40),
            location=_text(params, "location"),
            workplace=_choice(params, "workplace", WORKPLACES, ""),
            employment=_choice(params, "employment", EMPLOYMENT_TYPES, ""),
            salary=_choice(params, "salary", SALARY_CHOICES, ""),
            min_salary=_int(params, "min_salary", 0, 0, 100_000_000),
            posted=_choice(params, "posted", POSTED_WITHIN, ""),
            risk=_choice(params, "risk", RISK_LEVELS, ""),
            status=_choice(params, "status", STATUSES, "open"),
            sort=_choice(params, "sort", SORTS, "newest"),
            page=_int(params, "page", 1, 1, MAX_PAGE),
            per_page=_int(params, "per_page", PAGE_SIZE, 1, MAX_PER_PAGE),
            deep=(params.get("deep") or "") == "1",
        )

    def cutoff(self, now: datetime) -> datetime | None:
        """The "posted within" lower bound, or None."""
        return now - timedelta(days=int(self.posted)) if self.posted else None

    def equality_filter(self) -> dict[str, Any] | None:
        """The filter as MongoDB equalities when every active filter is one (used for cached totals), else None."""
        if self.q or self.company or self.location or self.salary or self.min_salary or self.posted:
            return None
        return self.facet_filter()

    def facet_filter(self) -> dict[str, Any]:
        """The equality filters alone (status, ATS, workplace, employment type, risk): a superset of the list."""
        flt: dict[str, Any] = {}
        for name, value in (("ats", self.ats), ("workplace_type", self.workplace),
                            ("employment_type", self.employment), ("health.risk", self.risk)):
            if value:
                flt[name] = value
        if self.status != "any":
            flt["status"] = self.status
        return flt

    def search_decides(self) -> bool:
        """Whether a posting's `job_search` document alone decides these filters: status, location and "posted
        within" only (query words may match a display name the search document does not hold)."""
        return not (self.q or self.company or self.ats or self.workplace or self.employment or self.risk
                    or self.salary or self.min_salary)

    def matches(self, doc: Mapping[str, Any], now: datetime, names: Mapping[tuple[str, str], str]) -> bool:
        """Every filter, evaluated in Python on a fetched candidate (docs/analysts.md gives the semantics)."""
        if self.status != "any" and doc.get("status") != self.status:
            return False
        for name, value in (("ats", self.ats), ("workplace_type", self.workplace),
                            ("employment_type", self.employment)):
            if value and doc.get(name) != value:
                return False
        if self.risk and _field(doc, "health.risk") != self.risk:
            return False
        if self.q or self.company:
            board = str(doc.get("company") or "")
            company_text = f"{display_name(doc, names.get((doc.get('ats'), board)))}\n{board}".casefold()
            if self.company and self.company.casefold() not in company_text:
                return False
            if self.q:
                title = str(doc.get("title") or "").casefold()
                if not all(word in title or word in company_text for word in self.q.casefold().split()):
                    return False
        if self.location and self.location.casefold() not in str(doc.get("location") or "").casefold():
            return False
        if self.salary or self.min_salary:
            yearly = stored_annual(doc.get("salary"))
            if yearly is None or yearly < self.min_salary:
                return False
        cutoff = self.cutoff(now)
        return cutoff is None or posted_or_seen(doc) >= cutoff

    def mongo_filter(self, now: datetime) -> dict[str, Any]:
        """The same filters as one MongoDB query (for analysts and tests; no index serves it as a whole). Company
        text is matched against `company_name` and the board id (the list also matches the readable board id
        and the registry name)."""
        def contains(text: str) -> dict[str, Any]:
            return {"$regex": re.escape(text), "$options": "i"}

        clauses: list[dict[str, Any]] = []
        if self.status != "any":
            clauses.append({"status": self.status})
        for name, value in (("ats", self.ats), ("workplace_type", self.workplace),
                            ("employment_type", self.employment), ("health.risk", self.risk)):
            if value:
                clauses.append({name: value})
        if self.company:
            clauses.append({"$or": [{"company_name": contains(self.company)}, {"company": contains(self.company)}]})
        for word in self.q.split():
            clauses.append({"$or": [{"title": contains(word)}, {"company_name": contains(word)},
                                    {"company": contains(word)}]})
        if self.location:
            clauses.append({"location": contains(self.location)})
        if self.salary or self.min_salary:
            clauses.append({SALARY_KEY: {"$gte": self.min_salary} if self.min_salary else {"$gt": 0}})
        cutoff = self.cutoff(now)
        if cutoff is not None:
            clauses.append({"$or": [{"posted_at": {"$gte": cutoff}},
                                    {"posted_at": None, "first_seen": {"$gte": cutoff}}]})
        return {"$and": clauses} if clauses else {}

    def as_query_string(self, **changes: Any) -> dict[str, str]:
        """Non-default, non-empty parameters (with `changes` applied) for links that keep the filters."""
        values = {**self.__dict__, **changes}
        defaults = ListParams().__dict__
        return {k: ("1" if v is True else str(v)) for k, v in values.items()
                if v != defaults[k] and v not in ("", 0, False)}


@dataclass(frozen=True)
class Band:
    """One step of the read: the union of `queries` (each index-shaped), restricted to `keep` in Python."""

    queries: tuple[dict[str, Any], ...]
    keep: Callable[[Mapping[str, Any]], bool] | None = None
    #: The active promotions (`queries` is their index-shaped query): read through `WebQueries.active_promotions`.
    promotions: bool = False


def _ranges(bounds: list[Any], descending: bool = True) -> Iterator[dict[str, Any]]:
    """Disjoint ranges along `bounds` (best first): [b0, +inf), [b1, b0), ..., (-inf, bN) (or ascending)."""
    edge = None
    for bound in bounds:
        if descending:
            yield {"$gte": bound} if edge is None else {"$gte": bound, "$lt": edge}
        else:
            yield {"$lt": bound} if edge is None else {"$gte": edge, "$lt": bound}
        edge = bound
    yield {"$lt": edge} if descending else {"$gte": edge}


def _newest_bands(prefix: dict[str, Any], anchor: datetime, cutoff: datetime | None,
                  keep: Callable[[Mapping[str, Any]], bool] | None = None, window: Window | None = None
                  ) -> Iterator[Band]:
    """Posted-date bands: `posted_at` in the range, or no `posted_at` and `first_seen` in it. Under a `prefix`
    (`web_risk_posted`, `web_ghost_posted`) the `posted_at` range is on a key that is not the index's last: sent
    with exclusive bounds (crawlerats/web/ats_workplace_bands.py `exclusive`)."""
    for rng in newest_ranges(anchor, cutoff, window):
        yield Band(({**prefix, "posted_at": exclusive(rng) if prefix else rng},
                    {**prefix, "posted_at": None, "first_seen": rng}), keep)
    if cutoff is None:
        yield Band(({**prefix, "posted_at": None, "first_seen": None},), keep)


def newest_ranges(anchor: datetime, cutoff: datetime | None, window: Window | None = None) -> list[dict[str, Any]]:
    """The "newest" order's disjoint date ranges, newest first, down to the "posted within" cutoff (then postings
    without a date follow, unless there is a cutoff). A deep page's `window` (crawlerats/web/paging.py) leaves out
    what it skips and starts with the band that holds the page."""
    bounds = [anchor - timedelta(days=d) for d in NEWEST_BAND_DAYS]
    if window is not None:
        bounds = [window.start, window.low] + [b for b in bounds if b < window.low]
    if cutoff is not None:
        bounds = [b for b in bounds if b > cutoff] + [cutoff]
    ranges = list(_ranges(bounds))
    if window is not None:
        ranges = ranges[1:]  # [start, ...): counted, not read
    return ranges[:-1] if cutoff is not None else ranges  # nothing older than the cutoff can match


def _ghost_bands(prefix: dict[str, Any], ascending: bool) -> Iterator[Band]:
    bounds = list(GHOST_BANDS)
    if ascending:
        bounds = [b + 1 for b in reversed(bounds)]  # [.., 1), [1, 2), ... [100, 101), [101, ..)
    for rng in _ranges(bounds, descending=not ascending):
        yield Band(({**prefix, GHOST_KEY: rng},))
    yield Band(({**prefix, GHOST_KEY: None},))


def _hinted_ghost_bands(prefix: dict[str, Any], ascending: bool, counts: Mapping[float, int], anchor: datetime,
                        cutoff: datetime | None, keep: Callable[[Mapping[str, Any]], bool],
                        start: DeepStart | None = None, needed: int = PAGE_SIZE + 1,
                        score_dates: Callable[[int], list[datetime]] | None = None) -> Iterator[Band]:
    """The score sorts' bands sized by `counts` (postings per score, a hint that may be stale: it changes how the
    scores are read, never what is covered). Consecutive scores are read together in one range band until they
    hold `needed` postings (the rows the page still needs); a score holding more than `CROWDED_SCORE` postings
    is read alone, newest posted first, in posted-date sub-bands (`{health.ghost_score: s}` + the "newest" bands:
    `web_ghost_posted`; the first one cut to hold the page by `score_dates`, the cached
    posted dates of the matching postings of a score), with the scores strictly between it and the next integer
    in their own band.

    A deep page's `start` (integer scores only, crawlerats/web/paging.py) leaves out the bands before its score
    (counted, not read) and, in a crowded score, the posted dates its `window` skips."""
    key = GHOST_KEY
    first = None if start is None else start.score

    def before(score: int) -> bool:  # a score the deep page counted instead of reading
        return first is not None and (score < first if ascending else score > first)

    def dated(score: int) -> Iterator[Band]:
        window = start.window if start is not None and score == first else None
        if window is None and score_dates is not None:
            window = top_window(score_dates(score), (), needed)
        return _newest_bands({key: score}, anchor, cutoff, keep, window)

    def band(rng: dict[str, Any]) -> Band:
        return Band(({**prefix, key: rng},), keep)

    lowest, highest = GHOST_BANDS[-1], GHOST_BANDS[0]
    run: list[int] = []  # consecutive non-crowded scores not read yet
    held = 0

    def flush() -> Iterator[Band]:
        """The run as one range band; below 0 and above 100 as in `_ghost_bands` (any stray score is covered)."""
        nonlocal held
        if run:
            low, high = min(run), max(run)
            lower = {} if ascending and low == lowest else {"$gte": low}
            upper = {} if not ascending and high == highest else {"$lt": high + 1}
            yield band({**lower, **upper})
        run.clear()
        held = 0

    for score in (GHOST_BANDS[::-1] if ascending else GHOST_BANDS):
        if before(score):
            continue
        if counts.get(score, 0) > CROWDED_SCORE:
            yield from flush()
            if ascending:  # [.., s) was read before; then s by date, then (s, s + 1)
                if score == lowest and first is None:
                    yield band({"$lt": score})
                yield from dated(score)
                yield band({"$gt": score, "$lt": score + 1})
            else:  # (s, s + 1) first (nothing lies above an integer start), then s by date
                if score != first:
                    yield band({"$gt": score} if score == highest else {"$gt": score, "$lt": score + 1})
                yield from dated(score)
            continue
        run.append(score)
        held += counts.get(score, 0)
        if held >= needed:
            yield from flush()
    yield from flush()
    yield band({"$gte": highest + 1} if ascending else {"$lt": lowest})
    yield Band(({**prefix, key: None},), keep)


def candidate_bands(params: ListParams, anchor: datetime, now: datetime,
                    boards: list[tuple[str, str]] | None = None,
                    scores: Mapping[float, int] | None = None, pay: Histogram | None = None,
                    start: DeepStart | None = None, dates: list[datetime] | None = None,
                    score_dates: Callable[[int], list[datetime]] | None = None, rate: float = 1.0
                    ) -> Iterator[Band]:
    """Index-shaped, disjoint candidate bands in sort order; together they cover every posting the filters can
    match. `boards`: the boards a company-name filter resolved to (read at once); `scores`: postings per ghost
    score under the status and risk filters (a hint that sizes the score sorts' bands); `pay`: postings per status
    and stored annual salary (a hint that sizes the salary bands); `start`: where a deep page starts (what it
    counted instead of reading, crawlerats/web/paging.py);
    `dates`: the cached posted-or-seen dates under an ATS and workplace filter (a hint that sizes their bands);
    `score_dates(score)`: the cached posted-or-seen dates of the matching postings of one ghost score (a hint that
    sizes a crowded score's first posted-date band); `rate`: the share of the postings the filters are expected
    to keep (a text search's words: the score and salary bands are sized to hold the page at that rate)."""

    def not_promoted(doc: Mapping[str, Any]) -> bool:
        return not is_promoted(doc, now)

    if boards is not None:
        companies = sorted({c for _, c in boards})
        keys = set(boards)
        if companies:
            yield Band(({"company": {"$in": companies}},), lambda d: (d.get("ats"), d.get("company")) in keys)
        return
    yield Band((promoted_query(now),), promotions=True)
    cutoff = params.cutoff(now)
    window = start.window if start is not None else None
    # the rows up to the page's end, and one more (but those a deep page counted)
    needed = params.page * params.per_page + 1 - (start.skipped if start is not None else 0)
    if rate < 1:  # (with a margin: the rate is an estimate, and uneven along the order)
        needed = math.ceil(needed * RATE_MARGIN / rate)
    if params.sort in ("ghost", "low"):
        if params.risk and params.status != "any":
            prefix = {"status": params.status, "health.risk": params.risk}
        elif params.risk:
            yield Band(({"health.risk": params.risk},), not_promoted)  # the whole level (web_risk_posted)
            return
        else:
            prefix = {}
        if scores is not None:
            yield from _hinted_ghost_bands(prefix, params.sort == "low", scores, anchor, cutoff, not_promoted, start,
                                           needed, score_dates)
            return
        for band in _ghost_bands(prefix, ascending=params.sort == "low"):
            yield replace(band, keep=not_promoted)
        return
    if params.sort == "salary":
        below = start.below if start is not None else None
        for queries, keep in salary_bands(params.status, params.min_salary, pay, not_promoted, needed, below):
            yield Band(queries, keep)
        if params.salary or params.min_salary:
            return
        yield from _newest_bands({}, anchor, cutoff,
                                 lambda d: stored_annual(d.get("salary")) is None and not_promoted(d))
        return
    if params.ats and params.workplace:  # one index serves the pair (web_ats_workplace)
        ranges = newest_ranges(anchor, cutoff, window)
        if window is None:
            ranges = merge_newest(ranges, dates, params.page * params.per_page + 1)
        for queries, keep in ats_workplace_bands(params.ats, params.workplace, ranges, cutoff is not None,
                                                 not_promoted):
            yield Band(queries, keep)
        return
    prefix = {"health.risk": params.risk} if params.risk else {}
    yield from _newest_bands(prefix, anchor, cutoff, not_promoted, window)


@dataclass
class JobListPage:
    params: ListParams
    rows: list[dict[str, Any]]
    #: Exact number of matches when known (every band read, or a cached count), else None.
    total: int | None
    has_next: bool
    #: Matches found so far when `total` is unknown ("at least N").
    found: int = 0
    #: The scan budget ran out before the page was full: only the `scanned` best candidates were searched.
    partial: bool = False
    scanned: int = 0
    ats_choices: list[str] = field(default_factory=list)
    names: dict[tuple[str, str], str] = field(default_factory=dict)
    now: datetime = _EPOCH

    @property
    def first(self) -> int:
        return (self.params.page - 1) * self.params.per_page + 1 if self.rows else 0

    @property
    def last(self) -> int:
        return (self.params.page - 1) * self.params.per_page + len(self.rows)

    @property
    def pages(self) -> int | None:
        return None if self.total is None else max(1, min(MAX_PAGE, -(-self.total // self.params.per_page)))

    def company_name(self, doc: Mapping[str, Any]) -> str:
        return display_name(doc, self.names.get((doc.get("ats"), doc.get("company"))))

    def promoted(self, doc: Mapping[str, Any]) -> bool:
        return is_promoted(doc, self.now)


class _TtlCache:
    """Per-process cache for slow aggregates: fresh for `seconds`; after that the stale value is served
    while one background thread recomputes it (only the very first request waits), or, with `serve_stale`
    False, recomputed before answering."""

    def __init__(self, seconds: float, limit: int | None = None, serve_stale: bool = True) -> None:
        self.seconds = seconds
        self.limit = limit  # most values `put` and `get` keep (the oldest go first)
        #: False: `get` recomputes a stale value before answering (for small reads that must not lag).
        self.serve_stale = serve_stale
        self._data: dict[tuple, tuple[float, Any]] = {}
        self._refreshing: set[tuple] = set()
        self._lock = threading.Lock()
        self._generation = 0  # bumped by `clear`: a computation started before it is not kept

    def _store(self, key: tuple, value: Any) -> None:
        self._data[key] = (time.monotonic(), value)
        while self.limit is not None and len(self._data) > self.limit:
            del self._data[min(self._data, key=lambda k: self._data[k][0])]

    def _refresh(self, key: tuple, compute: Callable[[], Any]) -> Any:
        generation = self._generation
        try:
            value = compute()
            with self._lock:
                if generation == self._generation:
                    self._store(key, value)
            return value
        finally:
            with self._lock:
                self._refreshing.discard(key)

    def get_nowait(self, key: tuple, compute: Callable[[], Any]) -> Any | None:
        """The cached value (stale ones refresh in the background), else None while a background thread computes
        it: a request never waits for a whole-collection aggregation. Without caching (`seconds` 0), computes."""
        if self.seconds <= 0:
            return self._refresh(key, compute)
        with self._lock:
            hit = self._data.get(key)
            start = hit is None and key not in self._refreshing
            if start:
                self._refreshing.add(key)
        if start:
            threading.Thread(target=self._refresh, args=(key, compute), daemon=True).start()
        return self.get(key, compute) if hit is not None else None

    def peek(self, key: tuple) -> Any | None:
        """A fresh cached value, else None (nothing is computed)."""
        with self._lock:
            hit = self._data.get(key)
        return hit[1] if hit is not None and time.monotonic() - hit[0] < self.seconds else None

    def put(self, key: tuple, value: Any) -> None:
        """Remember a value learned by a request (fresh for `seconds`)."""
        with self._lock:
            self._store(key, value)

    def clear(self) -> None:
        """Forget every value (the next `get` computes)."""
        with self._lock:
            self._data.clear()
            self._generation += 1

    def get(self, key: tuple, compute: Callable[[], Any]) -> Any:
        with self._lock:
            hit = self._data.get(key)
            stale = hit is not None and time.monotonic() - hit[0] >= self.seconds
            if hit is not None and not stale:
                return hit[1]
            serve_stale = hit is not None and self.seconds > 0 and self.serve_stale
            start_refresh = serve_stale and key not in self._refreshing
            if start_refresh:
                self._refreshing.add(key)
        if start_refresh:
            threading.Thread(target=self._refresh, args=(key, compute), daemon=True).start()
        if serve_stale:
            return hit[1]
        return self._refresh(key, compute)


@dataclass
class Scan:
    """How far one list read got: candidates read, and whether the scan budget stopped it."""

    scanned: int = 0
    stopped: bool = False
    #: How many postings match, when a read found every match before yielding the first (a sorted text search).
    matched: int | None = None
    #: Matches before the page that were counted, not read (a deep text-search page whose search documents decide
    #: the filters: crawlerats/web/search.py `TextSearch.bands`); they come right after the rows yielded first.
    counted: int = 0
    #: The share of the postings a text search too common for the search index matches (an estimate, or 1): the
    #: list's sort bands, read instead, are sized to hold the page at that rate.
    rate: float = 1.0


#: The facet counts behind totals and /stats: postings per status, ATS, risk, workplace and employment type.
FACET_KEYS = ("status", "ats", "health.risk", "workplace_type", "employment_type")


class WebQueries:
    """All reads the web app makes, bound to one database."""

    def __init__(self, db: Database, cache_seconds: float = 60.0) -> None:
        self.db = db
        self.jobs = db["jobs"]
        self._cache = _TtlCache(cache_seconds)
        #: What requests learned about searches (how common a word is, a search's match rate): speed only.
        self._hints = _TtlCache(cache_seconds, limit=HINTS_KEPT)
        self._promotions = _TtlCache(min(cache_seconds, PROMOTIONS_SECONDS), limit=8, serve_stale=False)
        self._by_board: tuple[Any, dict[tuple[str, str], dict[str, Any]]] = (None, {})

    # --- cached small tables -------------------------------------------------------------------------
    def active_promotions(self, fields: Mapping[str, Any], now: datetime) -> list[dict[str, Any]]:
        """The postings promoted at `now`, with `fields` (copies): read before every list page, so kept for
        `PROMOTIONS_SECONDS` (a handful of documents; an expired promotion is left out at once)."""
        try:
            key = ("promotions", *sorted(fields.items()))
            hash(key)
        except TypeError:  # a projection with operators: read each time
            return list(self.jobs.find(promoted_query(now), dict(fields)))
        docs = self._promotions.get(key, lambda: list(self.jobs.find(promoted_query(now), dict(fields))))
        return [dict(doc) for doc in docs if is_promoted(doc, now)]

    def forget_promotions(self) -> None:
        """Read the active promotions again at the next list page (a promotion was confirmed here)."""
        self._promotions.clear()

    def ats_names(self) -> list[str]:
        """ATSs for the filter: the board spiders (crawlerats.ats, what a document's `ats` may be) plus any in
        `boards` (a small collection)."""
        return self._cache.get(("ats",), lambda: sorted(set(ats_registry.board_spider_names()) | {
            a for a in self.db["boards"].distinct("ats") if isinstance(a, str) and a}))

    def registry_names(self) -> dict[tuple[str, str], str]:
        """`boards` registry names, `(ats, company) -> company_name` (set by `crawlerats boards add --name`)."""

        def compute() -> dict[tuple[str, str], str]:
            found = self.db["boards"].find({}, {"_id": 0, "ats": 1, "company": 1, "company_name": 1})
            return {(d["ats"], d["company"]): d["company_name"] for d in found
                    if isinstance(d.get("company_name"), str) and d.get("company_name") != d.get("company")
                    and isinstance(d.get("ats"), str) and isinstance(d.get("company"), str)}

        return self._cache.get(("registry",), compute)

    def _counts(self, wait: bool) -> tuple[dict[tuple, int], dict[tuple, int]] | None:
        """One aggregation over `jobs` (cached like /stats): posting counts per combination of `FACET_KEYS`, and
        per (status, risk, ghost score). `wait=False`: None when not computed yet (then computed in the
        background)."""

        def compute() -> tuple[dict[tuple, int], dict[tuple, int]]:
            keys = (*FACET_KEYS, GHOST_KEY)
            group = {"_id": {k.replace(".", "_"): f"${k}" for k in keys}, "n": {"$sum": 1}}
            facets: dict[tuple, int] = {}
            scores: dict[tuple, int] = {}
            for row in self.jobs.aggregate([{"$group": group}]):
                key = tuple(row["_id"].get(k.replace(".", "_")) for k in keys)
                facets[key[:-1]] = facets.get(key[:-1], 0) + row["n"]
                score_key = (key[0], key[2], key[-1])
                scores[score_key] = scores.get(score_key, 0) + row["n"]
            return facets, scores

        return self._cache.get(("counts",), compute) if wait else self._cache.get_nowait(("counts",), compute)

    def facets(self, wait: bool = True) -> dict[tuple, int] | None:
        """Posting counts per combination of `FACET_KEYS` (cached; `wait=False`: None while first computed)."""
        counts = self._counts(wait)
        return None if counts is None else counts[0]

    def score_counts(self, params: ListParams) -> dict[float, int] | None:
        """Postings per ghost score among those the list's status and risk filters keep, from the cached counts
        (None until ready). A hint for how to band the score sorts (speed only: it may be stale)."""
        counts = self._counts(wait=False)
        if counts is None:
            return None
        found: dict[float, int] = {}
        for (status, risk, score), n in counts[1].items():
            if (params.status == "any" or status == params.status) and (not params.risk or risk == params.risk) \
                    and isinstance(score, int | float) and not isinstance(score, bool):
                found[score] = found.get(score, 0) + n
        return found

    def pair_dates(self, params: ListParams) -> list[datetime] | None:
        """The cached posted-or-seen dates (ascending) of the postings of the list's ATS, workplace and status
        (the date index of crawlerats/web/paging.py; None until it is ready): sizes the first band."""
        index = self.date_index()
        if index is None:
            return None
        flt = {"ats": params.ats, "workplace_type": params.workplace}
        return index.matching(flt if params.status == "any" else {**flt, "status": params.status})

    def salary_histogram(self) -> Histogram | None:
        """Postings per status and stored annual salary (cached; None while first computed in the background):
        a hint that sizes the salary bands (crawlerats/web/salary_bands.py)."""
        return self._cache.get_nowait(("salary",), lambda: histogram(self.jobs))

    def salary_total(self, params: ListParams) -> int | None:
        """Postings a salary filter keeps when it is the only filter besides the status, from the cached salary
        histogram (None otherwise, or until it is ready)."""
        plain = replace(params, salary="", min_salary=0)
        if not (params.salary or params.min_salary) or plain.equality_filter() != ListParams(status=params.status) \
                .equality_filter():
            return None
        pay = self.salary_histogram()
        return None if pay is None else postings_paid(pay, params.status, params.min_salary)

    def count_equal(self, flt: Mapping[str, Any]) -> int | None:
        """Postings matching equality filters on `FACET_KEYS`, from the cached facet counts (None until the first
        count is ready)."""
        facets = self.facets(wait=False)
        if facets is None:
            return None
        return sum(n for key, n in facets.items()
                   if all(flt.get(k) is None or flt[k] == key[i] for i, k in enumerate(FACET_KEYS)))

    def directory(self) -> list[dict[str, Any]] | None:
        """Every board with postings: `{ats, company, name, postings, closed}` (one cached aggregation; None while
        the first one is computed in the background)."""

        def compute() -> list[dict[str, Any]]:
            closed = {"$cond": [{"$eq": ["$status", "closed"]}, 1, 0]}
            pipeline = [{"$group": {"_id": {"ats": "$ats", "company": "$company"},
                                    "name": {"$first": "$company_name"}, "postings": {"$sum": 1},
                                    "closed": {"$sum": closed}}}]
            return [{"ats": r["_id"].get("ats"), "company": r["_id"].get("company"), "name": r.get("name"),
                     "postings": r["postings"], "closed": r.get("closed", 0)} for r in self.jobs.aggregate(pipeline)
                    if isinstance(r["_id"].get("company"), str)]

        return self._cache.get_nowait(("directory",), compute)

    def boards_named(self, text: str, ats: str = "") -> tuple[list[tuple[str, str]], int] | None:
        """Boards whose display name or id contains `text` (case-insensitive), and their posting count (None
        until the board directory is ready)."""
        needle = text.casefold()
        names = self.registry_names()
        directory = self.directory()
        if directory is None:
            return None
        found, postings = [], 0
        for board in directory:
            if ats and board["ats"] != ats:
                continue
            doc = {"company": board["company"], "company_name": board["name"]}
            haystack = f"{display_name(doc, names.get((board['ats'], board['company'])))}\n{board['company']}"
            if needle in haystack.casefold():
                found.append((board["ats"], board["company"]))
                postings += board["postings"]
        return found, postings

    def anchor(self) -> datetime:
        """Where the "newest" bands start: the latest crawl's start, else now (affects speed only; cached)."""

        def compute() -> datetime:
            latest = self.recent_crawls(limit=1)
            started = latest[0].get("started_at") if latest else None
            if isinstance(started, datetime):
                return started if started.tzinfo else started.replace(tzinfo=UTC)
            return clock.now()

        return self._cache.get(("anchor",), compute)

    # --- job list ------------------------------------------------------------------------------------
    def iter_matches(self, params: ListParams, fields: Mapping[str, Any] | None = None,
                     budget: int | None = None, now: datetime | None = None,
                     scan: Scan | None = None, start: DeepStart | None = None) -> Iterator[dict[str, Any]]:
        """Every matching posting in list order, band by band (stops early when the caller stops reading, or
        before a band once `budget` candidates were read: then `scan.stopped` is set); a deep page's `start`
        leaves out the postings it counted (`job_list`)."""
        now = now or clock.now()
        scan = scan if scan is not None else Scan()
        names = self.registry_names()
        boards = None
        named = self.boards_named(params.company, params.ats) if params.company else None
        if named is not None and named[1] <= COMPANY_DIRECT_LIMIT:
            boards = named[0]  # else: the sort's bands, the company matched in Python
        sort_key = SORT_KEYS[params.sort]

        def key(doc: Mapping[str, Any]) -> tuple:
            return (is_promoted(doc, now), *sort_key(doc))

        if boards is None and (params.q or params.location):
            searched = self._text_search(params, fields, budget, now, scan, key)
            if searched is not None:
                yield from searched
                return
        scores = self.score_counts(params) if params.sort in ("ghost", "low") else None
        pay = self.salary_histogram() if params.sort == "salary" else None
        dates = self.pair_dates(params) if params.ats and params.workplace and start is None else None
        for band in candidate_bands(params, self.anchor(), now, boards, scores, pay, start, dates,
                                    self._score_dates(params) if scores is not None else None, scan.rate):
            if budget is not None and scan.scanned >= budget:
                scan.stopped = True
                return
            docs: dict[Any, dict[str, Any]] = {}
            for query in band.queries:
                read = self.active_promotions(fields or LIST_FIELDS, now) if band.promotions else \
                    self.jobs.find(query, dict(fields or LIST_FIELDS))
                for doc in read:
                    docs[doc["_id"]] = doc
            scan.scanned += len(docs)
            found = [d for d in docs.values() if (band.keep is None or band.keep(d)) and params.matches(d, now, names)]
            yield from sorted(found, key=key, reverse=True)

    def search_ready(self) -> bool:
        """Whether `job_search` serves text search: its search index exists (created after its backfill)."""
        return self._cache.get(("search_ready",), lambda: SEARCH_INDEX in {
            ix["name"] for ix in self.db[SEARCH_COLLECTION].list_indexes()})

    def _text_search(self, params: ListParams, fields: Mapping[str, Any] | None, budget: int | None,
                     now: datetime, scan: Scan, key: Callable[[Mapping[str, Any]], tuple]
                     ) -> Iterator[dict[str, Any]] | None:
        """The list of a text search through `job_search` (crawlerats/web/search.py): "newest": active promotions,
        then the posted-date bands of the search index; other orders: every match, sorted; None when it cannot
        serve the request."""
        words = query_words(params.q)
        place = params.location.casefold()
        driver = driver_gram(words, place)
        if driver is None or not self.search_ready():
            return None
        names = self.registry_names()
        fields = dict(fields or LIST_FIELDS)
        newest = params.sort == "newest"

        def matches(doc: Mapping[str, Any]) -> bool:  # "newest": the active promotions are read first
            return params.matches(doc, now, names) and not (newest and is_promoted(doc, now))

        search = TextSearch(self.jobs, words, names, fields, matches, key, place)
        named = search.registry_boards(driver[0])
        if named:
            directory = {(b["ats"], b["company"]): b["postings"] for b in self.directory() or []}
            if not directory or sum(directory.get(board, 0) for board in named) > REGISTRY_BOARDS_LIMIT:
                return None
        statuses = ["open", "closed"] if params.status == "any" else [params.status]
        cutoff = params.cutoff(now)
        if not newest:  # every match first, when the word is rare enough, then sorted
            common = ("common", driver[1], params.status, cutoff is None)
            rate = self._hints.peek(common)
            if rate is None:
                found = search.all_matches(driver[1], statuses, newest_ranges(self.anchor(), cutoff), cutoff is None,
                                           search.read_boards(named, statuses), scan, self._date_share(params.status))
                if found is not None:
                    scan.matched = len(found)
                    return iter(sorted(found, key=key, reverse=True))
                rate = self._match_rate(search.expected, params.status)
                self._hints.put(common, rate)
            # a word given up on (lately): the search documents in bands of the sort key, else the list's bands
            scan.rate = rate
            if not self.sort_ready():
                return None
            return self._sorted_search(params, driver[1], words, place, fields, statuses, named, budget, now, scan,
                                       key)

        def read() -> Iterator[dict[str, Any]]:
            promoted = self.active_promotions(fields, now)
            scan.scanned += len(promoted)
            listed = sorted((d for d in promoted if params.matches(d, now, names)), key=key, reverse=True)
            yield from listed
            extra = search.read_boards(named, statuses)
            scan.scanned += len(extra)
            index = self.date_index()
            # A deep page counts the matches before it when the search documents decide every filter.
            countable = max(0, (params.page - 1) * params.per_page - len(listed)) if params.search_decides() else 0
            excluded = frozenset((d.get("ats"), d.get("company"), d.get("job_id")) for d in promoted)
            window = self._place_window(params, listed, cutoff, scan) if not words and not extra else None
            if window is not None:  # the location's cached dates place the page: one band holds it
                scan.counted += window.skipped
                yield from search.bands(driver[1], statuses, newest_ranges(self.anchor(), cutoff, window),
                                        cutoff is None, extra, _dated, budget, scan, None, countable, excluded)
                return
            dates = index.matching({} if params.status == "any" else {"status": params.status}) if index else None
            learned = ("rate", replace(params, page=1, per_page=PAGE_SIZE, deep=False))
            plan = DatePlan(dates, cutoff, params.page * params.per_page + 1, self._hints.peek(learned)) \
                if dates else None
            try:
                yield from search.bands(driver[1], statuses, newest_ranges(self.anchor(), cutoff), cutoff is None,
                                        extra, _dated, budget, scan, plan, countable, excluded)
            finally:  # (also when the list stops reading once its page is full)
                if plan is not None and plan.rate() is not None:
                    self._hints.put(learned, plan.rate())

        return read()

    def sort_ready(self) -> bool:
        """Whether `job_search` serves the sorted searches: its sort-key indexes exist (created after the backfill
        that gives every search document its sort keys)."""
        return self._cache.get(("sort_ready",), lambda: {SCORE_INDEX, PAY_INDEX} <= {
            ix["name"] for ix in self.db[SEARCH_COLLECTION].list_indexes()})

    def _sorted_search(self, params: ListParams, gram: str, words: list[str], place: str, fields: dict[str, Any],
                       statuses: list[str], named: list[tuple[str, str]], budget: int | None, now: datetime,
                       scan: Scan, key: Callable[[Mapping[str, Any]], tuple]) -> Iterator[dict[str, Any]]:
        """A sorted text search of a word too common to read every match first: the active promotions, then the
        search documents of its trigram in bands of the sort key (`score` or `pay`, crawlerats/web/search.py
        `sorted_bands`), sized by the cached per-score counts or salary histogram at the word's estimated match
        rate (`scan.rate`); for the salary sort, then the postings without a salary in the posted-date bands."""
        names = self.registry_names()
        search = TextSearch(self.jobs, words, names, fields,
                            lambda d: params.matches(d, now, names) and not is_promoted(d, now), key, place)
        wanted = params.page * params.per_page + 1  # the rows up to the page's end, and one more
        needed = math.ceil(wanted * RATE_MARGIN / scan.rate)
        promoted = self.active_promotions(fields, now)
        scan.scanned += len(promoted)
        yield from sorted((d for d in promoted if params.matches(d, now, names)), key=key, reverse=True)
        extra = search.read_boards(named, statuses)
        scan.scanned += len(extra)
        if params.sort in ("ghost", "low"):
            conditions = score_ranges(self.score_counts(params), params.sort == "low", needed)
            yield from search.sorted_bands(gram, "score", conditions, statuses, extra, _score, budget, scan, wanted,
                                           ascending=params.sort == "low")
            return
        conditions = pay_ranges(per_amount(self.salary_histogram(), statuses), params.min_salary, needed)
        yield from search.sorted_bands(gram, "pay", conditions, statuses, extra,
                                       lambda d: stored_annual(d.get("salary")), budget, scan, wanted)
        if params.salary or params.min_salary:
            return
        cutoff = params.cutoff(now)
        yield from search.bands(gram, statuses, newest_ranges(self.anchor(), cutoff), cutoff is None,
                                [d for d in extra if stored_annual(d.get("salary")) is None], _dated, budget, scan,
                                rows_kept=lambda r: r.get("pay") is None)

    def _match_rate(self, expected: float | None, status: str) -> float:
        """The share of the postings of `status` that `expected` matches are (1 when unknown; at least
        `MIN_MATCH_RATE`)."""
        postings = self.count_equal({} if status == "any" else {"status": status})
        if not expected or not postings:
            return 1.0
        return min(1.0, max(MIN_MATCH_RATE, expected / postings))

    def _place_dates(self, params: ListParams, cutoff: datetime | None) -> tuple[list[datetime], int] | None:
        """(ascending dates, undated count) of the postings a location filter keeps, with its status and "posted
        within" filters, from the cached date index; None when other filters or query words apply (the dates do
        not decide them), or until the index is ready."""
        index = self.date_index()
        if index is None or params.q or not params.location or not params.search_decides():
            return None
        dates, undated = index.at_place(params.location.casefold(), params.status)
        if cutoff is not None:
            return dates[bisect_left(dates, cutoff):], 0
        return dates, undated

    def place_total(self, params: ListParams, now: datetime) -> int | None:
        """Postings a location filter keeps when the other filters are only status and "posted within" and no
        query word is given, from the cached date index (None otherwise, or until it is ready)."""
        placed = self._place_dates(params, params.cutoff(now))
        return None if placed is None else len(placed[0]) + placed[1]

    def _place_window(self, params: ListParams, listed: list[dict[str, Any]], cutoff: datetime | None,
                      scan: Scan) -> Window | None:
        """Where a location filter's page starts (no query word; status and "posted within" the only other
        filters, so the search documents decide every row), from the cached dates per location
        (`DateIndex.at_place`): the first band cut to hold a shallow page, or a deep page's window (the postings
        dated after its first row are counted, not read). Sets `scan.matched`, the list's total. None: read from
        the top (the date index is not ready, or the page lies past the dated postings). As fresh as the cache,
        like the other deep pages (crawlerats/web/paging.py); `listed`: the active promotions listed first."""
        placed = self._place_dates(params, cutoff)
        if placed is None:
            return None
        dates, undated = placed
        promoted = [m for d in listed if (m := _dated(d)) is not None]
        target = (params.page - 1) * params.per_page - len(listed)  # the page's first row among the others
        if target < MIN_SKIP:
            window = top_window(dates, promoted, target + params.per_page + 1)
        else:
            window = deep_window(dates, promoted, target, params.per_page)
        if window is not None:
            scan.matched = len(dates) + undated
        return window

    def job_list(self, params: ListParams, fields: Mapping[str, Any] | None = None) -> JobListPage:
        """One page of the list: read candidate bands in sort order until the page (and one more) is full."""
        now = clock.now()
        skip = (params.page - 1) * params.per_page
        wanted = skip + params.per_page + 1
        budget = DEEP_SCAN_BUDGET if params.deep else SCAN_BUDGET
        matched: list[dict[str, Any]] = []
        scan = Scan()
        complete = True
        start = self._deep_start(params, skip, now)
        skipped = start.skipped if start else 0  # counted, not read: right after the promotions
        for doc in self.iter_matches(params, fields, budget, now, scan, start):
            matched.append(doc)
            if len(matched) + skipped + scan.counted >= wanted:
                complete = False
                break
        else:
            complete = not scan.stopped
        skipped += scan.counted  # (a deep text-search page's counted rows follow the promotions it yielded first)
        scanned = scan.scanned
        partial = not complete and len(matched) + skipped < wanted
        total = len(matched) + skipped if complete else scan.matched
        if total is None:
            flt = params.equality_filter()
            total = self.count_equal(flt) if flt is not None else \
                self.salary_total(params) if not params.location else self.place_total(params, now)
        rows = matched[skip - skipped: skip - skipped + params.per_page + 1]
        return JobListPage(params=params, rows=rows[:params.per_page], total=total, has_next=len(rows) > params.per_page,
                           found=len(matched) + skipped, partial=partial, scanned=scanned,
                           ats_choices=self.ats_names(), names=self.registry_names(), now=now)

    def date_index(self) -> DateIndex | None:
        """Every posting's posted-or-seen date per facet combination and ghost score, and per status and location
        (crawlerats/web/paging.py; cached like the facet counts, None while first computed in the background)."""

        def compute() -> DateIndex:
            keys = (*FACET_KEYS, GHOST_KEY)
            fields = {"_id": 0, **dict.fromkeys(keys, 1), "posted_at": 1, "first_seen": 1, "location": 1}
            rows = ((tuple(_field(d, k) for k in keys), _dated(d), d.get("location"))
                    for d in self.jobs.find({}, fields))
            return build_date_index(keys, rows, status_at=keys.index("status"))

        return self._cache.get_nowait(("dates",), compute)

    def _score_dates(self, params: ListParams) -> Callable[[int], list[datetime]] | None:
        """The cached posted-or-seen dates of the postings of one ghost score that the list's equality filters keep
        (the other filters are left out: a superset, which only sizes bands; None until the date index is
        ready)."""
        flt = params.facet_filter()
        index = self.date_index()
        if index is None:
            return None
        return lambda score: index.matching({**flt, GHOST_KEY: score})

    def _date_share(self, status: str) -> Callable[[dict[str, Any]], float] | None:
        """The share of the postings of `status` ("any": all) whose posted-or-seen date falls in a date range
        (`{"$gte": .., "$lt": ..}`), from the cached date index (None until it is ready)."""
        index = self.date_index()
        if index is None:
            return None
        dates = index.matching({} if status == "any" else {"status": status})
        if not dates:
            return None

        def share(rng: dict[str, Any]) -> float:
            low = bisect_left(dates, rng["$gte"]) if "$gte" in rng else 0
            high = bisect_left(dates, rng["$lt"]) if "$lt" in rng else len(dates)
            return max(0, high - low) / len(dates)

        return share

    def _promoted_matching(self, params: ListParams, now: datetime) -> list[dict[str, Any]]:
        """The active promotions the list's filters keep (read first, before every band)."""
        names = self.registry_names()
        return [d for d in self.active_promotions(LIST_FIELDS, now) if params.matches(d, now, names)]

    def _deep_start(self, params: ListParams, skip: int, now: datetime) -> DeepStart | None:
        """Where a deep page starts, from cached counts (crawlerats/web/paging.py); None: read from the top."""
        flt = params.equality_filter()
        if params.sort == "newest" and flt is not None:
            index = self.date_index()
            if index is None:
                return None
            promoted = self._promoted_matching(params, now)
            dated = [m for d in promoted if (m := _dated(d)) is not None]
            if skip - len(promoted) < MIN_SKIP:  # a shallow page: its first band cut to hold it
                top = top_window(index.matching(flt), dated, skip - len(promoted) + params.per_page + 1)
                return DeepStart(0, window=top) if top else None
            window = deep_window(index.matching(flt), dated, skip - len(promoted), params.per_page)
            return DeepStart(window.skipped, window=window) if window else None
        if skip < MIN_SKIP:
            return None
        if params.sort in ("ghost", "low") and flt is not None and not set(flt) - {"status", "health.risk"} \
                and not (params.risk and params.status == "any"):
            return self._deep_score_start(params, flt, skip, now)
        plain = replace(params, salary="", min_salary=0).equality_filter()  # the salary filters are the histogram's
        if params.sort == "salary" and plain is not None and not set(plain) - {"status"}:
            return self._deep_salary_start(params, skip, now)
        return None

    def _deep_score_start(self, params: ListParams, flt: dict[str, Any], skip: int, now: datetime
                          ) -> DeepStart | None:
        """A deep "ghost" / "low" page: the scores before its first row's are counted; inside a crowded score the
        date index of that score places the page (integer scores only, as stored by the scoring stage)."""
        counts = self.score_counts(params)
        index = self.date_index()
        if not counts or index is None or not all(float(score).is_integer() for score in counts):
            return None
        promoted = self._promoted_matching(params, now)
        rest = dict(counts)
        for doc in promoted:
            score = _score(doc)
            if score is not None and rest.get(score, 0) > 0:
                rest[score] -= 1
        found = first_of_rank(rest, skip - len(promoted), descending=params.sort == "ghost")
        if found is None:
            return None
        score, before = found
        window = None
        if counts.get(score, 0) > CROWDED_SCORE:  # read in posted-date sub-bands: place the page among them
            window = deep_window(index.matching({**flt, GHOST_KEY: score}),
                                 (m for d in promoted if _score(d) == score and (m := _dated(d)) is not None),
                                 skip - len(promoted) - before, params.per_page)
        if not before and window is None:
            return None
        return DeepStart(before + (window.skipped if window else 0), window=window, score=int(score))

    def _deep_salary_start(self, params: ListParams, skip: int, now: datetime) -> DeepStart | None:
        """A deep "salary" page: the better-paid postings than its first row's amount are counted."""
        pay = self.salary_histogram()
        if pay is None:
            return None
        amounts: dict[float, int] = {}
        for status, per_pay in pay.items():
            if params.status in ("any", status):
                for amount, n in per_pay.items():
                    if amount > 0 and amount >= params.min_salary:
                        amounts[amount] = amounts.get(amount, 0) + n
        promoted = self._promoted_matching(params, now)
        for doc in promoted:
            amount = stored_annual(doc.get("salary"))
            if amount is not None and amounts.get(amount, 0) > 0:
                amounts[amount] -= 1
        found = first_of_rank(amounts, skip - len(promoted), descending=True)
        if found is None or not found[1]:
            return None
        amount, before = found
        return DeepStart(before, below=min(a for a in amounts if a > amount))

    def whole_documents(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The whole stored documents of a page's `rows` (read with the list's fields), in the same order, by one
        `_id` query: a list reads its candidates with `LIST_FIELDS` and only the page's rows whole (an exclusion
        projection such as `{dedup: 0}` is applied field by field in Python on SecantusDB, slower than sending the
        document; `find_in`: short `$in` lists). A row deleted since is left out."""
        if not rows:
            return []
        found = {d["_id"]: d for d in find_in(self.jobs, {}, "_id", [row["_id"] for row in rows])}
        return [found[row["_id"]] for row in rows if row["_id"] in found]

    # --- job page ------------------------------------------------------------------------------------
    def job(self, ats: str, company: str, job_id: str, fields: Mapping[str, Any] | None = None) -> dict[str, Any] | None:
        """One posting, whole by default (`fields`: a projection; SecantusDB applies one in Python, slower than
        sending the document)."""
        return self.jobs.find_one({"ats": ats, "company": company, "job_id": job_id}, dict(fields) if fields else None)

    def company_display(self, doc: Mapping[str, Any]) -> str:
        return display_name(doc, self.registry_names().get((doc.get("ats"), doc.get("company"))))

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
    def board_counts(self, ats: str, company: str) -> dict[str, Any] | None:
        """The board's entry of the cached directory (`postings`, `closed`; as fresh as the cache), or None until
        the directory is ready or when the board is not in it."""
        directory = self.directory()
        if directory is None:
            return None
        indexed, by_board = self._by_board
        if indexed is not directory:
            by_board = {(b["ats"], b["company"]): b for b in directory}
            self._by_board = (directory, by_board)
        return by_board.get((ats, company))

    def boards(self) -> dict[tuple[str, str], dict[str, Any]]:
        """The `boards` registry, `(ats, company) -> document` (a small collection; cached like the counts)."""

        def compute() -> dict[tuple[str, str], dict[str, Any]]:
            return {(d.get("ats"), d.get("company")): d for d in self.db["boards"].find({}, {"_id": 0})}

        return self._cache.get(("boards",), compute)

    def company(self, ats: str, company: str, page: int = 1) -> dict[str, Any] | None:
        """Open postings (one page, riskiest first) with their risk shares, reposts and median days active."""
        base = {"ats": ats, "company": company}
        counted = self.board_counts(ats, company)  # cached: the closed count, and whether the board is small
        whole = counted is not None and counted["postings"] <= COMPANY_WHOLE_READ
        open_jobs = list(self.jobs.find({**base, "status": "open"}, None if whole else LIST_FIELDS))
        closed = counted["closed"] if counted is not None and open_jobs else \
            self.jobs.count_documents({**base, "status": "closed"})
        if not open_jobs and not closed:
            return None
        now = clock.now()
        open_jobs.sort(key=lambda d: (is_promoted(d, now), *SORT_KEYS["ghost"](d)), reverse=True)
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
        board = self.boards().get((ats, company))
        sample = open_jobs[0] if open_jobs else (self.jobs.find_one(base, {"_id": 0, "company": 1, "company_name": 1})
                                                 or base)
        pages = max(1, -(-len(open_jobs) // PAGE_SIZE))
        page = min(max(page, 1), pages)
        return {
            "ats": ats,
            "company": company,
            "company_name": display_name(sample, (board or {}).get("company_name")),
            "board": board,
            "open_jobs": open_jobs[(page - 1) * PAGE_SIZE: page * PAGE_SIZE],
            "page": page,
            "pages": pages,
            "open_count": len(open_jobs),
            "closed_count": closed,
            "by_risk": by_risk,
            "unscored": unscored,
            "reposts": sum(1 for d in open_jobs if (d.get("repost_count") or 0) > 0),
            "median_days_active": statistics.median(days) if days else None,
            "now": now,
        }

    # --- stats page ----------------------------------------------------------------------------------
    def stats_summary(self, wait: bool = True) -> dict[str, Any]:
        """Open postings per ATS and risk level plus open/closed totals, from the cached facet counts.

        The aggregation reads every posting, so it is cached: fresh for `cache_seconds`, then served stale
        while a background thread recomputes it (`crawlerats web` also computes it once at start). With
        `wait=False` a request never waits for it: `counting` is true until the first count is ready."""
        facets = self.facets(wait=wait)
        table: dict[str, dict[str, Any]] = {}
        status = {"open": 0, "closed": 0}
        for (state, ats, risk, _workplace, _employment), n in (facets or {}).items():
            if state in status:
                status[state] += n
            if state != "open":
                continue
            name = ats or "—"
            entry = table.setdefault(name, {"ats": name, "total": 0, "unscored": 0, **dict.fromkeys(RISK_LEVELS, 0)})
            entry[risk if risk in RISK_LEVELS else "unscored"] += n
            entry["total"] += n
        return {"by_ats": sorted(table.values(), key=lambda e: (-e["total"], e["ats"])), "status": status,
                "counting": facets is None}

    def recent_crawls(self, limit: int = 20) -> list[dict[str, Any]]:
        """The latest crawls, newest first (the `started_at` index: last 60 days, else all of them)."""
        crawls = self.db["crawls"]
        since = clock.now() - timedelta(days=60)
        for flt in ({"started_at": {"$gte": since}}, {}):
            found = list(crawls.find(flt).sort("started_at", DESCENDING).limit(limit))
            if len(found) >= limit or flt == {}:
                return found
        return []
