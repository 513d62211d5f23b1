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
# --- Resource bounds per crawl (docs/reliability.md "Bounded resources") -----------------------------
#: Largest response body kept, after decompression (a gzip bomb stops here; Scrapy's default is 1 GiB).
#: The largest real ATS payloads (a Greenhouse board of thousands of postings with `content=true`) are tens
#: of MB; a board over the cap fails with its reason, the other boards are crawled.
DOWNLOAD_MAXSIZE = 64 * 1024 * 1024
DOWNLOAD_WARNSIZE = 16 * 1024 * 1024
#: Scrapy's memory monitor: the crawl stops (finish reason `memusage_exceeded`, nothing closed) over this RSS,
#: checked every MEMUSAGE_CHECK_INTERVAL_SECONDS. The true peak is recorded as `crawlerats/memory/peak_rss_mb`.
MEMUSAGE_ENABLED = True
MEMUSAGE_LIMIT_MB = 2048
MEMUSAGE_WARNING_MB = 1024
MEMUSAGE_CHECK_INTERVAL_SECONDS = 5.0
#: Whole-crawl time limit in seconds (finish reason `closespider_timeout`, nothing closed); 0 = none.
CLOSESPIDER_TIMEOUT = 6 * 3600
#: Finish reasons that make `scrapy crawl` exit 1 (README "Exit codes", crawlerats/commands/crawl.py): the crawl
#: stopped on a database failure, or a resource limit cut it short (memory, whole-crawl time, Scrapy's
#: CLOSESPIDER_ERRORCOUNT / _TIMEOUT_NO_ITEM / _PAGECOUNT_NO_ITEM watchdogs when set). Deliberate stops are not
#: failures: `shutdown` (SIGTERM, Scrapyd cancel) and the CLOSESPIDER_PAGECOUNT / _ITEMCOUNT budgets (a paused
#: JOBDIR crawl). Either way boards are `incomplete` and nothing is closed.
CRAWLERATS_FAILED_FINISH_REASONS = ["database_error", "memusage_exceeded", "closespider_timeout",
                                    "closespider_errorcount", "closespider_timeout_no_item",
                                    "closespider_pagecount_no_item"]
#: Pages read per board of a paged ATS; a page that brings no new posting id also ends the board. Either
#: way the board is `truncated` with the reason (crawlerats/spiders/paging.py).
CRAWLERATS_MAX_PAGES_PER_BOARD = 1000
#: A document over this many BSON bytes after the field caps is dropped before the database (`too_large`).
CRAWLERATS_MAX_DOCUMENT_BYTES = 4 * 1024 * 1024
#: Item log lines are one line (reason + posting key), and credentials are removed from every log line.
LOG_FORMATTER = "crawlerats.logformatter.OneLineLogFormatter"
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
    # Off (REMOTE_CONTROL_ENABLED / TELNETCONSOLE_ENABLED are False) and not even imported: the remote control
    # extension imports aiohttp's web server, the telnet console twisted.conch, at every crawl's start-up.
    "scrapy.extensions.remote_control.RemoteControl": None,
    "scrapy.extensions.telnet.TelnetConsole": None,
    "crawlerats.extensions.monitors.MonitorsExtension": 850,
    "crawlerats.extensions.crawl_record.CrawlRecordExtension": 860,
    "crawlerats.extensions.crawl_summary.CrawlSummaryExtension": 890,
    "crawlerats.extensions.stats_file.StatsFileExtension": 900,
}

# --- CrawlerATS -------------------------------------------------------------------------------------
#: MongoDB connection; unset = the embedded default server under CRAWLERATS_DATA_DIR.
MONGO_URI = os.environ.get("MONGO_URI") or None
MONGO_DATABASE = os.environ.get("MONGO_DATABASE", "crawlerats")
CRAWLERATS_DATA_DIR = os.environ.get("CRAWLERATS_DATA_DIR", ".crawlerats")
#: Where spiders run without `companies` get their boards (crawlerats/board_source.py): the `boards` registry.
CRAWLERATS_BOARD_SOURCE = "crawlerats.db.board_source.RegistryBoardSource"
#: Send every ATS request to this local mirror (http://127.0.0.1:PORT) instead of the internet.
CRAWLERATS_MIRROR = os.environ.get("CRAWLERATS_MIRROR") or None
#: Fix the crawl's notion of now (ISO-8601) for replays, backfills and tests.
CRAWLERATS_NOW = os.environ.get("CRAWLERATS_NOW") or None
#: Items written per bulk upsert, and how long a partial batch may wait.
CRAWLERATS_BATCH_SIZE = 500
CRAWLERATS_BATCH_DELAY = 0.1
#: Unchanged open postings (same crawled fingerprint) skip features, matching and scoring and only have
#: `last_seen` moved (docs/dedup.md "The fast path"); False = every posting takes the full path.
CRAWLERATS_FAST_PATH = True
#: Dedup on boilerplate (docs/dedup.md): an LSH band value carried by more than this many postings of one board
#: is a shared template text and is ignored for candidate search; at most this many candidate postings are
#: read per board per batch (stats crawlerats/dedup/boilerplate_bands and candidates_capped).
CRAWLERATS_DEDUP_BOILERPLATE_BAND_MAX = 50
CRAWLERATS_DEDUP_CANDIDATES_PER_BATCH = 5000
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

# --- Web view under load (crawlerats/web/protect.py, docs/operations.md) -----------------------------
#: Host names `crawlerats web` answers to (comma-separated); others get 400. Add your public name(s).
CRAWLERATS_WEB_ALLOWED_HOSTS = os.environ.get("CRAWLERATS_WEB_ALLOWED_HOSTS", "localhost,127.0.0.1,::1,testserver")
#: Time limit of a request's database work (an export's: EXPORT); over it the visitor gets 503.
CRAWLERATS_WEB_QUERY_SECONDS = 10.0
CRAWLERATS_WEB_EXPORT_SECONDS = 60.0
#: Expensive requests (search all, text filters, CSV) running at once, and per client IP ("N/minute").
CRAWLERATS_WEB_EXPENSIVE_CONCURRENCY = 2
CRAWLERATS_WEB_EXPENSIVE_RATE = "20/minute"

# --- Promote flow (crawlerats/promote/, docs/promote.md) ---------------------------------------------
#: Signs the promote links and forms (at least 32 characters); unset = generated once into
#: CRAWLERATS_DATA_DIR/secret_key with mode 0600. Every web process of one site needs the same key.
CRAWLERATS_SECRET_KEY = os.environ.get("CRAWLERATS_SECRET_KEY") or None
#: smtp://user:pass@host:587 (STARTTLS) or smtps://user:pass@host:465 (implicit TLS), `?cafile=` for a private
#: CA; unset = the confirmation link is written to the `crawlerats web` log ("mail not configured").
CRAWLERATS_SMTP_URL = os.environ.get("CRAWLERATS_SMTP_URL") or None
CRAWLERATS_MAIL_FROM = os.environ.get("CRAWLERATS_MAIL_FROM") or "CrawlerATS <noreply@localhost>"
#: Base of the links put in mails (e.g. https://jobs.example.org); unset = the origin the request came to.
CRAWLERATS_PUBLIC_URL = os.environ.get("CRAWLERATS_PUBLIC_URL") or None
#: Rate-limit overrides, e.g. "ip=5/hour;confirm_ip=20/hour;email=3/day;posting=10/day" (those are the defaults).
CRAWLERATS_PROMOTE_LIMITS = os.environ.get("CRAWLERATS_PROMOTE_LIMITS") or None
