"""Promote fixtures: the seeded web database with Acme's registered domain, a real SMTP server, the app with
a known secret key and mail settings, and helpers that post the forms as a browser on this site would."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo.database import Database
from starlette.applications import Starlette
from starlette.testclient import TestClient

from crawlerats import registry
from crawlerats.promote.config import PromoteConfig, parse_limits
from crawlerats.promote.tokens import sign_form
from crawlerats.scoring.config import effective_config
from crawlerats.scoring.rescore import rescore_open
from crawlerats.web import create_app
from tests.promote.smtp import SmtpServer
from tests.web.seed import NOW, seed

SECRET = b"test-secret-key-0123456789-abcdefghijklmnop"
ORIGIN = "http://testserver"
#: Acme (lever) has the registered domain acme.com; Globex (greenhouse) has no known domain.
ACME = ("lever", "acme", "a4")
GLOBEX = ("greenhouse", "globex", "g1")
CLOSED = ("lever", "acme", "a0")


def form_path(posting: tuple[str, str, str]) -> str:
    return "/jobs/{}/{}/{}/promote".format(*posting)


@pytest.fixture
def promote_db(mongo_db: Database, monkeypatch: pytest.MonkeyPatch) -> Database:
    """The web seed, scored for real at NOW, with acme.com registered for Acme; the clock fixed at NOW."""
    monkeypatch.setenv("CRAWLERATS_NOW", NOW.isoformat())
    seed(mongo_db)
    rescore_open(mongo_db, NOW, effective_config())
    assert registry.set_domains(mongo_db, "lever", "acme", ["acme.com"])
    return mongo_db


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    with SmtpServer(tmp_path) as server:
        yield server


def make_config(smtp: SmtpServer | None, **changes: Any) -> PromoteConfig:
    return PromoteConfig(secret_key=SECRET, smtp_url=smtp.url if smtp else None,
                         mail_from="CrawlerATS <noreply@crawlerats.test>", **changes)


@pytest.fixture
def promote_app(promote_db: Database, smtp: SmtpServer) -> Starlette:
    # Generous per-IP limits: every test client is one IP (the limits have their own test).
    return create_app(promote_db, cache_seconds=0,
                      promote=make_config(smtp, limits=parse_limits("ip=1000/hour;confirm_ip=1000/hour")))


@pytest.fixture
def client(promote_app: Starlette) -> Iterator[TestClient]:
    with TestClient(promote_app, base_url=ORIGIN) as test_client:
        yield test_client


def csrf_of(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token in the page"
    return match.group(1)


def submit(client: TestClient, posting: tuple[str, str, str], *, email: str = "jane@acme.com",
           name: str = "Jane", confirm: bool = True, origin: str | None = ORIGIN, **extra: str) -> Any:
    """GET the form (cookie + token), then POST it like a browser on this site."""
    page = client.get(form_path(posting))
    token = csrf_of(page.text) if 'name="csrf_token"' in page.text else token_for(client, form_path(posting))
    data = {"csrf_token": token, "email": email, "name": name, "website": "",
            **({"confirm_open": "yes"} if confirm else {}), **extra}
    headers = {"origin": origin} if origin else {}
    return client.post(form_path(posting), data=data, headers=headers)


def token_for(client: TestClient, path: str) -> str:
    """The CSRF token a page at `path` would carry for this client's cookie (a page without a form has none)."""
    return sign_form(SECRET, client.cookies.get("crawlerats_form"), path)


def link_of(smtp: SmtpServer, index: int = -1) -> str:
    body = smtp.messages[index].message.get_content()
    match = re.search(r"(http://\S+/promote/confirm/\S+)", body)
    assert match, body
    return match.group(1)


def confirm(client: TestClient, link: str, origin: str | None = ORIGIN, csrf: str | None = None) -> Any:
    """GET the confirmation page, then press its button (or post `csrf` when the page has no form)."""
    path = link.removeprefix(ORIGIN)
    page = client.get(path)
    token = csrf or (csrf_of(page.text) if 'name="csrf_token"' in page.text else "none")
    return client.post(path, data={"csrf_token": token}, headers={"origin": origin} if origin else {})
