"""Candidate bands of the "newest" list when both an ATS and a workplace filter are set (`?ats=workday&
workplace=remote`): one index, `web_ats_workplace` (`ats`, `workplace_type`, `posted_at`, `first_seen`).

Under the two filters a posting in 24 matches, so the list's own posted-date bands would read and decode
about 24 postings per row shown (SecantusDB decodes every document of an index range whatever the limit).
With the two equalities in front, a band reads only the postings of that ATS and workplace.

One index serves both kinds of postings of a date range [low, high): those with a posted date in it and
those without a posted date whose first-seen date is in it. The posted-date range is on a key that is not the
index's last, where SecantusDB loses the documents equal to an inclusive bound; so the range is sent with
exclusive bounds (`exclusive`: `$gt` one millisecond before `low`, the same range for BSON dates, which hold
milliseconds).

Two queries per band: so that the first page is read in one band, the list's first date ranges are merged
into one that holds the rows the page needs, by the cached dates of the pair (`merge_newest`; a hint: it
changes how the ranges are cut, never what they cover).
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

#: The index these bands use (crawlerats/db/indexes.py `WEB`).
INDEX = "web_ats_workplace"
#: Below every stored date: the lower bound of the oldest band, so no range is open below (nulls stay out).
OLDEST = datetime(1, 1, 1, tzinfo=UTC)
_MS = timedelta(milliseconds=1)


def exclusive(rng: Mapping[str, Any]) -> dict[str, Any]:
    """A date range `{$gte: low, $lt: high}` (either side may be missing) with exclusive bounds only: `$gt` the
    millisecond before `low` (stored dates are whole milliseconds: the same documents), `OLDEST` when open
    below. For a range on an index key that is not the last (SecantusDB loses documents equal to an inclusive
    bound there)."""
    low = rng.get("$gte")
    if low is None:
        lower = OLDEST
    else:
        lower = low.replace(microsecond=low.microsecond // 1000 * 1000) - _MS if low - OLDEST > _MS else OLDEST
    return {"$gt": lower, **({"$lt": rng["$lt"]} if "$lt" in rng else {})}

Keep = Callable[[Mapping[str, Any]], bool]


def merge_newest(ranges: Sequence[Mapping[str, Any]], dates: Sequence[datetime] | None,
                 needed: int) -> list[Mapping[str, Any]]:
    """`ranges` (newest first, the first open above) with the first ones merged into one that holds at least
    `needed` of the ascending cached `dates` (all of them when fewer); unchanged without dates."""
    if not dates or not ranges or "$lt" in ranges[0]:
        return list(ranges)
    last = next((i for i, rng in enumerate(ranges)
                 if "$gte" not in rng or len(dates) - bisect_left(dates, rng["$gte"]) >= needed), len(ranges) - 1)
    if last == 0:
        return list(ranges)
    top = {"$gte": ranges[last]["$gte"]} if "$gte" in ranges[last] else {}
    return [top, *ranges[last + 1:]]


def ats_workplace_bands(ats: str, workplace: str, ranges: Iterable[Mapping[str, Any]], dated_only: bool,
                        keep: Keep | None) -> Iterator[tuple[tuple[dict[str, Any], ...], Keep | None]]:
    """`(queries, keep)` per band for the "newest" date `ranges` (`{$gte: low, $lt: high}`, either side may be
    missing), newest first; then, unless `dated_only` (a "posted within" cutoff), postings with neither date."""
    prefix = {"ats": ats, "workplace_type": workplace}
    for rng in ranges:
        low = rng.get("$gte", OLDEST)
        upper = {"$lt": rng["$lt"]} if "$lt" in rng else {}
        yield ({**prefix, "posted_at": exclusive(rng)},
               {**prefix, "posted_at": None, "first_seen": {"$gte": low, **upper}}), keep
    if not dated_only:
        yield ({**prefix, "posted_at": None, "first_seen": None},), keep
