"""Update shapes that stay index-served on SecantusDB (and mean the same on mongod).

SecantusDB plans a filter with any field beyond one index's own fields as a scan of that index or of the
collection, so updates filter on a unique key alone and put their conditions into an update pipeline.
"""

from __future__ import annotations

from typing import Any


def key_only(key: tuple[str, str, str]) -> dict[str, str]:
    """The filter on the unique posting key (ats, company, job_id) alone."""
    return {"ats": key[0], "company": key[1], "job_id": key[2]}


def conditional_set(values: dict[str, Any], when: dict[str, Any]) -> list[dict[str, Any]]:
    """Update pipeline setting `values` only on documents where the aggregation expression `when` holds."""
    return [{"$set": {field: {"$cond": [when, {"$literal": value}, f"${field}"]} for field, value in values.items()}}]
