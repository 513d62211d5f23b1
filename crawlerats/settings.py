"""Scrapy settings for CrawlerATS. Every value can be overridden with `-s NAME=VALUE` or Scrapyd's `setting=`."""

from __future__ import annotations

import os

from crawlerats import __version__

BOT_NAME = "crawlerats"
SPIDER_MODULES = ["crawlerats.spiders"]
NEWSPIDER_MODULE = "crawlerats.spiders"
#: Project commands: `crawl` exits 1 when the crawl stopped on an error (crawlerats/commands/crawl.py).
COMMANDS_MODULE = "crawlerats.commands"

# --- Scrapy 2.19 idioms -------------------------------------------------------------------------
TWISTED_REACTOR = "twisted.internet.asyncioreactor.AsyncioSelectorReactor"
REMOTE_CONTROL_ENABLED = False
TELNETCONSOLE_ENABLED = False
REQUEST_FINGERPRINTER_IMPLEMENTATION = "2.7"
FEED_EXPORT_ENCODING = "utf-8"
LOG_LEVEL = os.environ.get("CRAWLERATS_LOG_LEVEL", "INFO")

# --- Politeness -----------------------------------------------------------------------------------
#: Where ATS operators can reach us; part of the User-Agent.
CRAWLERATS_CONTACT_URL = os.environ.get("CRAWLERATS_CONTACT_URL", "https://github.com/crawlerats/crawlerats")
USER_AGENT = f"CrawlerATS/{__version__} (+{CRAWLERATS_CONTACT_URL})"
# ATS job-board APIs are public and meant to be read by machines; robots.txt of API hosts is not
# about them (Lever states published postings may be scraped). One request returns a whole board.
ROBOTSTXT_OBEY = False
CONCURRENT_REQUESTS = 32
# All boards of one ATS share its API host (boards-api.greenhouse.io, api.lever.co ...): limiting
# per domain limits per ATS host, whatever the number of boards.
CONCURRENT_REQUESTS_PER_DOMAIN = 8
DOWNLOAD_DELAY = 0
DOWNLOAD_TIMEOUT = 30
AUTOTHROTTLE_ENABLED = True
AUTOTHROTTLE_START_DELAY = 0.25
AUTOTHROTTLE_MAX_DELAY = 30
AUTOTHROTTLE_TARGET_CONCURRENCY = 4.0
RETRY_ENABLED = True
RETRY_TIMES = 3
RETRY_HTTP_CODES = [429, 500, 502, 503, 504, 522, 524, 408]
COOKIES_ENABLED = False
#: Exponential backoff base before the n-th retry (base * 2**(n-1) s), and the cap on any wait,
#: including a server's Retry-After (see crawlerats/middlewares/retry.py).
CRAWLERATS_RETRY_BACKOFF = 1.0
CRAWLERATS_RETRY_MAX_WAIT = 60.0
CONCURRENT_ITEMS = 200
DEFAULT_REQUEST_HEADERS = {"Accept": "application/json, application/xml;q=0.9, */*;q=0.5"}

# --- Middlewares, pipelines, extensions -------------------------------------------------------------
DOWNLOADER_MIDDLEWARES = {
    # After retry (550) and redirect (600) in process_request order, so retries are rewritten too.
    "crawlerats.mirror.MirrorMiddleware": 950,
    # Retry with backoff and per-host Retry-After (replaces Scrapy's RetryMiddleware at the same place).
    "scrapy.downloadermiddlewares.retry.RetryMiddleware": None,
    "crawlerats.middlewares.retry.BackoffRetryMiddleware": 550,
}
ITEM_PIPELINES = {
    "crawlerats.pipelines.validate.ValidatePipeline": 100,
    "crawlerats.pipelines.dedup.DedupPipeline": 300,
    "crawlerats.pipelines.scoring.ScoringPipeline": 500,
    "crawlerats.pipelines.mongo.MongoWriterPipeline": 800,
}
EXTENSIONS = {
    "crawlerats.extensions.monitors.MonitorsExtension": 850,
    "crawlerats.extensions.crawl_record.CrawlRecordExtension": 860,
    "crawlerats.extensions.stats_file.StatsFileExtension": 900,
}

# --- CrawlerATS -------------------------------------------------------------------------------------
#: MongoDB connection; unset = the embedded default server under CRAWLERATS_DATA_DIR.
MONGO_URI = os.environ.get("MONGO_URI") or None
MONGO_DATABASE = os.environ.get("MONGO_DATABASE", "crawlerats")
CRAWLERATS_DATA_DIR = os.environ.get("CRAWLERATS_DATA_DIR", ".crawlerats")
#: Send every ATS request to this local mirror (http://127.0.0.1:PORT) instead of the internet.
CRAWLERATS_MIRROR = os.environ.get("CRAWLERATS_MIRROR") or None
#: Fix the crawl's notion of now (ISO-8601) for replays, backfills and tests.
CRAWLERATS_NOW = os.environ.get("CRAWLERATS_NOW") or None
#: Items written per bulk upsert, and how long a partial batch may wait.
CRAWLERATS_BATCH_SIZE = 500
CRAWLERATS_BATCH_DELAY = 0.1
#: Health scoring overrides, deep-merged into crawlerats.scoring.config.DEFAULT_CONFIG (a dict, or JSON
#: with -s CRAWLERATS_SCORING='{"bands": {"low": 30}}'); any change gives a new health.version.
CRAWLERATS_SCORING: dict = {}
#: Write the crawl's final stats as JSON to this path (tests, scripts).
CRAWLERATS_STATS_FILE = None

# --- Operations (docs/operations.md) ------------------------------------------------------------------
#: One `crawls` document per run and board outcomes in the `boards` registry.
CRAWLERATS_CRAWL_RECORDS = True
#: Node name stored in crawl records; `crawlerats schedule` sets it to the Scrapyd node's name.
CRAWLERATS_NODE = None
#: Spidermon close monitors (crawlerats/extensions/monitor_suite.py); failures are logged and recorded.
CRAWLERATS_MONITORS_ENABLED = True
CRAWLERATS_MONITOR_MIN_ITEMS = 1
CRAWLERATS_MONITOR_MAX_ERRORS = 0
CRAWLERATS_MONITOR_FINISH_REASONS = ["finished"]
CRAWLERATS_MONITOR_MAX_FAILED_BOARDS = 0
CRAWLERATS_MONITOR_MAX_TRUNCATED_BOARDS = 0
#: Minimum share of items carrying each field (from crawlerats/field/<name>/missing over .../checked).
CRAWLERATS_MONITOR_FIELD_COVERAGE = {
    "title": 1.0, "location": 0.8, "posted_at": 0.5, "description_text": 0.8, "salary": 0.0,
}
