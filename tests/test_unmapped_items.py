"""Raw fingerprints: the spider skips mapping a posting whose raw payload is stored unchanged (an unmapped item),
and the dedup stage fills it from the stored document, or reads its whole content when a later stage needs it.

End to end (fast path vs full path, stored documents compared field by field) in tests/test_fast_path.py.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo.database import Database

from crawlerats.board import Board
from crawlerats.db.indexes import ensure_indexes
from crawlerats.dedup.engine import DedupEngine
from crawlerats.items import CRAWLED_FIELDS, JobItem, unmapped_item
from crawlerats.pipelines.mongo import upsert_operation
from tests.support.inprocess import feed, make_spider
from tests.support.paths import fixture

URL = "https://api.lever.co/v0/postings/voltus?mode=json&skip=0&limit=100"
AFTER_POSTED = "2026-09-01T09:00:00+00:00"  # after every posted date of the Lever fixture
BEFORE_POSTED = "2026-03-01T09:00:00+00:00"  # before them: the posted dates are dropped as implausible


def lever_page(spider: Any, rows: list[dict[str, Any]]) -> list[Any]:
    return feed(spider, spider.parse_page, json.dumps(rows).encode(), url=URL, board="voltus", offset=0).items


def test_the_spider_maps_only_rows_whose_raw_digest_is_not_stored() -> None:
    rows = json.loads(fixture("lever/voltus_haydenham.json").read_text())
    spider = make_spider("lever", "voltus", AFTER_POSTED)
    assert all("raw_fingerprint" not in item for item in lever_page(spider, rows))  # no dedup stage: no digest

    board = Board("lever", "voltus")
    spider.stored_raw[board.key] = {}
    mapped = lever_page(spider, rows)
    digests = {item["job_id"]: item["raw_fingerprint"] for item in mapped}
    assert len(digests) == 3 and all(digests.values()) and len(set(digests.values())) == 3

    spider.stored_raw[board.key] = digests
    rows[0] = {**rows[0], "text": rows[0]["text"] + " (Senior)"}
    items = lever_page(spider, rows)
    unmapped = [i for i in items if i.get("state") and i["state"].unmapped]
    assert sorted(i["job_id"] for i in unmapped) == sorted(r["id"] for r in rows[1:])
    assert all(set(i.keys()) == {"ats", "company", "job_id", "raw_fingerprint", "state", "status", "closed_at"}
               and i["raw_fingerprint"] == digests[i["job_id"]] for i in unmapped)
    changed = next(i for i in items if not i.get("state"))
    assert changed["title"].endswith("(Senior)") and changed["raw_fingerprint"] not in digests.values()
    assert spider.crawler.stats.get_value("crawlerats/spider/unmapped") == 2
    assert spider.outcomes[board.key].seen_ids == {r["id"] for r in rows}

    # the same rows on another board are other postings: another digest
    other = make_spider("lever", "voltus", AFTER_POSTED)
    assert other.raw_fingerprint(Board("lever", "voltus2"), rows[1]) != digests[rows[1]["id"]]


def test_a_posted_date_the_clock_dropped_keeps_the_posting_mapped_every_time() -> None:
    rows = json.loads(fixture("lever/voltus_haydenham.json").read_text())
    spider = make_spider("lever", "voltus", BEFORE_POSTED)
    spider.stored_raw[("lever", "voltus")] = {}
    items = lever_page(spider, rows)
    assert items and all(i["posted_at"] is None and i["posted_at_raw"] for i in items)
    # later the date may become plausible; None also replaces a digest stored before
    assert all("raw_fingerprint" in i and i["raw_fingerprint"] is None for i in items)


TEXT = ("Community Manager. You will grow our community of customers, run events and meetups, write "
        "newsletters and answer questions in the forum. You have run an online community before and love "
        "talking to people. We offer a competitive salary and flexible hours.")
NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def posting(job_id: str, city: str, title: str = "Community Manager", text: str = TEXT) -> JobItem:
    item = JobItem(ats="greenhouse", company="intercom", job_id=job_id, requisition_id=None,
                   title=title, description_text=text, description_html=f"<p>{text}</p>",
                   locations=[{"raw": city, "city": city, "region": None, "country": None}], location=city,
                   raw_fingerprint=f"raw-{job_id}")
    for name in CRAWLED_FIELDS:
        item.setdefault(name, None)
    return item


def store(db: Database, items: list[JobItem]) -> None:
    engine = DedupEngine(db, lambda: NOW, "c1")
    engine.process_batch(items)
    db.jobs.bulk_write([upsert_operation(i, NOW, "c1") for i in items])


def test_unmapped_items_are_filled_from_the_store_and_completed_when_needed(mongo_db: Database) -> None:
    ensure_indexes(mongo_db)
    finance = "Head of Finance. Own the budget, the audit and the finance team of five in our Berlin office."
    store(mongo_db, [posting("1", "Chicago"), posting("3", "Berlin", "Head of Finance", finance),
                     posting("4", "Paris", "Office Manager", "Office Manager. Run the Paris office and its events.")])
    mongo_db.jobs.update_one({"job_id": "3"}, {"$set": {"status": "closed", "closed_at": NOW}})
    mongo_db.jobs.update_one({"job_id": "4"}, {"$set": {"raw_fingerprint": "raw-4-by-another-crawl"}})
    full = posting("1", "Chicago")

    fast = unmapped_item("greenhouse", "intercom", "1", "raw-1")
    reopened = unmapped_item("greenhouse", "intercom", "3", "raw-3")
    stale = unmapped_item("greenhouse", "intercom", "4", "raw-4")
    DedupEngine(mongo_db, lambda: NOW, "c2").process_batch([fast, reopened, stale])
    # unchanged: the stored crawled fields but the large texts, the stored dedup fields, no features
    assert fast["state"].fast and fast["state"].unmapped and fast["state"].outcome == "unchanged"
    assert all(fast[name] == full[name] for name in CRAWLED_FIELDS if not name.startswith("description"))
    assert "description_text" not in fast and fast["fingerprint"] == mongo_db.jobs.find_one({"job_id": "1"})[
        "fingerprint"]
    # closed since the spider read it: completed from the store, back on the full path
    assert reopened["state"].outcome == "reopened" and not reopened["state"].unmapped
    assert reopened["description_text"] == finance and reopened["content_hash"]
    # another raw version stored meanwhile: it cannot be rebuilt, the dedup stage drops it
    assert stale["state"].dropped == "unmapped_stale" and stale["state"].outcome is None

    # a later stage's condition fails (e.g. the stored health is out of date): the item gets its whole content
    again = unmapped_item("greenhouse", "intercom", "1", "raw-1")
    DedupEngine(mongo_db, lambda: NOW, "c3", keep_unmapped=lambda doc: False).process_batch([again])
    assert again["state"].fast and not again["state"].unmapped
    assert all(again[name] == full[name] for name in CRAWLED_FIELDS)

    # a new near-identical posting joins its group: it leaves the fast path and gets its whole content
    grouped = unmapped_item("greenhouse", "intercom", "1", "raw-1")
    newcomer = posting("2", "Dublin")
    DedupEngine(mongo_db, lambda: NOW, "c4").process_batch([grouped, newcomer])
    assert grouped["duplicate_group"] == newcomer["duplicate_group"] is not None
    assert not grouped["state"].fast and not grouped["state"].unmapped and grouped["description_text"] == TEXT


#: A real board payload per spider that maps rows from the row and the board alone (`raw_fingerprints`), shaped
#: as its board URL answers (Pinpoint's saved file holds the `data` rows only).
RAW_BOARDS: dict[str, tuple[str, str, Any]] = {
    "ashby": ("ashby/highlightta.json", "HighlightTA", lambda rows: rows),
    "breezy": ("breezy/breezy-trial_prettyirrelevant.json", "breezy", lambda rows: rows),
    "gem": ("gem/gem_job-poller.json", "gem", lambda rows: rows),
    "greenhouse": ("greenhouse/datadog_content_eu-job-feeds.json", "datadog", lambda rows: rows),
    "lever": ("lever/voltus_haydenham.json", "voltus", lambda rows: rows),
    "pinpoint": ("pinpoint/pinpoint-workwithus_postings_job-poller.json", "workwithus", lambda rows: {"data": rows}),
    "recruitee": ("recruitee/sanitized-acme_careerkit.json", "acme", lambda rows: rows),
}


def test_every_spider_with_raw_fingerprints_is_checked_below() -> None:
    from crawlerats.ats import board_spiders

    assert {name for name, cls in board_spiders().items() if cls.raw_fingerprints} == set(RAW_BOARDS)


def _board_items(name: str, now: str, stored: dict[str, str] | None) -> tuple[Any, list[Any]]:
    path, company, shape = RAW_BOARDS[name]
    spider = make_spider(name, company, now)
    board = Board(name, company)
    if stored is not None:
        spider.stored_raw[board.key] = stored
    body = json.dumps(shape(json.loads(fixture(path).read_text()))).encode()
    if name == "lever":
        return spider, lever_page(spider, json.loads(body))
    return spider, feed(spider, spider.parse_board, body, url=spider.board_api_url(board), board=board).items


@pytest.mark.parametrize("name", sorted(RAW_BOARDS))
def test_raw_fingerprints_skip_exactly_the_stored_rows_and_mapping_ignores_the_clock(name: str) -> None:
    """Mapped twice at clocks a year apart (both after every posted date), a board gives the same items, digests
    included (the mapping reads nothing but the row and the board); with those digests stored, every posting
    comes out unmapped, under its own id."""
    _, first = _board_items(name, AFTER_POSTED, {})
    _, later = _board_items(name, "2027-09-01T09:00:00+00:00", {})
    assert first and [dict(i) for i in first] == [dict(i) for i in later]
    digests = {item["job_id"]: item["raw_fingerprint"] for item in first}
    assert len(digests) == len(first) and all(digests.values())
    spider, again = _board_items(name, AFTER_POSTED, digests)
    assert [i["job_id"] for i in again] == [i["job_id"] for i in first]
    assert all(i["state"].unmapped and i["raw_fingerprint"] == digests[i["job_id"]] for i in again)
    assert spider.crawler.stats.get_value("crawlerats/spider/unmapped") == len(first)


def test_mapping_version_is_computed_once_per_spider_class_and_covers_imported_helpers() -> None:
    """Every row's digest uses it: computed once (reading the sources per row cost ~0.7 ms of CPU per posting),
    and from the spider's own modules and the project modules they import."""
    import crawlerats.spiders.base as base
    from crawlerats.ats import board_spiders

    lever = board_spiders()["lever"]
    assert base.mapping_version(lever) is base.mapping_version(lever)  # the same object: cached
    used = base._project_modules_used("crawlerats.spiders.lever")
    assert {"crawlerats.spiders.declarative", "crawlerats.board", "crawlerats.ats"} <= used
