"""The board registry (`crawlerats.registry`), the `crawlerats boards` command, and spiders crawling every
registered board of their ATS when run without `companies`."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest
from pymongo.errors import DuplicateKeyError

from crawlerats.board import Board
from crawlerats.cli.boards import read_entries
from crawlerats.registry import add_boards, list_boards, record_outcomes, register
from tests.support.ats_server import file_reply, json_reply
from tests.support.crawl import run_crawl
from tests.support.paths import REPO, fixture

T0 = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
T1 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def test_add_boards_upserts_without_overwriting_added_at(mongo_db) -> None:
    boards = [Board("lever", "spotify"), Board("lever", "acme", (("eu", True),)), Board("lever", "spotify")]
    assert add_boards(mongo_db, boards, "cli", now=T0) == 2
    again = [Board("lever", "spotify", name="Spotify"), Board("recruitee", "acme")]
    assert register(mongo_db, again, "discovery", found_on="https://spotify.com/jobs", now=T1) == [again[1]]
    docs = {(d["ats"], d["company"]): d for d in list_boards(mongo_db)}
    spotify = docs["lever", "spotify"]
    assert spotify["added_at"] == T0 and spotify["source"] == "cli"  # first registration wins
    assert spotify["company_name"] == "Spotify"  # a display name given later is kept
    assert spotify["url"] == "https://jobs.lever.co/spotify" and spotify["params"] == {}
    assert docs["lever", "acme"]["params"] == {"eu": True}
    assert docs["lever", "acme"]["url"] == "https://jobs.eu.lever.co/acme"
    assert docs["lever", "acme"]["company_name"] == "acme"
    recruitee = docs["recruitee", "acme"]
    assert recruitee["source"] == "discovery" and recruitee["found_on"] == "https://spotify.com/jobs"
    assert recruitee["added_at"] == T1 and "_id" not in recruitee
    assert [(d["ats"], d["company"]) for d in list_boards(mongo_db)] == [
        ("lever", "acme"), ("lever", "spotify"), ("recruitee", "acme")]
    assert [d["company"] for d in list_boards(mongo_db, "recruitee")] == ["acme"]
    assert add_boards(mongo_db, [], "cli") == 0
    with pytest.raises(DuplicateKeyError):  # (ats, company) is unique
        mongo_db.boards.insert_one({"ats": "lever", "company": "spotify"})


def test_record_outcomes(mongo_db) -> None:
    add_boards(mongo_db, [Board("breezy", "acme")], "cli", now=T0)
    record_outcomes(mongo_db, [
        {"ats": "breezy", "company": "acme", "outcome": "ok", "items": 12, "reason": None},
        {"ats": "breezy", "company": "walkin", "outcome": "failed", "items": 0, "reason": "http_404 at https://x"},
    ], "breezy-1", T1)
    record_outcomes(mongo_db, [{"ats": "breezy", "company": "acme", "outcome": "truncated", "items": 3,
                                "reason": "cap"}], "breezy-2", T1)
    docs = {d["company"]: d for d in list_boards(mongo_db, "breezy")}
    acme = docs["acme"]
    assert acme["last_crawl"] == {"at": T1, "outcome": "truncated", "items": 3, "crawl_id": "breezy-2", "reason": "cap"}
    assert acme["outcome_counts"] == {"ok": 1, "truncated": 1}
    assert acme["source"] == "cli" and acme["added_at"] == T0
    walkin = docs["walkin"]  # crawled by id without being registered: registered now
    assert walkin["source"] == "crawl" and walkin["added_at"] == T1 and walkin["params"] == {}
    assert walkin["last_crawl"]["outcome"] == "failed" and walkin["last_crawl"]["reason"].startswith("http_404")
    assert walkin["url"] == "https://walkin.breezy.hr"


def test_read_entries_csv_and_plain() -> None:
    csv_text = "Name,URL,notes\nSpotify,https://jobs.lever.co/spotify,x\n,https://acme.breezy.hr,\n\"Big, Co\",bad,\n"
    assert list(read_entries(csv_text)) == [(2, "https://jobs.lever.co/spotify", "Spotify"),
                                            (3, "https://acme.breezy.hr", None), (4, "bad", "Big, Co")]
    plain = "# my boards\nhttps://jobs.lever.co/spotify\n\n  acme.recruitee.com   # comment\n"
    assert list(read_entries(plain)) == [(2, "https://jobs.lever.co/spotify", None), (4, "acme.recruitee.com", None)]


def _cli(args: list[str], mongo_uri: str, db_name: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MONGO_URI": mongo_uri, "MONGO_DATABASE": db_name}
    return subprocess.run([sys.executable, "-c", "import sys; from crawlerats.cli import main; sys.exit(main())",
                           *args], cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def test_boards_cli_then_registry_crawl(tmp_path: Path, mongo_uri, mongo_db, mongo_db_name, ats_server,
                                        crawl_settings) -> None:
    add = _cli(["boards", "add", "https://acme.recruitee.com/o/some-job", "https://www.recruitee.com/",
                "https://jobs.lever.co/spotify"], mongo_uri, mongo_db_name)
    assert add.returncode == 1, add.stderr  # one URL was rejected
    assert "added     https://acme.recruitee.com/o/some-job: recruitee:acme" in add.stdout
    assert "rejected  https://www.recruitee.com/: cannot tell the ATS" in add.stdout
    assert add.stdout.splitlines()[-1] == "2 added, 0 already present, 1 rejected"

    listing = tmp_path / "boards.csv"
    listing.write_text("url,name\nhttps://acme.recruitee.com,Acme GmbH\nhttps://minimal.recruitee.com/\n"
                       "https://example.com/careers,Nope\nftp://x.breezy.hr,\n")
    imported = _cli(["boards", "import", str(listing)], mongo_uri, mongo_db_name)
    assert imported.returncode == 1
    assert "present   line 2 (https://acme.recruitee.com): recruitee:acme" in imported.stdout
    assert "added     line 3 (https://minimal.recruitee.com/): recruitee:minimal" in imported.stdout
    assert "rejected  line 4 (https://example.com/careers): cannot tell the ATS" in imported.stdout
    assert "not an http(s) URL" in imported.stdout
    assert imported.stdout.splitlines()[-1] == "1 added, 1 already present, 2 rejected"
    acme = mongo_db.boards.find_one({"ats": "recruitee", "company": "acme"})
    assert acme["company_name"] == "Acme GmbH" and acme["source"] == "cli"

    ats_server.route("GET", "acme.recruitee.com/api/offers/", file_reply(fixture("recruitee/sanitized-acme_careerkit.json")))
    ats_server.route("GET", "minimal.recruitee.com/api/offers/", json_reply({"offers": [{"id": 1, "title": "Dev"}]}))
    result = run_crawl("recruitee", {}, {**crawl_settings, "CRAWLERATS_NOW": "2026-09-01T00:00:00Z"})
    assert "Crawling 2 recruitee board(s) from registry" in result.log
    assert result.stats["crawlerats/boards/ok"] == 2
    jobs = {(d["company"], d["job_id"]): d for d in mongo_db.jobs.find({"ats": "recruitee"})}
    assert set(jobs) == {("acme", "2700825"), ("acme", "2697184"), ("minimal", "1")}
    assert jobs["minimal", "1"]["company_name"] == "minimal"
    assert mongo_db.jobs.count_documents({"ats": "lever"}) == 0  # other ATSs' boards are not crawled

    shown = _cli(["boards", "list", "--ats", "recruitee"], mongo_uri, mongo_db_name)
    assert shown.returncode == 0, shown.stderr
    lines = shown.stdout.splitlines()
    assert lines[0].split() == ["ATS", "BOARD", "NAME", "ADDED", "LAST", "CRAWL", "URL"]
    assert lines[1].startswith("recruitee") and "Acme GmbH" in lines[1] and "https://acme.recruitee.com" in lines[1]
    assert "ok (2 items)" in lines[1]  # recorded by the crawl-record extension through record_outcomes
    assert lines[-1] == "2 board(s)"
    everything = _cli(["boards", "list"], mongo_uri, mongo_db_name)
    assert everything.stdout.splitlines()[-1] == "3 board(s)" and "lever" in everything.stdout
