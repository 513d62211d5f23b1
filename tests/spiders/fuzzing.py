"""Robustness helper for spider mapping tests: every field of a real posting replaced by wrong-typed values.

Other companies' boards differ from our samples; a mapping must turn odd values into nulls, not raise
(a raising mapping loses the posting). Used by the ATS helper B spider tests.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator
from typing import Any

from scrapy.utils.test import get_crawler

from crawlerats.board import Board
from crawlerats.items import JobItem

WEIRD: tuple[Any, ...] = (None, 0, 123, 1.5, True, "", "x", [], {}, [1, "a", None], {"a": {"b": 1}})


def make_spider(cls: type, now: str = "2026-09-01T00:00:00Z") -> Any:
    return cls.from_crawler(get_crawler(cls, {"CRAWLERATS_NOW": now}), companies="x")


def mutations(posting: dict[str, Any]) -> Iterator[tuple[str, Any, dict[str, Any]]]:
    """(field path, value, mutated copy) for each top-level and second-level field and each odd value."""
    for key, value in posting.items():
        for weird in WEIRD:
            mutated = copy.deepcopy(posting)
            mutated[key] = weird
            yield key, weird, mutated
        for sub in value if isinstance(value, dict) else {}:
            for weird in WEIRD:
                mutated = copy.deepcopy(posting)
                mutated[key][sub] = weird
                yield f"{key}.{sub}", weird, mutated


def mapping_failures(cls: type, posting: dict[str, Any], build: Callable[[Any, Board, dict], Any]) -> list[str]:
    """Mutations for which `build(spider, board, mutated)` raised or returned something else than an item."""
    spider = make_spider(cls)
    board = Board(cls.name, "x")
    failures = []
    for path, weird, mutated in mutations(posting):
        try:
            result = build(spider, board, mutated)
        except Exception as exc:  # noqa: BLE001 - collected and reported by the test
            failures.append(f"{path}={weird!r}: {type(exc).__name__}: {exc}")
            continue
        if not isinstance(result, JobItem):
            failures.append(f"{path}={weird!r}: returned {type(result).__name__}")
    return failures
