"""`scrapy crawl discover` end to end with the real Chromium: boards inserted by JavaScript after load are
found in links, iframes, scripts and network requests, registered in `boards`, explained in `discoveries`,
and a following `scrapy crawl lever` crawls the discovered board."""

from __future__ import annotations

import urllib.request
from pathlib import Path

import pytest
from pymongo.database import Database

from crawlerats.detect import detect_all
from tests.discovery.conftest import PagesServer
from tests.lever_boards import SPOTIFY, load, serve_lever
from tests.support.ats_server import AtsServer
from tests.support.crawl import run_crawl

JS_PAGES = ("greenhouse.html", "several.html", "careers.html")


def test_embeds_are_invisible_to_plain_http(pages: PagesServer) -> None:
    """The pages insert their ATS embeds with JavaScript: fetching the HTML shows no board URL at all."""
    for name in JS_PAGES:
        with urllib.request.urlopen(pages.url(name), timeout=10) as reply:
            html = reply.read().decode()
        assert "<script>" in html
        assert detect_all(html) == [], name


def _boards(db: Database) -> dict[str, dict]:
    return {f"{doc['ats']}:{doc['company']}": doc for doc in db["boards"].find({})}


def _discoveries(db: Database) -> dict[str, dict]:
    return {doc["url"]: doc for doc in db["discoveries"].find({})}


@pytest.mark.browser
def test_discover_registers_boards_and_explains_pages_without_one(
        pages: PagesServer, db_settings: dict, mongo_db: Database, process_marker, tmp_path: Path) -> None:
    env, leftovers = process_marker
    urls_file = tmp_path / "careers.txt"
    urls_file.write_text("\n".join([
        "# careers pages to discover",
        pages.url("greenhouse.html"),
        pages.url("several.html") + "   # four ATSs at once",
        pages.url("none.html"),
        pages.url("home.html"),
        pages.url("deadend.html"),
        pages.url("missing.html"),
        "https://jobs.lever.co/directco",
        "",
    ]))
    result = run_crawl("discover", {"urls_file": str(urls_file)},
                       {**db_settings, "PLAYWRIGHT_MAX_PAGES_PER_CONTEXT": 2}, env=env)
    stats = result.stats
    assert stats["crawlerats/discover/start_urls"] == 7
    assert stats["crawlerats/discover/found"] == 4 and stats["crawlerats/discover/none"] == 3
    assert stats["crawlerats/discover/boards_registered"] == 7
    # every page that opened was closed, at most the configured number at once
    assert stats["playwright/page_count"] == stats["playwright/page_count/closed"]
    assert stats["playwright/page_count/max_concurrent"] <= 2
    # no Chromium (or any other child) of the crawl outlives it
    assert leftovers() == []

    boards = _boards(mongo_db)
    assert set(boards) == {"greenhouse:acmeco", "lever:leverco", "ashby:ashbyco", "bamboohr:bambooco",
                           "workable:workableco", "lever:hopco", "lever:directco"}
    assert {doc["source"] for doc in boards.values()} == {"discover"}
    assert boards["lever:hopco"]["found_on"] == pages.url("careers.html")  # the hop page, not the start
    assert boards["workable:workableco"]["found_on"] == pages.url("several.html")
    assert boards["lever:directco"]["found_on"] == "https://jobs.lever.co/directco"

    found = _discoveries(mongo_db)
    assert len(found) == 7

    greenhouse = found[pages.url("greenhouse.html")]
    assert greenhouse["status"] == "found" and greenhouse["reason"] is None
    assert [(b["ats"], b["company"], b["via"]) for b in greenhouse["boards"]] == [
        ("greenhouse", "acmeco", ["script", "request"])]

    several = {f"{b['ats']}:{b['company']}": b for b in found[pages.url("several.html")]["boards"]}
    assert several["lever:leverco"]["via"] == ["link"]
    assert several["ashby:ashbyco"]["via"][0] == "iframe"
    assert several["bamboohr:bambooco"]["via"][0] == "script"
    assert several["workable:workableco"]["via"] == ["request"]  # only a fetch() revealed it
    assert {b["found_on"] for b in several.values()} == {pages.url("several.html")}

    hop = found[pages.url("home.html")]
    assert hop["pages"] == [pages.url("home.html"), pages.url("careers.html")]
    assert [(b["company"], b["found_on"]) for b in hop["boards"]] == [("hopco", pages.url("careers.html"))]

    none = found[pages.url("none.html")]
    assert none["status"] == "none" and none["boards"] == []
    assert "no ATS board" in none["reason"] and "no careers/jobs link" in none["reason"]

    deadend = found[pages.url("deadend.html")]
    assert deadend["pages"] == [pages.url("deadend.html"), pages.url("none.html")]
    assert "2 rendered page(s)" in deadend["reason"]

    missing = found[pages.url("missing.html")]
    assert missing["status"] == "failed" and "http_404" in missing["reason"]

    direct = found["https://jobs.lever.co/directco"]
    assert direct["boards"][0]["via"] == ["url"]  # a board URL needs no rendering

    # A second run updates the same records instead of adding new ones.
    run_crawl("discover", {"urls": "https://jobs.lever.co/directco"}, db_settings)
    assert mongo_db["discoveries"].count_documents({}) == 7
    assert mongo_db["boards"].count_documents({}) == 7


@pytest.mark.browser
def test_page_limit_stops_the_careers_hop(pages: PagesServer, db_settings: dict, mongo_db: Database) -> None:
    run_crawl("discover", {"urls": pages.url("home.html")}, {**db_settings, "CRAWLERATS_DISCOVER_MAX_PAGES": 1})
    record = mongo_db["discoveries"].find_one({"url": pages.url("home.html")})
    assert record["pages"] == [pages.url("home.html")]
    assert "CRAWLERATS_DISCOVER_MAX_PAGES" in record["reason"]
    assert mongo_db["boards"].count_documents({}) == 0


@pytest.mark.browser
def test_a_following_ats_crawl_reads_the_discovered_board(
        pages: PagesServer, db_settings: dict, crawl_settings: dict, ats_server: AtsServer,
        mongo_db: Database) -> None:
    run_crawl("discover", {"urls": pages.url("home.html")}, db_settings)
    assert [(b["ats"], b["company"]) for b in mongo_db["boards"].find({})] == [("lever", "hopco")]

    postings = load(SPOTIFY)
    serve_lever(ats_server, "hopco", postings)
    result = run_crawl("lever", {}, {**crawl_settings, "CRAWLERATS_NOW": db_settings["CRAWLERATS_NOW"]})
    assert result.stats["crawlerats/boards/ok"] == 1
    assert result.stats["crawlerats/items/stored"] == len(postings)
    assert not [key for key in result.stats if key.startswith("playwright/")]  # API spiders: no browser
    stored = {doc["job_id"] for doc in mongo_db["jobs"].find({"ats": "lever", "company": "hopco"})}
    assert stored == {p["id"] for p in postings}
