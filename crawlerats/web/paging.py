"""Deep pages of the "newest" list without reading the rows they skip.

SecantusDB skips by decoding, so `?page=40` used to read the ~1,000 postings before it. For the "newest" order
under equality filters only (status, ATS, risk, workplace, employment type: the facet keys), a cached index of
every posting's posted-or-seen date per facet combination (`DateIndex`, refreshed like the facet counts) says
where the page starts: the postings dated after its first row are counted, not read, and the list reads one
posted-date band that holds the page, then the usual bands below it if the page is not full yet.

The count is as fresh as the cache (`cache_seconds`): while a crawl adds or changes postings, a deep page can
shift by the postings changed since the last count, as the cached totals do. Active promotions, read first as
always, are taken out of the count.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

#: Below this many skipped rows a page reads its rows as before (no cached index needed).
MIN_SKIP = 50


@dataclass
class DateIndex:
    """Posted-or-seen dates (ascending) of the postings of each facet combination (`keys` names the fields)."""

    keys: tuple[str, ...]
    dates: dict[tuple, list[datetime]]
    _merged: dict[tuple, list[datetime]] = field(default_factory=dict)

    def matching(self, flt: Mapping[str, Any]) -> list[datetime]:
        """The dates of the postings matching equality filters on `keys`, ascending (memoised)."""
        memo = tuple(sorted(flt.items()))
        found = self._merged.get(memo)
        if found is None:
            found = sorted(d for key, dates in self.dates.items()
                           if all(flt.get(k) is None or flt[k] == key[i] for i, k in enumerate(self.keys))
                           for d in dates)
            self._merged[memo] = found
        return found


def build_date_index(keys: tuple[str, ...], rows: Iterable[tuple[tuple, datetime | None]]) -> DateIndex:
    """The index from (facet values, posted-or-seen date) pairs; undated postings are left out (they come last)."""
    dates: dict[tuple, list[datetime]] = {}
    for key, moment in rows:
        if moment is not None:
            dates.setdefault(key, []).append(moment)
    for values in dates.values():
        values.sort()
    return DateIndex(keys, dates)


@dataclass(frozen=True)
class Window:
    """Where a deep page starts: `skipped` postings dated at or after `start` are counted, not read; the page is
    read from the band [`low`, `start`) down."""

    skipped: int
    start: datetime
    low: datetime


def deep_window(dates: list[datetime], promoted: Iterable[datetime], target: int, per_page: int) -> Window | None:
    """The window for a page whose first row is the `target`-th (0-based) of the non-promoted postings, given
    the ascending `dates` of every matching posting (promoted ones included) and the promoted ones' dates;
    None when the page is shallow or past the dated postings."""
    rest = list(dates)
    for moment in promoted:
        at = bisect_right(rest, moment) - 1
        if at >= 0 and rest[at] == moment:
            del rest[at]
    if target < MIN_SKIP or target >= len(rest):
        return None
    first = rest[len(rest) - 1 - target]  # the page's first row (newest first)
    skipped = len(rest) - bisect_right(rest, first)  # strictly newer: all before the page
    low = rest[max(0, len(rest) - 1 - (target + per_page + 1))]
    return Window(skipped, first + timedelta(milliseconds=1), low)  # dates are stored to the millisecond

