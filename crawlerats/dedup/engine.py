"""Apply the dedup rules to a batch of items against MongoDB, with a bounded number of indexed queries.

Per batch: one query loads the stored documents by key, candidate matches are loaded through the band index
(LSH band keys, the normalised title + location key and the title key, indexed per company; short `$in`
lists, see `VALUES_PER_QUERY`), one query loads the open members of the duplicate groups those candidates
belong to. Everything else happens in memory, so the cost per item depends on how many near-matches a
posting has, never on how many postings are stored.
"""

from __future__ import annotations

import hashlib
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from itemadapter import ItemAdapter
from pymongo import UpdateOne
from pymongo.database import Database

from crawlerats.db.retry import no_retry
from crawlerats.db.search_index import SEARCH_COLLECTION, close_operations
from crawlerats.db.updates import board_clauses, conditional_set, insert_expected_new, key_only
from crawlerats.dedup.events import make_event, write_events
from crawlerats.dedup.features import (
    Features,
    features,
    index_keys,
    stored_features,
    stored_index_keys,
    title_band,
    title_location_band,
)
from crawlerats.dedup.match import near_identical, same_role
from crawlerats.items import CRAWLED_FIELDS, fingerprint, state_of
from crawlerats.promote.store import end_for_closed

logger = logging.getLogger(__name__)

Key = tuple[str, str, str]

#: Stored fields handed to later stages on `PostingState.stored` (the large text fields are left out).
STORED_PROJECTION = {"_id": 0, "description_html": 0, "description_text": 0}
#: Fields the dedup stage fills, copied from the stored document for a posting on the fast path.
DEDUP_FIELDS = ("content_hash", "fingerprint", "dedup", "reopened_count", "updated_seen_at", "repost_of",
                "repost_count", "earlier_postings", "duplicate_group", "duplicate_count")
#: What a candidate match needs.
CANDIDATE_PROJECTION = {
    "_id": 0, "ats": 1, "company": 1, "job_id": 1, "title": 1, "status": 1, "first_seen": 1, "last_seen": 1,
    "closed_at": 1, "posted_at": 1, "requisition_id": 1, "repost_count": 1, "earlier_postings": 1,
    "duplicate_group": 1, "duplicate_count": 1, "content_hash": 1, "dedup": 1,
}
#: Where the LSH band keys are indexed: one small document per posting `{ats, company, job_id, bands}`, written
#: only when its features are computed. Kept out of `jobs`, so the 17 multikey entries per posting are not
#: rewritten on every write of a posting (on SecantusDB every update rewrites every index entry; moving
#: `last_seen` cost 4.8 ms per posting with the band index on `jobs`, about 2.6 ms without).
BANDS_COLLECTION = "job_bands"
#: Most earlier postings kept on one document (the chain length stays exact in repost_count).
MAX_EARLIER_POSTINGS = 50
#: Upper bound of candidates read per batch item (a safety net against pathological boilerplate).
CANDIDATES_PER_ITEM = 50
#: Default of `CRAWLERATS_DEDUP_BOILERPLATE_BAND_MAX`: an LSH band value carried by more than this many
#: postings of one board is boilerplate (a shared template text), ignored for candidate search and matching.
BOILERPLATE_BAND_MAX = 50
#: Default of `CRAWLERATS_DEDUP_CANDIDATES_PER_BATCH`: most band-index rows (candidate postings) read per board
#: per batch, whatever the batch's size.
CANDIDATES_PER_BATCH = 5000
#: A board holding at most this many stored postings per batch item is read whole and matched in memory
#: instead of through the band index (a first crawl: the board is empty or small next to the batch). Reading
#: a posting whole costs about as much as looking up all of an item's 18 keys, so a larger bound only makes
#: the batches of a growing board read it again and again (cost growing with the board).
SCAN_PER_ITEM = 2
#: Most values in one `$in` of the band query, and most job ids in one `$in` fetching the candidates.
#: SecantusDB tests every row an index `$in` returns against the whole `$in` list, value by value (a Python
#: comparison per value and array element): with one `$in` of the thousands of keys of 500 postings, that
#: check was 78% of the server's time in the end-of-crawl recheck (py-spy), ~6-25 s per 500 postings of a
#: 6,000-posting board; short lists keep the check per row small and the same whatever the batch size.
VALUES_PER_QUERY = 64
IDS_PER_QUERY = 200
#: Up to this many items of a board, the band query is cheaper than counting the board first.
BAND_QUERY_ITEMS = 2


def key_of(doc: Any) -> Key:
    a = ItemAdapter(doc) if not isinstance(doc, dict) else doc
    return (a["ats"], a["company"], a["job_id"])


def outcome_of(doc: dict[str, Any] | None, digest: str) -> str:
    """new (nothing stored), reopened (stored closed), unchanged (the stored fingerprint) or changed."""
    if doc is None:
        return "new"
    if doc.get("status") == "closed":
        return "reopened"
    return "unchanged" if doc.get("fingerprint") == digest else "changed"


def group_id(ats: str, company: str, job_id: str) -> str:
    return "dup-" + hashlib.sha1(f"{ats}\x1f{company}\x1f{job_id}".encode()).hexdigest()[:16]


@dataclass
class View:
    """A posting as the rules see it: a batch item (writes go to the item) or a stored document."""

    key: Key
    feats: Features | None
    status: str = "open"
    title: str | None = None
    first_seen: datetime | None = None
    last_seen: datetime | None = None
    closed_at: datetime | None = None
    posted_at: datetime | None = None
    requisition_id: str | None = None
    repost_count: int = 0
    earlier_postings: list[dict[str, Any]] = field(default_factory=list)
    duplicate_group: str | None = None
    duplicate_count: int = 0
    item: Any = None
    new: bool = False
    group_changed: bool = False

    @classmethod
    def from_doc(cls, doc: dict[str, Any], feats: Features | None = None) -> View:
        return cls(
            key=key_of(doc), feats=feats if feats is not None else stored_features(doc), status=doc.get("status") or "open",
            title=doc.get("title"), first_seen=doc.get("first_seen"), last_seen=doc.get("last_seen"),
            closed_at=doc.get("closed_at"), posted_at=doc.get("posted_at"), requisition_id=doc.get("requisition_id"),
            repost_count=int(doc.get("repost_count") or 0), earlier_postings=list(doc.get("earlier_postings") or []),
            duplicate_group=doc.get("duplicate_group"), duplicate_count=int(doc.get("duplicate_count") or 0),
        )

    @property
    def role(self) -> str:
        """Posts sharing a requisition id are one role."""
        return f"req:{self.requisition_id}" if self.requisition_id else f"job:{self.key[2]}"

    def summary(self) -> dict[str, Any]:
        return {"job_id": self.key[2], "title": self.title, "first_seen": self.first_seen,
                "last_seen": self.last_seen, "closed_at": self.closed_at, "posted_at": self.posted_at}


class Pool:
    """Views indexed by LSH band and by (title key, location key), per board; a board's boilerplate band
    values (`ignored`) are not indexed, so they link nothing."""

    def __init__(self, ignored: dict[tuple[str, str], set[int]] | None = None) -> None:
        self.ignored = ignored if ignored is not None else {}
        self.views: dict[Key, View] = {}
        self.by_band: dict[tuple[str, str, int], set[Key]] = defaultdict(set)
        self.by_keys: dict[tuple[str, str, str, str], set[Key]] = defaultdict(set)

    def add(self, view: View, replace: bool = True) -> None:
        if view.key in self.views and not replace:
            return
        self.views[view.key] = view
        if view.feats is None:
            return
        ats, company, _ = view.key
        ignored = self.ignored.get((ats, company), ())
        for band in index_keys(view.feats):
            if band not in ignored:
                self.by_band[(ats, company, band)].add(view.key)
        self.by_keys[(ats, company, view.feats.title_key, view.feats.location_key)].add(view.key)

    def near(self, view: View) -> list[View]:
        if view.feats is None:
            return []
        ats, company, _ = view.key
        keys: set[Key] = set(self.by_keys.get((ats, company, view.feats.title_key, view.feats.location_key), ()))
        ignored = self.ignored.get((ats, company), ())
        for band in index_keys(view.feats):
            if band not in ignored:
                keys |= self.by_band.get((ats, company, band), set())
        keys.discard(view.key)
        return [self.views[k] for k in sorted(keys)]


@dataclass
class Counters:
    opened: int = 0
    changed: int = 0
    reopened: int = 0
    reposted: int = 0
    grouped: int = 0
    closed: int = 0
    candidates: int = 0
    members_updated: int = 0
    #: Postings whose features (MinHash and keys) were computed: none for a posting on the fast path.
    features_computed: int = 0
    #: Band values found to be boilerplate (carried by more than the bound of postings of a board).
    boilerplate_bands: int = 0
    #: Candidate searches of a board that hit the per-batch read cap (some candidates left unread).
    candidates_capped: int = 0
    #: Stored postings taken from their board's read (crawlerats/db/stored_fingerprints.py), not read again.
    prefetched: int = 0

    def as_stats(self) -> dict[str, int]:
        return {k: v for k, v in self.__dict__.items() if v}


class DedupEngine:
    """The dedup rules over one database. Methods run in a worker thread (blocking pymongo calls)."""

    def __init__(self, db: Database, now: Callable[[], datetime], crawl_id: str | None = None,
                 repost_min_age: timedelta = timedelta(days=7),
                 retry: Callable[[Callable[[], Any]], Any] = no_retry, fast_path: bool = True,
                 boilerplate_band_max: int = BOILERPLATE_BAND_MAX,
                 candidates_per_batch: int = CANDIDATES_PER_BATCH,
                 keep_unmapped: Callable[[dict[str, Any]], bool] = lambda doc: True,
                 prefetched: Callable[[Key], dict[str, Any] | None] = lambda key: None,
                 forget: Callable[[Key], None] = lambda key: None) -> None:
        self.db = db
        #: A posting's stored document (under `STORED_PROJECTION`) already read with its board, or None; and
        #: how to say that one this engine rewrote is stale (crawlerats/db/stored_fingerprints.py).
        self.prefetched, self.forget = prefetched, forget
        #: Whether an unmapped item (`PostingState.unmapped`) of this stored document may stay without its
        #: large text fields (the conditions later stages set, crawlerats/db/stored_fingerprints.py).
        self.keep_unmapped = keep_unmapped
        #: A band value carried by more than this many postings of a board is boilerplate (see `_candidates`).
        self.boilerplate_band_max = boilerplate_band_max
        #: Most candidate rows read per board per batch.
        self.candidates_per_batch = candidates_per_batch
        #: Per board, the band values found to be boilerplate during this crawl (never searched again).
        self.boilerplate: dict[tuple[str, str], set[int]] = defaultdict(set)
        #: Per board, the most stored postings counted during this crawl (see `_small_board`).
        self.board_floor: dict[tuple[str, str], int] = {}
        #: Unchanged open postings reuse what is stored (no features, no matching); False = the full path.
        self.fast_path = fast_path
        #: Runs each database call; every call here is idempotent, so a retried one is harmless.
        self.retry = retry
        self.jobs = db["jobs"]
        self.events = db["job_events"]
        #: The band keys of every posting, indexed for candidate search (see `BANDS_COLLECTION`).
        self.bands = db[BANDS_COLLECTION]
        self.now = now
        self.crawl_id = crawl_id
        self.repost_min_age = repost_min_age
        #: Postings whose duplicate group must be checked again after the crawl's writes (see `recheck`).
        self.dirty: set[Key] = set()
        #: Groups that lost a member (content change, close): recounted at the end (see `recount`).
        self.left_groups: set[tuple[str, str, str]] = set()
        #: Stored postings whose group fields this engine rewrote after they were scored (to rescore at the end).
        self.regrouped: set[Key] = set()

    # --- queries ------------------------------------------------------------------------------------
    def _find(self, query: dict[str, Any], projection: dict[str, Any], limit: int = 0) -> list[dict[str, Any]]:
        return self.retry(lambda: list(self.jobs.find(query, projection, limit=limit)))

    def _bulk(self, ops: list[UpdateOne]) -> None:
        self.retry(lambda: self.jobs.bulk_write(ops, ordered=False))

    def _write_events(self, events: list[dict[str, Any]]) -> None:
        self.retry(lambda: write_events(self.events, events))

    def _find_each(self, clauses: list[dict[str, Any]], projection: dict[str, Any],
                   limit: int = 0) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        for clause in clauses:
            found.extend(self._find(clause, projection, limit=limit))
        return found

    def _candidates(self, searching: list[View], seen: list[View], counters: Counters) -> list[dict[str, Any]]:
        """Per board, stored postings sharing a band key (LSH band or the title+location key) with any of
        the `searching` views: read through the band index, or, for a board small next to the batch (a first
        crawl of a board), by reading the whole board once and matching the bands in memory. The stored copies
        of the `seen` views themselves are not read (the caller's views replace them in the pool).

        LSH band values carried by more than `boilerplate_band_max` postings of the board (counted over the
        batch's views, `seen`, and the rows read) are boilerplate: remembered for the crawl, never searched
        again and ignored when matching. The title+location key and the title key are never boilerplate (they
        only link postings of one title). At most `candidates_per_batch` rows are read per board and batch."""
        # Per board, the searched keys in the order of the views bringing them (a posting's keys stay together
        # in one `$in` of the band query), as a dict for a stable, duplicate-free order.
        bands: dict[tuple[str, str], dict[int, None]] = defaultdict(dict)
        count: dict[tuple[str, str], int] = defaultdict(int)
        exempt: dict[tuple[str, str], set[int]] = defaultdict(set)
        holders: dict[tuple[str, str], dict[int, set[str]]] = defaultdict(lambda: defaultdict(set))
        own: dict[tuple[str, str], set[str]] = defaultdict(set)
        for v in searching:
            if v.feats is not None:
                bands[v.key[:2]].update(dict.fromkeys(index_keys(v.feats)))
                count[v.key[:2]] += 1
        for v in seen:
            if v.key[:2] in bands:
                own[v.key[:2]].add(v.key[2])
            if v.feats is not None and v.key[:2] in bands:
                if v.feats.title_key:
                    exempt[v.key[:2]].update((title_location_band(v.feats.title_key, v.feats.location_key),
                                              title_band(v.feats.title_key)))
                for band in index_keys(v.feats):
                    holders[v.key[:2]][band].add(v.key[2])
        found: list[dict[str, Any]] = []
        for board_key, ordered in sorted(bands.items()):
            wanted = set(ordered)
            board = {"ats": board_key[0], "company": board_key[1]}
            mark = self._boilerplate_marker(board_key, wanted - exempt[board_key], holders[board_key], counters)
            mark({})
            cap = min(CANDIDATES_PER_ITEM * count[board_key], self.candidates_per_batch)
            if self._small_board(board, board_key, count[board_key]):
                docs = self._find(board, CANDIDATE_PROJECTION)
                keys = {d["job_id"]: stored_index_keys(d.get("dedup")) for d in docs}
                mark(keys)
                values = wanted - self.boilerplate[board_key]
                matching = [d for d in docs if d["job_id"] not in own[board_key]
                            and not values.isdisjoint(keys[d["job_id"]])]
                if len(matching) > cap:
                    counters.candidates_capped += 1
                found.extend(matching[:cap])
            else:
                found.extend(self._band_matches(board, list(ordered), cap, mark, counters, own[board_key]))
        return found

    def _small_board(self, board: dict[str, str], board_key: tuple[str, str], items: int) -> bool:
        """Whether the board holds at most `SCAN_PER_ITEM` stored postings per searching item (then it is read
        whole). Counted at most until the board is known to be larger: a board only grows during a crawl
        (closing comes after the last batch), and counting reads the board's postings on SecantusDB."""
        limit = SCAN_PER_ITEM * items
        if items <= BAND_QUERY_ITEMS or self.board_floor.get(board_key, 0) > limit:
            return False
        size = self.retry(lambda: self.jobs.count_documents(board, limit=limit + 1))
        self.board_floor[board_key] = max(self.board_floor.get(board_key, 0), size)
        return size <= limit

    def _boilerplate_marker(self, board: tuple[str, str], candidates: set[int], holders: dict[int, set[str]],
                            counters: Counters) -> Callable[[dict[str, Any]], None]:
        """A function taking `{job_id: bands}` of postings read, that marks those of the board's searched
        LSH band values (`candidates`: never a title key) now carried by more than the bound of postings (batch
        views and rows read, by job id) as boilerplate."""
        known = self.boilerplate[board]

        def mark(rows: dict[str, Any]) -> None:
            touched: set[int] = set()
            for job_id, row_bands in rows.items():
                for band in row_bands:
                    if band in candidates:
                        holders[band].add(job_id)
                        touched.add(band)
            for band in touched if rows else list(holders):  # no rows: the batch's own views (first call)
                ids = holders[band]
                if len(ids) > self.boilerplate_band_max and band not in known and band in candidates:
                    known.add(band)
                    counters.boilerplate_bands += 1
        return mark

    def _band_matches(self, board: dict[str, str], wanted: list[int], cap: int,
                      mark: Callable[[dict[str, Any]], None], counters: Counters,
                      skip: set[str] | frozenset[str] = frozenset()) -> list[dict[str, Any]]:
        """The board's stored postings with any of the non-boilerplate `wanted` keys, except those in `skip`:
        their ids from `job_bands` (index `board_bands`, `VALUES_PER_QUERY` keys per query), then the postings
        by key (unique index). A query whose rows reveal new boilerplate is repeated once without it (the
        first read may be crowded by it). At most `cap` distinct rows are read; a query cut short by the cap
        counts as `candidates_capped`."""
        board_key = (board["ats"], board["company"])
        boilerplate = self.boilerplate[board_key]
        rows: dict[str, Any] = {}
        capped = False
        values = [v for v in wanted if v not in boilerplate]
        for start in range(0, len(values), VALUES_PER_QUERY):
            if len(rows) >= cap:
                capped = True
                break
            part = values[start:start + VALUES_PER_QUERY]
            got: list[dict[str, Any]] = []
            for _attempt in range(2):
                part = [v for v in part if v not in boilerplate]
                if not part:
                    got = []
                    break
                known, limit = len(boilerplate), cap - len(rows)
                got = self.retry(lambda p=part, n=limit: list(self.bands.find(
                    {**board, "bands": {"$in": p}}, {"_id": 0, "job_id": 1, "bands": 1}, limit=n)))
                mark({r["job_id"]: r.get("bands") or () for r in got})
                if len(boilerplate) == known:
                    break
            capped = capped or len(got) >= cap - len(rows)
            rows.update((r["job_id"], r.get("bands") or ()) for r in got)
        if capped:
            counters.candidates_capped += 1
        live = set(values) - boilerplate
        ids = sorted(job_id for job_id, keys in rows.items() if job_id not in skip and not live.isdisjoint(keys))
        docs: list[dict[str, Any]] = []
        for start in range(0, len(ids), IDS_PER_QUERY):
            docs.extend(self._find({**board, "job_id": {"$in": ids[start:start + IDS_PER_QUERY]}},
                                   CANDIDATE_PROJECTION))
        return docs

    def _write_bands(self, views: list[View]) -> None:
        """Index the band keys of the postings whose features this batch computed: inserted for new postings,
        upserted for the others (idempotent)."""
        computed = [v for v in views if v.feats is not None]
        new = [self._bands_upsert(v) for v in computed if v.new]
        others = [self._bands_upsert(v) for v in computed if not v.new]
        if new:
            self.retry(lambda: insert_expected_new(self.bands, new))
        if others:
            self.retry(lambda: self.bands.bulk_write(others, ordered=False))

    @staticmethod
    def _bands_upsert(view: View) -> UpdateOne:
        return UpdateOne(key_only(view.key), {"$set": {"bands": index_keys(view.feats)}}, upsert=True)

    def _group_members(self, groups: set[tuple[str, str, str]]) -> list[dict[str, Any]]:
        by_board: dict[tuple[str, str], set[str]] = defaultdict(set)
        for ats, company, gid in groups:
            by_board[(ats, company)].add(gid)
        found: list[dict[str, Any]] = []
        for (ats, company), gids in sorted(by_board.items()):
            # status is checked here, not in the filter: an extra field makes SecantusDB scan the collection
            query = {"ats": ats, "company": company, "duplicate_group": {"$in": sorted(gids)}}
            found.extend(d for d in self._find(query, CANDIDATE_PROJECTION) if d.get("status") == "open")
        return found

    def _load_pool(self, views: list[View], counters: Counters, searching: list[View] | None = None) -> Pool:
        """The views, the stored candidates sharing a band key with `searching` (default: all of them) and
        the open members of every duplicate group among them."""
        pool = Pool(self.boilerplate)
        for doc in self._candidates(views if searching is None else searching, views, counters):
            pool.add(View.from_doc(doc))
            counters.candidates += 1
        for v in views:  # the batch's own, fresher, views win over stored copies
            pool.add(v)
        groups = {(k[0], k[1], v.duplicate_group) for k, v in pool.views.items() if v.duplicate_group}
        for doc in self._group_members(groups):
            pool.add(View.from_doc(doc), replace=False)
        return pool

    # --- a batch of crawled items -----------------------------------------------------------------------
    def process_batch(self, items: list[Any]) -> Counters:
        """Decide each item's outcome and set its dedup fields and `PostingState`; update other group
        members, write events. An open posting whose crawled content has the stored fingerprint takes the
        fast path: its dedup fields are copied from the stored document, no features are computed and it
        searches no candidates (it still takes part, with its stored keys, in matching the batch's others)."""
        now = self.now()
        counters = Counters()
        keys = [key_of(item) for item in items]
        stored = self._stored(keys, counters)
        self._fill_unmapped(items, keys, stored)
        events: list[dict[str, Any]] = []
        views: list[View] = []
        dirty: list[View] = []
        for item, key in zip(items, keys, strict=True):
            adapter = ItemAdapter(item)
            doc = stored.get(key)
            state = state_of(item)
            if state.dropped:
                continue
            state.stored, state.looked_up = doc, True
            # an unmapped item has the stored crawled fields: the stored fingerprint is its own
            state.fingerprint = doc.get("fingerprint") if state.unmapped and doc else fingerprint(item)
            adapter["fingerprint"] = state.fingerprint
            state.outcome = outcome_of(doc, state.fingerprint)
            if state.outcome == "unchanged" and self.fast_path:
                view = self._unchanged(adapter, doc, now)
                if view is not None:
                    state.fast = True
                    views.append(view)
                    continue
            feats = features(adapter)
            counters.features_computed += 1
            view = self._same_posting(adapter, key, doc, feats, now, events, counters)
            view.item = item
            views.append(view)
            if doc is None or doc.get("content_hash") != feats.content_hash or doc.get("status") == "closed" \
                    or stored_features(doc) is None:
                dirty.append(view)
        if dirty:
            pool = self._load_pool(views, counters, searching=dirty)
            for view in dirty:
                if view.new:
                    self._repost(view, pool, now, events, counters)
            for view in dirty:
                self._assign_group(view, pool)
            self._flush_group_changes(pool.views.values(), counters)
            self.dirty.update(v.key for v in dirty)
        for view in views:
            adapter = ItemAdapter(view.item)
            state = state_of(view.item)
            if view.group_changed or (state.fast and "raw_fingerprint" in adapter and adapter["raw_fingerprint"]
                                      != (state.stored or {}).get("raw_fingerprint")):
                # a posting of the batch joined or left a group (or its raw digest moved, e.g. new mapping
                # code giving the same fields): its stored copy is stale
                state.fast = False
            adapter["repost_count"] = view.repost_count
            adapter["earlier_postings"] = view.earlier_postings
            adapter["duplicate_group"] = view.duplicate_group
            adapter["duplicate_count"] = view.duplicate_count
            if view.duplicate_group:
                counters.grouped += 1
        self._complete([v.item for v in views if not state_of(v.item).fast and state_of(v.item).unmapped])
        # After matching, so the candidate search of this batch finds stored postings only (as before the keys moved).
        self._write_bands([v for v in views if not state_of(v.item).fast])
        self._write_events(events)
        return counters

    def _stored(self, keys: list[Key], counters: Counters) -> dict[Key, dict[str, Any]]:
        """The stored documents of `keys` (under `STORED_PROJECTION`): those read with their board, then one
        query per board for the others."""
        stored: dict[Key, dict[str, Any]] = {}
        for key in keys:
            doc = self.prefetched(key)
            if doc is not None:
                stored[key] = doc
                counters.prefetched += 1
        missing = [key for key in keys if key not in stored]
        if missing:
            stored.update((key_of(doc), doc) for doc in self._find_each(board_clauses(missing), STORED_PROJECTION))
        return stored

    def _fill_unmapped(self, items: list[Any], keys: list[Key], stored: dict[Key, dict[str, Any]]) -> None:
        """Give each unmapped item (the spider found its raw payload unchanged) the stored crawled fields; those
        that cannot stay on the fast path without their large text fields get them too (`_complete`). An
        unmapped item whose stored copy is gone or has another raw digest (changed by a concurrent crawl since
        the spider read it) cannot be rebuilt: `PostingState.dropped` says why."""
        incomplete = []
        for item, key in zip(items, keys, strict=True):
            state = state_of(item)
            if not state.unmapped:
                continue
            doc = stored.get(key)
            if doc is None or doc.get("raw_fingerprint") != item.get("raw_fingerprint"):
                state.dropped = "unmapped_stale"
                continue
            for name in CRAWLED_FIELDS:
                if name in doc:
                    item[name] = doc[name]
            if not (self.fast_path and doc.get("status") == "open" and doc.get("fingerprint")
                    and stored_features(doc) is not None and self.keep_unmapped(doc)):
                incomplete.append(item)
        self._complete(incomplete)

    def _complete(self, items: list[Any]) -> None:
        """Read the large text fields (left out of `STORED_PROJECTION`) of unmapped items that need their whole
        content (full path, rescoring): one query per board, then they are like mapped items."""
        if not items:
            return
        text_fields = [name for name in STORED_PROJECTION if name != "_id"]
        keys = [key_of(item) for item in items]
        docs = {key_of(d): d for d in self._find_each(board_clauses(keys), {
            "_id": 0, "ats": 1, "company": 1, "job_id": 1, **dict.fromkeys(text_fields, 1)})}
        for item, key in zip(items, keys, strict=True):
            for name in text_fields:
                item[name] = (docs.get(key) or {}).get(name)
            state_of(item).unmapped = False

    @staticmethod
    def _unchanged(adapter: ItemAdapter, doc: dict[str, Any], now: datetime) -> View | None:
        """The fast path: the stored dedup fields on the item, and the stored posting's view (None when the
        stored document lacks usable keys, which sends the posting down the full path)."""
        feats = stored_features(doc)
        if feats is None:
            return None
        for name in DEDUP_FIELDS:
            adapter[name] = doc.get(name)
        view = View.from_doc(doc, feats)
        view.last_seen, view.item = now, adapter.item
        return view

    def _same_posting(self, adapter: ItemAdapter, key: Key, doc: dict[str, Any] | None, feats: Features,
                      now: datetime, events: list[dict[str, Any]], counters: Counters) -> View:
        adapter["content_hash"] = feats.content_hash
        adapter["dedup"] = feats.as_subdocument()
        view = View(key=key, feats=feats, title=adapter.get("title"), posted_at=adapter.get("posted_at"),
                    requisition_id=adapter.get("requisition_id"), last_seen=now)
        if doc is None:
            view.new = True
            view.first_seen = now
            adapter["reopened_count"] = 0
            adapter["updated_seen_at"] = now
            adapter["repost_of"] = None
            events.append(make_event(key, "opened", now, self.crawl_id, details={"title": view.title}))
            counters.opened += 1
            return view
        view.first_seen = doc.get("first_seen")
        view.repost_count = int(doc.get("repost_count") or 0)
        view.earlier_postings = list(doc.get("earlier_postings") or [])
        view.duplicate_group = doc.get("duplicate_group")
        view.duplicate_count = int(doc.get("duplicate_count") or 0)
        adapter["repost_of"] = doc.get("repost_of")
        reopened = int(doc.get("reopened_count") or 0)
        if doc.get("status") == "closed":
            reopened += 1
            events.append(make_event(key, "reopened", now, self.crawl_id, (reopened,),
                                     {"reopened_count": reopened, "closed_at": doc.get("closed_at")}))
            counters.reopened += 1
        adapter["reopened_count"] = reopened
        previous = doc.get("content_hash")
        if previous and previous != feats.content_hash:
            adapter["updated_seen_at"] = now
            events.append(make_event(key, "changed", now, self.crawl_id, (previous, feats.content_hash),
                                     {"from_hash": previous, "to_hash": feats.content_hash,
                                      "title": view.title, "previous_title": doc.get("title")}))
            counters.changed += 1
        else:
            adapter["updated_seen_at"] = doc.get("updated_seen_at") or doc.get("first_seen") or now
        return view

    def _repost(self, view: View, pool: Pool, now: datetime, events: list[dict[str, Any]],
                counters: Counters) -> None:
        """A new posting matching an earlier one (closed, or first seen long enough ago) continues its chain."""
        best: View | None = None
        for other in pool.near(view):
            if other.new or other.first_seen is None or other.feats is None or view.feats is None:
                continue
            old_enough = other.status == "closed" or other.first_seen <= now - self.repost_min_age
            sibling = (other.status == "open" and view.requisition_id is not None
                       and other.requisition_id == view.requisition_id)
            if not old_enough or sibling or not same_role(view.feats, other.feats):
                continue
            if best is None or (other.first_seen, other.repost_count, other.key) > (best.first_seen, best.repost_count,
                                                                                   best.key):
                best = other
        if best is None:
            return
        view.repost_count = best.repost_count + 1
        view.earlier_postings = (best.earlier_postings + [best.summary()])[-MAX_EARLIER_POSTINGS:]
        repost_of = {"ats": best.key[0], "company": best.key[1], "job_id": best.key[2]}
        ItemAdapter(view.item)["repost_of"] = repost_of
        events.append(make_event(view.key, "reposted", now, self.crawl_id, (),
                                 {"repost_of": repost_of, "repost_count": view.repost_count}))
        counters.reposted += 1

    # --- duplicate groups ---------------------------------------------------------------------------------
    def _assign_group(self, view: View, pool: Pool) -> None:
        """Join the open near-identical postings of the company (and their groups) into one group."""
        if view.feats is None or view.status != "open":
            return
        neighbours = [o for o in pool.near(view)
                      if o.status == "open" and o.feats is not None
                      and not (view.requisition_id and o.requisition_id == view.requisition_id)
                      and near_identical(view.feats, o.feats)]
        ats, company, _ = view.key
        component: dict[Key, View] = {view.key: view}
        gids = {o.duplicate_group for o in neighbours if o.duplicate_group}
        for o in neighbours:
            component[o.key] = o
        for o in list(pool.views.values()):
            if o.status == "open" and o.duplicate_group in gids and o.key[:2] == (ats, company):
                component[o.key] = o
        roles = {m.role for m in component.values()}
        if len(roles) < 2:
            if view.duplicate_group:
                self.left_groups.add((ats, company, view.duplicate_group))
            self._set_group(view, None, 0)
            return
        gid = min(gids) if gids else group_id(ats, company, min(k[2] for k in component))
        if view.duplicate_group and view.duplicate_group != gid:
            self.left_groups.add((ats, company, view.duplicate_group))
        for member in component.values():
            self._set_group(member, gid, len(roles))

    @staticmethod
    def _set_group(view: View, gid: str | None, count: int) -> None:
        if (view.duplicate_group, view.duplicate_count) != (gid, count):
            view.duplicate_group, view.duplicate_count = gid, count
            view.group_changed = True

    def _flush_group_changes(self, views: Iterable[View], counters: Counters) -> None:
        """Stored postings (not in the batch) whose group changed get it with one bulk update."""
        ops = []
        for v in views:
            if v.group_changed and v.item is None:
                self.regrouped.add(v.key)
                self.forget(v.key)
                ops.append(UpdateOne(key_only(v.key), conditional_set(
                    {"duplicate_group": v.duplicate_group, "duplicate_count": v.duplicate_count},
                    {"$eq": ["$status", "open"]})))
                v.group_changed = False
        if ops:
            self._bulk(ops)
            counters.members_updated += len(ops)

    # --- after the crawl's writes ---------------------------------------------------------------------
    def recheck(self, keys: Iterable[Key], chunk: int = 500) -> Counters:
        """Recompute the groups of `keys` from the database alone, once every batch has been written.

        A batch cannot see postings another in-flight batch (or a concurrent crawl) has not written yet;
        rechecking after the writes makes the groups converge whatever the interleaving.
        """
        counters = Counters()
        pending = sorted(set(keys))
        for start in range(0, len(pending), chunk):
            part = pending[start:start + chunk]
            docs = [doc for sub in range(0, len(part), IDS_PER_QUERY)
                    for doc in self._find_each(board_clauses(part[sub:sub + IDS_PER_QUERY]), CANDIDATE_PROJECTION)]
            views = [View.from_doc(doc) for doc in docs if doc.get("status") == "open"]
            views = [v for v in views if v.feats is not None]
            if not views:
                continue
            pool = self._load_pool(views, counters)
            for view in views:
                self._assign_group(pool.views[view.key], pool)
            self._flush_group_changes(pool.views.values(), counters)
        return counters

    def recount(self, groups: Iterable[tuple[str, str, str]]) -> int:
        """Recount groups that lost members; a group left with fewer than two roles is dissolved."""
        groups = set(groups)
        if not groups:
            return 0
        members: dict[tuple[str, str, str], list[View]] = defaultdict(list)
        for doc in self._group_members(groups):
            view = View.from_doc(doc)
            members[(view.key[0], view.key[1], view.duplicate_group or "")].append(view)
        ops = []
        for group, views in members.items():
            roles = {v.role for v in views}
            gid, count = (group[2], len(roles)) if len(roles) >= 2 else (None, 0)
            for v in views:
                if (v.duplicate_group, v.duplicate_count) != (gid, count):
                    self.regrouped.add(v.key)
                    ops.append(UpdateOne(key_only(v.key), conditional_set(
                        {"duplicate_group": gid, "duplicate_count": count},
                        {"$eq": ["$duplicate_group", v.duplicate_group]})))
        if ops:
            self._bulk(ops)
        return len(ops)

    def close_missing(self, ats: str, company: str, seen_ids: set[str], started_at: datetime,
                      closed_at: datetime) -> int:
        """Close the board's open postings not listed in this (complete) crawl and not seen since it began."""
        query = {"ats": ats, "company": company, "status": "open"}  # index company_status, exactly
        gone = [d for d in self._find(query, {"_id": 0, "job_id": 1, "reopened_count": 1, "duplicate_group": 1,
                                              "last_seen": 1, "title": 1, "promotion": 1})
                if d["job_id"] not in seen_ids and d.get("last_seen") is not None and d["last_seen"] < started_at]
        if not gone:
            return 0
        ops, events = [], []
        for d in gone:
            key = (ats, company, d["job_id"])
            # conditional in the pipeline: a posting a concurrent crawl has just seen stays open
            ops.append(UpdateOne(key_only(key), conditional_set(
                {"status": "closed", "closed_at": closed_at, "duplicate_group": None, "duplicate_count": 0},
                {"$and": [{"$eq": ["$status", "open"]}, {"$lt": ["$last_seen", started_at]}]},
                unset=("promotion",) if d.get("promotion") is not None else ())))
            events.append(make_event(key, "closed", closed_at, self.crawl_id, (int(d.get("reopened_count") or 0),),
                                     {"last_seen": d.get("last_seen"), "title": d.get("title")}))
            if d.get("duplicate_group"):
                self.left_groups.add((ats, company, d["duplicate_group"]))
        self._bulk(ops)
        # Events only for postings this call (or a concurrent closer at the same instant) really closed.
        closed = {d["job_id"] for d in self._find(
            {"ats": ats, "company": company, "job_id": {"$in": [d["job_id"] for d in gone]}},
            {"_id": 0, "job_id": 1, "status": 1, "closed_at": 1})
            if d.get("status") == "closed" and d.get("closed_at") == closed_at}
        self._write_events([e for e in events if e["job_id"] in closed])
        search_ops = close_operations(ats, company, closed)  # their text-search documents follow (`job_search`)
        if search_ops:
            self.retry(lambda: self.db[SEARCH_COLLECTION].bulk_write(search_ops, ordered=False))
        # A closed posting's promotion ends with it (docs/promote.md); no query unless a promoted posting closed.
        promoted = [d["job_id"] for d in gone if d.get("promotion") is not None and d["job_id"] in closed]
        if promoted:
            self.retry(lambda: end_for_closed(self.db, ats, company, promoted, closed_at))
        return len(closed)
