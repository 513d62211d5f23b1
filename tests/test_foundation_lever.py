"""Foundation end to end: `scrapy crawl lever` on the real Lever payloads into a real MongoDB-wire server."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path

from pymongo.database import Database

from tests.lever_boards import SPOTIFY, VOLTUS, load, serve_lever, varied
from tests.support.ats_server import AtsServer
from tests.support.crawl import run_crawl

NOW = "2026-09-01T08:00:00Z"
LATER = "2026-09-03T08:00:00Z"


def _crawl_real_boards(ats_server: AtsServer, crawl_settings: dict, now: str = NOW):
    serve_lever(ats_server, "spotify", load(SPOTIFY))
    serve_lever(ats_server, "voltus", load(VOLTUS))
    return run_crawl("lever", {"companies": "spotify,https://jobs.lever.co/voltus"},
                     {**crawl_settings, "CRAWLERATS_NOW": now})


def test_lever_documents_match_the_contract(ats_server: AtsServer, crawl_settings: dict, mongo_db: Database) -> None:
    result = _crawl_real_boards(ats_server, crawl_settings)
    assert result.stats["crawlerats/items/stored"] == 5
    assert result.stats["crawlerats/boards/ok"] == 2
    jobs = mongo_db["jobs"]
    assert jobs.count_documents({}) == 5

    android = jobs.find_one({"ats": "lever", "company": "spotify", "job_id": "2193db3f-77c5-43b8-b030-8f92c9882bf1"})
    assert android is not None
    assert android["title"] == "Android Engineer - Experience"
    assert android["department"] == "Engineering" and android["team"] == "Experience"
    assert android["employment_type"] == "full_time" and android["employment_type_raw"] == "Permanent"
    assert android["locations"] == [
        {"raw": "London", "city": "London", "region": None, "country": "GB"},
        {"raw": "Stockholm", "city": "Stockholm", "region": None, "country": "SE"},
    ]
    assert android["location"] == "London; Stockholm"
    assert android["salary"] is None and android["salary_raw"] is None
    assert android["posted_at"] == datetime(2026, 6, 23, 11, 29, 45, 805000, tzinfo=UTC)
    assert android["posted_at_raw"] == "1782214185805"
    assert android["url"] == "https://jobs.lever.co/spotify/2193db3f-77c5-43b8-b030-8f92c9882bf1"
    assert android["apply_url"].endswith("/apply")
    assert android["first_seen"] == android["last_seen"] == datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
    assert android["status"] == "open"
    assert "What You'll Do" in android["description_text"]
    assert "<h3>What You'll Do</h3>" in android["description_html"]

    director = jobs.find_one({"company": "voltus", "title": "Director of Communications"})
    assert director is not None
    assert director["salary"] == {"min": 180000.0, "max": 210000.0, "currency": "USD", "interval": "year",
                                  "raw": "USD 180,000 - 210,000 per year", "annual_min": 180000.0,
                                  "annual_max": 210000.0}  # the annual range: added by the validation stage
    assert director["salary_raw"] == {"salaryRange": {"min": 180000, "max": 210000, "currency": "USD",
                                                      "interval": "per-year-salary"}}
    assert director["workplace_type"] == "remote"
    assert director["locations"] == [{"raw": "Remote", "city": None, "region": None, "country": "US"}]
    # descriptionPlain is empty in this payload: the text comes from the HTML.
    assert director["description_text"] and "About Voltus" in director["description_text"]
    for doc in jobs.find():
        html = doc["description_html"] or ""
        assert "<script" not in html and "style=" not in html
        assert not re.search(r"<[^>]+\son\w+\s*=", html)


def test_rerun_is_idempotent_and_keeps_first_seen(ats_server: AtsServer, crawl_settings: dict,
                                                  mongo_db: Database) -> None:
    _crawl_real_boards(ats_server, crawl_settings, NOW)
    before = {d["job_id"]: d for d in mongo_db["jobs"].find()}
    _crawl_real_boards(ats_server, crawl_settings, LATER)
    after = {d["job_id"]: d for d in mongo_db["jobs"].find()}
    assert set(after) == set(before) and len(after) == 5
    for job_id, doc in after.items():
        assert doc["first_seen"] == before[job_id]["first_seen"] == datetime(2026, 9, 1, 8, 0, tzinfo=UTC)
        assert doc["last_seen"] == datetime(2026, 9, 3, 8, 0, tzinfo=UTC)
    names = {idx["name"] for idx in mongo_db["jobs"].list_indexes()}
    assert "ats_company_job_id" in names


def test_bad_postings_are_dropped_with_reasons(ats_server: AtsServer, crawl_settings: dict,
                                               mongo_db: Database) -> None:
    good = load(VOLTUS)
    no_title = dict(good[0], id="no-title", text="")
    no_id = dict(good[1])
    no_id.pop("id")
    wrong_types = dict(good[2], id="wrong-types", categories="not a dict")
    duplicate = dict(good[0])
    serve_lever(ats_server, "mixed", [no_title, no_id, wrong_types, *good, duplicate])
    result = run_crawl("lever", {"companies": "mixed"}, {**crawl_settings, "CRAWLERATS_NOW": NOW})
    assert result.stats["crawlerats/dropped/missing_title"] == 1
    assert result.stats["crawlerats/dropped/missing_identity"] == 1
    assert result.stats["crawlerats/dropped/parse_error"] == 1
    assert result.stats["crawlerats/dropped/duplicate_in_run"] == 1
    assert sorted(d["job_id"] for d in mongo_db["jobs"].find()) == sorted(p["id"] for p in good)
    assert result.stats["finish_reason"] == "finished"


def test_paging_and_eu_instance(ats_server: AtsServer, crawl_settings: dict, mongo_db: Database) -> None:
    serve_lever(ats_server, "big", varied(load(SPOTIFY), 230, "big"))
    serve_lever(ats_server, "euco", varied(load(VOLTUS), 3, "euco"), eu=True)
    result = run_crawl("lever", {"companies": "big,https://jobs.eu.lever.co/euco"},
                       {**crawl_settings, "CRAWLERATS_NOW": NOW})
    assert mongo_db["jobs"].count_documents({"company": "big"}) == 230
    assert mongo_db["jobs"].count_documents({"company": "euco"}) == 3
    skips = sorted(int(q["skip"]) for _, path, q, _ in ats_server.requests if path.endswith("/big"))
    assert skips == [0, 100, 200]
    assert any(path.startswith("/api.eu.lever.co/") for _, path, _, _ in ats_server.requests)
    assert result.stats["crawlerats/boards/ok"] == 2


def test_failed_board_is_recorded_and_others_stored(ats_server: AtsServer, crawl_settings: dict,
                                                    mongo_db: Database) -> None:
    serve_lever(ats_server, "spotify", load(SPOTIFY))
    result = run_crawl("lever", {"companies": "spotify,missing"},
                       {**crawl_settings, "CRAWLERATS_NOW": NOW, "RETRY_TIMES": 0})
    assert result.stats["crawlerats/boards/failed"] == 1
    assert result.stats["crawlerats/boards/ok"] == 1
    assert mongo_db["jobs"].count_documents({}) == 2
    assert "Board lever:missing failed: http_404" in result.log


def test_feed_export_writes_normalised_items(ats_server: AtsServer, crawl_settings: dict, mongo_db: Database,
                                             tmp_path: Path) -> None:
    serve_lever(ats_server, "voltus", load(VOLTUS))
    out = tmp_path / "jobs.jsonl"
    run_crawl("lever", {"companies": "voltus"}, {**crawl_settings, "CRAWLERATS_NOW": NOW}, extra=["-O", str(out)])
    rows = [json.loads(line) for line in out.read_text().splitlines()]
    assert len(rows) == 3
    assert {r["ats"] for r in rows} == {"lever"}
    assert all(r["salary"]["currency"] == "USD" for r in rows)
    assert all(r["posted_at"].startswith("2026-06-") for r in rows)


def test_companies_file_and_scrapyd_extra_args(ats_server: AtsServer, crawl_settings: dict, mongo_db: Database,
                                               tmp_path: Path) -> None:
    serve_lever(ats_server, "spotify", load(SPOTIFY))
    serve_lever(ats_server, "voltus", load(VOLTUS))
    boards = tmp_path / "boards.txt"
    boards.write_text("# my boards\nspotify\n\nhttps://jobs.lever.co/voltus/\n")
    result = run_crawl("lever", {"companies_file": str(boards), "_job": "job-123", "_version": "1"},
                       {**crawl_settings, "CRAWLERATS_NOW": NOW})
    assert result.stats["crawlerats/boards/ok"] == 2
    assert mongo_db["jobs"].count_documents({"crawl_id": "job-123"}) == 5


def test_invalid_arguments_stop_the_crawl_with_a_message(crawl_settings: dict) -> None:
    bad_shard = run_crawl("lever", {"companies": "x", "shard": "4/3"}, crawl_settings, check=False)
    assert bad_shard.returncode != 0 and "shard" in bad_shard.log and "1 <= I <= N" in bad_shard.log
    wrong_ats = run_crawl("lever", {"companies": "https://boards.greenhouse.io/acme"}, crawl_settings, check=False)
    assert wrong_ats.returncode != 0
    assert "Invalid argument companies: 'https://boards.greenhouse.io/acme' is a greenhouse board" in wrong_ats.log
    missing_file = run_crawl("lever", {"companies_file": "/nonexistent/boards.txt"}, crawl_settings, check=False)
    assert missing_file.returncode != 0 and "companies_file" in missing_file.log
