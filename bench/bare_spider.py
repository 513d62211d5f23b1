"""Baseline for bench/crawl.py: a bare Scrapy spider that fetches the same Lever URLs and yields raw JSON.

Same download settings as the project, no normalisation, no pipelines, no database.
"""

from __future__ import annotations

import json
import os
from collections.abc import AsyncIterator
from typing import Any

import scrapy

from crawlerats import settings as project


class BareLeverSpider(scrapy.Spider):
    name = "bare_lever"
    custom_settings = {
        "TWISTED_REACTOR": project.TWISTED_REACTOR,
        "REMOTE_CONTROL_ENABLED": False,
        "TELNETCONSOLE_ENABLED": False,
        "ROBOTSTXT_OBEY": False,
        "COOKIES_ENABLED": False,
        "CONCURRENT_REQUESTS": project.CONCURRENT_REQUESTS,
        "CONCURRENT_REQUESTS_PER_DOMAIN": project.CONCURRENT_REQUESTS_PER_DOMAIN,
        "AUTOTHROTTLE_ENABLED": project.AUTOTHROTTLE_ENABLED,
        "AUTOTHROTTLE_START_DELAY": project.AUTOTHROTTLE_START_DELAY,
        "AUTOTHROTTLE_TARGET_CONCURRENCY": project.AUTOTHROTTLE_TARGET_CONCURRENCY,
        "DOWNLOAD_DELAY": 0,
        "LOG_LEVEL": "INFO",
        "EXTENSIONS": {"crawlerats.extensions.stats_file.StatsFileExtension": 900},
        "CRAWLERATS_STATS_FILE": os.environ.get("BENCH_STATS_FILE"),
    }

    async def start(self) -> AsyncIterator[Any]:
        mirror = os.environ["BENCH_MIRROR"]
        for site in os.environ["BENCH_BOARDS"].split(","):
            url = f"{mirror}/api.lever.co/v0/postings/{site}?mode=json&skip=0&limit=100"
            yield scrapy.Request(url, callback=self.parse_page, dont_filter=True)

    def parse_page(self, response: scrapy.http.Response) -> Any:
        yield from json.loads(response.body)
