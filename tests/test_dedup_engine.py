"""The dedup engine on its own against the real server: requisitions, group bookkeeping, features."""

from __future__ import annotations

import random
from datetime import UTC, datetime

import pytest
from pymongo.database import Database

from crawlerats.db.indexes import ensure_indexes
from crawlerats.dedup.engine import DedupEngine
from crawlerats.dedup.features import features, title_key
from crawlerats.items import JobItem
from crawlerats.pipelines.mongo import upsert_operation

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
TEXT = ("Community Manager. You will grow our community of customers, run events and meetups, write "
        "newsletters and answer questions in the forum. You have run an online community before and love "
        "talking to people. We offer a competitive salary and flexible hours.")


def item(job_id: str, requisition_id: str | None, city: str, title: str = "Community Manager") -> JobItem:
    return JobItem(ats="greenhouse", company="intercom", job_id=job_id, requisition_id=requisition_id,
                   title=title, description_text=TEXT, locations=[{"raw": city, "city": city, "region": None,
                                                                   "country": None}], location=city)


def run(db: Database, items: list[JobItem]) -> dict[str, dict]:
    engine = DedupEngine(db, lambda: NOW, "c1")
    engine.process_batch(items)
    db.jobs.bulk_write([upsert_operation(i, NOW, "c1") for i in items])
    engine.recheck(engine.dirty)
    return {d["job_id"]: d for d in db.jobs.find()}


def test_posts_of_one_requisition_are_not_duplicates(mongo_db: Database) -> None:
    ensure_indexes(mongo_db)
    docs = run(mongo_db, [item("1", "1938892", "Chicago"), item("2", "1938892", "Dublin")])
    assert [docs[k]["duplicate_group"] for k in ("1", "2")] == [None, None]
    assert [docs[k]["duplicate_count"] for k in ("1", "2")] == [0, 0]
    # another requisition with the same text is a duplicate of that role: 2 roles, 3 posts
    docs = run(mongo_db, [item("3", "555", "London")])
    group = docs["3"]["duplicate_group"]
    assert group and all(docs[k]["duplicate_group"] == group for k in ("1", "2", "3"))
    assert all(docs[k]["duplicate_count"] == 2 for k in ("1", "2", "3"))


def test_items_without_requisition_in_one_batch_group_and_item_fields_are_set(mongo_db: Database) -> None:
    ensure_indexes(mongo_db)
    items = [item("1", None, "Chicago"), item("2", None, "Dublin"), item("9", None, "Dublin", "Head of Finance")]
    items[2]["description_text"] = "Head of Finance. Own the budget, the audit and the finance team of five."
    engine = DedupEngine(mongo_db, lambda: NOW, "c1")
    engine.process_batch(items)
    assert items[0]["duplicate_group"] == items[1]["duplicate_group"] is not None
    assert items[0]["duplicate_count"] == 2 and items[2]["duplicate_count"] == 0
    assert all(i["state"].stored is None and i["state"].outcome == "new" and i["status"] == "open"
               and i["reopened_count"] == 0 for i in items)
    assert {e["type"] for e in mongo_db.job_events.find()} == {"opened"}


def test_title_key_strips_place_and_workplace_suffixes() -> None:
    places = {"stockholm", "london"}
    assert title_key("Backend Engineer - Stockholm", places) == "backend engineer"
    assert title_key("Backend Engineer (Remote, EU)", places) == "backend engineer"
    assert title_key("Backend Engineer | Remote", places) == "backend engineer"
    assert title_key("Backend Engineer - Payments", places) == "backend engineer payments"
    assert title_key("Software Engineer II", places) != title_key("Software Engineer III", places)


def test_features_are_deterministic_and_ignore_dates() -> None:
    a = features({"title": "Data Analyst", "description_text": TEXT + " Posted 3 March 2026."})
    b = features({"title": "Data Analyst", "description_text": TEXT + " Posted 9 April 2026."})
    assert a.bands == b.bands and a.content_hash != b.content_hash


@pytest.mark.parametrize(("stored", "band_query"), [(6, False), (200, True)])
def test_small_boards_are_read_whole_and_large_ones_through_the_band_index(
        mongo_db: Database, stored: int, band_query: bool) -> None:
    """Both ways of finding candidates find the same duplicate; which one runs depends on the board's size
    next to the batch (SCAN_PER_ITEM stored postings per batch item)."""
    ensure_indexes(mongo_db)
    rng = random.Random(stored)
    words = TEXT.replace(".", "").split() + ["ledger", "audit", "forklift", "pipeline", "kernel", "oncology"]
    others = []
    for n in range(stored - 1):
        other = item(f"o{n}", None, "Berlin", f"Role {n}")
        other["description_text"] = " ".join(rng.choice(words) for _ in range(60))
        others.append(other)
    run(mongo_db, [item("p", None, "Chicago"), *others])
    assert mongo_db.jobs.count_documents({}) == stored
    engine = DedupEngine(mongo_db, lambda: NOW, "c2")
    band_queries: list[dict] = []
    band_matches = engine._band_matches
    engine._band_matches = (  # type: ignore[method-assign]
        lambda board, *a, **k: band_queries.append(board) or band_matches(board, *a, **k))
    batch = [item("dup", None, "Dublin"), *(item(f"n{n}", None, "Oslo", f"Other {n}") for n in range(3))]
    for n, new in enumerate(batch[1:]):
        new["description_text"] = f"Role number {n}. " + " ".join(rng.choice(words) for _ in range(60))
    engine.process_batch(batch)
    assert batch[0]["duplicate_count"] == 2 and batch[0]["duplicate_group"]
    assert mongo_db.jobs.find_one({"job_id": "p"})["duplicate_group"] == batch[0]["duplicate_group"]
    assert bool(band_queries) is band_query
