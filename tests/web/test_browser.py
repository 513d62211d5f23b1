"""Browser tests in real headless Chromium (Debian's, driven by Playwright): browse, filter, read a job, XSS."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, expect, sync_playwright
from pymongo.database import Database

from tests.support.paths import REPO
from tests.web.conftest import LiveServer
from tests.web.seed import job

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = REPO / "test-artifacts"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageProblems:
    """Collects console errors (CSP violations show up here), page errors and dialogs."""

    def __init__(self, page: Page) -> None:
        self.console: list[str] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on("dialog", self._dialog)

    def _console(self, message: ConsoleMessage) -> None:
        if message.type == "error":
            self.console.append(message.text)

    def _dialog(self, dialog) -> None:  # noqa: ANN001 - playwright Dialog
        self.dialogs.append(dialog.message)
        dialog.dismiss()


def screenshot(page: Page, name: str) -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    assert path.stat().st_size > 1000
    return path


def row_ids(page: Page) -> list[str]:
    return page.locator("tr.job-row").evaluate_all("rows => rows.map(r => r.dataset.jobId)")


def dd(page: Page, name: str) -> str:
    return page.locator(f'dd[data-field="{name}"]').inner_text().strip()


def test_browse_filter_open_job_and_follow_repost(browser: Browser, live_server: LiveServer) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = PageProblems(page)
    page.goto(f"{live_server.url}/jobs")
    expect(page.locator("h1")).to_have_text("Jobs")
    assert row_ids(page) == ["g4", "g3", "a3", "a2", "a1", "g2", "g1", "a4"]
    first_row = page.locator('tr.job-row[data-job-id="a4"]')
    expect(first_row.locator(".risk .badge")).to_have_text("Very High Risk")
    expect(first_row.locator(".ghost-score")).to_have_text("88%")
    expect(first_row.locator(".days-active")).to_have_text("200")
    screenshot(page, "job-list")

    # Selects submit at once (progressive script); the title search goes through the Filter button.
    with page.expect_navigation():
        page.select_option('select[name="status"]', "any")
    assert "status=any" in page.url and len(row_ids(page)) == 9
    page.fill('input[name="q"]', "backend")
    with page.expect_navigation():
        page.click('button[type="submit"]')
    assert sorted(row_ids(page)) == ["a0", "a1"]
    expect(page.locator("#result-count")).to_contain_text("2 postings")

    # Open the current posting and check each section in order with its values.
    page.locator('tr.job-row[data-job-id="a1"] td.title a').click()
    page.wait_for_url(re.compile(r"/jobs/lever/acme/a1$"))
    expect(page.locator("a.back")).to_have_text("← Back to Jobs")
    expect(page.locator("#job-title")).to_have_text("Senior Backend Engineer")
    expect(page.locator("#job-company")).to_have_text("Acme Corp")
    apply = page.locator("#apply")
    expect(apply).to_have_text("Apply Now ↗")
    expect(apply).to_have_attribute("href", "https://jobs.example.com/acme/a1/apply")
    expect(apply).to_have_attribute("rel", "noopener noreferrer")
    expect(apply).to_have_attribute("target", "_blank")
    expect(page.locator("#job-location .location")).to_have_text("Stockholm, Sweden")
    badge = page.locator("#job-location .badge")
    expect(badge).to_have_text("Medium Risk")
    assert badge.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(168, 106, 0)"  # colour-coded
    expect(page.locator("#job-meta")).to_have_text(re.compile(r"Engineering\s*·\s*Permanent\s*·\s*via lever"))
    expect(page.locator("#description li")).to_have_text("Build things")
    tops = [page.locator(sel).bounding_box()["y"] for sel in
            ["a.back", "#job-title", "#job-company", "#apply", "#job-location", "#job-meta", "#description",
             "#listing-details", "#posting-health", "#signals", "#earlier-postings"]]
    assert tops == sorted(tops)
    expect(page.locator("#listing-details h2")).to_have_text("Listing Details")
    assert [dd(page, f) for f in ("posted", "first_seen", "last_seen")] == \
        ["March 17, 2026", "March 17, 2026", "March 20, 2026"]
    expect(page.locator("#posting-health h2")).to_have_text("Posting Health")
    assert [dd(page, f) for f in ("risk", "days_active", "repost_count", "ghost_score", "scored_at")] == \
        ["Medium Risk", "3", "1", "42%", "March 20, 2026"]
    expect(page.locator("#signals h2")).to_have_text("Signal breakdown")
    signal_rows = page.locator("tr.signal").evaluate_all(
        "rows => rows.map(r => Array.from(r.cells).map(c => c.innerText.trim()))")
    assert signal_rows == [["Open for a long time", "Yes", "22 / 40", "open 22 days"],
                           ["Reposted after closing", "Yes", "20 / 20", "1 earlier posting"],
                           ["No salary given", "No", "0 / 10", "salary disclosed"]]
    screenshot(page, "job-page")

    # Click through to the earlier posting of the repost chain.
    page.locator("#earlier-postings a").first.click()
    page.wait_for_url(re.compile(r"/jobs/lever/acme/a0$"))
    assert dd(page, "closed") == "February 28, 2026"
    expect(page.locator("#later-postings a")).to_have_attribute("href", "/jobs/lever/acme/a1")
    screenshot(page, "earlier-posting")

    page.goto(f"{live_server.url}/jobs/lever/acme/a2")
    expect(page.locator("#duplicate-group a")).to_have_attribute("href", "/jobs/lever/acme/a3")
    response = page.goto(f"{live_server.url}/jobs/lever/acme/missing")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_contain_text("404")
    assert problems.console == ["Failed to load resource: the server responded with a status of 404 (Not Found)"]
    assert problems.errors == [] and problems.dialogs == []  # only the deliberate 404 above
    page.close()


def test_company_and_stats_pages_render_charts(browser: Browser, live_server: LiveServer) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = PageProblems(page)
    page.goto(f"{live_server.url}/companies/lever/acme")
    expect(page.locator("#company-name")).to_have_text("Acme Corp")
    expect(page.locator('[data-field="median_days_active"]')).to_have_text("2.5")
    bars = page.locator("svg rect.seg")
    expect(bars).to_have_count(3)
    assert bars.first.evaluate("el => getComputedStyle(el).fill") == "rgb(168, 106, 0)"  # medium, styled by CSS
    screenshot(page, "company-page")
    page.goto(f"{live_server.url}/stats")
    expect(page.locator("#by-ats svg rect.seg")).to_have_count(6)  # lever 3 levels + greenhouse 3 levels
    expect(page.locator("tr.crawl")).to_have_count(3)
    screenshot(page, "stats-page")
    assert problems.console == [] and problems.errors == []
    page.close()


def test_pages_work_without_javascript(browser: Browser, live_server: LiveServer) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server.url}/jobs")
    page.select_option('select[name="risk"]', "very_high")
    assert "risk=" not in page.url  # nothing happens without the script...
    with page.expect_navigation():
        page.click('button[type="submit"]')  # ...and the Filter button does the job
    assert sorted(row_ids(page)) == ["a4", "g2"]
    page.locator('tr.job-row[data-job-id="g2"] td.title a').click()
    page.wait_for_url(re.compile(r"/jobs/greenhouse/globex/g2$"))
    assert dd(page, "ghost_score") == "80%" and dd(page, "posted") == "—"
    context.close()


def test_hostile_posting_does_not_execute(browser: Browser, seeded_db: Database, live_server: LiveServer) -> None:
    marker = "window.__xss = (window.__xss || 0) + 1"
    seeded_db["jobs"].insert_one(job(
        "lever", "evil", "x1", f"<img src=x onerror=\"{marker}\"><script>{marker}</script>Hostile role",
        company_name=f"<svg onload=\"{marker}\">Evil Co", location=f"\"><script>{marker}</script>",
        department=f"<iframe src=\"javascript:{marker}\"></iframe>", employment_type_raw="</span><script>alert(1)</script>",
        description_html=(f"<p>Intro</p><script>{marker}</script><img src=x onerror=\"{marker}\">"
                          f"<a href=\"javascript:{marker}\">click</a>"
                          f"<form action=\"https://evil.example\"><input name=a></form>"
                          f"<p onclick=\"{marker}\">para</p><style>body{{display:none}}</style>"),
        apply_url=f"javascript:{marker}", url=f"javascript:{marker}",
        health={"ghost_score": 99, "risk": "very_high", "risk_label": f"<b onmouseover=\"{marker}\">Very High Risk</b>",
                "days_active": 1, "repost_count": 0, "scored_at": None, "version": "x",
                "signals": [{"key": "x\" onmouseover=\"alert(1)", "label": f"<script>{marker}</script>",
                             "value": 1, "points": 1, "max_points": 1, "fired": True,
                             "evidence": f"<img src=x onerror=\"{marker}\">"}]}))
    page = browser.new_page()
    problems = PageProblems(page)
    page.goto(f"{live_server.url}/jobs?company=evil")
    expect(page.locator("tr.job-row td.title a")).to_contain_text("<script>")  # shown as text
    page.locator("tr.job-row td.title a").hover()
    page.locator("tr.job-row td.title a").click()
    page.wait_for_url(re.compile(r"/jobs/lever/evil/x1$"))
    expect(page.locator("#job-title")).to_contain_text('<img src=x onerror="window.__xss')
    expect(page.locator("#job-company")).to_contain_text("<svg onload=")
    page.locator("#description p", has_text="para").click()
    page.locator("#job-location .badge").hover()
    page.locator("tr.signal").hover()
    assert page.locator("#description script, #description img, #description form, #description style").count() == 0
    evil_link = page.locator("#description a", has_text="click")
    assert evil_link.count() == 1 and evil_link.get_attribute("href") is None  # javascript: URL removed
    evil_link.click()
    expect(page.locator("#apply")).to_have_text("No application link")
    page.wait_for_timeout(300)  # give any injected handler its chance
    assert page.evaluate("window.__xss") is None
    assert problems.dialogs == [] and problems.errors == []
    screenshot(page, "xss-job-page")
    page.close()
