"""Read-only web view of health-annotated postings (`crawlerats web`): job list, job, company and stats pages."""

from crawlerats.web.app import create_app

__all__ = ["create_app"]
