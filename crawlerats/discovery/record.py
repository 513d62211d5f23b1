"""The outcome of discovering one start URL: boards registered (via crawlerats.registry) and one
`discoveries` document per start URL (found boards, pages visited, reason when none)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from pymongo.database import Database

from crawlerats.discovery.find import FoundBoard


@dataclass
class Discovery:
    """State of one start URL while its pages render."""

    url: str
    pages: list[str] = field(default_factory=list)
    boards: dict[tuple[str, str], FoundBoard] = field(default_factory=dict)
    candidates: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    no_careers_link: bool = False
    #: Popup windows the rendered pages opened (closed at once; they count against the page budget).
    popups: int = 0
    links_not_followed: int = 0
    done: bool = False

    def add(self, found: list[FoundBoard]) -> None:
        for entry in found:
            known = self.boards.get(entry.board.key)
            if known is None:
                self.boards[entry.board.key] = entry
            else:
                known.via += [v for v in entry.via if v not in known.via]

    @property
    def status(self) -> str:
        if self.boards:
            return "found"
        return "failed" if self.errors and not self.pages else "none"

    def reason(self, unfinished: str | None = None) -> str | None:
        """Why no board was found (None when some were)."""
        if self.boards:
            return None
        if unfinished:
            return f"crawl ended before discovery finished ({unfinished})"
        parts: list[str] = []
        if self.pages:
            parts.append(f"no ATS board in links, iframes, scripts or network requests of {len(self.pages)} "
                         f"rendered page(s)")
        if self.no_careers_link:
            parts.append("no careers/jobs link to follow")
        elif self.links_not_followed:
            parts.append("more careers/jobs links than CRAWLERATS_DISCOVER_MAX_PAGES allows to render")
        parts += self.errors
        return "; ".join(parts) or "nothing rendered"


def save_discovery(db: Database, state: Discovery, *, at: datetime, crawl_id: str,
                   unfinished: str | None = None) -> int:
    """Register the found boards (source "discover", found_on = their page) and upsert the discovery
    document; returns the number of boards newly registered."""
    from crawlerats.registry import add_boards

    added = 0
    by_page: dict[str, list[Any]] = {}
    for entry in state.boards.values():
        by_page.setdefault(entry.found_on, []).append(entry.board)
    for page, boards in by_page.items():
        added += add_boards(db, boards, source="discover", found_on=page, now=at)
    db["discoveries"].update_one(
        {"url": state.url},
        {"$set": {
            "url": state.url,
            "status": "failed" if unfinished and not state.boards else state.status,
            "boards": [entry.as_doc() for entry in state.boards.values()],
            "pages": state.pages,
            "errors": state.errors,
            "popups_closed": state.popups,
            "reason": state.reason(unfinished),
            "at": at,
            "crawl_id": crawl_id,
        }, "$setOnInsert": {"first_at": at}},
        upsert=True,
    )
    return added
