"""The writer stage on its own against the real server: inserts for new postings, upserts otherwise, and
the duplicate-key fallback when a concurrent crawl inserted the same posting first."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.database import Database
from scrapy.utils.test import get_crawler

from crawlerats.db.indexes import ensure_indexes
from crawlerats.items import JobItem, state_of
from crawlerats.pipelines.mongo import MongoWriterPipeline

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def job(job_id: str, title: str, stored: Any = "absent") -> JobItem:
    item = JobItem(ats="lever", company="acme", job_id=job_id, title=title, url=f"https://x.invalid/{job_id}")
    if stored != "absent":  # what the dedup stage found stored (None: nothing)
        state = state_of(item)
        state.stored, state.looked_up = stored, True
    return item


def writer(db: Database) -> MongoWriterPipeline:
    crawler = get_crawler(settings_dict={"CRAWLERATS_NOW": NOW.isoformat()})
    crawler._apply_settings()
    pipeline = MongoWriterPipeline(crawler)
    pipeline.collection = db["jobs"]
    return pipeline


def test_new_postings_are_inserted_and_a_concurrent_insert_becomes_an_update(mongo_db: Database) -> None:
    ensure_indexes(mongo_db)
    earlier = NOW - timedelta(days=3)
    # another crawl stored "race" after our dedup stage looked (so our item says: not stored)
    mongo_db.jobs.insert_one({"ats": "lever", "company": "acme", "job_id": "race", "title": "Old title",
                              "status": "open", "first_seen": earlier, "last_seen": earlier})
    pipeline = writer(mongo_db)
    pipeline._write([job("new", "Engineer", stored=None), job("race", "New title", stored=None)])
    stats = pipeline.crawler.stats.get_stats()
    assert stats["crawlerats/db/inserted"] == 1 and stats["crawlerats/db/modified"] == 1
    assert stats["crawlerats/items/stored"] == 2 and "crawlerats/database_error" not in stats
    docs = {d["job_id"]: d for d in mongo_db.jobs.find()}
    assert set(docs) == {"new", "race"}
    assert docs["race"]["title"] == "New title"
    assert docs["race"]["first_seen"] == earlier and docs["race"]["last_seen"] == NOW  # $min / $max kept
    assert docs["new"]["first_seen"] == docs["new"]["last_seen"] == NOW and docs["new"]["status"] == "open"


def test_without_a_dedup_stage_every_write_is_an_idempotent_upsert(mongo_db: Database) -> None:
    ensure_indexes(mongo_db)
    pipeline = writer(mongo_db)
    pipeline._write([job("a", "Engineer")])
    pipeline._write([job("a", "Engineer II")])
    assert mongo_db.jobs.count_documents({}) == 1
    assert mongo_db.jobs.find_one({"job_id": "a"})["title"] == "Engineer II"
    assert pipeline.crawler.stats.get_value("crawlerats/db/upserted") == 1
