"""Write-path tuning of the embedded SecantusDB server, applied in its own process (crawlerats.db.embedded_run).

SecantusDB 0.7.0b3 re-reads and decodes its whole index catalogue of a collection up to four times for every
document it inserts or updates (`Storage._index_options_map`: write entries, delete entries, unique check, geo
check), and on an update deletes and re-inserts every index entry of the document, including the entries whose
keys did not change. mongod does neither. Profiled on `update_many` of `last_seen` over 3,000 documents with 11
indexes: the catalogue reads were 33 % of the server's time, re-writing unchanged entries about 20 %.

Six patches, the first two confined to one write statement (one insert or update chunk, under the collection
lock and in one storage transaction, which is where SecantusDB itself already reads the index list once):
- the index catalogue is read once per statement and collection (`_iter_indexes` memoised; dropped again when
  the statement flags an index multikey, the one catalogue write a write statement makes);
- an updated document's entries are rewritten only in the indexes whose keys (or partial-filter membership)
  differ between the old and new document, and only those unique indexes are checked for a conflict;
- an update by assigning operators on top-level fields (`$set`, `$max`, ... : the `last_seen` move of an
  unchanged posting) copies the stored document shallowly where SecantusDB deep-copies it (its nested values are
  never changed in place by those operators, and the fields left alone stay the same objects, which the index
  comparison above then tells at once);
- for reads, a projection by 0/1 alone (`{a: 1, "b.c": 1}`, `{d: 0}`) shares the values of the freshly
  decoded documents instead of deep-copying each one;
- the matcher compares a string with a field's values (equality, `$in`, `$nin`) in one comparison per value
  or array (`string_equality`), where SecantusDB calls its type-aware equality per pair;
- and index entries are written and deleted with their keys packed by one concatenation, each field of a
  compound index encoded once per document (`compound_key_variants`, `encoding_once`), where SecantusDB packs
  every entry in pure Python and encodes every field of every combination (a search document's 30 trigrams in
  three indexes: 1.7 ms of server CPU per document inserted, 4.6 ms as released; bench/search_writes.py).

They apply only to the SecantusDB version they were written against (`PATCHED_VERSION`); any other version runs
unpatched, with a warning. The test suite's servers run with them (tests/support/mongo.py), so every query and
index test covers them; tests/test_secantus_tuning.py checks the index entries against a fresh rebuild.
"""

from __future__ import annotations

import copy
import functools
import itertools
import logging
import os
import sys
import threading
from collections.abc import Callable, Mapping
from typing import Any

logger = logging.getLogger(__name__)

#: The SecantusDB release whose private write path these patches follow.
PATCHED_VERSION = "0.7.0b3"

#: Set to 0 to run the server unpatched (to compare, or to rule the tuning out).
DISABLE_ENV = "CRAWLERATS_SECANTUS_TUNING"

_state = threading.local()


def _memo() -> dict | None:
    """The current write statement's catalogue memo, or None outside one."""
    return getattr(_state, "memo", None)


def _statement(method: Callable[..., Any], *, updates: bool) -> Callable[..., Any]:
    """Run `method` as one write statement: a fresh catalogue memo; for an update statement, index deletes
    deferred to the write that follows them (see `apply`)."""

    @functools.wraps(method)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        if _memo() is not None:  # nested: the outer statement's scope holds
            return method(self, *args, **kwargs)
        _state.memo, _state.defer, _state.pending = {}, updates, None
        try:
            return method(self, *args, **kwargs)
        finally:
            left = _state.pending
            _state.memo, _state.defer, _state.pending = None, False, None
            if left is not None:  # every update path writes right after it deletes: not expected
                logger.error("SecantusDB tuning: an index delete was not followed by its write (%s.%s)",
                             left[0], left[1])

    return wrapper


_MISSING = object()


def same(a: Any, b: Any) -> bool:
    """`a` and `b` are the same BSON value: same types all the way down (Python's `1 == 1.0 == True` is not
    enough: an index keys them apart), same keys in the same order, same values."""
    if a is b:
        return True
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(v, b[k]) for k, v in a.items())
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return bool(a == b)


#: Update operators that only assign top-level values when no path has a dot: the document they are applied to
#: can be copied shallowly (SecantusDB deep-copies it; its nested values are never changed in place).
_ASSIGNING_OPERATORS = frozenset({"$set", "$setOnInsert", "$unset", "$max", "$min", "$inc", "$mul", "$currentDate"})


def top_level_assignments(update: Any) -> bool:
    """Whether `update` is an operator update of top-level fields (not `_id`) by assigning operators alone."""
    if not isinstance(update, dict) or not update:
        return False
    for op, payload in update.items():
        if op not in _ASSIGNING_OPERATORS or not isinstance(payload, dict):
            return False
        for path in payload:
            if not isinstance(path, str) or not path or "." in path or "$" in path or path == "_id":
                return False
    return True


class _ShallowForOne:
    """`secantus.update`'s `copy` module, but `deepcopy` of the one document this thread marked (`_state.shallow`)
    is a shallow copy; everything else is the standard library's."""

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    @staticmethod
    def deepcopy(value: Any, memo: Any = None) -> Any:
        if value is getattr(_state, "shallow", None):
            _state.shallow = None
            return dict(value)
        return copy.deepcopy(value, memo)


def string_equality(original: Callable[..., bool]) -> Callable[..., bool]:
    """SecantusDB's matcher test "a value of the field equals `expected`" (`query._eq_with_array`: the field's
    values, each array's elements one level down), for a string `expected` without a collation in one
    comparison per value (`in` on an array), where SecantusDB's numeric- and type-aware equality takes a Python
    call per pair: only another string can equal a string. The `$in` of a candidate search checked 17 band keys
    against 17-element arrays this way. Anything else goes to SecantusDB's own test."""

    @functools.wraps(original)
    def eq_with_array(values: list[Any], expected: Any, collation: Any = None, *, descend: bool = True) -> bool:
        if collation is not None or type(expected) is not str:
            return original(values, expected, collation, descend=descend)
        for value in values:
            kind = type(value)
            if kind is str:
                if value == expected:
                    return True
            elif kind is list:
                if descend and expected in value:
                    return True
            elif isinstance(value, str | list) and original([value], expected, None, descend=descend):
                return True  # a subclass (SecantusDB's positional arrays): its own rules
        return False

    return eq_with_array


def compound_key_variants(original: Callable[..., list[bytes]], storage: Any) -> Callable[..., list[bytes]]:
    """SecantusDB's `_index_key_variants` for a compound index, each field's values encoded once.

    SecantusDB takes the product of the fields' candidate values and encodes every field of every combination:
    a search document's 32 trigrams under `(grams, status, posted)` encode `status` and `posted` 32 times each
    (a descending date is byte-inverted by a generator each time). Here each field's candidates are encoded once
    (deduplicated on their bytes, as SecantusDB does) and the product joins the bytes: the same keys in the same
    order. Single-field indexes go to SecantusDB. Within `encoding_once(doc)` (one document's entries written or
    deleted), a field's encoded values are also shared by every index of the document that holds the field (the
    trigrams of a search document are in three indexes)."""
    encode = storage.encode_value_directed
    field_values = storage._index_field_values
    sparse_covers = storage._sparse_covers
    separator = storage.COMPOUND_SEP

    @functools.wraps(original)
    def variants(doc: Any, key_spec: Any, *, sparse: bool, collation: Any = None) -> list[bytes]:
        if len(key_spec) == 1:
            return original(doc, key_spec, sparse=sparse, collation=collation)
        if sparse and not sparse_covers(doc, key_spec):
            return []
        shared = getattr(_state, "encoded", None)
        if shared is not None and shared[0] is not doc:
            shared = None
        encoded: list[list[bytes]] = []
        for field, direction in key_spec.items():
            memo_key = (field, int(direction), collation)
            parts = shared[1].get(memo_key) if shared is not None and collation is None else None
            if parts is None:
                candidates, _multikey = field_values(doc, field)
                parts = [encode(value, int(direction), collation=collation) for value in candidates]
                parts = list(dict.fromkeys(parts)) if len(parts) > 1 else parts
                if shared is not None and collation is None:
                    shared[1][memo_key] = parts
            encoded.append(parts)
        keys = dict.fromkeys(separator.join(combo) for combo in itertools.product(*encoded))
        return list(keys)

    return variants


class encoding_once:  # noqa: N801 - used as a `with` statement, like a function
    """Share a document's encoded field values between its indexes (`compound_key_variants`) for the duration
    of one document's index writes; the memo is dropped at the end (it holds nothing past the document)."""

    def __init__(self, doc: Any) -> None:
        self.doc = doc

    def __enter__(self) -> None:
        self.outer = getattr(_state, "encoded", None)
        _state.encoded = (self.doc, {})

    def __exit__(self, *exc: object) -> None:
        _state.encoded = self.outer


def _roots(key_spec: dict[str, Any], partial: dict[str, Any] | None) -> set[str] | None:
    """The top-level fields an index's entries depend on (its keys and its partial filter), or None when that
    cannot be told from the names alone (an operator such as `$and`, a wildcard key)."""
    names = [*key_spec, *(partial or {})]
    if any(name.startswith("$") or "$**" in name for name in names):
        return None
    return {name.split(".", 1)[0] for name in names}


def _plain_projection(spec: Any) -> tuple[bool, dict[str, Any], bool] | None:
    """`(inclusion, tree, keep_id)` for a projection by 0/1 alone of top-level fields, or of dotted paths when it
    includes (`tree`: the paths as a trie, a leaf an empty dict), else None (SecantusDB's own path: operators,
    mixed modes, path collisions and their errors)."""
    if not isinstance(spec, dict) or not spec:
        return None
    paths, modes = [], set()
    for name, value in spec.items():
        if not isinstance(name, str) or not name or "$" in name or type(value) not in (int, bool) \
                or value not in (0, 1) or "" in name.split(".") or name.startswith("_id."):
            return None
        if name != "_id":
            paths.append(name)
            modes.add(bool(value))
    if len(modes) > 1:
        return None  # mixed: let SecantusDB give mongod's error
    keep_id = bool(spec.get("_id", 1))
    inclusion = modes == {True} or (not modes and keep_id)  # `{_id: 1}` alone keeps `_id` alone
    if not inclusion and any("." in path for path in paths):
        return None
    if any(other.startswith(path + ".") for path in paths for other in paths):
        return None  # `a` and `a.b`: a path collision, SecantusDB's error
    tree: dict[str, Any] = {}
    for path in paths:
        node = tree
        for part in path.split("."):
            node = node.setdefault(part, {})
    return inclusion, tree, keep_id


_ABSENT = object()


def _include(doc: Mapping[str, Any], tree: dict[str, Any]) -> dict[str, Any]:
    """SecantusDB's inclusion of a path trie (`projection._include_doc`: the document's order, `{}` kept for a
    sub-document without the leaf, arrays mapped with their scalars dropped, a scalar parent dropped), sharing the
    values instead of deep-copying them."""
    out: dict[str, Any] = {}
    for key, value in doc.items():
        subtree = tree.get(key, _ABSENT)
        if subtree is _ABSENT:
            continue
        if not subtree:
            out[key] = value
            continue
        projected = _include_value(value, subtree)
        if projected is not _ABSENT:
            out[key] = projected
    return out


def _include_value(value: Any, tree: dict[str, Any]) -> Any:
    if isinstance(value, Mapping):
        return _include(value, tree)
    if isinstance(value, list):
        parts = (_include_value(item, tree) for item in value if isinstance(item, Mapping | list))
        return [part for part in parts if part is not _ABSENT]
    return _ABSENT


def project(docs: list[dict[str, Any]], spec: dict[str, Any], plain: tuple[bool, dict[str, Any], bool]
            ) -> list[dict[str, Any]]:
    """A plain projection of freshly decoded documents, sharing their values (SecantusDB deep-copies every
    document it projects). mongod's order: `_id` first on inclusion, then the document's own order."""
    inclusion, tree, keep_id = plain
    out = []
    for doc in docs:
        if inclusion:
            row = {"_id": doc["_id"]} if keep_id and "_id" in doc else {}
            row.update(_include(doc, tree))
        else:
            row = {k: v for k, v in doc.items() if k not in tree and (keep_id or k != "_id")}
        out.append(row)
    return out


def apply() -> bool:
    """Patch SecantusDB's `Storage` in this process; False (and a warning) on another version."""
    import secantus
    from secantus import query as query_module
    from secantus import storage
    from secantus import update as update_module
    from wiredtiger.packing import pack as wt_pack

    if secantus.__version__ != PATCHED_VERSION:
        logger.warning("SecantusDB %s is not %s: running without crawlerats' write-path tuning",
                       secantus.__version__, PATCHED_VERSION)
        return False
    cls = storage.Storage
    if getattr(cls, "_crawlerats_tuned", False):
        return True
    # SecantusDB's own methods, called by the replacements below
    (iter_indexes, options_map, mark_multikey, enforce_capped, delete_entries, write_entries, doc_update_checked,
     unique_conflict) = (getattr(cls, name) for name in (
        "_iter_indexes", "_index_options_map", "_maybe_mark_multikey", "_enforce_capped_bounds_locked",
        "_delete_index_entries", "_write_index_entries", "_chunk_doc_update_checked", "_unique_conflict"))
    storage._index_key_variants = compound_key_variants(storage._index_key_variants, storage)  # called by name
    key_variants = storage._index_key_variants
    parse_collation = storage._parse_index_collation
    geo_type_of = storage._geo_type_of
    matches = storage.matches

    def memoised(kind: str, read: Callable[[Any, str, str], Any]) -> Callable[[Any, str, str], Any]:
        """`read` of a collection's catalogue, once per write statement (`kind` names it in the memo)."""

        def method(self: Any, db: str, coll: str) -> Any:
            memo = _memo()
            if memo is None:
                return read(self, db, coll)
            if (kind, db, coll) not in memo:
                memo[(kind, db, coll)] = read(self, db, coll)
            return memo[(kind, db, coll)]

        return method

    # a list, not SecantusDB's generator: the statement iterates it again for every document
    _iter_indexes = memoised("rows", lambda self, db, coll: list(iter_indexes(self, db, coll)))
    _index_options_map = memoised("options", options_map)

    def _maybe_mark_multikey(self: Any, db: str, coll: str, doc: Any, indexes: Any, already: set[str]) -> set[str]:
        before = len(already)
        result = mark_multikey(self, db, coll, doc, indexes, already)
        memo = _memo()
        if memo is not None and len(result) != before:  # it rewrote the catalogue
            memo.pop(("rows", db, coll), None)
            memo.pop(("options", db, coll), None)
        return result

    def _enforce_capped_bounds_locked(self: Any, *args: Any, **kwargs: Any) -> Any:
        _flush(self)
        defer, _state.defer = getattr(_state, "defer", False), False
        try:
            return enforce_capped(self, *args, **kwargs)
        finally:
            _state.defer = defer

    def _keys(self: Any, db: str, coll: str, doc: Any, index: tuple, partials: dict) -> list | None:
        """The entries `doc` contributes to `index` (None when its partial filter leaves it out)."""
        name, key_spec, sparse, _unique = index
        pf = partials.get(name)
        if pf is not None and not matches(doc, pf):
            return None
        collation = parse_collation(_index_options_map(self, db, coll).get(name, {}).get("collation"))
        return list(key_variants(doc, key_spec, sparse=sparse, collation=collation))

    def _unchanged(self: Any, db: str, coll: str, old: Any, new: Any, index: tuple, partials: dict) -> bool:
        if geo_type_of(index[1]) is not None:
            return False
        roots = _roots(index[1], partials.get(index[0]))
        if roots is not None and all(same(old.get(root, _MISSING), new.get(root, _MISSING)) for root in roots):
            return True  # none of the fields it reads changed: its entries are the same
        return _keys(self, db, coll, old, index, partials) == _keys(self, db, coll, new, index, partials)

    def _chunk_doc_update_checked(self: Any, db: str, coll: str, doc: Any, recordid: int, *args: Any,
                                  **kwargs: Any) -> Any:
        _state.old = (db, coll, recordid, doc)
        try:
            return doc_update_checked(self, db, coll, doc, recordid, *args, **kwargs)
        finally:
            _state.old = None

    def _unique_conflict(self: Any, db: str, coll: str, candidate: Any, indexes: Any, *, exclude_recordid: Any,
                         partials: Any = None) -> Any:
        old = getattr(_state, "old", None)
        if old is not None and old[:3] == (db, coll, exclude_recordid) and indexes:
            # an index whose keys this update leaves as they are cannot conflict: the document holds them
            filters = partials if partials is not None else self._partial_filters(db, coll)
            indexes = [index for index in indexes if not (index[3] and _unchanged(self, db, coll, old[3], candidate,
                                                                                  index, filters))]
        return unique_conflict(self, db, coll, candidate, indexes, exclude_recordid=exclude_recordid,
                               partials=partials)

    def _delete_index_entries(self: Any, db: str, coll: str, doc: Any, indexes: Any, partials: Any = None, *,
                              recordid: int) -> None:
        if not getattr(_state, "defer", False) or not indexes:
            return delete_entries_packed(self, db, coll, doc, indexes, partials, recordid=recordid)
        _flush(self)
        _state.pending = (db, coll, doc, indexes, partials, recordid)
        return None

    entries_table, pack_entry = storage._IDX_ENTRIES_TABLE, storage._pack_entry

    def packed_entries(self: Any, db: str, coll: str, doc: Any, indexes: Any, partials: Any, recordid: int,
                       original: Callable[..., Any]) -> tuple[Any, list[tuple]] | None:
        """The index-entries cursor and, for each index holding `doc` (its partial filter), `(name, keys, unique,
        key_spec, collation, prefix)`: its keys, computed once for the document's indexes (`encoding_once`), and
        the packed `(db, collection, index)` prefix of its entries. Geo indexes are handed to SecantusDB's
        `original` function; another table layout, all of them (then None)."""
        cursor = self._cursor(entries_table)
        if cursor.key_format != "SSSu" or cursor.value_format != "u":
            original(self, db, coll, doc, indexes, partials, recordid=recordid)
            return None
        if partials is None:
            partials = self._partial_filters(db, coll)
        geo = [index for index in indexes if geo_type_of(index[1]) is not None]
        if geo:
            original(self, db, coll, doc, geo, partials, recordid=recordid)
            cursor = self._cursor(entries_table)
        options = _index_options_map(self, db, coll)
        found = []
        with encoding_once(doc):
            for name, key_spec, sparse, unique in indexes:
                pf = partials.get(name)
                if (geo and geo_type_of(key_spec) is not None) or (pf is not None and not matches(doc, pf)):
                    continue
                opts = options.get(name, {})
                collation = parse_collation(opts.get("collation"))
                keys = list(key_variants(doc, key_spec, sparse=sparse, collation=collation))
                found.append((name, keys, unique or bool(opts.get("prepareUnique")), key_spec, collation,
                              wt_pack("SSS", db, coll, name)))
        return cursor, found

    def write_entries_packed(self: Any, db: str, coll: str, doc: Any, indexes: Any, partials: Any = None, *,
                             recordid: int) -> None:
        """SecantusDB's `_write_index_entries`, each entry's key packed by one concatenation: the pure-Python
        `pack("SSSu", db, coll, index, entry)` per entry was ~20 % of a search document's insert (its `SSS`
        prefix is the same for every entry of an index)."""
        packed = packed_entries(self, db, coll, doc, indexes, partials, recordid, write_entries) if indexes else None
        if packed is None:
            return None
        cursor, found = packed
        for name, keys, unique, key_spec, collation, prefix in found:
            for kb in keys:
                cursor.reset()
                cursor._key, cursor._value = prefix + pack_entry(kb, recordid), b""  # pinned, as `set_key` does
                cursor._set_key(cursor._key)
                cursor._set_value(cursor._value)
                if cursor.insert() != 0:
                    raise KeyError(name)
                if unique:
                    self._claim_unique_key(db, coll, name, kb, recordid, key_spec, doc, collation)
        return None

    def delete_entries_packed(self: Any, db: str, coll: str, doc: Any, indexes: Any, partials: Any = None, *,
                              recordid: int) -> None:
        """SecantusDB's `_delete_index_entries`, each entry's key packed as in `write_entries_packed` (and each
        index's keys computed once, where SecantusDB computes a unique index's twice)."""
        packed = packed_entries(self, db, coll, doc, indexes, partials, recordid, delete_entries) if indexes else None
        if packed is None:
            return None
        cursor, found = packed
        for name, keys, unique, _key_spec, _collation, prefix in found:
            if unique:
                self._release_unique_keys(db, coll, name, keys, recordid)
            for kb in keys:
                cursor.reset()
                cursor._key = prefix + pack_entry(kb, recordid)  # pinned, as `set_key` does
                cursor._set_key(cursor._key)
                if cursor.search() == 0:
                    cursor.remove()
        return None

    def _write_index_entries(self: Any, db: str, coll: str, doc: Any, indexes: Any, partials: Any = None, *,
                             recordid: int) -> None:
        pending = getattr(_state, "pending", None)
        if pending is None or pending[:2] != (db, coll) or pending[5] != recordid or pending[3] is not indexes:
            _flush(self)
            return write_entries_packed(self, db, coll, doc, indexes, partials, recordid=recordid)
        _state.pending = None
        old = pending[2]
        if partials is None:
            partials = self._partial_filters(db, coll)
        changed = [index for index in indexes if not _unchanged(self, db, coll, old, doc, index, partials)]
        if changed:
            delete_entries_packed(self, db, coll, old, changed, partials, recordid=recordid)
            write_entries_packed(self, db, coll, doc, changed, partials, recordid=recordid)
        return None

    def _flush(self: Any) -> None:
        pending = getattr(_state, "pending", None)
        if pending is not None:
            _state.pending = None
            db, coll, doc, indexes, partials, recordid = pending
            delete_entries_packed(self, db, coll, doc, indexes, partials, recordid=recordid)

    cls._iter_indexes = _iter_indexes
    cls._index_options_map = _index_options_map
    cls._maybe_mark_multikey = _maybe_mark_multikey
    cls._enforce_capped_bounds_locked = _enforce_capped_bounds_locked
    cls._delete_index_entries = _delete_index_entries
    cls._write_index_entries = _write_index_entries
    cls._chunk_doc_update_checked = _chunk_doc_update_checked
    cls._unique_conflict = _unique_conflict
    # Inside SecantusDB's write-conflict retry, so that each attempt (a fresh transaction) gets a fresh scope.
    retry = storage._retry_write_conflicts
    for name, updates in (("_update_chunk", True), ("_update_matching_single_txn", True), ("_insert_chunk", False)):
        setattr(cls, name, retry(_statement(getattr(cls, name).__wrapped__, updates=updates)))
    project_batch = storage.apply_projection_batch

    def apply_projection_batch(docs: list[dict[str, Any]], spec: Any, query: Any = None, *, metas: Any = None,
                               has_sort: bool = True) -> list[dict[str, Any]]:
        plain = _plain_projection(spec)
        if plain is None:
            return project_batch(docs, spec, query, metas=metas, has_sort=has_sort)
        return project(docs, spec, plain)

    storage.apply_projection_batch = apply_projection_batch  # the name storage's readers call
    update_module.copy = _ShallowForOne()
    original_apply_update = storage.apply_update

    def apply_update(doc: Any, update: Any, *args: Any, **kwargs: Any) -> Any:
        if not top_level_assignments(update):
            return original_apply_update(doc, update, *args, **kwargs)
        _state.shallow = doc
        try:
            return original_apply_update(doc, update, *args, **kwargs)
        finally:
            _state.shallow = None

    storage.apply_update = apply_update  # the name storage's update paths call
    query_module._eq_with_array = string_equality(query_module._eq_with_array)  # called by name in the module
    cls._crawlerats_tuned = True
    return True


def apply_unless_disabled() -> bool:
    """`apply()`, unless `CRAWLERATS_SECANTUS_TUNING=0` asks for the server as released."""
    if os.environ.get(DISABLE_ENV, "1").strip().lower() in ("0", "false", "no", "off"):
        logger.warning("%s=0: SecantusDB runs without crawlerats' write-path tuning", DISABLE_ENV)
        return False
    return apply()


def main(argv: list[str] | None = None) -> int:
    """`python -m crawlerats.db.secantus_tuning ARGS`: `secantusd-py ARGS` with the tuning applied."""
    from secantus.cli import main as secantus_main

    apply_unless_disabled()
    return int(secantus_main(sys.argv[1:] if argv is None else argv) or 0)


if __name__ == "__main__":
    raise SystemExit(main())
