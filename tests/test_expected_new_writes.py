"""Documents expected to be new are inserted in one bulk (crawlerats.db.updates `insert_expected_new`): what is
stored equals what the upserts alone store, also when some are already there (their upsert writes them, or
insert-if-absent keeps them), on a retry, and for the three writers that use it (events, band and search
documents of new postings)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pymongo import ASCENDING, UpdateOne
from pymongo.database import Database
from pymongo.errors import BulkWriteError

from crawlerats.db.search_index import SEARCH_COLLECTION, search_update
from crawlerats.db.updates import insert_expected_new
from crawlerats.dedup.events import make_event, write_events
from crawlerats.pipelines.search_writes import search_operations

SEEN = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def keyed(db: Database, name: str) -> Any:
    collection = db[name]
    collection.create_index([("ats", ASCENDING), ("company", ASCENDING), ("job_id", ASCENDING)], unique=True)
    return collection


def stored(collection: Any) -> list[dict[str, Any]]:
    return [{k: v for k, v in d.items() if k != "_id"} for d in collection.find().sort("job_id", 1)]


def writes(n: int, title: str) -> list[UpdateOne]:
    return [search_update({"ats": "lever", "company": "acme", "job_id": str(i), "title": f"{title} {i}",
                          "status": "open", "location": "Berlin"}, SEEN) for i in range(n)]


def test_inserts_store_what_the_upserts_store_and_taken_keys_get_their_upsert(mongo_db: Database) -> None:
    by_upsert, by_insert = keyed(mongo_db, "by_upsert"), keyed(mongo_db, "by_insert")
    for collection in (by_upsert, by_insert):  # posting 1 and 3 already have a (stale) document
        collection.insert_many([{"ats": "lever", "company": "acme", "job_id": j, "title": "stale", "extra": 1}
                                for j in ("1", "3")])
    fresh = writes(5, "Engineer")
    by_upsert.bulk_write(fresh, ordered=False)
    assert insert_expected_new(by_insert, fresh) == 3
    assert [list(d.items()) for d in stored(by_insert)] == [list(d.items()) for d in stored(by_upsert)]
    assert stored(by_insert)[1]["extra"] == 1 and stored(by_insert)[1]["text"].startswith("engineer 1")
    # a retry (the first attempt's inserts already there) changes nothing and inserts nothing
    assert insert_expected_new(by_insert, fresh) == 0
    assert stored(by_insert) == stored(by_upsert) and by_insert.count_documents({}) == 5


def test_insert_if_absent_keeps_what_is_stored_and_other_errors_raise(mongo_db: Database) -> None:
    events = mongo_db["events"]
    first = [make_event(("lever", "acme", str(i)), "opened", SEEN, "crawl-1") for i in range(3)]
    assert write_events(events, first[:1]) == 1
    again = [make_event(("lever", "acme", str(i)), "opened", SEEN.replace(hour=11), "crawl-2") for i in range(3)]
    assert write_events(events, again) == 2  # the event of posting 0 is kept as first written
    assert [(e["job_id"], e["crawl_id"]) for e in events.find().sort("job_id", 1)] == \
        [("0", "crawl-1"), ("1", "crawl-2"), ("2", "crawl-2")]
    assert write_events(events, []) == 0
    upserted = mongo_db["events_upserted"]  # the documents, field order included, are what the upserts stored
    upserted.bulk_write([UpdateOne({"_id": e["_id"]}, {"$setOnInsert": {k: v for k, v in e.items() if k != "_id"}},
                                   upsert=True) for e in first[:1] + again])
    assert [list(e.items()) for e in events.find().sort("job_id", 1)] == \
        [list(e.items()) for e in upserted.find().sort("job_id", 1)]
    mongo_db.create_collection("checked", validator={"title": {"$type": "string"}})
    with pytest.raises(BulkWriteError):  # not a duplicate key: raised, not swallowed
        insert_expected_new(mongo_db["checked"], [UpdateOne({"job_id": "1"}, {"$set": {"title": 5}}, upsert=True)])
    with pytest.raises(ValueError):  # only keyed $set / $setOnInsert upserts say what they would create
        insert_expected_new(mongo_db["checked"], [UpdateOne({"n": {"$gt": 1}}, {"$set": {"t": "x"}}, upsert=True)])


class Item(dict):
    pass


def test_search_operations_insert_new_postings_and_upsert_changed_ones(mongo_db: Database) -> None:
    from crawlerats.items import state_of

    new, changed, same = Item(ats="lever", company="acme", job_id="n", title="New", status="open"), \
        Item(ats="lever", company="acme", job_id="c", title="Renamed", status="open"), \
        Item(ats="lever", company="acme", job_id="s", title="Same", status="open")
    state_of(changed).stored = {"title": "Old", "status": "open", "first_seen": SEEN}
    state_of(same).stored = {"title": "Same", "status": "open", "first_seen": SEEN}
    inserts, upserts = search_operations([(item, UpdateOne({}, {})) for item in (new, changed, same)], SEEN)
    assert [op._filter["job_id"] for op in inserts] == ["n"]
    assert [op._filter["job_id"] for op in upserts] == ["c"]
    search = keyed(mongo_db, SEARCH_COLLECTION)
    insert_expected_new(search, inserts)
    search.bulk_write(upserts)
    assert sorted(d["text"] for d in search.find()) == ["new\nacme", "renamed\nacme"]
