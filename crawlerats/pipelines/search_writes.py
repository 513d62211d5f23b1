"""The writer's share of text search: the `job_search` documents of the postings a batch writes
(crawlerats/db/search_index.py), written before the postings themselves.

Only new postings and those whose title, company name, location, posted date or status changed get one; unchanged
postings (the fast path, or an upsert that changes other fields) write nothing here. Writing first means a
failed batch leaves at most a search document ahead of its posting (the web always checks the posting itself),
and the next crawl, which sees the posting as new or changed again, writes it again.
"""

from __future__ import annotations

from typing import Any

from bson import ObjectId
from itemadapter import ItemAdapter
from pymongo import InsertOne, UpdateOne

from crawlerats.db.search_index import search_changed, search_update
from crawlerats.items import state_of


def search_operations(pending: list[tuple[Any, InsertOne | UpdateOne]], seen_at: Any
                      ) -> tuple[list[UpdateOne], list[UpdateOne]]:
    """The search-document upserts of the (item, write operation) pairs about to be written, as `(new, others)`:
    a new posting's to be inserted (crawlerats.db.updates `insert_expected_new`), the others' upserted. An insert
    of a posting gets its `_id` here (as pymongo would at the write) so that the search document can name the
    posting by it."""
    new, others = [], []
    for item, operation in pending:
        adapter = ItemAdapter(item)
        stored = state_of(item).stored
        if not search_changed(adapter, stored):
            continue
        job = operation._doc.setdefault("_id", ObjectId()) if isinstance(operation, InsertOne) else None
        (new if stored is None else others).append(
            search_update(adapter, (stored or {}).get("first_seen") or seen_at, job))
    return new, others
