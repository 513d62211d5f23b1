"""A crawl that sees a promoted posting again keeps `promotion` and the `employer_confirmed` signal: the
scoring stage reads `promotion` from the stored document (the crawl itself never writes it)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from pymongo.database import Database

from crawlerats.promote import store
from crawlerats.promote.flow import rescorer
from tests.lever_boards import SPOTIFY, load, serve_lever
from tests.support.ats_server import AtsServer
from tests.support.crawl import run_crawl

ANDROID = "2193db3f-77c5-43b8-b030-8f92c9882bf1"
FIRST = datetime(2026, 6, 25, 8, tzinfo=UTC)


def confirmed(db: Database) -> dict:
    doc = db["jobs"].find_one({"job_id": ANDROID})
    signal = next(s for s in doc["health"]["signals"] if s["key"] == "employer_confirmed")
    return {"fired": signal["fired"], "promotion": doc.get("promotion"), "score": doc["health"]["ghost_score"]}


def test_crawls_keep_the_signal_while_active(ats_server: AtsServer, crawl_settings: dict, mongo_db: Database) -> None:
    serve_lever(ats_server, "spotify", load(SPOTIFY))
    run_crawl("lever", {"companies": "spotify"}, {**crawl_settings, "CRAWLERATS_NOW": FIRST.isoformat()})
    base = confirmed(mongo_db)
    posting = ("lever", "spotify", ANDROID)
    promotion_id = store.create_promotion(mongo_db, posting, email="a@spotify.com", email_hash="h", name=None,
                                          status="pending_review", via="review", now=FIRST, ip_hash="i")
    assert store.activate(mongo_db, promotion_id, FIRST, timedelta(days=30), event="approved",
                          rescore=rescorer(None)) == "activated"
    assert confirmed(mongo_db)["fired"]
    # Seen again 3 days later: still promoted, still green.
    run_crawl("lever", {"companies": "spotify"},
              {**crawl_settings, "CRAWLERATS_NOW": (FIRST + timedelta(days=3)).isoformat()})
    again = confirmed(mongo_db)
    assert again["fired"] and again["promotion"]["until"] == FIRST + timedelta(days=30)
    assert again["score"] <= base["score"] - 10


def test_a_crawl_that_closes_a_promoted_posting_ends_its_promotion(ats_server: AtsServer, crawl_settings: dict,
                                                                  mongo_db: Database) -> None:
    """The close pass removes `promotion` from the posting it closes and ends the active promotion in the same
    pass (`expired`, reason "posting closed"), without waiting for the next `crawlerats rescore`."""
    board = load(SPOTIFY)
    serve_lever(ats_server, "spotify", board)
    run_crawl("lever", {"companies": "spotify"}, {**crawl_settings, "CRAWLERATS_NOW": FIRST.isoformat()})
    posting = ("lever", "spotify", ANDROID)
    promotion_id = store.create_promotion(mongo_db, posting, email="a@spotify.com", email_hash="h", name=None,
                                          status="pending_review", via="review", now=FIRST, ip_hash="i")
    assert store.activate(mongo_db, promotion_id, FIRST, timedelta(days=30), event="approved",
                          rescore=rescorer(None)) == "activated"
    assert mongo_db["jobs"].find_one({"job_id": ANDROID})["promotion"]["until"] == FIRST + timedelta(days=30)
    closed_at = FIRST + timedelta(days=3)
    serve_lever(ats_server, "spotify", [p for p in board if p["id"] != ANDROID])  # taken down
    result = run_crawl("lever", {"companies": "spotify"}, {**crawl_settings, "CRAWLERATS_NOW": closed_at.isoformat()})
    assert result.stats["crawlerats/dedup/closed"] == 1
    job = mongo_db["jobs"].find_one({"job_id": ANDROID})
    assert job["status"] == "closed" and job["closed_at"] == closed_at
    assert "promotion" not in job
    ended = store.get(mongo_db, promotion_id)
    assert ended["status"] == "expired" and ended["ended_at"] == closed_at
    event = mongo_db[store.EVENTS].find_one({"promotion_id": promotion_id, "type": "expired"})
    assert event["reason"] == store.CLOSED_REASON == "posting closed" and event["at"] == closed_at
    assert store.expire_due(mongo_db, closed_at + timedelta(days=1)) == 0  # nothing left for the next rescore
    other = mongo_db["jobs"].find_one({"job_id": {"$ne": ANDROID}})
    assert other["status"] == "open" and "promotion" not in other
