"""The embedded server's write-path tuning (crawlerats/db/secantus_tuning.py) leaves SecantusDB's data as it
would be without it: every index entry after inserts and every kind of update equals what a fresh build of the
same documents writes, unique keys are released and claimed, multikey flags are set, and the update, projection
and string-equality shortcuts return SecantusDB's own results, key order included.

The server runs in this process here (the other tests reach theirs over the wire) so that its index entries
can be read and compared directly."""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import bson
import pymongo
import pytest
import secantus
from pymongo.errors import BulkWriteError, DuplicateKeyError
from secantus import projection as secantus_projection
from secantus import storage as secantus_storage
from secantus.server import SecantusDBServer

from crawlerats.db import secantus_tuning
from crawlerats.db.secantus_tuning import _plain_projection, project, same

INDEXES: list[tuple[list[tuple[str, Any]], dict[str, Any]]] = [
    ([("k", 1)], {}),
    ([("a", 1), ("k", -1)], {}),
    ([("tags", 1)], {}),
    ([("sub.x", 1), ("k", 1)], {}),
    ([("p", 1)], {"partialFilterExpression": {"flag": True}}),
    ([("s", 1)], {"sparse": True}),
    ([("u", 1)], {"unique": True}),
    ([("name", 1)], {"collation": {"locale": "en", "strength": 2}}),
    ([("loc", "2dsphere")], {}),
    ([("health.risk", 1), ("seen", -1)], {}),
]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Any:
    assert secantus_tuning.apply() is True
    srv = SecantusDBServer(port=0, storage_path=str(tmp_path_factory.mktemp("tuned")), replica_set_name=None)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def db(server: Any, request: pytest.FixtureRequest) -> Any:
    client = pymongo.MongoClient(server.uri)
    yield client[f"t_{request.node.name[:40]}"]
    client.close()


def make_docs(n: int) -> list[dict[str, Any]]:
    return [{"_id": i, "k": i, "a": i % 3, "tags": f"t{i % 4}", "sub": {"x": i % 5}, "p": i, "flag": i % 2 == 0,
             "s": i, "u": f"u{i}", "name": f"Name{i % 6}", "loc": {"type": "Point", "coordinates": [i % 90, i % 45]},
             "health": {"risk": "low", "signals": [{"n": 1}]}, "seen": dt.datetime(2026, 1, 1), "desc": "x" * 500}
            for i in range(n)]


def entries(server: Any, db: str, coll: str) -> dict[str, set[tuple[bytes, Any]]]:
    """Every index's entries as (key bytes, document _id), read on a new thread: SecantusDB's storage keeps a
    session per thread, and the test thread's would keep reading the snapshot of its first read."""
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(_entries, server, db, coll).result()


def _entries(server: Any, db: str, coll: str) -> dict[str, set[tuple[bytes, Any]]]:
    store = server.storage
    ids = {rid: bson.decode(blob)["_id"] for rid, _k, blob in store._scan_docs(db, coll)}
    out: dict[str, set[tuple[bytes, Any]]] = {}
    for name, _spec, _sparse, _unique in store._all_indexes(db, coll):
        rows = store._collect_prefix(secantus_storage._IDX_ENTRIES_TABLE, (db, coll, name))
        found = set()
        for key, _value in rows:
            kb, rid = secantus_storage._unpack_entry(key[3])
            found.add((kb, ids.get(rid, ("missing document", rid))))
        out[name] = found
    return out


def rebuilt(server: Any, database: Any, name: str) -> dict[str, set[tuple[bytes, Any]]]:
    """The entries SecantusDB writes for the same documents inserted afresh into a new collection."""
    fresh = database[f"{name}_rebuilt"]
    fresh.drop()
    for keys, options in INDEXES:
        fresh.create_index(keys, **options)
    fresh.insert_many(list(database[name].find()))
    return entries(server, database.name, fresh.name)


def test_updates_leave_the_index_entries_a_fresh_build_writes(server: Any, db: Any) -> None:
    jobs = db["jobs"]
    for keys, options in INDEXES:
        jobs.create_index(keys, **options)
    jobs.insert_many(make_docs(40))
    later = dt.datetime(2026, 2, 1)
    jobs.update_many({}, {"$set": {"seen": later}})  # only an indexed date moves
    jobs.update_many({"a": 1}, {"$set": {"last_seen": later, "crawl_id": "c2"}})  # no indexed field moves
    jobs.update_many({"a": 2}, {"$set": {"k": 1000}})  # an indexed key moves
    jobs.update_many({"k": {"$lt": 10}}, {"$set": {"tags": ["x", "y"]}})  # scalars become arrays: multikey
    jobs.update_many({"k": {"$lt": 20}}, {"$set": {"flag": False}})  # out of the partial index
    jobs.update_many({"k": {"$gte": 30}}, {"$set": {"flag": True}})  # into it
    jobs.update_many({"k": {"$in": [3, 4]}}, {"$unset": {"s": ""}})  # out of the sparse index
    jobs.update_one({"_id": 5}, {"$set": {"u": "moved"}})  # a unique key moves
    jobs.update_one({"_id": 6}, {"$set": {"name": "NAME0"}})  # same key under the collation
    jobs.update_one({"_id": 7}, {"$set": {"k": 7.0}})  # same number, another BSON type
    jobs.update_one({"_id": 8}, {"$set": {"sub": {"x": 1, "y": 2}}})  # a sub-document grows
    jobs.update_one({"_id": 9}, {"$set": {"health.risk": "high"}})  # a dotted path inside an indexed root
    jobs.update_one({"_id": 11}, {"$set": {"loc": {"type": "Point", "coordinates": [10, 10]}}})
    jobs.update_many({"a": 0}, [{"$set": {"p": {"$cond": [{"$eq": ["$flag", True]}, "$k", "$p"]}}}])
    jobs.replace_one({"_id": 12}, {**make_docs(13)[12], "k": -12, "u": "replaced"})
    jobs.update_one({"_id": 500}, {"$set": {"k": 500, "u": "u500"}}, upsert=True)
    jobs.bulk_write([pymongo.UpdateOne({"_id": i}, {"$max": {"seen": dt.datetime(2027, 1, 1)}})
                     for i in range(20, 30)], ordered=False)
    jobs.delete_one({"_id": 13})

    actual, expected = entries(server, db.name, "jobs"), rebuilt(server, db, "jobs")
    assert set(actual) == set(expected)
    for name in expected:
        assert actual[name] == expected[name], name
    assert server.storage.index_is_multikey(db.name, "jobs", "tags_1")
    with_x = sorted(d["_id"] for d in jobs.find() if "x" in (d.get("tags") if isinstance(d.get("tags"), list) else []))
    assert len(with_x) == 7
    assert sorted(d["_id"] for d in jobs.find({"tags": "x"}, hint="tags_1")) == with_x


KEY_DOCS: list[dict[str, Any]] = [
    {"grams": ["abc", "bcd", "abc", "l:ber"], "status": "open", "posted": dt.datetime(2026, 1, 2)},
    {"grams": [], "status": "open"},
    {"grams": "one", "status": None, "posted": None},
    {"status": "closed", "posted": dt.datetime(2026, 1, 1)},
    {"grams": [["x"], "x", 1, 1.0, bson.Int64(1)], "status": ["open", "closed", "open"], "posted": [2, 1]},
    {"grams": [{"g": "a"}, {"g": "b"}, {"g": "a"}], "status": {"s": 1}, "posted": dt.datetime(2026, 1, 2)},
    {"sub": [{"x": 1, "y": "A"}, {"x": 2, "y": "a"}, {"x": 1}], "status": "open"},
    {"sub": {"x": [3, 3, 4], "y": ["B", "b"]}, "status": "Open"},
    {"name": "Straße", "sub": [], "grams": ["ß", "ss", "SS"]},
]
KEY_SPECS: list[dict[str, Any]] = [
    {"grams": 1, "status": 1, "posted": -1}, {"grams": -1, "status": 1}, {"status": 1, "grams": 1, "posted": 1},
    {"sub.x": 1, "sub.y": -1}, {"sub.y": 1, "status": -1}, {"grams.g": 1, "status": 1}, {"name": 1, "grams": -1},
    {"grams": 1},
]


def test_compound_keys_are_the_keys_secantus_writes() -> None:
    from secantus.collation import parse as parse_collation

    ours = secantus_storage._index_key_variants
    theirs = ours.__wrapped__
    assert ours is not theirs
    checked = 0
    for doc in KEY_DOCS:
        for spec in KEY_SPECS:
            for sparse in (False, True):
                for collation in (None, parse_collation({"locale": "en", "strength": 2})):
                    got = ours(doc, spec, sparse=sparse, collation=collation)
                    assert got == theirs(doc, spec, sparse=sparse, collation=collation), (doc, spec, sparse)
                    checked += bool(got)
    assert checked > 100


#: Indexes sharing a multikey field, in both directions (its encoded values are shared within a document).
SEARCH_LIKE: list[tuple[list[tuple[str, Any]], dict[str, Any]]] = [
    ([("grams", 1), ("status", 1), ("posted", -1)], {}), ([("grams", 1), ("k", -1)], {}),
    ([("grams", -1), ("a", 1)], {}), ([("grams", 1), ("p", 1)], {"partialFilterExpression": {"flag": True}})]


def test_written_entries_are_the_keys_of_each_index(server: Any, db: Any) -> None:
    """Every entry the tuned writer packs is found under its index by SecantusDB's own reader, with the keys
    SecantusDB computes, and the indexes answer queries (their bounds are packed by SecantusDB)."""
    jobs = db["jobs"]
    for keys, options in [*INDEXES, *SEARCH_LIKE]:
        jobs.create_index(keys, **options)
    docs = make_docs(30)
    for doc, extra in zip(docs, itertools.cycle(KEY_DOCS), strict=False):
        doc.update({k: v for k, v in extra.items() if k in ("grams", "posted")})
    jobs.insert_many(docs)
    variants = secantus_storage._index_key_variants.__wrapped__
    found = entries(server, db.name, "jobs")
    for keys, options in [*INDEXES, *SEARCH_LIKE]:
        spec = dict(keys)
        if any(isinstance(d, str) for d in spec.values()):
            continue  # a geo index: SecantusDB's own writer
        name = "_".join(f"{k}_{d}" for k, d in keys)
        collation = secantus_storage._parse_index_collation(options.get("collation"))
        partial = options.get("partialFilterExpression", {})
        expected = {(secantus_storage._escape_kb(kb), doc["_id"]) for doc in docs if all(doc.get(k) == v for k, v in partial.items())
                    for kb in variants(doc, spec, sparse=bool(options.get("sparse")), collation=collation)}
        assert found[name] == expected, name
        assert expected
    assert sorted(d["_id"] for d in jobs.find({"grams": "abc"}, hint="grams_1_status_1_posted_-1")) \
        == sorted(d["_id"] for d in docs if "abc" in (d.get("grams") or []))
    assert [d["_id"] for d in jobs.find({"u": "u3"}, hint="u_1")] == [3]
    with pytest.raises(DuplicateKeyError):
        jobs.insert_one({"_id": 99, "u": "u4"})


def test_a_moved_unique_key_is_released_and_the_new_one_claimed(db: Any) -> None:
    jobs = db["jobs"]
    jobs.create_index("u", unique=True)
    jobs.create_index("k")
    jobs.insert_many([{"_id": i, "u": f"u{i}", "k": i} for i in range(3)])
    jobs.update_many({}, {"$set": {"k": 9}})  # unique index untouched
    jobs.update_one({"_id": 0}, {"$set": {"u": "free"}})
    jobs.insert_one({"_id": 10, "u": "u0"})  # the old key was given back
    with pytest.raises(DuplicateKeyError):
        jobs.insert_one({"_id": 11, "u": "free"})
    with pytest.raises(DuplicateKeyError):
        jobs.insert_one({"_id": 12, "u": "u1"})  # an unmoved key is still held
    with pytest.raises(BulkWriteError):
        jobs.bulk_write([pymongo.UpdateMany({"_id": 2}, {"$set": {"u": "u1"}})])
    assert jobs.find_one({"_id": 2})["u"] == "u2"


def test_a_multi_update_stops_at_its_first_conflict_as_mongod_does(db: Any) -> None:
    """mongod's multi-update is not atomic: the documents before the one that conflicts stay updated. SecantusDB
    checks each document's unique keys before writing it; the tuning skips that check only for unique indexes
    whose keys the update leaves as they are."""
    jobs = db["jobs"]
    jobs.create_index("u", unique=True)
    jobs.create_index("v", unique=True)
    jobs.insert_many([{"_id": i, "u": f"u{i}", "v": i} for i in range(3)] + [{"_id": 9, "u": "taken", "v": 9}])
    with pytest.raises(pymongo.errors.WriteError):
        jobs.update_many({"_id": {"$in": [0, 1, 2]}},
                         [{"$set": {"u": {"$cond": [{"$eq": ["$_id", 2]}, "taken", {"$concat": ["$u", "x"]}]}}}])
    assert [d["u"] for d in jobs.find({"_id": {"$in": [0, 1, 2]}}).sort("_id", 1)] == ["u0x", "u1x", "u2"]
    jobs.insert_one({"_id": 10, "u": "u0", "v": 10})  # the moved keys were released


def test_the_projection_shortcut_returns_what_secantus_returns() -> None:
    docs = [{"b": 1, "_id": 7, "a": {"y": 0, "x": [1, 2]}, "desc": "long", "c": None,
             "h": {"r": "low", "s": [{"p": 1, "q": 2}, 3, [{"p": 4}, 5], {"q": 6}], "g": 9}},
            {"_id": {"k": 1}, "a": 2.0, "h": [{"g": 1, "r": 2}, "x", {"z": 3}]},
            {"h": {"g": {"deep": [1]}}, "_id": 3, "a": {}}]
    specs: list[dict[str, Any]] = [{"a": 1}, {"a": 1, "_id": 0}, {"b": 1, "a": 1}, {"desc": 0},
                                   {"_id": 0, "desc": 0, "b": 0}, {"_id": 1}, {"_id": 0, "a": True}, {"zz": 1},
                                   {"a.x": 1}, {"a.x": 1, "_id": 0}, {"a.zz": 1}, {"h.g": 1, "h.r": 1, "b": 1},
                                   {"h.r": 1, "h.g": 1}, {"h.s.p": 1}, {"h.s.q": 1, "h.g": 1, "_id": 0},
                                   {"h.g.deep": 1}, {"b": 1, "a.x": True, "desc": 1}]
    for spec in specs:
        plain = _plain_projection(spec)
        assert plain is not None, spec
        ours = project([dict(d) for d in docs], spec, plain)
        theirs = secantus_projection.apply_projection_batch([dict(d) for d in docs], spec, {})
        assert [_ordered(d) for d in ours] == [_ordered(d) for d in theirs], spec
    for spec in ({"a.x": 0}, {"a": {"$slice": 1}}, {"a": 1, "b": 0}, {"a": 2}, {"$a": 1}, {}, None,
                 {"a": {"$elemMatch": {"x": 1}}}, {"a": 1, "a.x": 1}, {"a.x": 1, "a": 1}, {"a.x": 1, "a.x.y": 1},
                 {"a.$": 1}, {"_id.k": 1}, {"a..x": 1}, {"a.": 1}):
        assert _plain_projection(spec) is None, spec


def _ordered(value: Any) -> Any:
    """A projected value with every sub-document as its (key, value) list: key order compared at every level."""
    if isinstance(value, dict):
        return [(k, _ordered(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_ordered(v) for v in value]
    return value


def test_top_level_updates_copy_shallowly_and_give_what_secantus_gives(server: Any) -> None:
    """The update shortcut (assigning operators on top-level fields: the touch of an unchanged posting) gives the
    document SecantusDB gives, key order included, and leaves the stored document it started from as it was."""
    from secantus import update as secantus_update

    when = dt.datetime(2026, 12, 1, 9, 30)
    docs = [{"_id": 1, "seen": dt.datetime(2026, 1, 1), "n": 2, "health": {"risk": "low", "s": [{"p": 1}]},
             "tags": ["a", "b"], "crawl": "c1"},
            {"_id": 2, "n": 2.5, "seen": None, "health": None},
            {"seen": "a string", "_id": 3}]
    updates: list[dict[str, Any]] = [
        {"$max": {"seen": when}, "$set": {"crawl": "c2"}}, {"$min": {"seen": when}}, {"$set": {"new": {"x": [1]}}},
        {"$unset": {"tags": "", "missing": ""}}, {"$inc": {"n": 1}, "$mul": {"m": 2}}, {"$setOnInsert": {"z": 1}},
        {"$set": {"health": {"risk": "high"}, "seen": when}}, {"$max": {"n": 1, "other": 0}}]
    for update in updates:
        assert secantus_tuning.top_level_assignments(update), update
        for doc in docs:
            stored = bson.decode(bson.encode(doc))
            ours = secantus_storage.apply_update(stored, update)  # the tuned name storage calls
            theirs = secantus_update.apply_update(bson.decode(bson.encode(doc)), update)
            assert _ordered(ours) == _ordered(theirs), (update, doc)
            assert _ordered(stored) == _ordered(bson.decode(bson.encode(doc))), (update, doc)  # left as it was
    for update in ({"$set": {"a.b": 1}}, {"$push": {"tags": "c"}}, {"$set": {"_id": 5}}, {"$set": {"a.$": 1}},
                   [{"$set": {"n": 1}}], {"n": 1}, {}, {"$rename": {"n": "m"}}, {"$set": {"x": 1}, "$pull": {"y": 1}}):
        assert not secantus_tuning.top_level_assignments(update), update
    # a nested value of the old document is shared, never changed: the shortcut is only taken for assignments
    stored = bson.decode(bson.encode(docs[0]))
    new = secantus_storage.apply_update(stored, {"$max": {"seen": when}})
    assert new["health"] is stored["health"] and new["seen"] == when and stored["seen"] == docs[0]["seen"]


def test_string_equality_answers_what_secantus_answers(db: Any) -> None:
    from secantus import query as secantus_query
    from secantus.collation import parse as parse_collation

    class Name(str):
        pass

    theirs = getattr(secantus_query._eq_with_array, "__wrapped__", secantus_query._eq_with_array)
    ours = secantus_tuning.string_equality(theirs)
    positional = secantus_query._Positional if hasattr(secantus_query, "_Positional") else list
    values = ["a", "b", 1, 1.0, True, None, secantus_query.MISSING, {"a": 1}, ["a", "c"], ["c", ["a"]], [1, "b"],
              [], Name("a"), [Name("b")], positional(["a"]), bson.Int64(1), dt.datetime(2026, 1, 1)]
    for expected in ("a", "b", "c", "", "1", Name("a"), 1, None, ["a", "c"], True):
        for value in values:
            for descend in (True, False):
                for collation in (None, parse_collation({"locale": "en", "strength": 2})):
                    got = ours([value], expected, collation, descend=descend)
                    assert got == theirs([value], expected, collation, descend=descend), (value, expected, descend)
        assert ours(values, expected) == theirs(values, expected)
    db["c"].insert_many([{"_id": 1, "bands": ["x1", "x2"], "s": "lever"}, {"_id": 2, "bands": ["y1", 3], "s": 3},
                         {"_id": 3, "bands": [["x1"]], "s": ["lever", "ashby"]}])
    assert [d["_id"] for d in db["c"].find({"bands": {"$in": ["x2", "y9"]}})] == [1]
    assert [d["_id"] for d in db["c"].find({"bands": {"$in": [3]}})] == [2]
    assert [d["_id"] for d in db["c"].find({"bands": ["x1"]})] == [3]
    assert [d["_id"] for d in db["c"].find({"s": "lever"}).sort("_id", 1)] == [1, 3]
    assert [d["_id"] for d in db["c"].find({"s": {"$nin": ["lever"]}})] == [2]


def test_finds_with_projections_over_the_wire(db: Any) -> None:
    db["c"].insert_many([{"_id": 1, "a": 1, "b": {"c": 2}, "d": "x"}, {"_id": 2, "a": 3}])
    assert list(db["c"].find({}, {"b": 0}).sort("_id", 1)) == [{"_id": 1, "a": 1, "d": "x"}, {"_id": 2, "a": 3}]
    assert list(db["c"].find({"a": 1}, {"_id": 0, "b": 1})) == [{"b": {"c": 2}}]
    assert list(db["c"].find({"a": 1}, {"b.c": 1})) == [{"_id": 1, "b": {"c": 2}}]
    assert list(db["c"].find({}, {"b.c": 1, "_id": 0}).sort("_id", 1)) == [{"b": {"c": 2}}, {}]
    assert list(db["c"].find({}, {"b.c": 1, "b.d": 1}).sort("_id", 1)) == [{"_id": 1, "b": {"c": 2}}, {"_id": 2}]


def test_same_tells_bson_values_apart() -> None:
    assert same({"a": [1, {"b": "x"}]}, {"a": [1, {"b": "x"}]})
    assert not same(1, 1.0)
    assert not same(True, 1)
    assert not same({"a": 1, "b": 2}, {"b": 2, "a": 1})
    assert not same([1, 2], [1, 2, 3])
    assert not same(float("nan"), float("nan"))  # then compared by their index keys
    assert not same("a", None)


def test_another_secantus_version_runs_unpatched(monkeypatch: pytest.MonkeyPatch,
                                                 caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setattr(secantus, "__version__", "0.8.0")
    with caplog.at_level(logging.WARNING):
        assert secantus_tuning.apply() is False
    assert "0.8.0 is not 0.7.0b3" in caplog.text


def test_the_tuning_can_be_switched_off(monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    monkeypatch.setenv(secantus_tuning.DISABLE_ENV, "0")
    with caplog.at_level(logging.WARNING):
        assert secantus_tuning.apply_unless_disabled() is False
    assert "without crawlerats' write-path tuning" in caplog.text
