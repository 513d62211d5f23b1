"""Once per database: store the annualised salary (`salary.annual_min` / `salary.annual_max`, docs/schema.md) on
postings stored before the validation stage wrote it, so the web's salary index covers every posting.

`ensure_indexes` calls it when the `web_salary_annual` index is missing, before creating it: an interrupted
backfill runs again at the next connection. Postings a crawl writes carry the fields already; each update is
conditional on the salary read (a crawl that rewrote it meanwhile wins).
"""

from __future__ import annotations

import logging
from typing import Any

from pymongo import UpdateOne
from pymongo.database import Database

from crawlerats.normalize.salary import ANNUAL_KEYS, annualised

logger = logging.getLogger(__name__)

#: The index on the stored annual salary (crawlerats/db/indexes.py `WEB`).
SALARY_INDEX = "web_salary_annual"


def backfill_annual_salary(db: Database, batch: int = 1000) -> int:
    """Add the annual amounts to every stored salary lacking them (or holding stale ones); returns how many."""
    ops: list[UpdateOne] = []
    written = 0
    for doc in db["jobs"].find({"salary": {"$type": "object"}}, {"salary": 1}, batch_size=batch):
        salary: dict[str, Any] = doc["salary"]
        derived = annualised(salary)
        if all(key in salary and salary[key] == derived[key] for key in ANNUAL_KEYS):
            continue
        ops.append(UpdateOne({"_id": doc["_id"], "salary": salary},
                             {"$set": {f"salary.{key}": derived[key] for key in ANNUAL_KEYS}}))
        if len(ops) >= batch:
            written += db["jobs"].bulk_write(ops, ordered=False).modified_count
            ops.clear()
    if ops:
        written += db["jobs"].bulk_write(ops, ordered=False).modified_count
    if written:
        logger.info("Stored the annualised salary of %d postings", written)
    return written
