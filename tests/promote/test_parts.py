"""The promote flow's parts: the secret key file, mail without SMTP (the log) and over implicit TLS, known
domains (offline public-suffix data), and the `employer_confirmed` signal's time window."""

from __future__ import annotations

import logging
import socket
import stat
from datetime import timedelta
from pathlib import Path

import pytest
from pymongo.database import Database
from starlette.testclient import TestClient

from crawlerats.promote import mailer
from crawlerats.promote.domains import ats_domains, known_domains, never_counts, registrable
from crawlerats.promote.secret import SecretKeyError, secret_key
from crawlerats.scoring.config import effective_config
from crawlerats.scoring.signals import employer_confirmed
from crawlerats.web import create_app
from tests.promote.conftest import ACME, ORIGIN, make_config, submit
from tests.promote.smtp import SmtpServer
from tests.web.seed import NOW


def test_secret_key_generated_once_private(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CRAWLERATS_SECRET_KEY", raising=False)
    settings = {"CRAWLERATS_DATA_DIR": str(tmp_path / "data")}
    first = secret_key(settings)
    path = tmp_path / "data" / "secret_key"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and len(first) >= 32
    assert secret_key(settings) == first  # read back, not regenerated
    assert [p.name for p in path.parent.iterdir()] == ["secret_key"]  # no temporary file left
    path.chmod(0o644)
    with pytest.raises(SecretKeyError, match="readable by other users"):
        secret_key(settings)
    assert secret_key({**settings, "CRAWLERATS_SECRET_KEY": "k" * 40}) == b"k" * 40
    with pytest.raises(SecretKeyError, match="at least 32"):
        secret_key({**settings, "CRAWLERATS_SECRET_KEY": "short"})


def test_without_smtp_the_link_goes_to_the_log(promote_db: Database, caplog: pytest.LogCaptureFixture) -> None:
    app = create_app(promote_db, cache_seconds=0, promote=make_config(None))
    with TestClient(app, base_url=ORIGIN) as client, caplog.at_level(logging.WARNING, "crawlerats.promote.mail"):
        response = submit(client, ACME)
    assert response.status_code == 200 and "Check your inbox" in response.text
    [record] = [r for r in caplog.records if r.name == "crawlerats.promote.mail"]
    assert "mail not configured" in record.getMessage()
    assert f"{ORIGIN}/promote/confirm/" in record.getMessage()


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS")
def test_smtps_implicit_tls(tmp_path: Path) -> None:
    with SmtpServer(tmp_path, implicit_tls=True) as server:
        message = mailer.build_message("CrawlerATS <noreply@crawlerats.test>", "jane@acme.com", "Subject", "Body")
        assert mailer.send(server.url, message) is True
        assert server.messages[0].recipients == ["jane@acme.com"]
        with pytest.raises(mailer.MailError):  # the certificate is verified: without the CA file it fails
            mailer.send(server.url.split("?")[0], message, timeout=5)
    with pytest.raises(ValueError):  # a CR/LF in a header never reaches a server
        mailer.build_message("a@b.org", "jane@acme.com\r\nBcc: eve@evil.com", "x", "y").as_bytes()


def test_known_domains_offline(promote_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("network access")

    monkeypatch.setattr(socket, "create_connection", no_network)
    assert registrable("https://careers.acme.co.uk/jobs?x=1") == "acme.co.uk"
    assert registrable("eng.acme.com") == "acme.com" and registrable("localhost") is None
    assert {"lever.co", "greenhouse.io", "myworkdayjobs.com", "ashbyhq.com"} <= ats_domains()
    assert never_counts("gmail.com") and never_counts("lever.co") and not never_counts("acme.com")
    promote_db["boards"].update_one({"company": "acme"}, {"$set": {
        "domains": ["acme.com", "gmail.com"], "found_on": "https://careers.acme-group.de/jobs"}})
    job = {"ats": "lever", "company": "acme", "extras": {"company_website": "https://www.acme.io"}}
    assert known_domains(promote_db, job) == ["acme.com", "acme-group.de", "acme.io"]
    promote_db["boards"].update_one({"company": "acme"}, {"$set": {"domains": [], "found_on": "/tmp/boards.csv"}})
    assert known_domains(promote_db, {"ats": "lever", "company": "acme"}) == []
    assert known_domains(promote_db, {"ats": "lever", "company": "acme",
                                      "company_website": "https://jobs.lever.co/acme"}) == []


def test_employer_confirmed_window() -> None:
    cfg = effective_config()["signals"]["employer_confirmed"]
    promotion = {"since": NOW, "until": NOW + timedelta(days=30)}
    assert employer_confirmed(promotion, NOW, cfg)["points"] == -20
    assert employer_confirmed(promotion, NOW + timedelta(days=29), cfg)["fired"]
    assert not employer_confirmed(promotion, NOW + timedelta(days=30), cfg)["fired"]
    assert not employer_confirmed(None, NOW, cfg)["fired"]
    assert "March" not in employer_confirmed(promotion, NOW, cfg)["evidence"]  # dates as YYYY-MM-DD


def test_a_link_works_once_under_concurrency(promote_db: Database) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from crawlerats.promote.flow import PromoteService
    from crawlerats.promote.store import PROMOTIONS, TOKENS
    from crawlerats.promote.tokens import ConfirmClaim, sign_confirm

    service = PromoteService(promote_db, make_config(None))
    form = {"email": "jane@acme.com", "confirm_open": "yes"}
    assert service.request_promotion(ACME, form, "10.0.0.1", ORIGIN).kind == "mailed"
    assert service.request_promotion(ACME, {**form, "email": "joe@acme.com"}, "10.0.0.2", ORIGIN).kind == "mailed"

    def link(record: dict) -> str:
        claim = ConfirmClaim(record["_id"], ("lever", "acme", "a4"), record["email_hash"], record["expires_at"])
        return sign_confirm(service.config.secret_key, claim)

    first, second = (link(r) for r in promote_db[TOKENS].find().sort("created_at"))
    with ThreadPoolExecutor(8) as pool:
        kinds = sorted(pool.map(lambda _: service.confirm(first, "10.0.0.1").kind, range(8)))
    assert kinds == ["activated"] + ["used"] * 7
    # One active promotion per posting: the second address's valid link cannot make another.
    outcome = service.confirm(second, "10.0.0.2")
    assert outcome.kind == "already_active" and outcome.status == 409
    assert promote_db[PROMOTIONS].count_documents({"status": "active"}) == 1


def test_limit_settings() -> None:
    from crawlerats.promote.config import DEFAULT_LIMITS, PromoteConfigError, parse_limits

    assert parse_limits(None) == DEFAULT_LIMITS == {"ip": "5/hour", "confirm_ip": "20/hour", "email": "3/day",
                                                    "posting": "10/day"}
    assert parse_limits("ip=2/minute; email=1/day") == {**DEFAULT_LIMITS, "ip": "2/minute", "email": "1/day"}
    for bad in ("ip", "foo=1/day", "ip=", "ip=often"):
        with pytest.raises(PromoteConfigError):
            parse_limits(bad)
