"""The documents a spider's board read keeps for the dedup stage (crawlerats/db/stored_fingerprints.py): taken
once and decoded as the connection decodes, forgotten when rewritten, and bounded in bytes, oldest boards let
go first."""

from __future__ import annotations

from datetime import UTC, datetime

import bson
import pytest
from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument
from scrapy.utils.test import get_crawler

from crawlerats.board import Board
from crawlerats.db import stored_fingerprints
from crawlerats.db.stored_fingerprints import StoredFingerprints

CODEC = CodecOptions(tz_aware=True, tzinfo=UTC)
SEEN = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)


def source() -> StoredFingerprints:
    held = StoredFingerprints(get_crawler())
    held.enable(lookups=True, prefetch={"_id": 0, "description_html": 0})
    return held


def raw(board: str, n: int) -> list[RawBSONDocument]:
    return [RawBSONDocument(bson.encode({"job_id": f"{board}-{i}", "raw_fingerprint": "f", "title": board,
                                         "last_seen": SEEN})) for i in range(n)]


def test_a_document_is_taken_once_and_a_forgotten_one_not_at_all() -> None:
    held = source()
    rows = held._hold(Board("lever", "a"), raw("a", 3), CODEC)
    assert [r["job_id"] for r in rows] == ["a-0", "a-1", "a-2"]  # decoded for the spider
    assert held.take(("lever", "a", "a-0")) == {"job_id": "a-0", "raw_fingerprint": "f", "title": "a",
                                                "last_seen": SEEN}  # as the connection decodes: tz-aware
    assert held.take(("lever", "a", "a-0")) is None
    held.forget(("lever", "a", "a-1"))
    assert held.take(("lever", "a", "a-1")) is None
    assert held.take(("lever", "b", "a-2")) is None  # another board's posting of the same id
    assert held.take(("lever", "a", "a-2")) is not None
    assert held._held == {} and held._held_bytes == 0


def test_the_held_documents_are_bounded_in_bytes_oldest_board_first(monkeypatch: pytest.MonkeyPatch) -> None:
    size = len(raw("a", 1)[0].raw)
    monkeypatch.setattr(stored_fingerprints, "PREFETCH_BYTES", 9 * size)
    held = source()
    for name in "abc":
        held._hold(Board("lever", name), raw(name, 4), CODEC)
    assert held.take(("lever", "a", "a-0")) is None  # let go: the dedup stage reads it itself
    assert held.take(("lever", "b", "b-0")) is not None and held.take(("lever", "c", "c-3")) is not None
    assert held.crawler.stats.get_value("crawlerats/dedup/prefetch_evicted_boards") == 1
    held._hold(Board("lever", "c"), raw("c", 2), CODEC)  # the same board read again replaces what was held
    assert held._held_bytes == (3 + 2) * size


def test_without_lookups_nothing_is_read_for_the_dedup_stage() -> None:
    held = StoredFingerprints(get_crawler())
    held.enable(lookups=False, prefetch={"_id": 0})
    assert held.prefetch is None
