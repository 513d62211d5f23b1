"""Scrapy extensions: stats file, crawl records, monitors."""
