"""Dedup on boilerplate (issue 17): a board whose postings share one description stays linear.

LSH band values carried by more than `boilerplate_band_max` postings of a board are ignored for candidate search
and matching, candidate reads are capped per board and batch; real duplicates and reposts among such postings
are still found through the title keys. Asserted on the engine's counters (candidates read), never on time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pymongo.database import Database

from crawlerats.db.indexes import ensure_indexes
from crawlerats.dedup.engine import Counters, DedupEngine
from crawlerats.dedup.features import features, index_keys, title_band
from crawlerats.items import JobItem
from crawlerats.pipelines.mongo import upsert_operation

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TEXT = " ".join(f"We build tools {w} for customers and partners in every market, with care and quality."
                for w in ("daily", "weekly", "remotely", "together", "openly", "safely", "fairly", "quickly") * 3)


def posting(job_id: str, title: str, city: str = "Berlin", text: str = TEXT) -> JobItem:
    return JobItem(ats="greenhouse", company="boiler", job_id=job_id, title=title, description_text=text,
                   location=city, locations=[{"raw": city, "city": city, "region": None, "country": None}])


def crawl(db: Database, engine: DedupEngine, items: list[JobItem], now: datetime = NOW) -> Counters:
    """Batches of 500 as the pipeline runs them, each written like the writer does, then the recheck."""
    total = Counters()
    for start in range(0, len(items), 500):
        batch = items[start:start + 500]
        for name, value in engine.process_batch(batch).__dict__.items():
            setattr(total, name, getattr(total, name) + value)
        db.jobs.bulk_write([upsert_operation(i, now, "c1") for i in batch], ordered=False)
    for name, value in engine.recheck(engine.dirty).__dict__.items():
        setattr(total, name, getattr(total, name) + value)
    return total


def test_identical_descriptions_read_a_bounded_number_of_candidates_and_real_duplicates_are_found(
        mongo_db: Database) -> None:
    ensure_indexes(mongo_db)
    earlier = posting("old", "Role Repost")
    crawl(mongo_db, DedupEngine(mongo_db, lambda: NOW - timedelta(days=30), "c0"), [earlier], NOW - timedelta(days=30))
    mongo_db.jobs.update_one({"job_id": "old"}, {"$set": {"status": "closed", "closed_at": NOW - timedelta(days=20)}})

    n = 1000
    items = [posting(str(i), f"Role {i}") for i in range(n)]
    # Real duplicates by the rules (same title words, identical text): another city (found through the title
    # key, not the boilerplate bands), the same city in another batch, and a repost of the closed posting.
    items[700] = posting("700", "Role 3", "Munich")
    items[900] = posting("900", "Role 5")
    items[950] = posting("950", "Role Repost")
    engine = DedupEngine(mongo_db, lambda: NOW, "c1")
    counters = crawl(mongo_db, engine, items)

    assert counters.boilerplate_bands >= 1
    # Each posting reads about one candidate (its own stored copy in the recheck), not the board: before the
    # boilerplate rule this crawl read 2.5 candidates per posting, growing with the board's size.
    assert counters.candidates <= 1.2 * n
    groups = {}
    for doc in mongo_db.jobs.find({"duplicate_group": {"$ne": None}}, {"job_id": 1, "duplicate_group": 1}):
        groups.setdefault(doc["duplicate_group"], set()).add(doc["job_id"])
    assert sorted(map(sorted, groups.values())) == [["3", "700"], ["5", "900"]]
    repost = mongo_db.jobs.find_one({"job_id": "950"})
    assert repost["repost_of"]["job_id"] == "old" and repost["repost_count"] == 1


def test_candidate_reads_are_capped_per_batch_and_counted(mongo_db: Database) -> None:
    ensure_indexes(mongo_db)
    crawl(mongo_db, DedupEngine(mongo_db, lambda: NOW, "c0", boilerplate_band_max=10**6),
          [posting(str(i), f"Role {i}") for i in range(120)])
    engine = DedupEngine(mongo_db, lambda: NOW, "c1", boilerplate_band_max=10**6, candidates_per_batch=20)
    counters = engine.process_batch([posting(f"new{i}", f"Other {i}") for i in range(3)])
    assert counters.candidates_capped == 1
    assert counters.candidates == 20
    uncapped = DedupEngine(mongo_db, lambda: NOW, "c2", boilerplate_band_max=10**6).process_batch(
        [posting(f"new{i}", f"Other {i}") for i in range(3)])
    assert uncapped.candidates_capped == 0 and uncapped.candidates == 120


def test_band_documents_backfilled_from_stored_postings_carry_the_title_key(mongo_db: Database) -> None:
    """A database from before `job_bands`: the copied keys are those the engine writes (`index_keys`), title
    key included, so a stored posting whose text bands are boilerplate is still found by its title."""
    feats = features({"title": "Role Repost", "description_text": TEXT, "location": "Berlin"})
    mongo_db.jobs.insert_one({"ats": "greenhouse", "company": "boiler", "job_id": "old", "status": "closed",
                              "dedup": feats.as_subdocument()})
    ensure_indexes(mongo_db)
    assert mongo_db.job_bands.find_one({"job_id": "old"})["bands"] == index_keys(feats)
    assert mongo_db.job_bands.count_documents({"bands": title_band(feats.title_key)}) == 1
