"""Project Scrapy commands (COMMANDS_MODULE): `crawl` with an exit code that reports a failed crawl."""
