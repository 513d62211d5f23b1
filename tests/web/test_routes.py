"""Route tests: every page over the real SecantusDB server with known documents (Starlette TestClient)."""

from __future__ import annotations

import re

import pytest
from pymongo.database import Database
from starlette.testclient import TestClient

from crawlerats.web import create_app
from crawlerats.web.app import CONTENT_SECURITY_POLICY
from crawlerats.web.queries import PAGE_SIZE
from tests.web.seed import day, health, job


def job_ids(html: str) -> list[str]:
    return re.findall(r'<tr class="job-row[^"]*" data-job-id="([^"]+)"', html)


def field(html: str, name: str) -> str:
    """Text of `<dd data-field="name">` with tags stripped."""
    match = re.search(rf'<dd data-field="{name}">(.*?)</dd>', html, re.S)
    assert match, f"no field {name}"
    return re.sub(r"<[^>]+>", "", match.group(1)).strip()


def test_home_redirects_to_jobs(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 307 and response.headers["location"] == "/jobs"


def test_job_list_rows_show_title_company_location_risk_score_days(client: TestClient) -> None:
    html = client.get("/jobs").text
    assert sorted(job_ids(html)) == ["a1", "a2", "a3", "a4", "g1", "g2", "g3", "g4"]  # open only by default
    row = re.search(r'data-job-id="a4">(.*?)</tr>', html, re.S).group(1)
    assert 'href="/jobs/lever/acme/a4"' in row and "Support Specialist" in row
    assert "Acme Corp" in row and 'href="/companies/lever/acme"' in row
    assert "Remote" in row and "Very High Risk" in row and "88%" in row and ">200<" in row
    assert "8 postings" in html


def test_job_list_newest_first_by_default(client: TestClient) -> None:
    # first_seen descending (ties: the later-stored posting first): g4/g3 (Mar 19), a3/a2 (Mar 18), ...
    assert job_ids(client.get("/jobs").text) == ["g4", "g3", "a3", "a2", "a1", "g2", "g1", "a4"]


def test_job_list_sort_by_ghost_score(client: TestClient) -> None:
    ids = job_ids(client.get("/jobs?sort=ghost").text)
    assert ids == ["a4", "g2", "g1", "g4", "a3", "a2", "a1", "g3"]


@pytest.mark.parametrize(("query", "expected"), [
    ("q=analyst", {"a2", "a3"}),
    ("q=ENGINEER", {"a1", "g2"}),
    ("q=C%2B%2B+(senior", set()),  # regex metacharacters are matched literally, not an error
    ("company=globex", {"g1", "g2", "g3", "g4"}),
    ("ats=lever", {"a1", "a2", "a3", "a4"}),
    ("location=new+york", {"g1", "g3"}),
    ("workplace=remote", {"a4", "g4"}),
    ("risk=very_high", {"a4", "g2"}),
    ("risk=high&ats=greenhouse", {"g1", "g4"}),
    ("status=closed", {"a0"}),
    ("status=any&q=backend", {"a0", "a1"}),
    ("risk=bogus&status=bogus&sort=bogus", {"a1", "a2", "a3", "a4", "g1", "g2", "g3", "g4"}),
])
def test_job_list_filters(client: TestClient, query: str, expected: set[str]) -> None:
    response = client.get(f"/jobs?{query}")
    assert response.status_code == 200
    assert set(job_ids(response.text)) == expected


def test_job_list_keeps_filter_values_in_form(client: TestClient) -> None:
    html = client.get("/jobs?q=data&risk=high&status=any&sort=ghost").text
    assert 'name="q" value="data"' in html
    assert '<option value="high" selected>High Risk</option>' in html
    assert '<option value="ghost" selected>Ghost score</option>' in html
    assert "No postings match." in client.get("/jobs?q=zzzz").text


def test_job_list_pagination(seeded_db: Database, client: TestClient) -> None:
    seeded_db["jobs"].insert_many([
        job("workable", "initech", f"p{n:02d}", f"Paged role {n:02d}", first_seen=day(2026, 1, 1, 0).replace(minute=n))
        for n in range(30)])
    first = client.get("/jobs?ats=workable").text
    assert len(job_ids(first)) == PAGE_SIZE and "Showing 1–25 of many" in first and "Page 1</span>" in first
    assert 'href="/jobs?ats=workable&amp;page=2"' in first and 'rel="prev"' not in first
    second = client.get("/jobs?ats=workable&page=2").text
    assert job_ids(second) == ["p04", "p03", "p02", "p01", "p00"]
    assert "30 postings · showing 26–30" in second and "Page 2 of 2" in second
    assert 'href="/jobs?ats=workable"' in second and 'rel="next"' not in second
    assert set(job_ids(first)).isdisjoint(job_ids(second))


def test_job_page_sections_in_order_with_values(client: TestClient) -> None:
    response = client.get("/jobs/lever/acme/a1")
    assert response.status_code == 200
    html = response.text
    order = ["← Back to Jobs", "<h1 id=\"job-title\">Senior Backend Engineer</h1>", "Acme Corp", "Apply Now ↗",
             "Stockholm, Sweden", "Medium Risk", "Engineering", "Permanent", "via lever",
             "Senior Backend Engineer at acme.", "Listing Details", "Posting Health", "Signal breakdown",
             "Earlier postings"]
    positions = [html.index(marker) for marker in order]
    assert positions == sorted(positions), list(zip(order, positions, strict=True))
    assert re.search(r'<a class="apply" id="apply" href="https://jobs.example.com/acme/a1/apply" '
                     r'target="_blank" rel="noopener noreferrer">Apply Now ↗</a>', html)
    assert field(html, "posted") == "March 17, 2026"
    assert field(html, "first_seen") == "March 17, 2026"
    assert field(html, "last_seen") == "March 20, 2026"
    assert 'data-field="closed"' not in html
    assert field(html, "risk") == "Medium Risk"
    assert field(html, "days_active") == "3"
    assert field(html, "repost_count") == "1"
    assert field(html, "ghost_score") == "42%"
    assert field(html, "scored_at") == "March 20, 2026"
    signals = re.findall(r'<tr class="signal( fired)?" data-signal="(\w+)">\s*<td class="label">([^<]+)</td>\s*'
                         r'<td class="fired">(\w+)</td>\s*<td class="num points">([^<]+)</td>\s*'
                         r'<td class="evidence">([^<]+)</td>', html)
    assert [(s[1], s[2], s[3], s[4], s[5]) for s in signals] == [
        ("age", "Open for a long time", "Yes", "22 / 40", "open 22 days"),
        ("repost", "Reposted after closing", "Yes", "20 / 20", "1 earlier posting"),
        ("salary", "No salary given", "No", "0 / 10", "salary disclosed"),
    ]
    assert 'href="/jobs/lever/acme/a0"' in html  # the earlier posting of the repost chain


def test_closed_job_shows_closed_date_and_later_repost(client: TestClient) -> None:
    html = client.get("/jobs/lever/acme/a0").text
    assert field(html, "closed") == "February 28, 2026"
    assert "Reposted as" in html and 'href="/jobs/lever/acme/a1"' in html


def test_earlier_posting_not_stored_is_not_linked(client: TestClient) -> None:
    html = client.get("/jobs/greenhouse/globex/g4").text
    assert "Recruiter</a>" not in html.split('id="earlier-postings"')[1]
    assert "(not stored)" in html and "January 5, 2026" in html


def test_duplicate_group_links_other_members(client: TestClient) -> None:
    html = client.get("/jobs/lever/acme/a2").text
    section = html.split('id="duplicate-group"')[1]
    assert 'href="/jobs/lever/acme/a3"' in section and "Munich, Germany" in section
    assert 'href="/jobs/lever/acme/a2"' not in section


def test_unknown_values_show_dash_never_none(client: TestClient) -> None:
    html = client.get("/jobs/lever/acme/a2").text
    assert field(html, "posted") == "—"
    g3 = client.get("/jobs/greenhouse/globex/g3").text
    assert '<span class="department">—</span>' in g3 and '<span class="employment-type">—</span>' in g3
    for path in ["/jobs", "/jobs?status=any", "/jobs/lever/acme/a2", "/jobs/greenhouse/globex/g3",
                 "/jobs/greenhouse/globex/g4", "/companies/greenhouse/globex", "/stats"]:
        text = client.get(path).text
        assert not re.search(r">\s*None\s*<|\bNone\b", text), path


def test_unscored_posting_renders(seeded_db: Database, client: TestClient) -> None:
    bare = job("ashby", "hooli", "h1", "Unscored role", health=None, posted_at=None, location=None)
    del bare["repost_count"], bare["earlier_postings"]
    seeded_db["jobs"].insert_one(bare)
    html = client.get("/jobs/ashby/hooli/h1").text
    assert "Not scored" in html and "This posting has not been scored yet." in html
    assert field(html, "ghost_score") == "—" and field(html, "days_active") == "—"
    assert "None" not in html
    row = re.search(r'data-job-id="h1">(.*?)</tr>', client.get("/jobs?ats=ashby").text, re.S).group(1)
    assert "Not scored" in row and "None" not in row


def test_workday_company_with_slash(seeded_db: Database, client: TestClient) -> None:
    seeded_db["jobs"].insert_one(job("workday", "acme.wd5/External", "JR-1", "Nurse",
                                     health=health(20, "low", 4)))
    list_html = client.get("/jobs?ats=workday").text
    assert 'href="/jobs/workday/acme.wd5/External/JR-1"' in list_html
    assert client.get("/jobs/workday/acme.wd5/External/JR-1").status_code == 200
    assert client.get("/companies/workday/acme.wd5/External").status_code == 200


@pytest.mark.parametrize("path", ["/jobs/lever/acme/nope", "/jobs/lever/nobody/a1", "/jobs/ashby/acme/a1",
                                  "/companies/lever/nobody", "/nowhere"])
def test_unknown_pages_are_404(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 404
    assert "← Back to Jobs" in response.text and "None" not in response.text
    assert response.headers["content-security-policy"] == CONTENT_SECURITY_POLICY


@pytest.mark.parametrize("path", ["/jobs", "/jobs/lever/acme/a1", "/companies/lever/acme", "/stats",
                                  "/static/style.css", "/static/app.js"])
def test_strict_security_headers(client: TestClient, path: str) -> None:
    response = client.get(path)
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src 'self'" in csp and "unsafe" not in csp
    assert response.headers["x-content-type-options"] == "nosniff"


def test_pages_have_no_inline_script_or_style(client: TestClient) -> None:
    for path in ["/jobs", "/jobs/lever/acme/a1", "/companies/lever/acme", "/stats"]:
        html = client.get(path).text
        assert not re.search(r"<script(?![^>]*\bsrc=)", html), path
        assert "<style" not in html and " style=" not in html and "onclick" not in html, path


def test_company_page(client: TestClient) -> None:
    html = client.get("/companies/lever/acme").text
    assert '<h1 id="company-name">Acme Corp</h1>' in html
    values = dict(re.findall(r'<span class="card-value" data-field="(\w+)">([^<]*)</span>', html))
    assert values == {"open_count": "4", "closed_count": "1", "reposts": "1", "median_days_active": "2.5"}
    shares = re.findall(r'<tr data-risk="(\w+)">.*?<td class="num count">(\d+)</td>\s*<td class="num share">([^<]+)</td>',
                        html, re.S)
    assert shares == [("low", "0", "0%"), ("medium", "1", "25%"), ("high", "2", "50%"), ("very_high", "1", "25%")]
    assert "<svg" in html and html.count('class="seg seg-') == 3  # one bar per non-empty risk level
    assert job_ids(html) == ["a4", "a3", "a2", "a1"]  # worst first
    assert 'href="https://jobs.lever.co/acme"' in html


def test_stats_page(client: TestClient) -> None:
    html = client.get("/stats").text
    lever = re.search(r'<tr data-ats="lever">(.*?)</tr>', html, re.S).group(1)
    cells = dict(re.findall(r'data-risk="(\w+)">([^<]+)<', lever))
    assert cells == {"low": "0", "medium": "1", "high": "2", "very_high": "1", "unscored": "0"}
    assert re.search(r'<td class="num total">4</td>', lever)
    assert re.findall(r'<tr class="crawl" data-crawl-id="([^"]+)"', html) == ["crawl-3", "crawl-2", "crawl-1"]
    crawl3 = re.search(r'data-crawl-id="crawl-3">(.*?)</tr>', html, re.S).group(1)
    assert "8" in crawl3 and "Failed" in crawl3 and "2 boards failed" in crawl3 and "103" in crawl3
    assert html.count("<svg") == 2


def test_empty_database_pages(mongo_db: Database) -> None:
    with TestClient(create_app(mongo_db)) as empty:
        assert "No postings match." in empty.get("/jobs").text
        stats = empty.get("/stats").text
        assert "No open postings stored yet" in stats and "No crawls recorded yet." in stats


def test_hostile_values_are_escaped(seeded_db: Database, client: TestClient) -> None:
    seeded_db["jobs"].insert_one(job(
        "lever", "evil", "x1", '<script>alert("t")</script>', company_name="<b>Evil</b>",
        location='"><img src=x onerror=alert(1)>', department="<i>Dept</i>",
        description_html='<p>ok</p><script>alert(2)</script><img src=x onerror="alert(3)"><a href="javascript:alert(4)">x</a>',
        apply_url="javascript:alert(5)", url="data:text/html,<script>alert(6)</script>"))
    html = client.get("/jobs/lever/evil/x1").text
    assert "<script>alert" not in html and "onerror=" not in html.replace("onerror=alert(1)&gt;", "")
    assert "&lt;script&gt;alert(&#34;t&#34;)&lt;/script&gt;" in html
    assert "javascript:" not in html and "data:text" not in html
    assert "<p>ok</p>" in html and "No application link" in html
    assert "&lt;b&gt;Evil&lt;/b&gt;" in html


def test_rare_search_offers_search_all(monkeypatch: pytest.MonkeyPatch, client: TestClient) -> None:
    monkeypatch.setattr("crawlerats.web.queries.SCAN_BUDGET", 1)
    html = client.get("/jobs?q=zzz").text
    assert "Search all postings</a>" in html and 'href="/jobs?q=zzz&amp;deep=1"' in html
    deep = client.get("/jobs?q=zzz&deep=1").text
    assert "Search all postings" not in deep and "No postings match." in deep
    assert '<input type="hidden" name="deep" value="1">' in deep
