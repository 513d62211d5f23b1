"""The review path and the operator commands, in process: `boards set/add --domain`, `promotions list
--pending|approve|revoke|purge`, and expiry through `crawlerats rescore` with CRAWLERATS_NOW 31 days later."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import timedelta

import pytest
from pymongo.database import Database
from starlette.testclient import TestClient

from crawlerats.cli import main
from crawlerats.cli.settings import project_settings
from crawlerats.promote.store import EVENTS, PROMOTIONS, TOKENS
from tests.promote.conftest import ACME, GLOBEX, confirm, link_of, submit
from tests.promote.smtp import SmtpServer
from tests.web.seed import NOW

Cli = Callable[..., tuple[int, str]]


@pytest.fixture
def cli(mongo_uri: str, mongo_db_name: str, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Cli:
    """Run `crawlerats ARGS` in this process against the test database; (exit code, output)."""
    import crawlerats.cli.boards as boards_cli
    import crawlerats.cli.promotions as promotions_cli
    import crawlerats.cli.rescore as rescore_cli

    def settings(overrides: dict | None = None):  # noqa: ANN202 - a scrapy Settings
        # CRAWLERATS_NOW as a new process would read it from the environment
        return project_settings({"MONGO_URI": mongo_uri, "MONGO_DATABASE": mongo_db_name,
                                 "CRAWLERATS_NOW": os.environ.get("CRAWLERATS_NOW"), **(overrides or {})})

    for module in (boards_cli, promotions_cli, rescore_cli):
        monkeypatch.setattr(module, "project_settings", settings)

    def run(*args: str) -> tuple[int, str]:
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return code, captured.out + captured.err

    return run


def signal(db: Database, job_id: str) -> dict:
    health = db["jobs"].find_one({"job_id": job_id})["health"]
    return {**next(s for s in health["signals"] if s["key"] == "employer_confirmed"), "score": health["ghost_score"]}


def test_domains_on_the_registry(cli: Cli, promote_db: Database) -> None:
    assert cli("boards", "set", "lever:acme", "--domain", "https://careers.acme.co.uk/jobs", "--domain",
               "acme.com") == (0, "domains   lever:acme: acme.co.uk, acme.com\n")
    code, out = cli("boards", "set", "lever:acme", "--domain", "gmail.com")
    assert code == 1 and "free-mail" in out
    code, out = cli("boards", "set", "lever:acme", "--domain", "jobs.lever.co")
    assert code == 1 and "ATS" in out
    code, out = cli("boards", "set", "greenhouse:globex", "--domain", "globex.com")
    assert code == 1 and "not registered" in out
    code, out = cli("boards", "add", "https://jobs.lever.co/initech", "--domain", "initech.com")
    assert code == 0 and "domains   lever:initech: initech.com" in out
    board = promote_db["boards"].find_one({"company": "initech"})
    assert board["domains"] == ["initech.com"]
    assert promote_db["boards"].find_one({"company": "acme"})["domains"] == ["acme.co.uk", "acme.com"]


def test_review_approve_revoke(client: TestClient, cli: Cli, promote_db: Database, smtp: SmtpServer) -> None:
    before = signal(promote_db, "g1")
    response = submit(client, GLOBEX, email="pat@globex.com", name="Pat")
    assert response.status_code == 202 and "queued for review" in response.text
    assert smtp.messages == [] and promote_db[TOKENS].count_documents({}) == 0
    promotion = promote_db[PROMOTIONS].find_one()
    assert promotion["status"] == "pending_review" and promotion["via"] == "review"
    code, out = cli("promotions", "list", "--pending")
    assert code == 0 and promotion["_id"] in out and "pat@globex.com" in out and "greenhouse/globex/g1" in out
    assert cli("promotions", "approve", promotion["_id"])[0] == 0
    job = promote_db["jobs"].find_one({"job_id": "g1"})
    assert job["promotion"] == {"since": NOW, "until": NOW + timedelta(days=30)}
    after = signal(promote_db, "g1")
    assert after["fired"] and after["score"] == max(0, before["score"] - 20)
    page = client.get("/jobs/greenhouse/globex/g1").text
    assert "★ Promoted" in page and "pat@globex.com" not in page
    assert cli("promotions", "approve", promotion["_id"])[0] == 1  # only once
    # Revoking takes the badge and the signal away at once.
    assert cli("promotions", "revoke", promotion["_id"]) == (0, f"Revoked {promotion['_id']}\n")
    assert "promotion" not in promote_db["jobs"].find_one({"job_id": "g1"})
    assert signal(promote_db, "g1") == before
    assert "★ Promoted" not in client.get("/jobs/greenhouse/globex/g1").text
    code, out = cli("promotions", "list")
    assert code == 0 and "revoked" in out
    types = [e["type"] for e in promote_db[EVENTS].find().sort("_id")]
    assert types == ["requested", "approved", "revoked"]


def test_expiry_after_30_days(client: TestClient, cli: Cli, promote_db: Database, smtp: SmtpServer,
                              monkeypatch: pytest.MonkeyPatch) -> None:
    assert submit(client, ACME).status_code == 200
    assert confirm(client, link_of(smtp)).status_code == 200
    assert signal(promote_db, "a4")["fired"]
    # Another promotion whose posting then closes (a crawl missed it) ends at the next rescore.
    assert submit(client, GLOBEX, email="pat@globex.com").status_code == 202
    pending = promote_db[PROMOTIONS].find_one({"status": "pending_review"})["_id"]
    assert cli("promotions", "approve", pending)[0] == 0
    promote_db["jobs"].update_one({"job_id": "g1"}, {"$set": {"status": "closed", "closed_at": NOW}})
    # Still active on day 29, through a rescore.
    monkeypatch.setenv("CRAWLERATS_NOW", (NOW + timedelta(days=29)).isoformat())
    assert cli("rescore")[0] == 0
    assert signal(promote_db, "a4")["fired"] and "★ Promoted" in client.get("/jobs/lever/acme/a4").text
    ended = promote_db[PROMOTIONS].find_one({"_id": pending})
    assert ended["status"] == "expired" and "promotion" not in promote_db["jobs"].find_one({"job_id": "g1"})
    assert promote_db[EVENTS].find_one({"promotion_id": pending, "type": "expired"})["reason"] == "posting closed"
    monkeypatch.setenv("CRAWLERATS_NOW", (NOW + timedelta(days=31)).isoformat())
    code, out = cli("rescore")
    assert code == 0 and "Ended 1 promotion(s)" in out
    assert not signal(promote_db, "a4")["fired"]
    assert "promotion" not in promote_db["jobs"].find_one({"job_id": "a4"})
    assert promote_db[PROMOTIONS].count_documents({"status": "expired"}) == 2
    assert "★ Promoted" not in client.get("/jobs/lever/acme/a4").text
    # A year later the records go.
    monkeypatch.setenv("CRAWLERATS_NOW", (NOW + timedelta(days=400)).isoformat())
    code, out = cli("promotions", "purge", "--older-than", "365d")
    assert code == 0 and "2 promotion(s), 1 token(s)" in out
    assert promote_db[PROMOTIONS].count_documents({}) == 0 and promote_db[EVENTS].count_documents({}) == 0
