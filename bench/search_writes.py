"""Benchmark: SecantusDB server CPU per `job_search` document inserted, with crawlerats' write-path tuning
(crawlerats/db/secantus_tuning.py) against the server as released, both measured in the same run.

Inserts `--docs` search documents built by `search_fields` from postings shaped like the crawl benchmark's (title,
company, location: ~32 trigrams each) in batches of 500, into `job_search` with its registered indexes (identity,
the text-search index and the two sort-key indexes), once on a tuned server and once on an untuned one
(`CRAWLERATS_SECANTUS_TUNING=0`), and prints each one's server CPU per document and their ratio.

    python bench/search_writes.py [--docs 5000]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pymongo import MongoClient  # noqa: E402

from bench.crawl import process_cpu  # noqa: E402
from crawlerats.db.embedded import SERVER_OPTIONS  # noqa: E402
from crawlerats.db.indexes import INDEXES  # noqa: E402
from crawlerats.db.search_index import SEARCH_COLLECTION, search_fields  # noqa: E402
from crawlerats.db.secantus_tuning import DISABLE_ENV  # noqa: E402
from tests.support.mongo import SecantusServer  # noqa: E402

WORDS = ["Senior", "Staff", "Backend", "Frontend", "Data", "Platform", "Product", "Sales", "Support", "Security",
         "Engineer", "Manager", "Analyst", "Designer", "Scientist", "Recruiter", "Lead", "Specialist"]


def documents(count: int) -> list[dict[str, Any]]:
    rng = random.Random(7)
    docs = []
    for n in range(count):
        posting = {"ats": "lever", "company": f"company{n % 100:03d}", "job_id": str(n),
                   "title": " ".join(rng.sample(WORDS, 3)), "company_name": f"Company {n % 100:03d}",
                   "location": rng.choice(["Berlin, Germany", "New York, NY", "Remote"]), "status": "open",
                   "posted_at": datetime(2026, 1, 1, tzinfo=UTC) + timedelta(minutes=n),
                   "health": {"ghost_score": rng.randrange(0, 101)},
                   "salary": rng.choice([None, {"annual_max": float(rng.randrange(40, 300) * 1000)}])}
        docs.append({"ats": posting["ats"], "company": posting["company"], "job_id": posting["job_id"],
                     **search_fields(posting)})
    return docs


def cpu_per_document(docs: list[dict[str, Any]], tuned: bool) -> float:
    """Server CPU seconds per document inserted."""
    previous = os.environ.get(DISABLE_ENV)
    os.environ[DISABLE_ENV] = "1" if tuned else "0"
    server = SecantusServer(options=SERVER_OPTIONS).start()
    try:
        collection = MongoClient(server.uri)["bench_search"][SEARCH_COLLECTION]
        collection.create_indexes(INDEXES[SEARCH_COLLECTION])
        collection.insert_many([dict(d) for d in docs[:200]])  # warm-up
        before = process_cpu(server.proc.pid) or 0.0
        rest = docs[200:]
        for start in range(0, len(rest), 500):
            collection.insert_many([dict(d) for d in rest[start:start + 500]], ordered=False)
        return ((process_cpu(server.proc.pid) or 0.0) - before) / len(rest)
    finally:
        server.stop()
        if previous is None:
            os.environ.pop(DISABLE_ENV, None)
        else:
            os.environ[DISABLE_ENV] = previous


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=5000)
    args = parser.parse_args()
    docs = documents(max(args.docs, 400))
    grams = sum(len(d["grams"]) for d in docs) / len(docs)
    released = cpu_per_document(docs, tuned=False)
    tuned = cpu_per_document(docs, tuned=True)
    print(f"{len(docs) - 200} search documents ({grams:.1f} trigrams each), {len(INDEXES[SEARCH_COLLECTION])} indexes")
    print(f"  as released: {released * 1000:6.2f} ms server CPU per document")
    print(f"  tuned:       {tuned * 1000:6.2f} ms server CPU per document  ({tuned / released:.2f} x released)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
