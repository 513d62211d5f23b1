"""Web view of health-annotated postings (`crawlerats web`): job list, job, company and stats pages, read-only
but for the "Promote this listing" flow (docs/promote.md)."""

from crawlerats.web.app import create_app

__all__ = ["create_app"]
