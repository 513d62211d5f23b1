"""Benchmark: web page latency with 100,000 stored postings, as a ratio to a bare indexed query in the same run.

Starts its own secantusd-py server (temporary storage), seeds N postings shaped like docs/schema.md, creates
the registered indexes, then times each page through the ASGI app (template rendering included) against
two baselines measured on the same server in the same run:

- `indexed`: a bare indexed `find({"posted_at": {"$gte": <2 days before the newest>}}).limit(25)`, the
  cheapest useful list query (an index range that yields a page);
- `naive`: `find({"status": "open"}).sort("first_seen", -1).limit(25)`, what a straightforward list would
  send; on SecantusDB it reads every open posting (it uses an index only for an exactly index-shaped filter).

Seeding 100,000 postings takes a while on 2 cores; `--keep DIR` seeds into DIR once and
reuses it on later runs with the same `--postings` (the web code under test is whatever is checked out).

    python bench/web.py [--postings 100000] [--repeat 15] [--keep DIR]
    python bench/web.py --keep DIR --only '/jobs?q=data&sort=ghost' '/jobs' --rounds 3

`--only` times just the given paths, each right after its own indexed baseline, for `--rounds` rounds, and
prints every round's ratio and their median: on a noisy machine, run it once per checkout, alternating
checkouts, to compare two versions of the code on the same seeded database.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import httpx2  # noqa: E402
from pymongo import DESCENDING, MongoClient  # noqa: E402

from crawlerats.db.embedded import SERVER_OPTIONS  # noqa: E402
from crawlerats.db.indexes import ensure_indexes  # noqa: E402
from crawlerats.db.search_index import backfill_search  # noqa: E402
from crawlerats.normalize.salary import annualised  # noqa: E402
from crawlerats.web import create_app  # noqa: E402
from crawlerats.web.protect import WebLimits  # noqa: E402
from tests.support.mongo import SecantusServer  # noqa: E402

NOW = datetime(2026, 3, 20, 12, tzinfo=UTC)
WORDS = ["Senior", "Staff", "Backend", "Frontend", "Data", "Platform", "Product", "Sales", "Support", "Security",
         "Engineer", "Manager", "Analyst", "Designer", "Scientist", "Recruiter", "Lead", "Specialist"]
CITIES = ["Stockholm, Sweden", "Berlin, Germany", "New York, NY", "Remote", "London, UK", "Austin, TX"]
RISKS = [("low", "Low Risk", 10), ("medium", "Medium Risk", 40), ("high", "High Risk", 65),
         ("very_high", "Very High Risk", 85)]
ATSES = ["lever", "greenhouse", "ashby", "workday", "smartrecruiters", "workable"]


def posting(n: int, rng: random.Random) -> dict[str, Any]:
    risk, label, base = rng.choice(RISKS)
    first_seen = NOW - timedelta(minutes=rng.randrange(0, 400 * 24 * 60))
    title = " ".join(rng.sample(WORDS, 3))
    company = f"company{n % 2000:04d}"
    return {
        "ats": ATSES[n % len(ATSES)], "company": company, "company_name": company.title(), "job_id": str(n),
        "requisition_id": None, "title": title, "department": rng.choice(["Engineering", "Sales", "Support", None]),
        "team": None, "employment_type": "full_time", "employment_type_raw": "Full-time",
        "workplace_type": rng.choice(["remote", "hybrid", "onsite", None]), "locations": [],
        "location": rng.choice(CITIES), "salary": salary(rng), "salary_raw": None,
        "description_html": "<p>" + " ".join(rng.choices(WORDS, k=150)) + "</p>", "description_text": None,
        "url": f"https://example.com/{n}", "apply_url": f"https://example.com/{n}/apply",
        "posted_at": None if n % 4 == 0 else first_seen - timedelta(days=rng.randrange(0, 30)), "posted_at_raw": None,
        "updated_at": None, "updated_at_raw": None, "extras": {},
        "first_seen": first_seen, "last_seen": NOW, "crawl_id": "bench", "status": rng.choice(["open"] * 4 + ["closed"]),
        "closed_at": None, "reopened_count": 0, "content_hash": f"{n:x}", "updated_seen_at": first_seen,
        "repost_of": None, "repost_count": 0, "earlier_postings": [], "duplicate_group": None, "duplicate_count": 0,
        "health": {"ghost_score": min(100, base + rng.randrange(0, 15)), "risk": risk, "risk_label": label,
                   "days_active": (NOW - first_seen).days, "repost_count": 0, "signals": [], "scored_at": NOW,
                   "version": "bench"},
    }


def salary(rng: random.Random) -> dict[str, Any] | None:
    """About 45 % of postings carry a parsed salary (share seen over the shared fixtures)."""
    if rng.random() > 0.45:
        return None
    interval = rng.choice(["year"] * 6 + ["hour", "month"])
    low = {"year": rng.randrange(30, 250) * 1000.0, "hour": float(rng.randrange(15, 120)),
           "month": rng.randrange(2, 20) * 1000.0}[interval]
    return annualised({"min": low, "max": rng.choice([None, low * 1.3]), "currency": rng.choice(["USD", "EUR", "GBP"]),
                       "interval": interval, "raw": None})  # with the annual amounts the validation stage adds


class AsgiClient:
    """Requests to the ASGI app on one event loop in this thread (httpx2's ASGI transport), as a server's worker
    runs them. Starlette's TestClient instead runs the app on a portal thread and crosses threads twice per
    request: measured 1.6 ms per request of its own, more than the indexed baseline, where this costs 0.3 ms."""

    def __init__(self, app: Any) -> None:
        self.loop = asyncio.new_event_loop()
        self.client = httpx2.AsyncClient(transport=httpx2.ASGITransport(app=app), base_url="http://testserver")

    def get(self, path: str) -> Any:
        return self.loop.run_until_complete(self.client.get(path))


def ok(response: Any) -> Any:
    """Every timed request must be a real page (not a redirect, 429 or 503)."""
    assert response.status_code == 200, (response.request.url, response.status_code)
    return response


def timed(fn: Any, repeat: int) -> float:
    """Median seconds of `repeat` calls after one warm-up call (3 calls when one takes over 2 s)."""
    start = time.perf_counter()
    fn()
    if time.perf_counter() - start > 2:
        repeat = min(repeat, 3)
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--postings", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--keep", type=Path, default=None,
                        help="seed into this directory once and reuse it on later runs (kept after the run)")
    parser.add_argument("--only", nargs="+", default=None, metavar="PATH",
                        help="time only these paths, each right after its own baseline (see --rounds)")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of --only")
    args = parser.parse_args()

    storage = args.keep or Path(tempfile.mkdtemp(prefix="bench-web-"))
    marker = storage / f"seeded-{args.postings}"
    reuse = args.keep is not None and marker.exists()
    (storage / "db").mkdir(parents=True, exist_ok=True)
    # as the embedded default runs it (`crawlerats web` on the embedded database): no oplog, write-path tuning
    server = SecantusServer(storage=storage / "db", options=SERVER_OPTIONS).start()
    try:
        client: MongoClient = MongoClient(server.uri, tz_aware=True)
        db = client["bench_web"]
        if reuse:
            started = time.perf_counter()
            ensure_indexes(db)  # the checked-out code's index list (creates what changed, with any backfill)
            print(f"reusing {db.jobs.estimated_document_count():,} postings seeded in {storage} "
                  f"(indexes brought up to date in {time.perf_counter() - started:.1f} s)", flush=True)
        else:
            if args.keep is not None:
                client.drop_database("bench_web")
            seed(db, args.postings)
            if args.keep is not None:
                marker.touch()
        run(db, args.repeat) if args.only is None else interleaved(db, args.only, args.rounds, args.repeat)
        if args.keep is None:
            client.drop_database("bench_web")
        client.close()
    finally:
        server.stop()
        if args.keep is None:
            shutil.rmtree(storage, ignore_errors=True)
    return 0


def seed(db: Any, postings: int) -> None:
    """`postings` documents shaped like docs/schema.md, their search documents and one crawl record."""
    ensure_indexes(db)  # before seeding, as a crawl writes into an indexed collection
    rng = random.Random(7)
    start = time.perf_counter()
    batch: list[dict[str, Any]] = []
    for n in range(postings):
        batch.append(posting(n, rng))
        if len(batch) == 2000:
            db.jobs.insert_many(batch, ordered=False)
            batch = []
    if batch:
        db.jobs.insert_many(batch, ordered=False)
    backfill_search(db)  # the text-search documents the crawl's writer stores with each posting
    # The crawl record every crawl writes; its start anchors the list's "newest" bands.
    db.crawls.insert_one({"_id": "bench", "spider": "lever", "started_at": NOW, "finished_at": NOW,
                          "finish_reason": "finished", "boards": {"ok": 2000, "failed": 0, "truncated": 0,
                                                                  "incomplete": 0},
                          "items": {"stored": postings, "dropped": {}}, "monitors": {"passed": True}})
    print(f"seeded {db.jobs.estimated_document_count():,} postings in {time.perf_counter() - start:.1f} s", flush=True)


def warm_app(db: Any) -> tuple[Any, dict[str, Any]]:
    """The web app on the seeded database, as `crawlerats web` starts it, once its warm-up is done; and the
    indexed baseline's filter."""
    # The facet counts (totals, score counts) and the board directory are cached aggregations, computed once at
    # start; a long cache keeps their background refresh (a read of every posting, every `cache_seconds`) out of
    # the timings. /stats is also timed uncached below. No per-client rate limit here (the protection's 429 would
    # be timed instead of the page).
    app = create_app(db, create_indexes=False, warm=True, cache_seconds=3600,
                     limits=WebLimits(expensive_rate="100000/minute", expensive_concurrency=4))
    queries = app.state.queries
    # The baselines are timed after the app's background warm-up (cached counts, date index, salary
    # histogram: reads of every posting), which would otherwise run on the server at the same time.
    while (queries.facets(wait=False) is None or queries.directory() is None  # the warm-up at start
           or queries.date_index() is None  # (deep pages' date index: built at the first deep page)
           or queries.salary_histogram() is None):  # (salary bands' histogram: at the first salary list)
        time.sleep(0.5)
    newest = max(d["posted_at"] for d in db.jobs.find({"posted_at": {"$gte": NOW - timedelta(days=1)}},
                                                        {"posted_at": 1}))
    return app, {"posted_at": {"$gte": newest - timedelta(days=2)}}


def interleaved(db: Any, paths: list[str], rounds: int, repeat: int) -> None:
    """`--only`: each path timed right after its own indexed baseline, `rounds` times; every ratio and the median."""
    app, window = warm_app(db)
    web = AsgiClient(app)
    ratios: dict[str, list[float]] = {path: [] for path in paths}
    for _ in range(rounds):
        for path in paths:
            baseline = timed(lambda: list(db.jobs.find(window).limit(25)), repeat)
            ratios[path].append(timed(lambda path=path: ok(web.get(path)), repeat) / baseline)
    print(f"{'page':42} {'median x indexed':>16}  rounds")
    for path, found in ratios.items():
        print(f"{path:42} {statistics.median(found):16.1f}  {' '.join(f'{r:.1f}' for r in found)}")


def run(db: Any, repeat: int) -> None:
    """Time every page against the two baselines and print the table."""
    app, window = warm_app(db)
    baseline = timed(lambda: list(db.jobs.find(window).limit(25)), repeat)
    naive = timed(lambda: list(db.jobs.find({"status": "open"}).sort("first_seen", DESCENDING).limit(25)), 1)
    print(f"baseline indexed: find(posted_at >= newest-2d).limit(25): {baseline * 1000:8.1f} ms")
    print(f"naive: find(status=open).sort(first_seen).limit(25):      {naive * 1000:8.1f} ms"
          f"  ({naive / baseline:.1f} x indexed)")
    web = AsgiClient(app)
    # What the harness itself costs per request (routing and middleware included): a 404.
    harness = timed(lambda: web.get("/no-such-page"), repeat)
    print(f"harness: a 404 through the ASGI app:                      {harness * 1000:8.1f} ms")
    sample = db.jobs.find_one({"job_id": "4242"})
    pages = {
        "/jobs (open, newest)": "/jobs",
        "/jobs?sort=ghost": "/jobs?sort=ghost",
        "/jobs?sort=low": "/jobs?sort=low",
        "/jobs?sort=salary": "/jobs?sort=salary",
        "/jobs?salary=known": "/jobs?salary=known",
        "/jobs?min_salary=150000&sort=salary": "/jobs?min_salary=150000&sort=salary",
        "/jobs?posted=7": "/jobs?posted=7",
        "/jobs?employment=full_time&workplace=hybrid": "/jobs?employment=full_time&workplace=hybrid",
        "/jobs?company=Company0042 (name)": "/jobs?company=Company0042",
        "/api/jobs": "/api/jobs",
        "/api/jobs?sort=salary&salary=known": "/api/jobs?sort=salary&salary=known",
        "/jobs.atom": "/jobs.atom",
        "/jobs?q=data+engineer (common words)": "/jobs?q=data+engineer",
        "/jobs?q=zzz (no match)": "/jobs?q=zzz",
        "/jobs?risk=very_high&status=any": "/jobs?risk=very_high&status=any",
        "/jobs?risk=high&sort=ghost": "/jobs?risk=high&sort=ghost",
        "/jobs?ats=workday&workplace=remote": "/jobs?ats=workday&workplace=remote",
        "/jobs?page=40": "/jobs?page=40",
        "/jobs?sort=ghost&page=40": "/jobs?sort=ghost&page=40",
        "/jobs?sort=low&page=40": "/jobs?sort=low&page=40",
        "/jobs?sort=salary&page=40": "/jobs?sort=salary&page=40",
        "/jobs?risk=high&page=40": "/jobs?risk=high&page=40",
        "/jobs?location=berlin (Python filter)": "/jobs?location=berlin",
        "/jobs?location=berlin&page=10": "/jobs?location=berlin&page=10",
        "/jobs?q=data&sort=ghost (common word)": "/jobs?q=data&sort=ghost",
        "/jobs?q=staff+lead&sort=salary": "/jobs?q=staff+lead&sort=salary",
        "/jobs?q=staff+lead&sort=ghost": "/jobs?q=staff+lead&sort=ghost",
        "/jobs?q=data+engineer&sort=low": "/jobs?q=data+engineer&sort=low",
        "/jobs/<ats>/<company>/<job_id>": f"/jobs/{sample['ats']}/{sample['company']}/{sample['job_id']}",
        "/api/jobs/<ats>/<company>/<job_id>": f"/api/jobs/{sample['ats']}/{sample['company']}/{sample['job_id']}",
        "/companies/<ats>/<company>": f"/companies/{sample['ats']}/{sample['company']}",
    }
    print(f"{'page':42} {'median ms':>10} {'x indexed':>10} {'x naive':>8}")
    for label, path in pages.items():
        seconds = timed(lambda path=path: ok(web.get(path)), repeat)
        print(f"{label:42} {seconds * 1000:10.1f} {seconds / baseline:10.1f} {seconds / naive:8.2f}", flush=True)
    uncached = AsgiClient(create_app(db, create_indexes=False, cache_seconds=0,
                                     limits=WebLimits(query_seconds=600)))
    stats_uncached = timed(lambda: ok(uncached.get("/stats")), max(3, repeat // 5))
    print(f"{'/stats (uncached aggregation)':42} {stats_uncached * 1000:10.1f} {stats_uncached / baseline:10.1f} "
          f"{stats_uncached / naive:8.2f}")
    stats_cached = timed(lambda: ok(web.get("/stats")), repeat)  # the counts computed at start
    print(f"{'/stats (cached counts)':42} {stats_cached * 1000:10.1f} {stats_cached / baseline:10.1f} "
          f"{stats_cached / naive:8.2f}")


if __name__ == "__main__":
    sys.exit(main())
