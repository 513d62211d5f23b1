"""Candidate bands of the "highest salary" sort and the salary filters, on the stored annualised salary.

The validation stage stores the top of each pay range per year, in the posting's own currency, as
`salary.annual_max` (crawlerats/normalize/salary.py `annualised`; docs/schema.md). One index serves it,
`web_salary_annual` (`status`, `salary.annual_max`): a band is one status and a range of `salary.annual_max`,
the index's last key (SecantusDB loses documents equal to an inclusive bound of a range on an earlier key).

SecantusDB decodes every document of an index range whatever the limit, so the first band should hold what
the page needs (the rows up to the page's end, and one more), and no more: the bounds come from a cached
histogram (postings per status and annual amount, `histogram`), cut after that many postings, then after
`GROWTH` times as many for each later band (a filter that keeps few postings fills the page in a few reads).
The histogram is a hint that may be stale: it changes how the range is cut, never what is covered (the bands
are contiguous from the top down to the minimum). Until it is ready, fixed bounds (`FALLBACK_BOUNDS`) are
used. A single amount shared by more postings than a band should hold is read in one band.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any

from pymongo.collection import Collection

from crawlerats.web.salary import stored_annual

#: The stored annual amount the salary filter and sort compare.
KEY = "salary.annual_max"
#: Postings in the first band at least (when the histogram is known).
MIN_BAND = 26
#: Each later band is cut after this many times the postings of the one before.
GROWTH = 2
#: Bounds before the histogram is ready, annual amounts in the posting's currency: [1,000,000, ...), ...
FALLBACK_BOUNDS: tuple[float, ...] = (1_000_000, 500_000, 300_000, 200_000, 150_000, 120_000, 100_000, 80_000,
                                      60_000, 40_000, 20_000)
#: The statuses a posting may have (docs/schema.md); "any" reads each with its own index-shaped query.
STATUSES: tuple[str, ...] = ("open", "closed")

#: Postings per annual amount, per status: `{status: {annual_max: count}}`.
Histogram = dict[str, dict[float, int]]


def histogram(jobs: Collection) -> Histogram:
    """One aggregation over the postings with a stored annual salary: how many per status and amount."""
    pipeline = [{"$match": {KEY: {"$gt": 0}}},
                {"$group": {"_id": {"status": "$status", "pay": f"${KEY}"}, "n": {"$sum": 1}}}]
    found: Histogram = {}
    for row in jobs.aggregate(pipeline):
        status, pay = row["_id"].get("status"), row["_id"].get("pay")
        if isinstance(status, str) and isinstance(pay, int | float) and not isinstance(pay, bool):
            per_status = found.setdefault(status, {})
            per_status[float(pay)] = per_status.get(float(pay), 0) + row["n"]
    return found


def per_amount(counts: Histogram | None, statuses: Iterable[str]) -> dict[float, int] | None:
    """Postings per annual amount over `statuses`, from the histogram (None when it is not ready)."""
    if counts is None:
        return None
    merged: dict[float, int] = {}
    for state in statuses:
        for pay, n in counts.get(state, {}).items():
            merged[pay] = merged.get(pay, 0) + n
    return merged


def postings_paid(counts: Histogram, status: str, minimum: float) -> int:
    """Postings of `status` ("any": every status) with a stored annual salary of at least `minimum` (any when 0)."""
    return sum(n for state, per_pay in counts.items() if status in ("any", state)
               for pay, n in per_pay.items() if pay > 0 and pay >= minimum)


def bounds(counts: Mapping[float, int] | None, minimum: float, first: int = MIN_BAND,
           below: float | None = None) -> list[float]:
    """Lower bounds of the bands, best paid first, all above `minimum`: from `counts` (postings per amount), the
    first band cut after `first` postings (at least `MIN_BAND`), each later one after `GROWTH` times more; else
    `FALLBACK_BOUNDS`. The last band, below the last bound, reaches down to the minimum (or any positive
    amount). `below`: only amounts under it (a deep page's start)."""
    if counts is None:
        return [b for b in FALLBACK_BOUNDS if b > minimum and (below is None or b < below)]
    target = max(first, MIN_BAND, 1)
    found: list[float] = []
    held = 0
    for pay in sorted((p for p in counts if p > minimum and (below is None or p < below)), reverse=True):
        held += counts[pay]
        if held >= target:
            found.append(pay)
            held = 0
            target *= GROWTH
    return found


def ranges(lower_bounds: Iterable[float], minimum: float,
           below: float | None = None) -> Iterator[tuple[dict[str, Any], float, float | None]]:
    """Disjoint ranges of `KEY` from the top down, with their Python bounds `(range, low, high)`: [b0, inf),
    [b1, b0), ..., then [minimum, bN) (or (0, bN) without a minimum); from [b0, `below`) when given."""
    high: float | None = below
    for low in lower_bounds:
        yield ({"$gte": low} if high is None else {"$gte": low, "$lt": high}), low, high
        high = low
    last: dict[str, Any] = {"$gte": minimum} if minimum > 0 else {"$gt": 0}
    if high is not None:
        last["$lt"] = high
    yield last, minimum, high


def salary_bands(status: str, minimum: float, counts: Histogram | None,
                 not_promoted: Callable[[Mapping[str, Any]], bool], first: int = MIN_BAND,
                 below: float | None = None,
                 ) -> Iterator[tuple[tuple[dict[str, Any], ...], Callable[[Mapping[str, Any]], bool]]]:
    """`(queries, keep)` per band, best paid first: the postings of `status` ("any": each status) whose stored
    annual salary is at least `minimum` (any positive amount when 0), each query index-shaped
    (`web_salary_annual`); `first`: the rows the page needs (sizes the first band); `below`: only amounts under
    it (the better-paid postings a deep page counted instead of reading)."""
    statuses = STATUSES if status == "any" else (status,)
    for rng, low, high in ranges(bounds(per_amount(counts, statuses), minimum, first, below), minimum, below):

        def keep(doc: Mapping[str, Any], low: float = low, high: float | None = high) -> bool:
            yearly = stored_annual(doc.get("salary"))
            return yearly is not None and yearly >= low and (high is None or yearly < high) and not_promoted(doc)

        yield tuple({"status": state, KEY: rng} for state in statuses), keep
