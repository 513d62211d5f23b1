"""Deep pages of the job list without reading the rows they skip.

SecantusDB skips by decoding, so `?page=40` used to read the ~1,000 postings before it. A deep page starts
where cached counts say its first row is (`DeepStart`): the rows before it are counted, not read.

- "newest", under equality filters only (status, ATS, risk, workplace, employment type: the facet keys): a
  cached index of every posting's posted-or-seen date per facet combination and ghost score (`DateIndex`,
  refreshed like the facet counts) says where the page starts: the postings dated after its first row are
  counted, and the list reads one posted-date band that holds the page, then the usual bands below it. A
  shallow page (page 1, 2) likewise reads a first band cut to hold it (`top_window`), instead of the fixed
  first band of two days, which on a busy board holds many times a page.
- "ghost" / "low", under status and risk filters only: the cached postings-per-score counts give the score
  of the page's first row; the better scores are counted, and when that score is crowded (read in posted-date
  sub-bands) the date index of that one score places the page inside it, as for "newest".
- "salary", under the status and salary filters only: the cached salary histogram gives the amount of the
  page's first row; the better-paid postings are counted and the bands start below them.
- "newest" under a location filter (with status and "posted within" only): the same date index holds the
  dates per status and case-folded location (`DateIndex.at_place`), so the text search (crawlerats/web/search.py)
  counts the postings before the page and reads one band of search documents that holds it; the same dates give
  the list its total.

The count is as fresh as the cache (`cache_seconds`): while a crawl adds or changes postings, a deep page can
shift by the postings changed since the last count, as the cached totals do. Active promotions, read first as
always, are taken out of the count.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

#: Below this many skipped rows a page reads its rows from the top (the first band sized by `top_window`).
MIN_SKIP = 50
#: Later than any stored date: the upper end of a window that starts at the top of the list.
TOP = datetime(9999, 12, 31, tzinfo=UTC)


@dataclass
class DateIndex:
    """Posted-or-seen dates (ascending) of the postings of each combination of the `keys` fields' values."""

    keys: tuple[str, ...]
    dates: dict[tuple, list[datetime]]
    #: The same dates per (status, case-folded location) (`at_place`).
    places: dict[tuple[Any, str], list[datetime]] = field(default_factory=dict)
    #: Postings without any date per (status, case-folded location) (they come last in the list).
    undated_places: dict[tuple[Any, str], int] = field(default_factory=dict)
    _merged: dict[tuple, list[datetime]] = field(default_factory=dict)
    _at_place: dict[tuple[str, str], tuple[list[datetime], int]] = field(default_factory=dict)
    _at_place_dates: int = 0

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

    def at_place(self, text: str, status: str) -> tuple[list[datetime], int]:
        """(ascending dates, undated count) of the postings of `status` ("any": every status) whose case-folded
        location contains the case-folded `text`: the list's location filter (memoised, within `PLACE_MEMO_DATES`)."""
        memo = (text, status)
        found = self._at_place.get(memo)
        if found is None:
            keys = [key for key in self.places.keys() | self.undated_places.keys()
                    if (status == "any" or key[0] == status) and text in key[1]]
            found = (sorted(d for key in keys for d in self.places.get(key, ())),
                     sum(self.undated_places.get(key, 0) for key in keys))
            if self._at_place_dates + len(found[0]) > PLACE_MEMO_DATES:
                self._at_place.clear()
                self._at_place_dates = 0
            self._at_place[memo] = found
            self._at_place_dates += len(found[0])
        return found


#: Dates `DateIndex.at_place` keeps merged for the location filters asked lately, in all (8 bytes each: the lists
#: share the index's datetime objects); past it, the memo starts afresh.
PLACE_MEMO_DATES = 2_000_000


def build_date_index(keys: tuple[str, ...], rows: Iterable[tuple[Any, ...]],
                     status_at: int | None = None) -> DateIndex:
    """The index from (facet values, posted-or-seen date) pairs, or (facet values, date, location) triples whose
    facet values hold the status at `status_at`; undated postings are left out of the dates (they come last)."""
    dates: dict[tuple, list[datetime]] = {}
    places: dict[tuple[Any, str], list[datetime]] = {}
    undated: dict[tuple[Any, str], int] = {}
    for key, moment, *location in rows:
        place = (key[status_at], location[0].casefold() if isinstance(location[0], str) else "") \
            if status_at is not None and location else None
        if moment is not None:
            dates.setdefault(key, []).append(moment)
            if place is not None:
                places.setdefault(place, []).append(moment)
        elif place is not None:
            undated[place] = undated.get(place, 0) + 1
    for values in (*dates.values(), *places.values()):
        values.sort()
    return DateIndex(keys, dates, places, undated)


@dataclass(frozen=True)
class Window:
    """Where a deep page starts: `skipped` postings dated at or after `start` are counted, not read; the page is
    read from the band [`low`, `start`) down."""

    skipped: int
    start: datetime
    low: datetime


def _without(dates: list[datetime], promoted: Iterable[datetime]) -> list[datetime]:
    rest = list(dates)
    for moment in promoted:
        at = bisect_right(rest, moment) - 1
        if at >= 0 and rest[at] == moment:
            del rest[at]
    return rest


def top_window(dates: list[datetime], promoted: Iterable[datetime], rows: int) -> Window | None:
    """A shallow page's first band, from the top down to the date of the `rows`-th newest non-promoted posting
    (so it holds the page and little more; the usual bands follow it); None when fewer are dated."""
    rest = _without(dates, promoted)
    if rows <= 0 or len(rest) <= rows:
        return None
    return Window(0, TOP, rest[len(rest) - rows])


def deep_window(dates: list[datetime], promoted: Iterable[datetime], target: int, per_page: int) -> Window | None:
    """The window for a page whose first row is the `target`-th (0-based) of the non-promoted postings, given
    the ascending `dates` of every matching posting (promoted ones included) and the promoted ones' dates;
    None when the page is shallow or past the dated postings."""
    rest = _without(dates, promoted)
    if target < MIN_SKIP or target >= len(rest):
        return None
    first = rest[len(rest) - 1 - target]  # the page's first row (newest first)
    skipped = len(rest) - bisect_right(rest, first)  # strictly newer: all before the page
    low = rest[max(0, len(rest) - 1 - (target + per_page + 1))]
    return Window(skipped, first + timedelta(milliseconds=1), low)  # dates are stored to the millisecond


@dataclass(frozen=True)
class DeepStart:
    """Where a deep page starts reading: `skipped` rows before it were counted, not read. `window`: the posted-date
    band that holds the page ("newest", or inside the crowded score `score`); `score`: the first ghost score read
    ("ghost" / "low"); `below`: only annual salaries below this are read ("salary")."""

    skipped: int
    window: Window | None = None
    score: float | None = None
    below: float | None = None


def first_of_rank(counts: Mapping[float, int], target: int, descending: bool) -> tuple[float, int] | None:
    """The value (a ghost score, an annual salary) of the `target`-th row (0-based) in the order of the values,
    and how many rows come before that value, from postings per value; None past the last counted row."""
    before = 0
    for value in sorted(counts, reverse=descending):
        held = counts[value]
        if before + held > target:
            return value, before
        before += held
    return None
