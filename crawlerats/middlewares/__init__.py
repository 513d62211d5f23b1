"""CrawlerATS downloader middlewares (retry with backoff and per-host Retry-After)."""
