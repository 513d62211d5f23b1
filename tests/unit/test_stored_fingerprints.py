"""The documents a spider's board read keeps for the dedup stage (crawlerats/db/stored_fingerprints.py): taken
once, forgotten when rewritten, and bounded, oldest boards let go first."""

from __future__ import annotations

import pytest
from scrapy.utils.test import get_crawler

from crawlerats.board import Board
from crawlerats.db import stored_fingerprints
from crawlerats.db.stored_fingerprints import StoredFingerprints


def source() -> StoredFingerprints:
    crawler = get_crawler()
    held = StoredFingerprints(crawler)
    held.enable(lookups=True, prefetch={"_id": 0, "description_html": 0})
    return held


def rows(board: str, n: int) -> list[dict[str, str]]:
    return [{"job_id": f"{board}-{i}", "raw_fingerprint": "f", "title": board} for i in range(n)]


def test_a_document_is_taken_once_and_a_forgotten_one_not_at_all() -> None:
    held = source()
    held._hold(Board("lever", "a"), rows("a", 3))
    assert held.take(("lever", "a", "a-0")) == {"job_id": "a-0", "raw_fingerprint": "f", "title": "a"}
    assert held.take(("lever", "a", "a-0")) is None
    held.forget(("lever", "a", "a-1"))
    assert held.take(("lever", "a", "a-1")) is None
    assert held.take(("lever", "b", "a-2")) is None  # another board's posting of the same id
    assert held.take(("lever", "a", "a-2")) is not None
    assert held._held == {} and held._held_count == 0


def test_the_held_documents_are_bounded_oldest_board_first(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(stored_fingerprints, "PREFETCH_LIMIT", 10)
    held = source()
    for name in "abc":
        held._hold(Board("lever", name), rows(name, 4))
    assert held.take(("lever", "a", "a-0")) is None  # let go: the dedup stage reads it itself
    assert held.take(("lever", "b", "b-0")) is not None and held.take(("lever", "c", "c-3")) is not None
    assert held.crawler.stats.get_value("crawlerats/dedup/prefetch_evicted_boards") == 1
    held._hold(Board("lever", "c"), rows("c", 2))  # the same board read again replaces what was held
    assert held._held_count == 3 + 2


def test_without_lookups_nothing_is_read_for_the_dedup_stage() -> None:
    held = StoredFingerprints(get_crawler())
    held.enable(lookups=False, prefetch={"_id": 0})
    assert held.prefetch is None
