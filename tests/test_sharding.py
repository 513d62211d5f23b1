"""Sharding: `-a shard=I/N` crawls a stable, disjoint 1/N of the boards; all shards together cover every board."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pymongo.database import Database

from crawlerats.board import Board, parse_shard, select_shard, shard_of
from tests.lever_boards import SPOTIFY, load, serve_lever, varied
from tests.support.ats_server import AtsServer
from tests.support.crawl import run_crawl
from tests.support.paths import REPO

BOARDS = [Board(ats, f"company-{i}") for ats in ("lever", "greenhouse", "ashby") for i in range(200)]
company_ids = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789-.", min_size=1, max_size=30)


def test_shard_of_is_stable_across_processes_and_hash_seeds() -> None:
    here = {str(b): shard_of(b, 8) for b in BOARDS}
    code = ("import json; from crawlerats.board import Board, shard_of; "
            f"print(json.dumps({{str(b): shard_of(b, 8) for b in [Board(a, c) for a, c in {[b.key for b in BOARDS]!r}]}}))")
    for seed in ("0", "12345"):
        out = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True, check=True,
                             env={**os.environ, "PYTHONHASHSEED": seed})
        assert json.loads(out.stdout) == here


def test_shard_of_known_values_never_change() -> None:
    # Pinned: changing the hash would silently move every board to another shard on every node.
    assert [shard_of(Board("lever", c), 8) for c in ("spotify", "voltus", "netflix", "acme")] == [2, 1, 8, 5]
    assert [shard_of(Board("greenhouse", c), 8) for c in ("spotify", "voltus", "netflix", "acme")] == [5, 7, 6, 2]
    assert shard_of(Board("lever", "spotify"), 1) == 1
    assert {shard_of(b, 8) for b in BOARDS} == set(range(1, 9)), "600 boards should reach every one of 8 shards"


@settings(max_examples=60, deadline=None)
@given(companies=st.sets(company_ids, max_size=60), total=st.integers(min_value=1, max_value=17))
def test_shards_are_disjoint_and_complete(companies: set[str], total: int) -> None:
    boards = [Board("greenhouse", c) for c in sorted(companies)]
    shards = [select_shard(boards, i, total) for i in range(1, total + 1)]
    flat = [b.key for shard in shards for b in shard]
    assert len(flat) == len(set(flat)), "a board landed in two shards"
    assert set(flat) == {b.key for b in boards}, "a board landed in no shard"


def test_shard_does_not_depend_on_board_order_or_other_boards() -> None:
    subset = BOARDS[::7]
    for i in range(1, 5):
        whole = {b.key for b in select_shard(BOARDS, i, 4)}
        part = {b.key for b in select_shard(list(reversed(subset)), i, 4)}
        assert part == whole & {b.key for b in subset}


def test_shards_are_roughly_balanced() -> None:
    sizes = [len(select_shard(BOARDS, i, 4)) for i in range(1, 5)]
    assert sum(sizes) == len(BOARDS)
    assert min(sizes) > len(BOARDS) / 4 / 2


@pytest.mark.parametrize("value", ["", "3", "0/4", "5/4", "1/0", "a/b", "-1/4", "1/4/2"])
def test_parse_shard_rejects_bad_values(value: str) -> None:
    with pytest.raises(ValueError, match="shard"):
        parse_shard(value)


def test_parse_shard_accepts_spaces() -> None:
    assert parse_shard(" 2 / 8 ") == (2, 8)


# --- real crawls -------------------------------------------------------------------------------------

COMPANIES = [f"acme{i}" for i in range(8)]


def _serve(ats_server: AtsServer) -> None:
    postings = load(SPOTIFY)
    for company in COMPANIES:
        serve_lever(ats_server, company, varied(postings, 2, company))


def _requested_since(ats_server: AtsServer, before: int) -> list[str]:
    return [path.rsplit("/", 1)[-1] for _m, path, _q, _b in ats_server.requests[before:]]


def test_shard_argument_with_companies(ats_server: AtsServer, crawl_settings: dict, mongo_db: Database) -> None:
    _serve(ats_server)
    expected = {i: sorted(c for c in COMPANIES if shard_of(Board("lever", c), 2) == i) for i in (1, 2)}
    assert expected[1] and expected[2], "fixture companies should fall in both shards"
    for i in (1, 2):
        before = len(ats_server.requests)
        result = run_crawl("lever", {"companies": ",".join(COMPANIES), "shard": f"{i}/2"}, crawl_settings)
        assert sorted(_requested_since(ats_server, before)) == expected[i]
        assert result.stats["crawlerats/boards/total"] == len(expected[i])
        assert result.stats["crawlerats/boards/ok"] == len(expected[i])
        done = sorted(set().union(*(expected[k] for k in range(1, i + 1))))
        assert sorted(mongo_db["jobs"].distinct("company")) == done
    assert sorted(mongo_db["jobs"].distinct("company")) == sorted(COMPANIES)
    assert mongo_db["jobs"].count_documents({}) == 2 * len(COMPANIES)


def test_shard_argument_with_registered_boards(ats_server: AtsServer, crawl_settings: dict, mongo_db: Database) -> None:
    _serve(ats_server)
    now = datetime(2026, 9, 1, tzinfo=UTC)
    mongo_db["boards"].insert_many([
        {"ats": "lever", "company": c, "company_name": c.title(), "params": {}, "source": "test", "added_at": now}
        for c in COMPANIES
    ])
    union: list[str] = []
    for i in (1, 2, 3):
        before = len(ats_server.requests)
        result = run_crawl("lever", {"shard": f"{i}/3"}, crawl_settings)
        assert "from registry (shard" in result.log
        crawled = _requested_since(ats_server, before)
        assert sorted(crawled) == sorted(c for c in COMPANIES if shard_of(Board("lever", c), 3) == i)
        assert result.stats.get("crawlerats/boards/ok", 0) == len(crawled)
        union += crawled
    assert sorted(union) == sorted(COMPANIES)
    assert set(mongo_db["jobs"].distinct("company")) == set(COMPANIES)


@pytest.mark.parametrize("shard", ["0/3", "4/3", "three"])
def test_invalid_shard_stops_the_crawl_with_a_clear_message(
    shard: str, ats_server: AtsServer, crawl_settings: dict, mongo_db: Database
) -> None:
    _serve(ats_server)
    result = run_crawl("lever", {"companies": ",".join(COMPANIES), "shard": shard}, crawl_settings, check=False)
    assert result.returncode != 0
    assert f"shard {shard!r}: need 1 <= I <= N" in result.log or "shard must look like I/N" in result.log
    assert ats_server.requests == []
    assert mongo_db["jobs"].count_documents({}) == 0
