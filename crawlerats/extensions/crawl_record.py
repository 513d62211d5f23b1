"""One document per crawl in `crawls`, and each board's outcome in the `boards` registry.

At `spider_opened` the record is inserted with `status: "running"` (so a crawl killed mid-way leaves a
trace); at `spider_closed` it is replaced by the full record: spider, args, shard, Scrapyd job id and node,
start/finish, finish reason, board counts (and the boards that were not ok, with reasons), items stored and
dropped by reason, key stats (with the true peak RSS) and the monitor results (`crawlerats.extensions.monitors.run_monitors`).
Board outcomes go to `crawlerats.registry.record_outcomes`. A database failure here is logged, never
raised: the crawl's own data is already written. Credentials in any URI are removed (crawlerats/redact.py). `CRAWLERATS_CRAWL_RECORDS = False` turns it off.
"""

from __future__ import annotations

import asyncio
import logging
import os
import resource
import socket
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pymongo.errors import PyMongoError
from scrapy import signals
from scrapy.crawler import Crawler
from scrapy.exceptions import NotConfigured

import crawlerats
from crawlerats import __version__
from crawlerats.clock import now as clock_now
from crawlerats.db.connection import DatabaseUnavailable
from crawlerats.db.crawl import crawl_connection
from crawlerats.extensions.monitor_suite import board_counts
from crawlerats.extensions.monitors import run_monitors
from crawlerats.redact import redact
from crawlerats.registry import record_outcomes

logger = logging.getLogger(__name__)

#: Stats copied into the record: exact names, and prefixes ending in "/".
KEY_STATS = (
    "crawlerats/", "downloader/request_count", "downloader/response_count", "downloader/response_status_count/",
    "downloader/exception_count", "downloader/exception_type_count/", "retry/", "log_count/",
    "item_scraped_count", "item_dropped_count", "item_dropped_reasons_count/", "response_received_count",
    "elapsed_time_seconds", "memusage/max", "httperror/",
)
_DROPPED = "crawlerats/dropped/"


def key_stats(stats: dict[str, Any]) -> dict[str, Any]:
    """The stats worth keeping, with keys safe as MongoDB field names (no '.', no leading '$')."""
    kept = {}
    for name, value in stats.items():
        if any(name == k or (k.endswith("/") and name.startswith(k)) for k in KEY_STATS):
            kept[name.replace(".", "_").lstrip("$")] = value
    return kept


def spider_args(spider: Any) -> dict[str, Any]:
    """The spider's arguments as given (typed args model, else public string attributes set from -a)."""
    model = getattr(spider, "args", None)
    if model is not None and hasattr(model, "model_dump"):
        return {k: v for k, v in model.model_dump().items() if v is not None}
    return {}


def scrapyd_job(spider: Any) -> str | None:
    """Scrapyd passes the job id as the `_job` spider argument (older Scrapyd also set SCRAPY_JOB)."""
    return getattr(spider, "_job", None) or os.environ.get("SCRAPY_JOB") or None


def node_name(crawler: Crawler, job: str | None) -> str | None:
    """CRAWLERATS_NODE (set by `crawlerats schedule`), else this host's name when run by Scrapyd."""
    configured = crawler.settings.get("CRAWLERATS_NODE")
    if configured:
        return str(configured)
    return socket.gethostname() if job else None


def build_record(crawler: Crawler, spider: Any, reason: str | None, started_at: datetime | None,
                 finished_at: datetime | None, monitors: dict[str, Any] | None) -> dict[str, Any]:
    """The `crawls` document (docs/operations.md "Crawl records")."""
    stats = crawler.stats.get_stats() if crawler.stats else {}
    job = scrapyd_job(spider)
    args = spider_args(spider)
    outcomes = list((getattr(spider, "outcomes", None) or {}).values())
    problems = [
        {"ats": o.board.ats, "company": o.board.company, "outcome": o.outcome(reason), "reason": o.reason,
         "items": o.items}
        for o in outcomes if o.outcome(reason) != "ok"
    ]
    return redact({
        "_id": crawl_id_of(spider),
        "spider": getattr(spider, "name", None),
        "args": args,
        "shard": args.get("shard"),
        "scrapyd_job": job,
        "scrapyd_project": os.environ.get("SCRAPY_PROJECT") if job else None,
        "egg_version": os.environ.get("SCRAPYD_EGG_VERSION") if job else None,
        "node": node_name(crawler, job),
        "log_file": crawler.settings.get("LOG_FILE"),
        "version": __version__,
        # Where the running code came from: a Scrapyd egg (".../eggs/crawlerats/<version>.egg") or a checkout.
        "code": str(Path(crawlerats.__file__).parent),
        "status": "running" if finished_at is None else "finished",
        "started_at": started_at,
        "finished_at": finished_at,
        "finish_reason": reason,
        "boards": {**board_counts(spider, reason), "total": len(outcomes), "problems": problems},
        "items": {
            "stored": stats.get("crawlerats/items/stored", 0),
            "emitted": stats.get("crawlerats/items/emitted", 0),
            "dropped": {k[len(_DROPPED):]: v for k, v in stats.items() if k.startswith(_DROPPED)},
        },
        "stats": key_stats(stats),
        "monitors": monitors,
    })


def peak_rss_bytes() -> int:
    """This process's peak RSS: `VmHWM` (Linux; counts only this program, from its exec on), else `ru_maxrss`,
    which on Linux also carries the RSS of the parent process at fork time."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # KiB on Linux


def record_peak_memory(crawler: Crawler) -> None:
    """The true peak RSS as `crawlerats/memory/peak_rss_mb` (MiB): Scrapy's `memusage/max` is sampled every
    MEMUSAGE_CHECK_INTERVAL_SECONDS (it missed short peaks) and read from `ru_maxrss`."""
    crawler.stats.set_value("crawlerats/memory/peak_rss_mb", round(peak_rss_bytes() / 2**20, 1))


def crawl_id_of(spider: Any) -> str:
    return str(getattr(spider, "crawl_id", None) or scrapyd_job(spider) or f"{spider.name}-{id(spider):x}")


class CrawlRecordExtension:
    def __init__(self, crawler: Crawler) -> None:
        self.crawler = crawler
        self.started_at: datetime | None = None

    @classmethod
    def from_crawler(cls, crawler: Crawler) -> CrawlRecordExtension:
        if not crawler.settings.getbool("CRAWLERATS_CRAWL_RECORDS", True):
            raise NotConfigured("CRAWLERATS_CRAWL_RECORDS is off")
        ext = cls(crawler)
        crawler.signals.connect(ext.spider_opened, signal=signals.spider_opened)
        crawler.signals.connect(ext.spider_closed, signal=signals.spider_closed)
        return ext

    async def spider_opened(self, spider: Any) -> None:
        self.started_at = datetime.now(UTC)
        record = build_record(self.crawler, spider, None, self.started_at, None, None)
        await self._write("start", lambda db: db["crawls"].replace_one({"_id": record["_id"]}, record, upsert=True))

    async def spider_closed(self, spider: Any, reason: str) -> None:
        record_peak_memory(self.crawler)
        monitors = run_monitors(self.crawler, spider, reason)
        record = build_record(self.crawler, spider, reason, self.started_at, datetime.now(UTC), monitors)
        outcomes = [
            {"ats": o.board.ats, "company": o.board.company, "outcome": o.outcome(reason), "items": o.items,
             "reason": o.reason}
            for o in (getattr(spider, "outcomes", None) or {}).values()
        ]
        at = clock_now(self.crawler.settings)

        def write(db: Any) -> None:
            db["crawls"].replace_one({"_id": record["_id"]}, record, upsert=True)
            record_outcomes(db, outcomes, record["_id"], at)

        await self._write("finish", write)
        logger.info("Crawl record %s: %s, boards %s, items stored %s, monitors %s", record["_id"], reason,
                    {k: v for k, v in record["boards"].items() if k not in ("problems", "total")},
                    record["items"]["stored"],
                    "off" if monitors is None else ("passed" if monitors["passed"] else "FAILED"))

    async def _write(self, what: str, operation: Any) -> None:
        try:
            conn = await crawl_connection(self.crawler)
            await asyncio.to_thread(operation, conn.db)
        except (PyMongoError, DatabaseUnavailable) as exc:
            self.crawler.stats.inc_value("crawlerats/crawl_record/errors")
            logger.error("Could not write the crawl record (%s): %s: %s", what, type(exc).__name__, exc)
