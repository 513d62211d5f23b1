"""The writer against the real server: a document the client or the server refuses is that document's counted
drop and the rest of its batch is written; the retry loop ends in success or an explicit give-up; and
`crawlerats/items/stored` counts only what the server acknowledged.

Before: a 52 MB document made pymongo raise `DocumentTooLarge` for the whole batch, the "bad document" check
(`bson.encode`, no size limit) kept it, the loop ran out of attempts without giving up and the whole batch was
counted as stored while none of it was; a server-side 10334 stopped the crawl with `database_error`.
"""

from __future__ import annotations

from typing import Any

import pytest
from bson.errors import InvalidDocument
from pymongo.database import Database
from scrapy.utils.test import get_crawler

from crawlerats.db.indexes import ensure_indexes
from crawlerats.items import JobItem, state_of
from crawlerats.pipelines.mongo import DatabaseWriteError, MongoWriterPipeline

MB = 1024 * 1024


def job(job_id: str, stored: Any = None, **fields: Any) -> JobItem:
    item = JobItem(**{"ats": "lever", "company": "acme", "job_id": job_id, "title": f"Role {job_id}",
                      "locations": [], "extras": {}, **fields})
    state = state_of(item)
    state.stored, state.looked_up = stored, True
    return item


def writer(collection: Any) -> MongoWriterPipeline:
    crawler = get_crawler(settings_dict={"CRAWLERATS_WRITE_BACKOFF": 0.01, "CRAWLERATS_WRITE_ATTEMPTS": 3})
    crawler._apply_settings()
    pipeline = MongoWriterPipeline(crawler)
    pipeline.collection = collection
    return pipeline


def test_documents_over_the_limit_are_dropped_and_the_rest_of_the_batch_is_written(mongo_db: Database) -> None:
    ensure_indexes(mongo_db)
    good = [job(f"good-{i}") for i in range(20)]
    huge_location = job("huge-location", location="L" * 10 * MB,
                        locations=[{"raw": "L" * 10 * MB, "city": None, "region": None, "country": None}])
    huge_title = job("huge-title", stored={"title": "x"})
    huge_title["title"] = "T" * 21 * MB  # an update of a stored posting: the upsert path
    pipeline = writer(mongo_db.jobs)
    pipeline._write(good[:10] + [huge_location, huge_title] + good[10:])
    stats = pipeline.crawler.stats.get_stats()
    assert mongo_db.jobs.count_documents({}) == 20
    assert stats["crawlerats/items/stored"] == 20
    assert stats["crawlerats/dropped/rejected"] == 2
    assert "crawlerats/database_error" not in stats and not pipeline.failed
    assert pipeline.rejected == {id(huge_location), id(huge_title)}


def test_a_document_the_server_rejects_is_dropped_and_the_rest_written(mongo_db: Database) -> None:
    ensure_indexes(mongo_db)
    mongo_db.jobs.insert_one({"ats": "lever", "company": "acme", "job_id": "grows", "title": "x",
                              "description_text": "a" * 9 * MB})
    grows = job("grows", stored={"title": "x"}, description_html="b" * 9 * MB)  # the result exceeds 16 MiB: 10334
    pipeline = writer(mongo_db.jobs)
    pipeline._write([job("a"), grows, job("b")])
    stats = pipeline.crawler.stats.get_stats()
    assert {d["job_id"] for d in mongo_db.jobs.find({}, {"job_id": 1})} == {"a", "b", "grows"}
    assert mongo_db.jobs.find_one({"job_id": "grows"}).get("description_html") is None
    assert stats["crawlerats/dropped/rejected"] == 1
    assert stats["crawlerats/items/stored"] == 2
    assert not pipeline.failed


class _Refusing:
    """A collection whose client refuses every batch as an invalid document, though each document encodes:
    nothing the writer can drop explains the refusal."""

    def __init__(self, database: Any) -> None:
        self.database = database

    def bulk_write(self, *args: Any, **kwargs: Any) -> Any:
        raise InvalidDocument("cannot encode object")


def test_the_retry_loop_ends_in_an_explicit_give_up_that_counts_nothing_stored(mongo_db: Database) -> None:
    """Before: the loop ran out of attempts, fell through and counted both items as stored."""
    pipeline = writer(_Refusing(mongo_db))
    pipeline._close_engine = lambda: None  # type: ignore[method-assign]
    with pytest.raises(DatabaseWriteError):
        pipeline._write([job("a"), job("b")])
    stats = pipeline.crawler.stats.get_stats()
    assert pipeline.failed
    assert stats["crawlerats/database_error"].startswith("InvalidDocument")
    assert stats["crawlerats/dropped/database_error"] == 2
    assert stats.get("crawlerats/items/stored", 0) == 0
