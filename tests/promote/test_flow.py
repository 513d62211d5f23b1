"""The promote flow over HTTP (Starlette TestClient, real SecantusDB, real SMTP server): success, review,
and every rejection, each asserting that nothing was mailed or stored beyond the audit event."""

from __future__ import annotations

from datetime import timedelta

from pymongo.database import Database
from starlette.testclient import TestClient

from crawlerats.promote.store import EVENTS, PROMOTIONS
from tests.promote.conftest import ACME, confirm, csrf_of, link_of, submit
from tests.promote.smtp import SmtpServer
from tests.web.seed import NOW


def health_of(db: Database, posting: tuple[str, str, str]) -> dict:
    return db["jobs"].find_one({"ats": posting[0], "company": posting[1], "job_id": posting[2]})["health"]


def test_mail_confirm_activates_once(client: TestClient, promote_db: Database, smtp: SmtpServer) -> None:
    before = health_of(promote_db, ACME)
    cookie = client.get("/jobs/lever/acme/a4/promote").headers["set-cookie"].lower()
    assert "crawlerats_form=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    response = submit(client, ACME, email="Jane.Doe@eng.acme.com")
    assert response.status_code == 200, response.text
    assert "Check your inbox at Jane.Doe@eng.acme.com" in response.text
    assert response.headers["cache-control"] == "no-store"
    assert len(smtp.messages) == 1 and smtp.messages[0].recipients == ["Jane.Doe@eng.acme.com"]
    link = link_of(smtp)
    # Opening the link changes nothing.
    assert client.get(link.removeprefix("http://testserver")).status_code == 200
    assert promote_db[PROMOTIONS].find_one()["status"] == "mailed"
    form_token = csrf_of(client.get(link.removeprefix("http://testserver")).text)
    done = confirm(client, link)
    assert done.status_code == 200 and "the listing is promoted" in done.text
    promotion = promote_db[PROMOTIONS].find_one()
    assert promotion["status"] == "active" and promotion["via"] == "email"
    job = promote_db["jobs"].find_one({"job_id": "a4"})
    assert job["promotion"]["since"] == NOW and job["promotion"]["until"] == NOW + timedelta(days=30)
    after = job["health"]
    signal = next(s for s in after["signals"] if s["key"] == "employer_confirmed")
    assert signal["fired"] and signal["points"] == -20
    assert after["ghost_score"] == max(0, before["ghost_score"] - 20) < before["ghost_score"]
    assert [e["type"] for e in promote_db[EVENTS].find().sort("_id")] == ["requested", "mailed", "confirmed"]
    assert all(len(e["ip_hash"]) == 32 for e in promote_db[EVENTS].find())
    # The job page and the API stay cacheable for everyone else.
    for path in ("/jobs/lever/acme/a4", "/api/jobs/lever/acme/a4"):
        assert "no-store" not in client.get(path).headers.get("cache-control", "")
    # The email is never shown publicly: not on the job page, not in the API.
    for path in ("/jobs/lever/acme/a4", "/api/jobs/lever/acme/a4", "/jobs"):
        assert "acme.com" not in client.get(path).text.lower().replace("jobs.example.com", "")
    # The same link cannot be used twice.
    again = confirm(client, link, csrf=form_token)
    assert again.status_code == 410
    assert promote_db[EVENTS].count_documents({"type": "confirmed"}) == 1


def test_a_caching_app_lists_a_confirmed_promotion_at_once(promote_db: Database, smtp: SmtpServer) -> None:
    """The lists keep the active promotions for a few seconds (`PROMOTIONS_SECONDS`); a promotion confirmed
    through the app is read again at its next list page, first in the list."""

    from crawlerats.promote.config import parse_limits
    from crawlerats.web import create_app
    from tests.promote.conftest import ORIGIN, make_config

    app = create_app(promote_db, cache_seconds=60,
                     promote=make_config(smtp, limits=parse_limits("ip=1000/hour;confirm_ip=1000/hour")))
    with TestClient(app, base_url=ORIGIN) as web:
        before = web.get("/jobs?sort=ghost").text
        assert "★ Promoted" not in before  # the active promotions (none) are now cached
        assert submit(web, ACME).status_code == 200
        assert confirm(web, link_of(smtp)).status_code == 200
        rows = web.get("/jobs?sort=ghost").text.split('class="job-row')[1:]
        assert "★ Promoted" in rows[0] and 'data-job-id="a4"' in rows[0], rows[:2]
