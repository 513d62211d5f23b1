"""Route tests: every page over the real SecantusDB server with known documents (Starlette TestClient)."""

from __future__ import annotations

import re

import pytest
from pymongo.database import Database
from starlette.testclient import TestClient

from crawlerats.web import create_app
from crawlerats.web.app import CONTENT_SECURITY_POLICY
from crawlerats.web.queries import PAGE_SIZE
from tests.web.seed import day, health, job, store_jobs


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


def test_job_list_rows_show_title_company_location_salary_posted_risk(client: TestClient) -> None:
    html = client.get("/jobs").text
    assert sorted(job_ids(html)) == ["a1", "a2", "a3", "a4", "g1", "g2", "g3", "g4"]  # open only by default
    row = re.search(r'data-job-id="a4">(.*?)</tr>', html, re.S).group(1)
    assert 'href="/jobs/lever/acme/a4"' in row and "Support Specialist" in row
    assert "Acme Corp" in row and 'href="/companies/lever/acme"' in row
    assert "Remote" in row and "Very High Risk" in row and "88%" in row
    assert '<time datetime="2025-09-01T09:00:00+00:00" title="Posted September 1, 2025">6 months ago</time>' in row
    g3 = re.search(r'data-job-id="g3">(.*?)</tr>', html, re.S).group(1)
    assert '<td class="salary" data-label="Salary">$70,000 – $90,000 a year</td>' in g3 and ">yesterday<" in g3
    assert "8 postings" in html


def test_job_list_newest_first_by_default(client: TestClient) -> None:
    # posted date descending, first seen for postings without one (a2: Mar 18, g2: Nov 20):
    # g3 Mar 19, a3/a2 Mar 18 (ties: later posted/seen first), a1 Mar 17, g2 Nov 20, g1 Oct 1, a4 Sep 1, g4 Aug 1
    assert job_ids(client.get("/jobs").text) == ["g3", "a3", "a2", "a1", "g2", "g1", "a4", "g4"]


def test_job_list_sort_by_ghost_score(client: TestClient) -> None:
    ids = job_ids(client.get("/jobs?sort=ghost").text)
    assert ids == ["a4", "g2", "g1", "g4", "a3", "a2", "a1", "g3"]
    assert job_ids(client.get("/jobs?sort=low").text) == list(reversed(ids))
    # Highest salary (annualised; EUR and USD compared as numbers), then the rest by posted date.
    assert job_ids(client.get("/jobs?sort=salary").text) == ["g3", "a1", "a3", "a2", "g2", "g1", "a4", "g4"]
    assert job_ids(client.get("/jobs?sort=salary&risk=medium&status=any").text) == ["a1", "a0"]


@pytest.mark.parametrize(("query", "expected"), [
    ("q=analyst", {"a2", "a3"}),
    ("q=ENGINEER", {"a1", "g2"}),
    ("q=C%2B%2B+(senior", set()),  # regex metacharacters are matched literally, not an error
    ("company=globex", {"g1", "g2", "g3", "g4"}),
    ("company=ACME+co", {"a1", "a2", "a3", "a4"}),  # the display name, partial and case-insensitive
    ("q=acme+analyst", {"a2", "a3"}),  # title and company name
    ("employment=contract", {"g4"}),
    ("salary=known", {"a1", "g3"}),
    ("min_salary=85000", {"g3"}),
    ("min_salary=75000", {"a1", "g3"}),
    ("min_salary=80000", {"a1", "g3"}),
    ("posted=1", set()),  # g3 was posted 27 hours before now
    ("posted=7", {"a1", "a2", "a3", "g3"}),
    ("posted=30&status=any", {"a1", "a2", "a3", "g3"}),
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
    assert '<option value="ghost" selected>Highest ghost score</option>' in html
    assert "No postings match." in client.get("/jobs?q=zzzz").text


def test_job_list_pagination(seeded_db: Database, client: TestClient) -> None:
    seeded_db["jobs"].insert_many([
        job("workable", "initech", f"p{n:02d}", f"Paged role {n:02d}", first_seen=day(2026, 1, 1, 0).replace(minute=n))
        for n in range(30)])
    first = client.get("/jobs?ats=workable").text
    assert len(job_ids(first)) == PAGE_SIZE and "30 postings · showing 1–25" in first and "Page 1 of 2" in first
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
    # The reference page, in order and wording.
    order = ["← Back to Jobs", '<h1 id="job-title" class="title-text">Senior Backend Engineer</h1>', "Apply Now ↗",
             "Acme Corp", "Stockholm, Sweden", "Medium Risk", "€60,000 – €80,000 a year",
             "Engineering · Full-time · via lever", "<h2 id=\"description-heading\">Job Description</h2>",
             "Senior Backend Engineer at acme.", "Listing Details", "Posting Health", "Signal breakdown",
             "Green flags", "Earlier postings", "Are you the hiring manager?"]
    positions = [html.index(marker.replace('\\"', '"')) for marker in order]
    assert positions == sorted(positions), list(zip(order, positions, strict=True))
    assert re.search(r'<a class="apply" id="apply" href="https://jobs.example.com/acme/a1/apply" '
                     r'target="_blank" rel="noopener noreferrer">Apply Now ↗</a>', html)
    assert '<a href="/jobs/lever/acme/a1/promote">★ Promote this listing</a>' in html
    assert field(html, "posted") == "March 17, 2026"
    assert field(html, "first_seen") == "March 17, 2026"
    assert field(html, "last_seen") == "March 20, 2026"
    assert 'data-field="closed"' not in html and "closed-banner" not in html
    assert field(html, "risk") == "Medium Risk"
    assert field(html, "days_active") == "3"
    assert field(html, "repost_count") == "1"
    assert field(html, "ghost_score") == "42%"
    assert field(html, "scored_at") == "March 20, 2026"
    assert '<p class="summary" id="health-summary">Medium risk: posted recently, but open a long time, reposted.</p>' \
        in html
    rows = re.findall(r'<tr class="signal([^"]*)" data-signal="(\w+)">\s*<th scope="row" class="label" '
                      r'data-label="Signal">([^<]+)</th>\s*<td class="fired" data-label="\w+">(\w+)</td>\s*'
                      r'<td class="num points" data-label="Points">([^<]*)</td>\s*'
                      r'<td class="evidence" data-label="Evidence">([^<]+)</td>', html)
    assert [(r[2], r[3], r[4], r[5]) for r in rows] == [
        ("No salary", "No", "0", "Pay is given: €60,000 – €80,000 a year."),
        ("Days active", "Yes", "+12", "Open 3 days (posted March 17, 2026)."),
        ("Stale signals", "No", "0", "No signs of staleness."),
        ("Repost detected", "Yes", "+20", "Reposted: 1 earlier posting of this role."),
        ("Duplicate at company", "No", "0", "No near-identical postings at this company."),
        ("Description vagueness", "No", "0", "240 words; no team context."),
        ("Salary disclosed", "No", "0", "No pay range given."),
        ("Fresh posting", "Yes", "−5", "Posted 3 days ago and not a repost."),
        ("Team or manager named", "No", "0", "No team or manager named."),
        ("Interview process described", "No", "0", "No interview process described."),
    ]
    assert all(" green" in r[0] for r in rows[6:]) and not any("green" in r[0] for r in rows[:6])
    assert "posted_at" not in html.split('id="signals"')[1] and "steps" not in html
    assert 'href="/jobs/lever/acme/a0"' in html  # the earlier posting of the repost chain


def test_closed_job_shows_closed_date_and_later_repost(client: TestClient) -> None:
    html = client.get("/jobs/lever/acme/a0").text
    assert field(html, "closed") == "February 28, 2026"
    assert "This posting closed on February 28, 2026; it was open 89 days." in html
    assert 'id="apply"' not in html and "Apply Now" not in html  # no Apply button on a closed posting
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


def test_empty_fields_are_left_out(client: TestClient) -> None:
    html = client.get("/jobs/lever/acme/a2").text
    assert 'data-field="posted"' not in html  # no posted date: the row is left out
    g3 = client.get("/jobs/greenhouse/globex/g3").text
    meta = re.search(r'<p class="meta" id="job-meta">(.*?)</p>', g3, re.S).group(1).strip()
    assert meta == "via greenhouse"  # no department, no employment type: no "— · — ·"
    for path in ["/jobs", "/jobs?status=any", "/jobs/lever/acme/a2", "/jobs/greenhouse/globex/g3",
                 "/jobs/greenhouse/globex/g4", "/companies/greenhouse/globex", "/stats"]:
        text = client.get(path).text
        assert not re.search(r">\s*None\s*<|\bNone\b", text), path
        assert "— ·" not in text, path


def test_company_display_names(seeded_db: Database, client: TestClient) -> None:
    seeded_db["jobs"].insert_one(job("workday", "nvidia.wd5/NVIDIAExternalCareerSite", "R1", "GPU Engineer",
                                     company_name="nvidia.wd5/NVIDIAExternalCareerSite"))
    seeded_db["jobs"].insert_one(job("lever", "spotify", "s1", "Backend Engineer", company_name="spotify"))
    html = client.get("/jobs/workday/nvidia.wd5/NVIDIAExternalCareerSite/R1").text
    assert re.search(r'id="job-company"><a [^>]+>Nvidia</a>', html)
    assert 'data-job-id="R1"' in client.get("/jobs?company=nvidia").text
    # The registry name wins over the board id (set by `crawlerats boards add URL --name "Spotify AB"`).
    seeded_db["boards"].insert_one({"ats": "lever", "company": "spotify", "company_name": "Spotify AB"})
    assert re.search(r'id="job-company"><a [^>]+>Spotify AB</a>', client.get("/jobs/lever/spotify/s1").text)
    assert 'data-job-id="s1"' in client.get("/jobs?company=spotify+ab").text
    # The ATS's own name wins over both.
    assert re.search(r'id="job-company"><a [^>]+>Acme Corp</a>', client.get("/jobs/lever/acme/a1").text)


def test_active_promotion_is_marked_and_sorted_first(seeded_db: Database, client: TestClient) -> None:
    since, until = day(2026, 3, 19), day(2026, 4, 19)
    seeded_db["jobs"].update_one({"job_id": "g1"}, {"$set": {"promotion": {"since": since, "until": until}}})
    seeded_db["jobs"].update_one({"job_id": "a4"}, {"$set": {"promotion": {"since": day(2026, 1, 1),
                                                                           "until": day(2026, 2, 1)}}})  # expired
    for query in ("", "?sort=ghost", "?sort=low", "?sort=salary", "?ats=greenhouse", "?company=globex"):
        html = client.get(f"/jobs{query}").text
        assert job_ids(html)[0] == "g1", query
        row = re.search(r'data-job-id="g1">(.*?)</tr>', html, re.S).group(1)
        assert "★ Promoted" in row and html.count("★ Promoted") == 1, query  # a4's promotion has expired
    page = client.get("/jobs/greenhouse/globex/g1").text
    assert "★ Promoted — confirmed open by the hiring manager" in page
    assert "Confirmed open by the hiring manager on March 19, 2026" in page
    assert "★ Promoted" not in client.get("/jobs/lever/acme/a4").text
    assert job_ids(client.get("/companies/greenhouse/globex").text)[0] == "g1"


def test_unscored_posting_renders(seeded_db: Database, client: TestClient) -> None:
    bare = job("ashby", "hooli", "h1", "Unscored role", health=None, posted_at=None, location=None)
    del bare["repost_count"], bare["earlier_postings"]
    seeded_db["jobs"].insert_one(bare)
    html = client.get("/jobs/ashby/hooli/h1").text
    assert "Not scored" in html and "This posting has not been scored yet." in html
    assert 'data-field="ghost_score"' not in html and "None" not in html
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
    shares = re.findall(r'<tr data-risk="(\w+)">.*?<td class="num count" data-label="Open postings">(\d+)</td>\s*'
                        r'<td class="num share" data-label="Share">([^<]+)</td>', html, re.S)
    assert shares == [("low", "0", "0%"), ("medium", "1", "25%"), ("high", "2", "50%"), ("very_high", "1", "25%")]
    assert "<svg" in html and html.count('class="seg seg-') == 3  # one bar per non-empty risk level
    assert "Page 1 of 1" in html
    assert job_ids(html) == ["a4", "a3", "a2", "a1"]  # worst first
    assert 'href="https://jobs.lever.co/acme"' in html


def test_stats_page(client: TestClient) -> None:
    html = client.get("/stats").text
    lever = re.search(r'<tr data-ats="lever">(.*?)</tr>', html, re.S).group(1)
    cells = dict(re.findall(r'data-risk="(\w+)" data-label="[^"]+">([^<]+)<', lever))
    assert cells == {"low": "0", "medium": "1", "high": "2", "very_high": "1", "unscored": "0"}
    assert re.search(r'<td class="num total" data-label="Total">4</td>', lever)
    assert re.findall(r'<tr class="crawl" data-crawl-id="([^"]+)"', html) == ["crawl-3", "crawl-2", "crawl-1"]
    crawl3 = re.search(r'data-crawl-id="crawl-3">(.*?)</tr>', html, re.S).group(1)
    assert "8" in crawl3 and "Failed" in crawl3 and "2 boards failed" in crawl3 and "103" in crawl3
    assert html.count('<svg class="chart-bar"') == 2 + 3  # 2 ATS rows, 3 crawl rows


def test_empty_database_pages(mongo_db: Database) -> None:
    with TestClient(create_app(mongo_db, cache_seconds=0)) as empty:
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
    """A search the search index cannot narrow (words under three characters) reads the list's own bands, up to
    the scan budget."""
    monkeypatch.setattr("crawlerats.web.queries.SCAN_BUDGET", 1)
    html = client.get("/jobs?q=zz").text
    assert "Search all postings</a>" in html and 'href="/jobs?q=zz&amp;deep=1"' in html
    deep = client.get("/jobs?q=zz&deep=1").text
    assert "Search all postings" not in deep and "No postings match." in deep
    assert '<input type="hidden" name="deep" value="1">' in deep
    indexed = client.get("/jobs?q=zzz").text  # through the search index: no budget needed
    assert "Search all postings" not in indexed and "No postings match." in indexed


def test_search_matches_registry_names_and_new_postings(seeded_db: Database, client: TestClient) -> None:
    """Text search finds a board by its `boards` registry name (not in `job_search`), and postings stored after
    the app started (with their search documents, as the writer stores them)."""
    from crawlerats import registry
    from crawlerats.board import Board

    store_jobs(seeded_db, [job("lever", "spotify", "s1", "Backend Engineer", company_name="spotify",
                               posted_at=day(2026, 3, 19, 12)),
                           job("lever", "spotify", "s2", "Data Analyst", company_name="spotify")])
    assert set(job_ids(client.get("/jobs?q=backend").text)) == {"a1", "s1"}
    assert job_ids(client.get("/jobs?q=technology").text) == []
    registry.register(seeded_db, [Board("lever", "spotify", name="Spotify Technology")], "cli")
    assert job_ids(client.get("/jobs?q=technology").text) == ["s1", "s2"]  # newest posted first
    assert job_ids(client.get("/jobs?q=TECHNOLOGY+analyst").text) == ["s2"]
    assert job_ids(client.get("/jobs?q=echnolog+backend+engineer").text) == ["s1"]  # parts of words match


def test_boards_add_name_is_the_display_name(seeded_db: Database, client: TestClient) -> None:
    """`crawlerats boards add URL --name "Spotify"` stores the registry name the pages show for a board whose
    ATS gives no name (documents carry the board id as `company_name` then)."""
    from crawlerats import registry
    from crawlerats.board import Board

    seeded_db["jobs"].insert_one(job("lever", "spotify", "s1", "Backend Engineer", company_name="spotify"))
    assert re.search(r'id="job-company"><a [^>]+>Spotify</a>', client.get("/jobs/lever/spotify/s1").text)  # readable id
    registry.register(seeded_db, [Board("lever", "spotify", name="Spotify Technology")], "cli")
    html = client.get("/jobs/lever/spotify/s1").text
    assert re.search(r'id="job-company"><a [^>]+>Spotify Technology</a>', html)
    assert "Spotify Technology" in client.get("/companies/lever/spotify").text
    row = re.search(r'data-job-id="s1">(.*?)</tr>', client.get("/jobs?company=technology").text, re.S).group(1)
    assert "Spotify Technology" in row
