"""The `discoveries` record and board registration of one start URL (no browser, real database)."""

from __future__ import annotations

from datetime import UTC, datetime

from pymongo.database import Database

from crawlerats.board import Board
from crawlerats.discovery.find import FoundBoard
from crawlerats.discovery.record import Discovery, save_discovery

AT = datetime(2026, 9, 1, 8, tzinfo=UTC)
LATER = datetime(2026, 9, 2, 8, tzinfo=UTC)


def test_found_boards_are_registered_with_their_page(mongo_db: Database) -> None:
    state = Discovery("https://acme.example/", pages=["https://acme.example/", "https://acme.example/careers"])
    state.add([FoundBoard(Board("lever", "acme"), "https://acme.example/careers", ["link"]),
               FoundBoard(Board("greenhouse", "acme"), "https://acme.example/careers", ["script"])])
    state.add([FoundBoard(Board("lever", "acme"), "https://acme.example/careers", ["request"])])
    assert save_discovery(mongo_db, state, at=AT, crawl_id="c1") == 2
    boards = {doc["ats"]: doc for doc in mongo_db["boards"].find({})}
    assert set(boards) == {"lever", "greenhouse"}
    assert boards["lever"]["found_on"] == "https://acme.example/careers"
    assert boards["lever"]["source"] == "discover"
    record = mongo_db["discoveries"].find_one({"url": "https://acme.example/"})
    assert record["status"] == "found" and record["reason"] is None
    assert [b["via"] for b in record["boards"] if b["ats"] == "lever"] == [["link", "request"]]

    # Re-discovering the same URL registers nothing new and keeps one record, first_at unchanged.
    assert save_discovery(mongo_db, state, at=LATER, crawl_id="c2") == 0
    assert mongo_db["discoveries"].count_documents({}) == 1
    record = mongo_db["discoveries"].find_one({})
    assert record["first_at"] == AT and record["at"] == LATER and record["crawl_id"] == "c2"


def test_reasons_when_no_board_is_found(mongo_db: Database) -> None:
    failed = Discovery("https://down.example/", errors=["TimeoutError at https://down.example/: Timeout 30000ms"])
    save_discovery(mongo_db, failed, at=AT, crawl_id="c1")
    unfinished = Discovery("https://slow.example/", pages=["https://slow.example/"],
                           candidates=["https://slow.example/jobs"])
    save_discovery(mongo_db, unfinished, at=AT, crawl_id="c1", unfinished="shutdown")
    records = {doc["url"]: doc for doc in mongo_db["discoveries"].find({})}
    assert records["https://down.example/"]["status"] == "failed"
    assert records["https://down.example/"]["reason"].startswith("TimeoutError at https://down.example/")
    assert records["https://slow.example/"]["status"] == "failed"
    assert records["https://slow.example/"]["reason"] == "crawl ended before discovery finished (shutdown)"
    assert mongo_db["boards"].count_documents({}) == 0
