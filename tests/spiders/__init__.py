"""Spider tests: real `scrapy crawl` runs against the local ATS fixture server."""
