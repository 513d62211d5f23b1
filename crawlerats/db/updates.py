"""Query and update shapes that stay index-served on SecantusDB (and mean the same on mongod).

SecantusDB plans a filter with any field beyond one index's own fields, and any `$or`, as a scan of that
index or of the collection, so lookups by posting key go one board at a time, and updates filter on a
unique key alone and put their conditions into an update pipeline.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

from pymongo import InsertOne, UpdateOne
from pymongo.collection import Collection
from pymongo.errors import BulkWriteError

#: Most values in one `$in` that fetches documents by id or key: SecantusDB checks every row it returns against the
#: whole `$in` list, so a long list costs rows x values. Measured at 100,000 postings, 300 postings by `_id`:
#: 70 ms in one `$in`, 48 ms in lists of 160, 30 ms of 64, 26 ms of 32 or 16.
IN_VALUES_PER_QUERY = 32


def board_clauses(keys: Iterable[tuple[str, str, str]]) -> list[dict[str, Any]]:
    """One `{ats, company, job_id: {$in}}` filter per board, each served by the unique index.

    Deliberately not one `$or`: SecantusDB answers `$or` with a collection scan, whose cost grows with
    the number of stored postings.
    """
    by_board: dict[tuple[str, str], set[str]] = defaultdict(set)
    for ats, company, job_id in keys:
        by_board[(ats, company)].add(job_id)
    return [{"ats": a, "company": c, "job_id": {"$in": sorted(ids)}} for (a, c), ids in sorted(by_board.items())]


def find_in(collection: Collection, flt: Mapping[str, Any], field: str, values: Sequence[Any],
            projection: Mapping[str, Any] | None = None) -> Iterator[dict[str, Any]]:
    """The documents matching `flt` whose `field` is one of `values`, read in `$in` lists of at most
    `IN_VALUES_PER_QUERY` values."""
    for start in range(0, len(values), IN_VALUES_PER_QUERY):
        yield from collection.find({**flt, field: {"$in": list(values[start:start + IN_VALUES_PER_QUERY])}},
                                   projection)


def key_only(key: tuple[str, str, str]) -> dict[str, str]:
    """The filter on the unique posting key (ats, company, job_id) alone."""
    return {"ats": key[0], "company": key[1], "job_id": key[2]}


def conditional_set(values: dict[str, Any], when: dict[str, Any], unset: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Update pipeline setting `values` (and removing the `unset` fields) only on documents where the aggregation
    expression `when` holds. One `$set` stage, so `when` is read on the document as it was before the update."""
    stage = {field: {"$cond": [when, {"$literal": value}, f"${field}"]} for field, value in values.items()}
    stage.update({field: {"$cond": [when, "$$REMOVE", f"${field}"]} for field in unset})
    return [{"$set": stage}]


def insert_expected_new(collection: Collection, upserts: Sequence[UpdateOne]) -> int:
    """Write documents expected to be new (a new posting's search or band document, an event), given as their
    idempotent upserts (`{key} {$set | $setOnInsert: fields}`), as one unordered bulk of inserts of the documents
    those upserts would create: the key's fields, then the set fields in name order (as mongod and SecantusDB add
    them), so the stored documents are the same, field order included. Returns how many were inserted. A key
    or `_id` already taken (left by an earlier failed batch, or written by another crawl meanwhile: duplicate
    key) gets its upsert instead (a `$setOnInsert` one then keeps the stored document). Cheaper than the upserts
    alone: on SecantusDB every upsert is a statement of its own (a search by key, a transaction), while inserts
    share one. Idempotent: a retry finds its own earlier inserts taken."""
    if not upserts:
        return 0
    try:
        return collection.bulk_write([InsertOne(_created(op)) for op in upserts], ordered=False).inserted_count
    except BulkWriteError as exc:
        errors = exc.details.get("writeErrors", [])
        if not errors or any(error.get("code") != 11000 for error in errors):
            raise
        collection.bulk_write([upserts[error["index"]] for error in errors], ordered=False)
        return int(exc.details.get("nInserted", 0))


def _created(upsert: UpdateOne) -> dict[str, Any]:
    """The document an upsert `{key} {$set | $setOnInsert: fields}` creates when nothing matches its key."""
    key, update = upsert._filter, upsert._doc
    if not isinstance(update, Mapping) or len(update) != 1 or not set(update) <= {"$set", "$setOnInsert"} \
            or any(name.startswith("$") or isinstance(value, Mapping) for name, value in key.items()):
        raise ValueError(f"not a keyed $set/$setOnInsert upsert: {key!r} {update!r}")
    (fields,) = update.values()
    return {**key, **dict(sorted(fields.items()))}
