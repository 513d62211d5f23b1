"""Test support: a real SecantusDB server, a local ATS fixture server, and a `scrapy crawl` runner."""
