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
from tests.web.seed import NOW, job

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
#: Screenshots of every browser test (git-ignored; CI keeps the folder as an artifact).
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
    assert row_ids(page) == ["g3", "a3", "a2", "a1", "g2", "g1", "a4", "g4"]
    expect(page.locator("#result-count")).to_have_text("8 postings")
    first_row = page.locator('tr.job-row[data-job-id="a4"]')
    expect(first_row.locator(".risk .badge")).to_have_text("Very High Risk")
    expect(first_row.locator(".ghost-score")).to_have_text("88%")
    expect(first_row.locator(".posted time")).to_have_text("6 months ago")
    expect(first_row.locator(".posted time")).to_have_attribute("title", "Posted September 1, 2025")
    expect(page.locator('tr.job-row[data-job-id="g3"] td.salary')).to_have_text("$70,000 – $90,000 a year")
    screenshot(page, "job-list-1280")

    # Nothing submits on change; the Filter button does, and the URL carries only non-empty parameters.
    page.select_option('select[name="status"]', "any")
    page.wait_for_timeout(200)
    assert "status=any" not in page.url
    page.fill('input[name="q"]', "backend")
    with page.expect_navigation():
        page.click('button[type="submit"]')
    assert page.url.endswith("/jobs?q=backend&status=any&sort=newest")
    assert sorted(row_ids(page)) == ["a0", "a1"]
    expect(page.locator("#result-count")).to_contain_text("2 postings")

    # Open the current posting and check each section in the reference order with its wording.
    page.locator('tr.job-row[data-job-id="a1"] td.title a').click()
    page.wait_for_url(re.compile(r"/jobs/lever/acme/a1$"))
    expect(page.locator("a.back")).to_have_text("← Back to Jobs")
    expect(page.locator("#job-title")).to_have_text("Senior Backend Engineer")
    apply = page.locator("#apply")
    expect(apply).to_have_text("Apply Now ↗")
    expect(apply).to_have_attribute("href", "https://jobs.example.com/acme/a1/apply")
    expect(apply).to_have_attribute("rel", "noopener noreferrer")
    expect(page.locator("#job-company")).to_have_text("Acme Corp")
    expect(page.locator("#job-location .location")).to_have_text("Stockholm, Sweden")
    badge = page.locator("#job-location .badge")
    expect(badge).to_have_text("Medium Risk")
    assert badge.evaluate("el => getComputedStyle(el).backgroundColor") == "rgb(143, 90, 0)"  # AA on white text
    expect(page.locator("#job-salary")).to_have_text("€60,000 – €80,000 a year")
    expect(page.locator("#job-meta")).to_have_text("Engineering · Full-time · via lever")
    expect(page.locator("#description h2")).to_have_text("Job Description")
    expect(page.locator("#description li")).to_have_text("Build things")
    sections = ["a.back", "#job-title", "#apply", "#job-company", "#job-location", "#job-salary", "#job-meta",
                "#description", "#listing-details", "#posting-health", "#signals", "#earlier-postings", "#promote"]
    tops = [page.locator(sel).bounding_box()["y"] for sel in sections]
    assert tops == sorted(tops), list(zip(sections, tops, strict=True))
    expect(page.locator("#listing-details h2")).to_have_text("Listing Details")
    assert [dd(page, f) for f in ("posted", "first_seen", "last_seen")] == \
        ["March 17, 2026", "March 17, 2026", "March 20, 2026"]
    expect(page.locator("#posting-health h2")).to_have_text("Posting Health")
    assert [dd(page, f) for f in ("risk", "days_active", "repost_count", "ghost_score", "scored_at")] == \
        ["Medium Risk", "3", "1", "42%", "March 20, 2026"]
    expect(page.locator("#health-summary")).to_have_text("Medium risk: posted recently, but open a long time, reposted.")
    expect(page.locator("#signals h2")).to_have_text("Signal breakdown")
    labels = page.locator("table.red-flags tr.signal th.label").all_inner_texts()
    assert labels == ["No salary", "Days active", "Stale signals", "Repost detected", "Duplicate at company",
                      "Description vagueness"]
    expect(page.locator("#signals h3")).to_have_text("Green flags")
    fresh = page.locator('tr.signal[data-signal="fresh_posting"] td.fired')
    assert fresh.evaluate("el => getComputedStyle(el).color") == "rgb(30, 123, 58)"  # green, not red
    red = page.locator('tr.signal[data-signal="repost_detected"] td.fired')
    assert red.evaluate("el => getComputedStyle(el).color") == "rgb(176, 0, 32)"
    expect(page.locator("#promote")).to_have_text("Are you the hiring manager? ★ Promote this listing")
    expect(page.locator("#promote a")).to_have_attribute("href", "/jobs/lever/acme/a1/promote")
    screenshot(page, "job-page-1280")

    # Click through to the earlier, closed posting of the repost chain: a banner, no Apply button.
    page.locator("#earlier-postings a").first.click()
    page.wait_for_url(re.compile(r"/jobs/lever/acme/a0$"))
    assert dd(page, "closed") == "February 28, 2026"
    expect(page.locator("#closed-banner")).to_have_text("This posting closed on February 28, 2026; it was open 89 days.")
    expect(page.locator("#apply")).to_have_count(0)
    expect(page.get_by_text("Apply Now")).to_have_count(0)
    expect(page.locator("#later-postings a")).to_have_attribute("href", "/jobs/lever/acme/a1")
    screenshot(page, "closed-posting")

    page.goto(f"{live_server.url}/jobs/lever/acme/a2")
    expect(page.locator("#duplicate-group a")).to_have_attribute("href", "/jobs/lever/acme/a3")
    response = page.goto(f"{live_server.url}/jobs/lever/acme/missing")
    assert response is not None and response.status == 404
    expect(page.locator("h1")).to_contain_text("404")
    assert problems.console == ["Failed to load resource: the server responded with a status of 404 (Not Found)"]
    assert problems.errors == [] and problems.dialogs == []  # only the deliberate 404 above
    page.close()


def overflow(page: Page) -> tuple[int, int]:
    return page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")


@pytest.mark.parametrize("width", [320, 390, 1280, 1920])
def test_no_horizontal_overflow(browser: Browser, seeded_db: Database, live_server: LiveServer, width: int) -> None:
    long_word = "Supercalifragilistic" * 15  # 300 characters, no break opportunity
    seeded_db["jobs"].insert_one(job("workday", "nvidia.wd5/NVIDIAExternalCareerSite", "R300", long_word,
                                     company_name="nvidia.wd5/NVIDIAExternalCareerSite", location=long_word[:120],
                                     department=long_word[:80], posted_at=NOW,
                                     salary={"min": 150000.0, "max": 190000.0, "currency": "USD", "interval": "year"}))
    seeded_db["crawls"].update_one({"_id": "crawl-3"}, {"$set": {"monitors.failures": [
        "CRAWLERATS_MONITOR_MIN_ITEMS_PER_BOARD_AND_A_VERY_LONG_UNBREAKABLE_SETTING_NAME_" * 3]}})
    page = browser.new_page(viewport={"width": width, "height": 900})
    problems = PageProblems(page)
    for name, path in [("jobs", "/jobs"), ("jobs-high", "/jobs?risk=high&status=any"),
                       ("job-long-title", "/jobs/workday/nvidia.wd5/NVIDIAExternalCareerSite/R300"),
                       ("company", "/companies/lever/acme"), ("stats", "/stats"), ("job", "/jobs/lever/acme/a1")]:
        page.goto(live_server.url + path)
        scroll_width, viewport = overflow(page)
        if width in (390, 1280):
            screenshot(page, f"{name}-{width}")
        assert scroll_width <= viewport, (path, width, scroll_width)
    page.goto(live_server.url + "/jobs")
    row = page.locator('tr.job-row[data-job-id="R300"]')
    expect(row.locator("td.company")).to_contain_text("Nvidia")
    expect(row.locator("td.salary")).to_contain_text("$150,000 – $190,000 a year")  # salary visible in the list
    if width <= 640:  # stacked cards: the column name is shown in front of each value
        assert row.locator("td.salary").evaluate("el => getComputedStyle(el, '::before').content") == '"Salary: "'
    label = page.locator(".chart-label")
    page.goto(live_server.url + "/stats")
    assert float(label.first.evaluate("el => parseFloat(getComputedStyle(el).fontSize)")) >= 12  # readable chart labels
    assert problems.console == [] and problems.errors == []
    page.close()


def test_keyboard_only_filtering(browser: Browser, live_server: LiveServer) -> None:
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{live_server.url}/jobs")
    page.keyboard.press("Tab")
    skip = page.locator(".skip-link")
    expect(skip).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")  # into the form: the search box first
    expect(page.locator('input[name="q"]')).to_be_focused()
    page.keyboard.type("analyst")
    for _ in range(9):  # company, location, ATS, workplace, employment type, salary, minimum salary, posted, risk
        page.keyboard.press("Tab")
    expect(page.locator('select[name="risk"]')).to_be_focused()
    page.keyboard.press("ArrowDown")  # changes the select without reloading (WCAG 3.2.2)
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.wait_for_timeout(200)
    assert page.url.endswith("/jobs#main")  # still the same page
    for _ in range(3):  # status, sort, the Filter button
        page.keyboard.press("Tab")
    expect(page.locator('button[type="submit"]')).to_be_focused()
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "q=analyst" in page.url and "risk=high" in page.url and "location=" not in page.url
    assert sorted(row_ids(page)) == ["a2", "a3"]
    screenshot(page, "keyboard-filtered-390")
    page.close()


@pytest.mark.parametrize("width", [390, 1280])
def test_location_filter_in_the_browser(browser: Browser, live_server: LiveServer, width: int) -> None:
    """The location filter (served by the search documents' location grams) from the form, at phone and desktop
    widths: part of the location, any case; the page does not overflow."""
    page = browser.new_page(viewport={"width": width, "height": 900})
    page.goto(f"{live_server.url}/jobs")
    page.locator('input[name="location"]').fill("BERLIN, ger")
    with page.expect_navigation():
        page.locator('button[type="submit"]').click()
    assert "location=BERLIN" in page.url
    assert row_ids(page) == ["a2"]  # the one posting in Berlin, Germany
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    screenshot(page, f"location-filter-{width}")
    page.close()


def test_company_and_stats_pages_render_charts(browser: Browser, live_server: LiveServer) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    problems = PageProblems(page)
    page.goto(f"{live_server.url}/companies/lever/acme")
    expect(page.locator("#company-name")).to_have_text("Acme Corp")
    expect(page.locator('[data-field="median_days_active"]')).to_have_text("2.5")
    bars = page.locator("svg rect.seg")
    expect(bars).to_have_count(3)
    assert bars.first.evaluate("el => getComputedStyle(el).fill") == "rgb(143, 90, 0)"  # medium, styled by CSS
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
    assert dd(page, "ghost_score") == "80%" and page.locator('dd[data-field="posted"]').count() == 0
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


CONTRAST_JS = """
() => {
  const parse = c => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(',').map(Number); return {r: p[0], g: p[1], b: p[2], a: p.length > 3 ? p[3] : 1}; };
  const lum = c => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(c.r) + 0.7152 * f(c.g) + 0.0722 * f(c.b); };
  const background = el => { for (; el; el = el.parentElement) { const c = parse(getComputedStyle(el).backgroundColor);
    if (c && c.a > 0.5) return c; } return {r: 255, g: 255, b: 255, a: 1}; };
  const low = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = Array.from(el.childNodes).some(n => n.nodeType === 3 && n.textContent.trim());
    const style = getComputedStyle(el);
    if (!own || style.visibility === 'hidden' || el.getClientRects().length === 0) continue;
    if (el.closest('.skip-link')) continue;
    const fg = parse(style.color), bg = background(el);
    const [a, b] = [lum(fg), lum(bg)].sort((x, y) => y - x);
    const ratio = (a + 0.05) / (b + 0.05);
    if (ratio < 4.5) low.push(`${el.tagName}.${el.className}: ${ratio.toFixed(2)} "${el.textContent.trim().slice(0, 30)}"`);
  }
  return low;
}
"""


def test_text_contrast_meets_wcag_aa(browser: Browser, seeded_db: Database, live_server: LiveServer) -> None:
    seeded_db["jobs"].update_one({"job_id": "g1"}, {"$set": {"promotion": {"since": NOW, "until": NOW.replace(year=2027)}}})
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    for path in ["/jobs", "/jobs?status=any", "/jobs/lever/acme/a1", "/jobs/lever/acme/a0", "/jobs/greenhouse/globex/g1",
                 "/companies/lever/acme", "/stats"]:
        page.goto(live_server.url + path)
        assert page.evaluate(CONTRAST_JS) == [], path
    page.close()
