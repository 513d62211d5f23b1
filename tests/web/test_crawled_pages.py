"""The pages render documents produced by real `scrapy crawl lever` runs (writer, dedup and scoring stages)."""

from __future__ import annotations

import copy
import re
from datetime import UTC, datetime

from pymongo.database import Database
from starlette.testclient import TestClient

from crawlerats.scoring.signals import GREEN_FLAGS, RED_FLAGS
from crawlerats.web import create_app
from tests.lever_boards import SPOTIFY, load, serve_lever
from tests.support.ats_server import AtsServer
from tests.support.crawl import run_crawl
from tests.web.test_routes import field, job_ids

ANDROID = "2193db3f-77c5-43b8-b030-8f92c9882bf1"


def test_crawled_postings_render_every_section(ats_server: AtsServer, crawl_settings: dict,
                                               mongo_db: Database) -> None:
    board = load(SPOTIFY)
    android = next(p for p in board if p["id"] == ANDROID)
    others = [p for p in board if p["id"] != ANDROID]
    serve_lever(ats_server, "spotify", board)
    run_crawl("lever", {"companies": "spotify"}, {**crawl_settings, "CRAWLERATS_NOW": "2026-06-25T08:00:00Z"})
    # The role disappears, then comes back under a new id: the dedup stage links it as a repost.
    serve_lever(ats_server, "spotify", others)
    run_crawl("lever", {"companies": "spotify"}, {**crawl_settings, "CRAWLERATS_NOW": "2026-07-10T08:00:00Z"})
    repost = copy.deepcopy(android)
    repost.update(id="android-repost", hostedUrl="https://jobs.lever.co/spotify/android-repost",
                  applyUrl="https://jobs.lever.co/spotify/android-repost/apply",
                  createdAt=int(datetime(2026, 7, 30, tzinfo=UTC).timestamp() * 1000))
    serve_lever(ats_server, "spotify", [*others, repost])
    run_crawl("lever", {"companies": "spotify"}, {**crawl_settings, "CRAWLERATS_NOW": "2026-08-01T08:00:00Z"})

    stored = mongo_db["jobs"].find_one({"job_id": "android-repost"})
    assert stored["health"]["signals"] and stored["repost_of"]["job_id"] == ANDROID, stored.get("repost_of")
    with TestClient(create_app(mongo_db, cache_seconds=0)) as client:
        listing = client.get("/jobs?status=any").text
        assert set(job_ids(listing)) == {p["id"] for p in board} | {"android-repost"}

        html = client.get("/jobs/lever/spotify/android-repost").text
        assert '<h1 id="job-title" class="title-text">Android Engineer - Experience</h1>' in html
        assert 'href="https://jobs.lever.co/spotify/android-repost/apply" target="_blank" rel="noopener noreferrer"' in html
        assert re.search(r'id="job-meta">\s*Engineering · Full-time · via lever\s*</p>', html)
        assert "consumer experience" in html.split('id="description"')[1]
        assert field(html, "posted") == "July 30, 2026"
        assert field(html, "first_seen") == "August 1, 2026" and field(html, "last_seen") == "August 1, 2026"
        health = stored["health"]
        assert field(html, "risk") == health["risk_label"]
        assert field(html, "ghost_score") == f"{health['ghost_score']}%"
        assert field(html, "days_active") == str(health["days_active"])
        assert field(html, "repost_count") == str(health["repost_count"]) == "1"
        assert field(html, "scored_at") == "August 1, 2026"
        rendered = re.findall(r'data-signal="([^"]+)"', html)
        # The six red flags in the reference order, then the green flags (the base rate is not a signal row).
        assert rendered == [*RED_FLAGS, *(k for k in GREEN_FLAGS if k in {s["key"] for s in health["signals"]})]
        assert len(rendered) == len(health["signals"]) - 1  # every signal but the base rate
        assert f'href="/jobs/lever/spotify/{ANDROID}"' in html.split('id="earlier-postings"')[1]
        assert "None" not in html

        closed = client.get(f"/jobs/lever/spotify/{ANDROID}").text
        assert field(closed, "closed") == "July 10, 2026" and 'href="/jobs/lever/spotify/android-repost"' in closed

        company = client.get("/companies/lever/spotify").text
        assert re.search(r'data-field="open_count">2<', company) and re.search(r'data-field="reposts">1<', company)
        stats = client.get("/stats").text
        assert len(re.findall(r'<tr class="crawl"', stats)) == 3 and "None" not in stats
