"""Text search (`?q=`) and the location filter (`?location=`) for the job list through the `job_search`
collection (crawlerats/db/search_index.py).

A posting matches when every query word occurs, case-insensitively, in its title or its company name (the
display name, the board id), and the location filter's text in its location: the same test as
`ListParams.matches`, which stays the final word on every row. This module only finds the candidates without
reading every posting: the rarest-looking trigram (by English letter frequency) of the query words and the
location text (as a marked location gram) is looked up in `job_search` (index `search_grams_status_posted`),
newest posted first, in
posted-date ranges cut from the cached date index at the match rate seen so far (`DatePlan`; the list's fixed
bands until the index is ready); the words are checked on the search documents' text, and only the survivors are
fetched from `jobs` (by `_id`, else by key). Boards whose `boards` registry name contains the trigram's word are
read whole and merged into the bands, since registry names are not in `job_search`.

It serves the "newest" order when a query word or the location text has a run of three characters without a
space, and the search index exists. A search remembers the match rate it ended with (crawlerats/web/queries.py,
for the cache period), and the next request of the same search cuts its first range at that rate; a range holding
far more matches than the page still needs fetches the postings of its newest search documents first.
The other orders read every candidate first (`all_matches`: when the word is rare enough, see
`SORTED_SEARCH_BUDGET`) and sort them; a word given up on is remembered as too common, with its estimated match
rate, and its search documents are read in bands of their sort key (`sorted_bands`: `score` or `pay`, indexes
`search_grams_status_score` and `search_grams_status_pay`, the bands sized at that rate). Before those indexes
exist, and for words of one or two characters only, the list's own bands are read (sized the same way).
"""

from __future__ import annotations

import itertools
from bisect import bisect_left
from collections.abc import Callable, Iterator, Mapping, Sized
from datetime import UTC, datetime
from typing import Any

from pymongo.collection import Collection

from crawlerats.db.search_index import SEARCH_COLLECTION, grams_of, location_grams
from crawlerats.db.updates import IN_VALUES_PER_QUERY, board_clauses, find_in
from crawlerats.web.salary_bands import GROWTH, bounds, ranges

#: Relative frequency of letters in English text (per mille); other characters count as rare.
_LETTERS = dict(zip("etaoinshrdlcumwfgypbvkjxqz",
                    (127, 91, 82, 75, 70, 67, 63, 61, 60, 43, 40, 28, 28, 24, 24, 22, 20, 20, 19, 15, 10, 8, 2, 2,
                     1, 1), strict=True))
#: Most postings of registry-named boards read whole for one search (else the list's own bands are read).
REGISTRY_BOARDS_LIMIT = 5_000
#: The other orders (ghost score, salary) need every match before the first row: up to this many search
#: documents are read, and up to `SORTED_MATCHES_LIMIT` of their postings fetched, else the list's bands are read.
SORTED_SEARCH_BUDGET = 10_000
SORTED_MATCHES_LIMIT = 2_000
#: ... and once the bands read so far hold this share of the postings (by the cached date index), a word whose
#: search documents or matching ones there, scaled up, exceed those limits is given up at once (the list's bands
#: serve a common word quickly), instead of after reading the whole budget. At 100,000 postings "data" (13,323
#: open search documents) was given up after 689 documents at 0.02, after 240 at 0.01.
ESTIMATE_SHARE = 0.01
#: Search documents are read without their trigrams, the largest part of the reply, which nothing here reads (a
#: band of 420 search documents at 100,000 postings: 49.1 ms whole, 42.9 ms without; before the embedded server's
#: projection shortcut, crawlerats/db/secantus_tuning.py, a projection cost more than it saved).
_SEARCH_FIELDS = {"grams": 0}
#: A band's matches beyond one `$in` read are fetched in two parts, the best first (`_best_first`), unless the
#: rest beyond a page's need (and a small margin) is at most this many: at 100,000 postings a posting fetched by
#: `_id` costs ~180 us of the embedded server, a second `$in` read ~1.3 ms.
SPLIT_SLACK = 8
_OLDEST = datetime(1900, 1, 1, tzinfo=UTC)  # before any stored date


def query_words(q: str) -> list[str]:
    """The words a search requires, case-folded (as `ListParams.matches` splits them)."""
    return q.casefold().split()


def driver_gram(words: list[str], place: str = "") -> tuple[str, str] | None:
    """(word, gram) to look up: the trigram of letters least frequent in English among the query words and the
    case-folded location text `place` (a guess at the rarest, without counting); `word` is "" for a location
    gram (`l:` and three characters). None when no word or location text holds three characters in a row."""
    best: tuple[float, str, str] | None = None
    candidates = [(word, gram, gram) for word in words for gram in sorted(grams_of(word))]
    candidates += [("", marked, marked[-3:]) for marked in sorted(location_grams(place))]
    for word, gram, letters in candidates:
        score = sum(_LETTERS.get(c, 0) for c in letters)
        if best is None or score < best[0]:
            best = (score, word, gram)
    return None if best is None else (best[1], best[2])


class TextSearch:
    """One list request's text search over `jobs` (`fields`: the projection of the rows; `matches`: every list
    filter on a posting; `order`: the list's Python sort key, best last)."""

    def __init__(self, jobs: Collection, words: list[str], registry: Mapping[tuple[str, str], str],
                 fields: Mapping[str, Any], matches: Callable[[Mapping[str, Any]], bool],
                 order: Callable[[Mapping[str, Any]], tuple], place: str = "") -> None:
        self.jobs = jobs
        self.search = jobs.database[SEARCH_COLLECTION]
        self.words = words
        self.place = place
        self.registry = {key: name.casefold() for key, name in registry.items()}
        self.fields = dict(fields)
        self.matches = matches
        self.order = order
        #: When `all_matches` gave up: the matches it expects in all (its text survivors scaled by the share of
        #: the dates it read), None when it read no dated range.
        self.expected: float | None = None

    def _text_ok(self, row: Mapping[str, Any]) -> bool:
        """Every word in the search text or the board's registry name, the location text in the search document's
        location (a superset of `ListParams.matches`)."""
        if self.place and self.place not in (row.get("place") or ""):
            return False
        text = row.get("text") or ""
        name = self.registry.get((row.get("ats"), row.get("company")), "")
        return all(word in text or word in name for word in self.words)

    def registry_boards(self, word: str) -> list[tuple[str, str]]:
        """Boards whose registry name contains the word (none for a location gram's empty word)."""
        return sorted(key for key, name in self.registry.items() if word and word in name)

    def read_boards(self, boards: list[tuple[str, str]], statuses: list[str]) -> list[dict[str, Any]]:
        """Every posting of these boards with one of the statuses (`company_status` index), that matches."""
        found = []
        for ats, company in boards:
            for status in statuses:
                found.extend(d for d in self.jobs.find({"ats": ats, "company": company, "status": status},
                                                       self.fields) if self.matches(d))
        return found

    def fetch(self, rows: list[Mapping[str, Any]]) -> list[dict[str, Any]]:
        """The postings of these search documents: by `_id`, the others (or any `_id` that no longer names the
        posting) by key, board by board (`find_in`: short `$in` lists)."""
        wanted = {(r["ats"], r["company"], r["job_id"]): r.get("job") for r in rows}
        found: dict[tuple[str, str, str], dict[str, Any]] = {}
        ids = [job for job in wanted.values() if job is not None]
        for doc in find_in(self.jobs, {}, "_id", ids, self.fields):
            key = (doc.get("ats"), doc.get("company"), doc.get("job_id"))
            if key in wanted:
                found[key] = doc
        rest = [key for key in wanted if key not in found]
        for query in board_clauses(rest):
            job_ids = query.pop("job_id")["$in"]
            for doc in find_in(self.jobs, query, "job_id", job_ids, self.fields):
                found[(doc["ats"], doc["company"], doc["job_id"])] = doc
        return list(found.values())

    def all_matches(self, gram: str, statuses: list[str], ranges: list[dict[str, Any]], with_undated: bool,
                    extra: list[dict[str, Any]], scan: Any,
                    share: Callable[[dict[str, Any]], float] | None = None) -> list[dict[str, Any]] | None:
        """Every match, unsorted (`extra`: found otherwise); None when the word is too common for the limits (then
        nothing is counted in `scan`: the caller reads the list's bands instead). `share(range)`: the share of the
        postings of `statuses` dated in a range (a cached hint), to give up early on a common word."""
        read = 0
        survivors: list[Mapping[str, Any]] = []
        covered = 0.0
        for rng in [*ranges, None] if with_undated else ranges:
            for status in statuses:
                for row in self.search.find({"grams": gram, "status": status, "posted": rng}, _SEARCH_FIELDS):
                    read += 1
                    if self._text_ok(row):
                        survivors.append(row)
            if share is not None and rng is not None:
                covered += share(rng)
            if read > SORTED_SEARCH_BUDGET or len(survivors) > SORTED_MATCHES_LIMIT or (
                    covered >= ESTIMATE_SHARE and (read / covered > SORTED_SEARCH_BUDGET
                                                   or len(survivors) / covered > SORTED_MATCHES_LIMIT)):
                self.expected = len(survivors) / covered if covered else None
                return None
        docs = {(d["ats"], d["company"], d["job_id"]): d for d in self.fetch(survivors) if self.matches(d)}
        docs.update(((d["ats"], d["company"], d["job_id"]), d) for d in extra)
        scan.scanned += read + len(extra)
        return list(docs.values())

    def _sorted_rows(self, part: list[Mapping[str, Any]], joining: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """The postings of these search documents that pass the list's filters, and `joining` (postings found
        otherwise, in the same band), in list order."""
        docs = {(d["ats"], d["company"], d["job_id"]): d for d in self.fetch(part) if self.matches(d)}
        docs.update(((doc["ats"], doc["company"], doc["job_id"]), doc) for doc in joining)
        return sorted(docs.values(), key=self.order, reverse=True)

    def sorted_bands(self, gram: str, key: str, conditions: list[dict[str, Any] | None],
                     statuses: list[str], extra: list[dict[str, Any]], value: Callable[[Mapping[str, Any]], Any],
                     budget: int | None, scan: Any, wanted: int, ascending: bool = False) -> Iterator[dict[str, Any]]:
        """The matches band by band along a sort key of the search documents (`key`, "score" or "pay", one
        condition on it per band: `score_ranges`, `pay_ranges`; index `search_grams_status_score` or `_pay`, which
        the planner picks: SecantusDB 0.7.0b3 scans a hinted index whole, 20-38 s at 100,000 postings), each band
        sorted by the list's order; `extra` (postings found otherwise) joins the band its `value` falls in. Stops
        before a band once `budget` search documents were read (`scan.stopped`). A band holding far more
        matches than the `wanted` rows still need fetches the postings of its best search documents first (by the
        key, `ascending` or not, then newest posted)."""
        def rank(row: Mapping[str, Any]) -> tuple | None:
            number, posted = row.get(key), row.get("posted")
            if not isinstance(posted, datetime):
                return None
            if number is None:
                return (0, posted)
            return (-number if ascending else number, posted) if isinstance(number, int | float) else None

        for condition in conditions:
            if budget is not None and scan.scanned >= budget:
                scan.stopped = True
                return
            rows = [r for status in statuses
                    for r in self.search.find({"grams": gram, "status": status, key: condition}, _SEARCH_FIELDS)]
            scan.scanned += len(rows)
            survivors = [r for r in rows if self._text_ok(r)]
            joining = [doc for doc in extra if within(value(doc), condition)]
            for part in [survivors] if joining else _best_first(survivors, wanted, rank):
                for doc in self._sorted_rows(part, joining):
                    wanted -= 1
                    yield doc

    def bands(self, gram: str, statuses: list[str], ranges: list[dict[str, Any]], with_undated: bool,
              extra: list[dict[str, Any]], posted: Callable[[Mapping[str, Any]], datetime | None],
              budget: int | None, scan: Any, plan: DatePlan | None = None, countable: int = 0,
              excluded: frozenset[tuple[str, str, str]] = frozenset(),
              rows_kept: Callable[[Mapping[str, Any]], bool] | None = None) -> Iterator[dict[str, Any]]:
        """The matches, band by band along the posted date (`ranges`, or the ranges `plan` cuts as it learns how
        many postings match; then undated postings), each band sorted; `extra` (postings found otherwise) joins
        the band its date falls in. Stops before a band once `budget` search documents were read
        (`scan.stopped`).

        `countable`: how many first matches a deep page skips, when the search documents alone decide every
        filter (the caller's word: no query word, only status, location and "posted within"; `excluded`: the
        postings listed before the bands, the active promotions). Whole bands that fit in it are counted into
        `scan.counted` without fetching their postings, up to the first band that is fetched. `rows_kept`: the
        search documents to read on (the salary sort's postings without a salary: `pay` None)."""
        def count(rows: Sized) -> None:  # matches counted, not fetched
            scan.counted += len(rows)
            if plan is not None:
                plan.matched += len(rows)

        dated = plan.ranges() if plan is not None else iter(ranges)
        for rng in itertools.chain(dated, [None] if with_undated else []):
            if budget is not None and scan.scanned >= budget:
                scan.stopped = True
                return
            rows = [r for status in statuses
                    for r in self.search.find({"grams": gram, "status": status, "posted": rng}, _SEARCH_FIELDS)]
            scan.scanned += len(rows)
            survivors = [r for r in rows if self._text_ok(r) and (rows_kept is None or rows_kept(r))]
            if countable and not extra:
                decided = [r for r in survivors if (r["ats"], r["company"], r["job_id"]) not in excluded]
                left = countable - scan.counted
                if len(decided) <= left:
                    count(decided)
                    continue
                countable = 0  # this band holds the page's first row: fetched, and every band after it
                dates = [r.get("posted") for r in decided]
                if all(isinstance(d, datetime) for d in dates):
                    # ... but for its rows posted after the page's first row: they come before it in any tie order
                    first = sorted(dates, reverse=True)[left]
                    before = {id(r) for r in decided if r["posted"] > first}
                    count(before)
                    survivors = [r for r in survivors if id(r) not in before]
            joining = [doc for doc in extra if within(posted(doc), rng)]
            for part in [survivors] if extra or plan is None else _newest_first(survivors, plan.wanted - plan.matched):
                rows = self._sorted_rows(part, joining)
                if plan is not None:
                    plan.matched += len(rows)
                yield from rows


def score_ranges(counts: Mapping[float, int] | None, ascending: bool, first: int) -> list[dict[str, Any] | None]:
    """Disjoint conditions on a search document's `score`, in the order of the ghost-score sort (`ascending`: the
    lowest first), then None (the postings without a score, last in either order): cut from `counts` (postings per
    score, a hint) once `first` postings are held, each later band at `GROWTH` times more (a band too small for
    the page costs another read of twice its size: measured worse than the overshoot of a crowded score); every 10
    points without it. Open-ended at both ends, so a score the hint does not know is still read."""
    if counts is None:
        cuts: list[float] = list(range(10, 100, 10))
    else:
        groups: list[list[float]] = [[]]
        held, target = 0, max(first, 1)
        for score in sorted(counts, reverse=not ascending):
            groups[-1].append(score)
            held += counts[score]
            if held >= target:
                groups.append([])
                held, target = 0, target * GROWTH
        groups = [group for group in groups if group]
        # bounds between the groups: exclusive upper ones from the bottom up, inclusive lower ones from the top
        cuts = [group[0] for group in groups[1:]] if ascending else [group[-1] for group in groups[:-1]]
    found: list[dict[str, Any] | None]
    if not ascending:  # lower bounds, from the top down
        cuts = sorted(set(cuts), reverse=True)
        found = [{"$gte": cuts[0]}] if cuts else []
        found += [{"$gte": low, "$lt": high} for high, low in itertools.pairwise(cuts)]
        found.append({"$lt": cuts[-1]} if cuts else {"$type": "number"})
    else:  # upper bounds (exclusive), from the bottom up
        cuts = sorted(set(cuts))
        found = [{"$lt": cuts[0]}] if cuts else []
        found += [{"$gte": low, "$lt": high} for low, high in itertools.pairwise(cuts)]
        found.append({"$gte": cuts[-1]} if cuts else {"$type": "number"})
    return [*found, None]


def pay_ranges(counts: Mapping[float, int] | None, minimum: float, first: int) -> list[dict[str, Any] | None]:
    """Disjoint conditions on a search document's `pay` (positive: `PAY_INDEX` holds those), best paid first, down
    to `minimum`: the salary sort's own bands (crawlerats/web/salary_bands.py) on the search documents."""
    return [rng for rng, _low, _high in ranges(bounds(counts, minimum, first), minimum)]


def within(value: Any, condition: Mapping[str, Any] | None) -> bool:
    """Whether a sort key (a number, a date or None) meets one of the conditions above, or a posted-date range."""
    if condition is None or value is None:
        return condition is None and value is None
    return ("$gte" not in condition or value >= condition["$gte"]) and (
        "$gt" not in condition or value > condition["$gt"]) and ("$lt" not in condition or value < condition["$lt"])


class DatePlan:
    """Contiguous posted-date ranges, newest first, for a text search in the "newest" order: each cut by the cached
    posted-or-seen dates of the searched postings (`dates`, ascending; a hint that may be stale: it changes where
    the ranges are cut, never what they cover) to hold about the postings that should give the matches still
    `wanted`, at the rate of matches per posting seen so far (the fixed doubling bands read up to twice what a
    page needs). `rate`: the rate an earlier read of the same search ended with (a hint that sizes the first
    range; `rate()` is this read's)."""

    #: Postings in the first range, per match wanted (no rate is known yet).
    FIRST_PER_MATCH = 4
    #: Read this many times the postings the rate so far says are needed (a margin for an uneven rate).
    MARGIN = 1.5
    #: ... but a range holds at most this many times the postings of the ranges before it.
    GROWTH = 3
    #: The first range, at an earlier read's rate, holds this many times the postings it says are needed (falling
    #: short costs one more range, at the rate seen).
    HINT_MARGIN = 1.2

    def __init__(self, dates: list[datetime], cutoff: datetime | None, wanted: int, rate: float | None = None
                 ) -> None:
        self.dates = dates[bisect_left(dates, cutoff):] if cutoff is not None else dates
        self.cutoff = cutoff
        self.wanted = max(1, wanted)
        self.hint = rate
        #: Matches found so far (counted by `TextSearch.bands`).
        self.matched = 0
        #: Postings (by the dates) in the ranges given so far.
        self.covered = 0

    def rate(self) -> float | None:
        """Matches per posting in the ranges read so far (None before a match)."""
        return self.matched / self.covered if self.matched and self.covered else None

    def ranges(self) -> Iterator[dict[str, Any]]:
        high: datetime | None = None  # exclusive upper bound of the next range (None: the newest)
        while True:
            remaining = self.wanted - self.matched
            covered = self.covered
            if covered and self.matched:  # at the rate so far, but a few matches say little: at most GROWTH x
                size = min(int(max(remaining, 1) * covered / self.matched * self.MARGIN) + 1, self.GROWTH * covered)
            elif not covered:
                size = int(self.wanted * self.HINT_MARGIN / self.hint) + 1 if self.hint else \
                    self.wanted * self.FIRST_PER_MATCH
            else:
                size = covered * 2
            at = len(self.dates) - covered - size
            upper = {} if high is None else {"$lt": high}
            if at <= 0:  # the rest, down to the cutoff (or any date)
                self.covered = len(self.dates)
                yield {**({"$gte": self.cutoff} if self.cutoff is not None else {}), **upper} or {"$gte": _OLDEST}
                return
            low = self.dates[at]
            self.covered = len(self.dates) - bisect_left(self.dates, low)
            yield {"$gte": low, **upper}
            high = low


def _newest_first(rows: list[Mapping[str, Any]], wanted: int) -> list[list[Mapping[str, Any]]]:
    """A band's search documents in two parts to fetch one after the other, newest posted first (`_best_first`;
    one part when a row has no date)."""
    return _best_first(rows, wanted, lambda r: (r["posted"],) if isinstance(r.get("posted"), datetime) else None)


def _best_first(rows: list[Mapping[str, Any]], wanted: int,
                rank: Callable[[Mapping[str, Any]], tuple | None]) -> list[list[Mapping[str, Any]]]:
    """A band's search documents in two parts to fetch one after the other, when it holds well over the `wanted`
    matches: the best by `rank` (about `wanted`, and a margin for rows the postings' own test drops) with every
    row ranked the same as the last of them, then the others, fetched only if the list reads on (one part when
    a row has no rank). Rows that fit one `$in` read (`IN_VALUES_PER_QUERY`) are one part; else the first part
    fits one read when the page does: a posting fetched costs more than the round trip of a second read that is
    seldom needed."""
    wanted = max(wanted, 1)
    enough = wanted + max(2, wanted // 8)
    if len(rows) <= IN_VALUES_PER_QUERY or (enough > IN_VALUES_PER_QUERY and len(rows) <= enough + SPLIT_SLACK):
        return [rows]
    ranks = [rank(r) for r in rows]
    if any(r is None for r in ranks):
        return [rows]
    cut = sorted(ranks, reverse=True)[enough - 1]  # type: ignore[type-var]
    return [[r for r, k in zip(rows, ranks, strict=True) if k >= cut],  # type: ignore[operator]
            [r for r, k in zip(rows, ranks, strict=True) if k < cut]]  # type: ignore[operator]
