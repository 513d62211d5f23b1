"""End to end in real Chromium: from the job page's "Promote this listing" box to the badge, by keyboard, at
desktop and phone widths, reading the confirmation mail from the test SMTP server."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect
from pymongo.database import Database

from crawlerats.web import create_app
from tests.promote.conftest import link_of, make_config
from tests.promote.smtp import SmtpServer
from tests.web.conftest import LiveServer
from tests.web.test_browser import PageProblems, browser, screenshot  # noqa: F401 - `browser` is a fixture

pytestmark = pytest.mark.browser


@pytest.fixture
def server(promote_db: Database, smtp: SmtpServer) -> Iterator[LiveServer]:
    with LiveServer(create_app(promote_db, cache_seconds=0, promote=make_config(smtp))) as live:
        yield live


def test_promote_from_the_job_page(browser: Browser, server: LiveServer, promote_db: Database,  # noqa: F811
                                   smtp: SmtpServer) -> None:
    before = promote_db["jobs"].find_one({"job_id": "a4"})["health"]
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = PageProblems(page)
    page.goto(f"{server.url}/jobs/lever/acme/a4")
    page.locator("#promote a", has_text="Promote this listing").click()
    expect(page.locator("h1")).to_have_text("★ Promote this listing")
    expect(page.locator("#promote-about")).to_contain_text("30 days")
    # By keyboard: type the address, tab to the name, space on the checkbox, Enter submits.
    page.locator("#promote-email").focus()
    page.keyboard.type("jane@acme.com")
    page.keyboard.press("Tab")
    expect(page.locator("#promote-name")).to_be_focused()
    page.keyboard.type("Jane <b>Doe</b>")
    page.keyboard.press("Tab")  # the honeypot is out of the tab order
    expect(page.locator("#promote-confirm-open")).to_be_focused()
    page.keyboard.press("Space")
    screenshot(page, "promote-form-desktop")
    page.keyboard.press("Tab")
    expect(page.locator("#promote-submit")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#promote-sent h2")).to_have_text("Check your inbox at jane@acme.com")
    screenshot(page, "promote-sent-desktop")
    assert len(smtp.messages) == 1
    mail = smtp.messages[0].message
    assert mail["To"] == "jane@acme.com" and mail["Subject"] == "Confirm your job listing on CrawlerATS"
    link = link_of(smtp)
    assert link.startswith(f"{server.url}/promote/confirm/")
    page.goto(link)
    expect(page.locator("#confirm-form")).to_be_visible()
    screenshot(page, "promote-confirm-desktop")
    page.locator("#confirm-submit").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#confirm-done h2")).to_have_text("Thank you: the listing is promoted")
    page.locator("#confirm-job-link").click()
    expect(page.locator("#promoted")).to_contain_text("★ Promoted — confirmed open by the hiring manager")
    expect(page.locator("#promoted")).to_contain_text("Confirmed open by the hiring manager on March 20, 2026")
    screenshot(page, "promote-badge-desktop")
    page.goto(f"{server.url}/jobs")
    first = page.locator("tr.job-row").first
    expect(first).to_have_attribute("data-job-id", "a4")
    expect(first).to_contain_text("Promoted")
    after = promote_db["jobs"].find_one({"job_id": "a4"})["health"]
    assert next(s for s in after["signals"] if s["key"] == "employer_confirmed")["fired"]
    assert after["ghost_score"] < before["ghost_score"]
    assert problems.console == [] and problems.errors == [] and problems.dialogs == []
    page.close()


def test_promote_page_on_a_phone(browser: Browser, server: LiveServer) -> None:  # noqa: F811
    page = browser.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    problems = PageProblems(page)
    page.goto(f"{server.url}/jobs/lever/acme/a1/promote")
    expect(page.locator("#promote-form")).to_be_visible()
    page.locator("#promote-submit").click()  # nothing filled in: the errors are shown, nothing is sent
    expect(page.locator("#promote-email-error")).to_be_visible()
    expect(page.locator("#promote-confirm-error")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    box = page.locator("#promote-submit").bounding_box()
    assert box and box["height"] >= 44 and box["x"] + box["width"] <= 390
    assert re.search("no-store", page.request.get(f"{server.url}/jobs/lever/acme/a1/promote")
                     .headers["cache-control"])
    screenshot(page, "promote-form-phone")
    # The re-shown form answers 400 (Chromium logs that status); no other console error, no CSP violation.
    assert all("status of 400" in message for message in problems.console) and problems.errors == []
    page.close()
