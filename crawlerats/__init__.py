"""CrawlerATS: crawls public ATS job boards into MongoDB and scores posting health."""

__version__ = "0.1.0"
