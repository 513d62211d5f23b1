"""Careers-page discovery helpers: browser settings, URL collection in rendered pages, board finding,
JSON-LD JobPosting extraction, and the `discoveries` record."""
