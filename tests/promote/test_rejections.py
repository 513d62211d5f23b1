"""Every rejection of the promote flow: the right status, and nothing mailed or stored but one audit event."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

import pytest
from pymongo.database import Database
from starlette.testclient import TestClient

from crawlerats.promote.store import EVENTS, PROMOTIONS, TOKENS
from crawlerats.promote.tokens import ConfirmClaim, read_confirm, sign_confirm
from crawlerats.web import create_app
from tests.promote.conftest import (
    ACME,
    CLOSED,
    GLOBEX,
    ORIGIN,
    SECRET,
    csrf_of,
    form_path,
    link_of,
    make_config,
    submit,
    token_for,
)
from tests.promote.smtp import SmtpServer
from tests.web.seed import NOW


def snapshot(db: Database, smtp: SmtpServer) -> dict[str, object]:
    return {"mails": len(smtp.messages), "promotions": list(db[PROMOTIONS].find()),
            "tokens": list(db[TOKENS].find()), "events": db[EVENTS].count_documents({}),
            "promoted_jobs": db["jobs"].count_documents({"promotion": {"$exists": True}})}


@contextmanager
def only_an_audit_event(db: Database, smtp: SmtpServer, reason: str) -> Iterator[None]:
    """The block changes nothing but adding one `rejected` event whose reason contains `reason`."""
    before = snapshot(db, smtp)
    yield
    after = snapshot(db, smtp)
    assert after["events"] == before["events"] + 1, "exactly one audit event"
    event = db[EVENTS].find_one(sort=[("_id", -1)])
    assert event["type"] == "rejected" and reason in event["reason"], event
    assert "email" not in event and len(event["ip_hash"]) == 32
    assert {k: v for k, v in after.items() if k != "events"} == {k: v for k, v in before.items() if k != "events"}


BAD_ADDRESSES = [
    (ACME, "jane@acme-jobs.com", "domain not known"),
    (ACME, "jane@gmail.com", "free-mail"),
    (GLOBEX, "jane@yahoo.com", "free-mail"),  # free mail never counts, not even for review
    (ACME, "jane@acme.com\r\nBcc: eve@evil.com", "invalid form: email"),
    (ACME, "jane@acme.com\nBcc: eve@evil.com", "invalid form: email"),
    (ACME, "jane@acme.com, eve@evil.com", "invalid form: email"),
    (ACME, "Jane <jane@acme.com>", "invalid form: email"),
    (ACME, "jane@acme.com%0d%0aBcc:eve@evil.com", "invalid form: email"),
    (ACME, "", "invalid form: email"),
]


def test_bad_addresses(client: TestClient, promote_db: Database, smtp: SmtpServer) -> None:
    for posting, email, reason in BAD_ADDRESSES:
        with only_an_audit_event(promote_db, smtp, reason):
            response = submit(client, posting, email=email)
        assert response.status_code == 400, email
        assert 'id="promote-email-error"' in response.text and "Check your inbox" not in response.text


def test_form_rejections(client: TestClient, promote_db: Database, smtp: SmtpServer) -> None:
    with only_an_audit_event(promote_db, smtp, "invalid form: confirm_open"):
        assert submit(client, ACME, confirm=False).status_code == 400
    with only_an_audit_event(promote_db, smtp, "honeypot"):
        assert submit(client, ACME, website="http://spam.example").status_code == 400
    with only_an_audit_event(promote_db, smtp, "posting closed"):
        assert submit(client, CLOSED).status_code == 409
    page = client.get(form_path(CLOSED))
    assert "This posting is closed, so it cannot be promoted" in page.text and 'id="promote-form"' not in page.text
    # A long name is capped and rendered escaped.
    response = submit(client, ACME, name="<script>alert(1)</script>" + "x" * 500, email="jane@acme.com",
                      confirm=False)
    assert "<script>alert(1)" not in response.text and "&lt;script&gt;" in response.text


def test_csrf_and_origin(client: TestClient, promote_db: Database, smtp: SmtpServer) -> None:
    path = form_path(ACME)
    token = csrf_of(client.get(path).text)
    good = {"csrf_token": token, "email": "jane@acme.com", "confirm_open": "yes", "website": ""}
    cases = [
        ({**good, "csrf_token": ""}, {"origin": ORIGIN}, "missing form token"),
        ({**good, "csrf_token": token[:-2] + "xx"}, {"origin": ORIGIN}, "invalid form token"),
        ({**good, "csrf_token": csrf_of(client.get(form_path(GLOBEX)).text)}, {"origin": ORIGIN}, "does not match"),
        (good, {"origin": "https://evil.example"}, "cross-origin"),
        (good, {"origin": "null"}, "cross-origin"),
        (good, {}, "cross-origin"),  # neither Origin nor Referer
    ]
    for data, headers, reason in cases:
        with only_an_audit_event(promote_db, smtp, reason):
            response = client.post(path, data=data, headers=headers)
        assert response.status_code == 403 and 'id="promote-forbidden"' in response.text
    # The token is bound to this browser's cookie nonce: another browser's cookie fails.
    client.cookies.clear()
    client.cookies.set("crawlerats_form", "another-browser-nonce")
    with only_an_audit_event(promote_db, smtp, "does not match"):
        assert client.post(path, data=good, headers={"origin": ORIGIN}).status_code == 403
    client.cookies.clear()
    # A Referer from this site passes the origin check when Origin is absent.
    token = csrf_of(client.get(path).text)
    ok = client.post(path, data={**good, "csrf_token": token}, headers={"referer": ORIGIN + path})
    assert ok.status_code == 200 and len(smtp.messages) == 1


def test_token_rejections(client: TestClient, promote_db: Database, smtp: SmtpServer,
                          monkeypatch: pytest.MonkeyPatch) -> None:
    assert submit(client, ACME).status_code == 200
    assert submit(client, ("lever", "acme", "a1"), email="joe@acme.com").status_code == 200
    link_a4, link_a1 = link_of(smtp, 0), link_of(smtp, 1)
    token = link_a4.rsplit("/", 1)[1]
    claim = read_confirm(SECRET, token, NOW)
    other = read_confirm(SECRET, link_a1.rsplit("/", 1)[1], NOW)
    forged = [
        ("forged signature", token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")),
        ("signed with another key", sign_confirm(b"another-secret-key-0123456789-abcdefghij", claim)),
        # a4's token record with a1's posting (or a1's address): the signed claim must match the record
        ("token for another posting", sign_confirm(SECRET, ConfirmClaim(claim.token_id, other.posting,
                                                                          claim.email_hash, claim.expires_at))),
        ("token for another address", sign_confirm(SECRET, ConfirmClaim(claim.token_id, claim.posting,
                                                                          other.email_hash, claim.expires_at))),
        ("garbage", "not-a-token"),
    ]
    for why, bad in forged:
        path = f"/promote/confirm/{bad}"
        assert client.get(path).status_code == 400, why
        with only_an_audit_event(promote_db, smtp, "link invalid"):
            response = client.post(path, data={"csrf_token": token_for(client, path)}, headers={"origin": ORIGIN})
        assert response.status_code == 400 and 'id="confirm-invalid"' in response.text, why
    # Expired: 24 hours and a second later.
    later = (NOW + timedelta(hours=24, seconds=1)).isoformat()
    monkeypatch.setenv("CRAWLERATS_NOW", later)
    assert client.get(link_a4.removeprefix(ORIGIN)).status_code == 410
    with only_an_audit_event(promote_db, smtp, "link expired"):
        response = client.post(link_a4.removeprefix(ORIGIN), headers={"origin": ORIGIN},
                               data={"csrf_token": token_for(client, link_a4.removeprefix(ORIGIN))})
    assert response.status_code == 410 and 'id="confirm-expired"' in response.text
    assert promote_db[PROMOTIONS].count_documents({"status": "mailed"}) == 2


def test_confirm_needs_csrf_and_origin(client: TestClient, promote_db: Database, smtp: SmtpServer) -> None:
    assert submit(client, ACME).status_code == 200
    path = link_of(smtp).removeprefix(ORIGIN)
    before = snapshot(promote_db, smtp)
    page = client.get(path)  # a GET (a mail scanner opening the link) changes nothing at all
    assert page.status_code == 200 and 'id="confirm-form"' in page.text
    assert snapshot(promote_db, smtp) == before
    token = csrf_of(page.text)
    with only_an_audit_event(promote_db, smtp, "confirm cross-origin"):
        assert client.post(path, data={"csrf_token": token}, headers={"origin": "https://evil.example"}).status_code == 403
    with only_an_audit_event(promote_db, smtp, "confirm missing form token"):
        assert client.post(path, data={"x": "1"}, headers={"origin": ORIGIN}).status_code == 403
    assert promote_db[PROMOTIONS].find_one()["status"] == "mailed"
    assert promote_db[TOKENS].find_one()["used_at"] is None


def test_rate_limits(promote_db: Database, smtp: SmtpServer) -> None:
    limits = {"ip": "4/hour", "email": "2/day", "posting": "2/day"}
    app = create_app(promote_db, cache_seconds=0, promote=make_config(smtp, limits={
        "ip": "100/hour", "confirm_ip": "100/hour", "email": limits["email"], "posting": limits["posting"]}))
    with TestClient(app, base_url=ORIGIN) as client:
        # per address: the third mail to jane@acme.com in a day is refused (other postings, so not the posting limit)
        for job_id in ("a1", "a2"):
            assert submit(client, ("lever", "acme", job_id)).status_code == 200
        with only_an_audit_event(promote_db, smtp, "rate limit email"):
            refused = submit(client, ("lever", "acme", "a3"))
        assert refused.status_code == 429 and int(refused.headers["retry-after"]) > 0
        assert 'id="promote-limited"' in refused.text
        # per posting: a third request for a4 in a day, from other addresses
        for email in ("ann@acme.com", "bob@acme.com"):
            assert submit(client, ACME, email=email).status_code == 200
        with only_an_audit_event(promote_db, smtp, "rate limit posting"):
            assert submit(client, ACME, email="cid@acme.com").status_code == 429
    # per client IP on confirmation links
    app = create_app(promote_db, cache_seconds=0, promote=make_config(smtp, limits={"confirm_ip": "1/hour"}))
    with TestClient(app, base_url=ORIGIN) as client:
        link = link_of(smtp).removeprefix(ORIGIN)
        assert client.get(link).status_code == 200  # the page sets the form cookie
        assert client.post(link, data={"csrf_token": token_for(client, link)},
                           headers={"origin": ORIGIN}).status_code == 200
        with only_an_audit_event(promote_db, smtp, "rate limit confirm_ip"):
            assert client.post(link, data={"csrf_token": token_for(client, link)},
                               headers={"origin": ORIGIN}).status_code == 429
    app = create_app(promote_db, cache_seconds=0, promote=make_config(smtp, limits={"ip": limits["ip"]}))
    with TestClient(app, base_url=ORIGIN) as client:
        # per client IP: every POST counts, valid or not
        for _ in range(4):
            assert submit(client, ACME, email="x@gmail.com").status_code == 400
        with only_an_audit_event(promote_db, smtp, "rate limit ip"):
            refused = submit(client, ACME, email="x@gmail.com")
        assert refused.status_code == 429 and 0 < int(refused.headers["retry-after"]) <= 3600
        # Further refusals in the window are not audited again (a flood cannot flood the log), and the limit
        # comes before the CSRF check: a forged POST counts and is refused too.
        events = promote_db[EVENTS].count_documents({})
        assert submit(client, ACME).status_code == 429
        assert client.post(form_path(ACME), data={"email": "jane@acme.com"}).status_code == 429
        assert promote_db[EVENTS].count_documents({}) == events and len(smtp.messages) == 4
    # The limits live in MongoDB: a new app (a restart, another process) sees the same counters.
    app = create_app(promote_db, cache_seconds=0, promote=make_config(smtp, limits={"ip": limits["ip"]}))
    with TestClient(app, base_url=ORIGIN) as client:
        assert submit(client, ACME).status_code == 429
