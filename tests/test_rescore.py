"""`rescore_open` and `crawlerats rescore` against the real SecantusDB server: scores age, closed ones stay."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta

from pymongo.database import Database

from crawlerats.scoring.config import effective_config
from crawlerats.scoring.rescore import rescore_open, risk_counts
from crawlerats.scoring.score import score_posting
from tests.support.paths import REPO

T0 = datetime(2026, 3, 1, 6, tzinfo=UTC)
TEXT = ("Responsibilities: you will design and run the billing services. Requirements: 3 years of experience "
        "with Go. You will join the Billing team. ") * 10


def _doc(job_id: str, **extra) -> dict:
    doc = {"ats": "lever", "company": "acme", "job_id": job_id, "title": f"Engineer {job_id}", "status": "open",
           "first_seen": T0, "last_seen": T0, "posted_at": T0, "locations": [], "salary": None,
           "description_text": TEXT, "description_html": f"<p>{TEXT}</p>"}
    doc.update(extra)
    return doc


def _health(db: Database, job_id: str) -> dict:
    return db["jobs"].find_one({"job_id": job_id})["health"]


def test_rescoring_ages_open_postings_and_keeps_closed_scores(mongo_db: Database) -> None:
    config = effective_config()
    closed = _doc("closed", status="closed", closed_at=T0 + timedelta(days=10))
    closed["health"] = score_posting(closed, T0 + timedelta(days=10), config)
    mongo_db["jobs"].insert_many([_doc(str(n)) for n in range(7)] + [closed])

    assert rescore_open(mongo_db, T0 + timedelta(days=2), config, batch=3) == 7
    fresh = _health(mongo_db, "0")
    assert fresh["days_active"] == 2 and fresh["risk"] == "low"

    assert rescore_open(mongo_db, T0 + timedelta(days=45), config, batch=3) == 7
    mid = _health(mongo_db, "0")
    assert mid["days_active"] == 45 and mid["ghost_score"] > fresh["ghost_score"]
    assert mid["scored_at"] == T0 + timedelta(days=45)

    assert rescore_open(mongo_db, T0 + timedelta(days=100), config) == 7
    old = _health(mongo_db, "0")
    points = {s["key"]: s["points"] for s in old["signals"]}
    assert old["days_active"] == 100 and points["days_active"] == 30 and points["stale_signals"] == 5
    assert old["ghost_score"] > mid["ghost_score"] and old["ghost_score"] == sum(points.values())
    assert all(_health(mongo_db, str(n)) == old for n in range(7))

    # The closed posting kept the final score computed up to its closed_at.
    assert _health(mongo_db, "closed") == closed["health"]
    assert _health(mongo_db, "closed")["days_active"] == 10
    assert risk_counts(mongo_db) == {old["risk"]: 7}


def test_rescore_skips_documents_a_crawl_updated_meanwhile(mongo_db: Database, monkeypatch) -> None:
    mongo_db["jobs"].insert_many([_doc("a"), _doc("b")])
    import crawlerats.scoring.rescore as module

    original = module.score_posting

    def racing(doc, now, config):
        if doc["title"] == "Engineer a":  # a crawl stores a newer sighting while we compute
            mongo_db["jobs"].update_one({"job_id": "a"}, {"$set": {"last_seen": now, "health": {"by": "crawl"}}})
        return original(doc, now, config)

    monkeypatch.setattr(module, "score_posting", racing)
    assert rescore_open(mongo_db, T0 + timedelta(days=5), effective_config()) == 1
    assert _health(mongo_db, "a") == {"by": "crawl"}
    assert _health(mongo_db, "b")["days_active"] == 5


def test_rescore_uses_html_when_text_is_missing(mongo_db: Database) -> None:
    mongo_db["jobs"].insert_one(_doc("h", description_text=None))
    rescore_open(mongo_db, T0, effective_config())
    vague = next(s for s in _health(mongo_db, "h")["signals"] if s["key"] == "description_vagueness")
    assert vague["value"]["words"] > 200 and vague["points"] == 0


def test_cli_rescore(mongo_uri: str, mongo_db_name: str, mongo_db: Database) -> None:
    mongo_db["jobs"].insert_many([_doc("1"), _doc("2", status="closed", closed_at=T0)])
    env = {**os.environ, "MONGO_URI": mongo_uri, "MONGO_DATABASE": mongo_db_name}
    env.pop("CRAWLERATS_NOW", None)
    proc = subprocess.run([sys.executable, "-m", "crawlerats.cli", "rescore", "--now", "2026-05-01T06:00:00Z"],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    version = effective_config()["version"]
    assert f"Rescored 1 open postings as of 2026-05-01T06:00:00+00:00 with scoring {version}" in proc.stdout
    health = _health(mongo_db, "1")
    assert health["days_active"] == 61 and health["version"] == version
    assert "health" not in mongo_db["jobs"].find_one({"job_id": "2"})
    names = {idx["name"] for idx in mongo_db["jobs"].list_indexes()}
    assert {"status_health_risk", "web_ghost_posted"} <= names
