"""Per-item cost of the dedup stage with 10,000 and with 200,000 postings already stored, in one run.

Starts its own secantusd-py server (like tests/support/mongo.py), seeds `jobs` with insert_many (documents
carry the same `dedup` keys the stage stores), then times `DedupEngine.process_batch` on batches of new
postings (the expensive path: candidate search, reposts, duplicate groups) and of re-seen postings.
Companies follow a long-tailed size mix and one company has 5,000 open postings; half of every timed
batch goes to that company. Prints both figures and the ratio (target <= 2).

    python bench/dedup.py [--small 10000] [--large 200000] [--batches 4]
"""

from __future__ import annotations

import argparse
import random
import signal
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from pymongo import MongoClient

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from crawlerats.db.indexes import ensure_indexes  # noqa: E402
from crawlerats.dedup.engine import DedupEngine  # noqa: E402
from crawlerats.dedup.features import features  # noqa: E402
from crawlerats.items import JobItem  # noqa: E402
from tests.support.mongo import SecantusServer  # noqa: E402

NOW = datetime(2026, 3, 20, 9, 0, tzinfo=UTC)
BIG = "bigco"
ROLES = ("Software Engineer", "Data Scientist", "Account Executive", "Product Manager", "Store Associate",
         "Warehouse Operative", "Registered Nurse", "Customer Success Manager", "Designer", "Recruiter")
LEVELS = ("", "Senior ", "Junior ", "Staff ", "Lead ", "Principal ")
TEAMS = ("Payments", "Search", "Growth", "Platform", "Mobile", "Ads", "Risk", "Care", "Logistics", "Retail")
CITIES = ("London", "Berlin", "Stockholm", "New York", "Austin", "Paris", "Madrid", "Toronto", "Sydney", "Remote")
WORDS = ["build", "ship", "own", "design", "improve", "scale", "maintain", "lead", "mentor", "analyse", "support", "customers", "systems", "data", "teams", "product", "quality", "reliability", "growth", "partners", "stakeholders", "roadmap", "strategy", "metrics", "services", "tools", "pipelines", "experiments", "users", "markets", "revenue", "operations", "process", "hiring", "culture", "feedback", "ideas"]


def sentence(rng: random.Random) -> str:
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(8, 16))).capitalize() + "."


def posting(rng: random.Random, company: str, job_id: str, boilerplate: str) -> dict:
    title = f"{rng.choice(LEVELS)}{rng.choice(ROLES)}, {rng.choice(TEAMS)}"
    city = rng.choice(CITIES)
    text = boilerplate + "\n\n" + " ".join(sentence(rng) for _ in range(rng.randint(6, 14)))
    return {"ats": "lever", "company": company, "job_id": job_id, "title": title, "description_text": text,
            "location": city, "locations": [{"raw": city, "city": city, "region": None, "country": None}]}


def company_sizes(total: int, rng: random.Random, start: int) -> list[tuple[str, int]]:
    sizes, n, i = [], 0, start
    while n < total:
        size = min(total - n, int(rng.paretovariate(1.2) * 8))
        sizes.append((f"co{i}", max(1, size)))
        n += max(1, size)
        i += 1
    return sizes


def document(p: dict, rng: random.Random) -> dict:
    f = features(p)
    first = NOW - timedelta(days=rng.randint(1, 200))
    closed = rng.random() < 0.3
    return {**p, "requisition_id": None, "status": "closed" if closed else "open", "first_seen": first,
            "last_seen": first + timedelta(days=rng.randint(0, 30)), "closed_at": NOW if closed else None,
            "posted_at": first, "content_hash": f.content_hash, "updated_seen_at": first, "reopened_count": 0,
            "repost_of": None, "repost_count": 0, "earlier_postings": [], "duplicate_group": None,
            "duplicate_count": 0, "dedup": f.as_subdocument()}


def seed(db, sizes: list[tuple[str, int]], rng: random.Random, boiler: dict[str, str], open_only: str = "") -> int:
    docs, n = [], 0
    for company, size in sizes:
        boiler.setdefault(company, " ".join(sentence(rng) for _ in range(4)))
        for k in range(size):
            doc = document(posting(rng, company, f"{company}-{k}", boiler[company]), rng)
            if company == open_only:
                doc["status"], doc["closed_at"] = "open", None
            docs.append(doc)
            if len(docs) >= 5000:
                n += _store(db, docs)
                docs = []
    if docs:
        n += _store(db, docs)
    return n


def _store(db, docs: list[dict]) -> int:
    """The postings, and their band keys where the dedup stage indexes them (`job_bands`)."""
    db.jobs.insert_many(docs, ordered=False)
    db.job_bands.insert_many([{"ats": d["ats"], "company": d["company"], "job_id": d["job_id"],
                               "bands": d["dedup"]["bands"]} for d in docs], ordered=False)
    return len(docs)


def timed_batches(db, rng: random.Random, boiler: dict[str, str], companies: list[str], batches: int,
                  size: int, tag: str) -> tuple[float, float]:
    """Seconds per item for new postings and for re-seen (unchanged) stored postings."""
    engine = DedupEngine(db, lambda: NOW, f"bench-{tag}")
    new_time = seen_time = 0.0
    for b in range(batches):
        items = []
        for k in range(size):
            company = BIG if k % 2 == 0 else rng.choice(companies)
            p = posting(rng, company, f"new-{tag}-{b}-{k}", boiler[company])
            if k % 10 == 0:  # a repost / duplicate of a stored posting
                src = db.jobs.find_one({"ats": "lever", "company": company}, {"title": 1, "description_text": 1, "location": 1,
                                                              "locations": 1})
                if src:
                    p.update({k2: src[k2] for k2 in ("title", "description_text", "location", "locations")})
            items.append(JobItem(**p))
        t0 = time.perf_counter()
        engine.process_batch(items)
        new_time += time.perf_counter() - t0
        seen = [JobItem(**{k2: d[k2] for k2 in ("ats", "company", "job_id", "title", "description_text",
                                                  "location", "locations")})
                for d in db.jobs.find({"ats": "lever", "company": BIG, "job_id": {"$in": [
                    f"{BIG}-{rng.randrange(5000)}" for _ in range(size)]}})]
        t0 = time.perf_counter()
        engine.process_batch(seen)
        seen_time += time.perf_counter() - t0
    db.job_events.delete_many({})
    return new_time / (batches * size), seen_time / (batches * size)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", type=int, default=10_000)
    parser.add_argument("--large", type=int, default=200_000)
    parser.add_argument("--batches", type=int, default=4)
    parser.add_argument("--batch-size", type=int, default=500)
    args = parser.parse_args()
    rng = random.Random(7)
    server = SecantusServer().start()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # still stop the server (finally) when killed
    try:
        client: MongoClient = MongoClient(server.uri, tz_aware=True)
        db = client["bench_dedup"]
        ensure_indexes(db)
        boiler: dict[str, str] = {}
        t0 = time.perf_counter()
        stored = seed(db, [(BIG, 5000)], rng, boiler, open_only=BIG)
        small_sizes = company_sizes(args.small - stored, rng, 0)
        stored += seed(db, small_sizes, rng, boiler)
        print(f"seeded {stored:,} postings ({len(small_sizes) + 1} companies) in {time.perf_counter() - t0:.0f} s", flush=True)
        companies = [c for c, _ in small_sizes]
        small_new, small_seen = timed_batches(db, rng, boiler, companies, args.batches, args.batch_size, "small")
        print(f"at {args.small:,} stored: new {small_new * 1000:.2f} ms/item, re-seen {small_seen * 1000:.2f} ms/item",
              flush=True)
        t0 = time.perf_counter()
        large_sizes = company_sizes(args.large - stored, rng, len(small_sizes))
        stored += seed(db, large_sizes, rng, boiler)
        print(f"seeded up to {stored:,} postings ({len(small_sizes) + len(large_sizes) + 1} companies) "
              f"in {time.perf_counter() - t0:.0f} s")
        # same batch composition in both phases: a crawl's batch holds the boards it crawls, whatever is stored
        large_new, large_seen = timed_batches(db, rng, boiler, companies[:len(small_sizes)], args.batches,
                                              args.batch_size, "large")
        print(f"new postings:     {small_new * 1000:.2f} ms/item at {args.small:,} stored, "
              f"{large_new * 1000:.2f} ms/item at {stored:,} stored, ratio {large_new / small_new:.2f} (target <= 2)")
        print(f"re-seen postings: {small_seen * 1000:.2f} ms/item at {args.small:,} stored, "
              f"{large_seen * 1000:.2f} ms/item at {stored:,} stored, ratio {large_seen / small_seen:.2f}")
        client.close()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
