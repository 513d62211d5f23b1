"""ScoringPipeline in process, then end to end: real `scrapy crawl lever` runs with CRAWLERATS_NOW.

A fresh, specific Spotify posting must come out Low (10-20); the same role reposted twice, open 120 days and
vague must come out High or Very High, with a breakdown that adds up to the score.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime, timedelta

from pymongo.database import Database
from scrapy.utils.test import get_crawler

from crawlerats.items import JobItem, state_of
from crawlerats.pipelines.scoring import ScoringPipeline
from crawlerats.scoring.config import effective_config
from crawlerats.scoring.rescore import rescore_open
from tests.lever_boards import SPOTIFY, load, serve_lever
from tests.support.ats_server import AtsServer
from tests.support.crawl import run_crawl

ANDROID = "2193db3f-77c5-43b8-b030-8f92c9882bf1"
FRESH_NOW = "2026-06-25T08:00:00Z"  # two days after the Android posting's createdAt (2026-06-23)
VAGUE_HTML = ("<p>We are a fast-paced, dynamic team looking for a rockstar self-starter who can wear many hats. "
              "Competitive salary. Exciting opportunity! Apply now.</p>")


def _pipeline(now: str = "2026-09-01T00:00:00Z", **settings) -> ScoringPipeline:
    crawler = get_crawler(settings_dict={"CRAWLERATS_NOW": now, **settings})
    crawler.stats.open_spider()
    return ScoringPipeline.from_crawler(crawler)


def _item(**fields) -> JobItem:
    base = {"ats": "lever", "company": "acme", "job_id": "1", "title": "Backend Engineer", "locations": [],
            "salary": None, "description_text": "Build things. " * 150, "posted_at": None}
    return JobItem(**{**base, **fields})


def _points(health: dict) -> dict[str, int]:
    return {s["key"]: s["points"] for s in health["signals"]}


# ------------------------------------------------------------------------------------------ in process

def test_new_item_is_first_seen_now_and_scored() -> None:
    pipeline = _pipeline()
    item = pipeline.process_item(_item())
    health = item["health"]
    assert health["days_active"] == 0 and health["scored_at"] == datetime(2026, 9, 1, tzinfo=UTC)
    assert health["ghost_score"] == sum(_points(health).values())
    assert pipeline.crawler.stats.get_value(f"crawlerats/health/{health['risk']}") == 1


def test_stored_document_supplies_first_seen_and_dedup_facts() -> None:
    pipeline = _pipeline()
    item = _item()
    state_of(item).stored = {"first_seen": datetime(2026, 5, 1, tzinfo=UTC), "repost_count": 1, "status": "closed",
                    "closed_at": datetime(2026, 6, 1, tzinfo=UTC),
                    "earlier_postings": [{"job_id": "0", "first_seen": datetime(2026, 1, 1, tzinfo=UTC),
                                          "closed_at": datetime(2026, 3, 1, tzinfo=UTC)}]}
    health = pipeline.process_item(item)["health"]
    # Seen again now, so open again: scored up to now, not to the old closed_at.
    assert health["days_active"] == 123
    assert _points(health)["repost_detected"] == 10
    # Values set on the item by the dedup stage win over the stored ones.
    item = _item(repost_count=2, earlier_postings=[])
    state_of(item).stored = {"first_seen": datetime(2026, 8, 30, tzinfo=UTC), "repost_count": 1}
    assert _points(pipeline.process_item(item)["health"])["repost_detected"] == 15


def test_scoring_setting_changes_weights_and_version() -> None:
    default = _pipeline().process_item(_item())["health"]
    tuned = _pipeline(CRAWLERATS_SCORING=json.dumps({"signals": {"no_salary": {"points": 8}}})).process_item(_item())
    assert _points(tuned["health"])["no_salary"] == 8 and _points(default)["no_salary"] == 5
    assert tuned["health"]["version"] != default["version"] == effective_config()["version"]


# ------------------------------------------------------------------------------------------ end to end

def test_fresh_specific_posting_crawled_is_low(ats_server: AtsServer, crawl_settings: dict, mongo_db: Database) -> None:
    serve_lever(ats_server, "spotify", load(SPOTIFY))
    run_crawl("lever", {"companies": "spotify"}, {**crawl_settings, "CRAWLERATS_NOW": FRESH_NOW})
    docs = list(mongo_db["jobs"].find())
    assert docs and all(d.get("health") for d in docs)
    health = mongo_db["jobs"].find_one({"job_id": ANDROID})["health"]
    points = _points(health)
    assert health["risk"] == "low" and health["risk_label"] == "Low Risk"
    assert 10 <= health["ghost_score"] <= 20
    assert health["ghost_score"] == sum(points.values())
    assert health["days_active"] == 1
    # base 20 + no salary (London: no pay-transparency law) 5 - fresh 5 - team "Experience" named 3 = 17
    assert points == {"base_rate": 20, "days_active": 0, "no_salary": 5, "stale_signals": 0, "repost_detected": 0,
                      "duplicate_at_company": 0, "description_vagueness": 0, "salary_disclosed": 0,
                      "fresh_posting": -5, "team_or_manager_named": -3, "interview_process": 0,
                      "employer_confirmed": 0}
    assert health["scored_at"] == datetime(2026, 6, 25, 8, tzinfo=UTC)
    assert health["version"] == effective_config()["version"]


def _vague_repost_board(now: datetime) -> list[dict]:
    posting = copy.deepcopy(load(SPOTIFY)[0])
    posting.update(id="repost-3", description=VAGUE_HTML, descriptionPlain="", lists=[], additional="",
                   createdAt=int((now - timedelta(days=120)).timestamp() * 1000))
    posting["categories"] = {**posting["categories"], "team": None}
    return [posting]


def test_reposted_old_vague_role_is_high(ats_server: AtsServer, crawl_settings: dict, mongo_db: Database) -> None:
    now = datetime(2026, 11, 2, 8, tzinfo=UTC)
    opened = now - timedelta(days=120)
    # The dedup stage records the chain; until it runs in the crawl, seed what it stores: two earlier closed
    # postings of the role and the chain on the current posting (first seen when it was published).
    earlier = []
    for n, (start, end) in enumerate([(opened - timedelta(days=200), opened - timedelta(days=120)),
                                      (opened - timedelta(days=100), opened - timedelta(days=20))], start=1):
        earlier.append({"job_id": f"repost-{n}", "title": "Android Engineer - Experience", "first_seen": start,
                        "last_seen": end, "closed_at": end, "posted_at": start})
        mongo_db["jobs"].insert_one({"ats": "lever", "company": "spotify", "job_id": f"repost-{n}",
                                     "title": "Android Engineer - Experience", "status": "closed",
                                     "first_seen": start, "last_seen": end, "closed_at": end,
                                     "description_html": VAGUE_HTML})
    mongo_db["jobs"].insert_one({"ats": "lever", "company": "spotify", "job_id": "repost-3", "status": "open",
                                 "first_seen": opened, "last_seen": now - timedelta(days=1),
                                 "updated_seen_at": opened, "repost_count": 2, "earlier_postings": earlier,
                                 "repost_of": {"ats": "lever", "company": "spotify", "job_id": "repost-2"}})
    serve_lever(ats_server, "spotify", _vague_repost_board(now))
    run_crawl("lever", {"companies": "spotify"}, {**crawl_settings, "CRAWLERATS_NOW": now.isoformat()})

    crawled = mongo_db["jobs"].find_one({"job_id": "repost-3"})["health"]
    assert crawled["days_active"] == 120
    assert crawled["risk"] in ("high", "very_high"), crawled

    # The daily rescore reads the stored chain (the crawl stage gets it from the dedup stage): an hour later
    # nothing in health changed, so nothing is written; the health below is the crawl's.
    assert rescore_open(mongo_db, now + timedelta(hours=1), effective_config()) == 0
    health = mongo_db["jobs"].find_one({"job_id": "repost-3"})["health"]
    points = _points(health)
    assert health["risk"] in ("high", "very_high") and health["ghost_score"] >= 60
    assert health["ghost_score"] == min(100, sum(points.values()))
    assert points["days_active"] == 30 and points["repost_detected"] == 15
    assert points["description_vagueness"] == 10 and points["no_salary"] == 5 and points["stale_signals"] == 5
    assert points["fresh_posting"] == 0 and points["team_or_manager_named"] == 0
    evidence = {s["key"]: s["evidence"] for s in health["signals"]}
    assert "repost-1" in evidence["repost_detected"] and "repost-2" in evidence["repost_detected"]
    assert "Open 120 days" in evidence["days_active"]
    assert "rockstar" in evidence["description_vagueness"]
    assert "unchanged for 120 days" in evidence["stale_signals"]
    # 20 base + 30 (120 d) + 5 no pay + 5 unchanged + 15 (2 reposts) + 10 vague = 85
    assert health["ghost_score"] == 85 and health["risk"] == "very_high"
    # Closed earlier postings are not rescored.
    assert mongo_db["jobs"].count_documents({"status": "closed", "health": {"$exists": True}}) == 0
