"""The JSON API, the CSV and Atom exports and the static-file headers, checked against direct database queries;
the curl examples of docs/analysts.md run against a live server."""

from __future__ import annotations

import csv
import io
import re
import shlex
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from pymongo.database import Database
from starlette.testclient import TestClient

from crawlerats.web.exports import CSV_COLUMNS
from crawlerats.web.queries import SORT_KEYS, ListParams, is_promoted
from tests.support.paths import REPO
from tests.web.conftest import LiveServer
from tests.web.seed import NOW, day, job, store_jobs

ATOM = "{http://www.w3.org/2005/Atom}"


def expected_ids(db: Database, query: dict[str, str]) -> list[str]:
    params = ListParams.parse(query)
    docs = list(db["jobs"].find(params.mongo_filter(NOW)))
    docs.sort(key=lambda d: (is_promoted(d, NOW), *SORT_KEYS[params.sort](d)), reverse=True)
    return [d["job_id"] for d in docs]


@pytest.mark.parametrize("query", [{}, {"sort": "ghost"}, {"sort": "salary", "status": "any"}, {"ats": "lever"},
                                   {"salary": "known"}, {"q": "engineer", "status": "any"}, {"posted": "30"}])
def test_api_list_matches_database(seeded_db: Database, client: TestClient, query: dict[str, str]) -> None:
    body = client.get("/api/jobs", params=query).json()
    ids = expected_ids(seeded_db, query)
    assert body["total"] == len(ids) and body["page"] == 1 and body["per_page"] == 25
    assert [item["job_id"] for item in body["items"]] == ids


def test_api_items_are_the_public_contract(client: TestClient) -> None:
    body = client.get("/api/jobs", params={"q": "backend", "status": "any", "per_page": "1"}).json()
    # A text search that stopped at the first page does not know its total without reading everything.
    assert body["total"] is None and body["total_at_least"] == 2 and len(body["items"]) == 1 and "next" in body
    counted = client.get("/api/jobs", params={"ats": "lever", "status": "any", "per_page": "1"}).json()
    assert counted["total"] == 5  # equality filters: counted from the cached facet counts
    item = body["items"][0]
    assert "_id" not in item and "dedup" not in item
    assert item["job_id"] == "a1" and item["first_seen"] == "2026-03-17T10:00:00Z"  # ISO-8601 UTC
    assert item["salary"] == {"min": 60000.0, "max": 80000.0, "currency": "EUR", "interval": "year", "raw": "€60k–80k",
                              "annual_min": 60000.0, "annual_max": 80000.0}
    assert item["health"]["ghost_score"] == 42 and item["company_display_name"] == "Acme Corp"
    assert item["links"]["page"].endswith("/jobs/lever/acme/a1")
    second = client.get(body["next"].replace("http://testserver", "")).json()
    assert second["page"] == 2 and [i["job_id"] for i in second["items"]] == ["a0"]


def test_api_one_posting_and_404(seeded_db: Database, client: TestClient) -> None:
    seeded_db["jobs"].update_one({"job_id": "a1"}, {"$set": {"dedup": {"title_key": "x"}}})
    body = client.get("/api/jobs/lever/acme/a1").json()
    stored = seeded_db["jobs"].find_one({"job_id": "a1"})
    assert body["title"] == stored["title"] and body["health"]["risk"] == "medium"
    assert body["description_html"] == stored["description_html"] and "dedup" not in body and "_id" not in body
    assert body["posted_at"] == "2026-03-17T09:00:00Z"
    missing = client.get("/api/jobs/lever/acme/nope")
    assert missing.status_code == 404 and missing.json() == {"error": "No such job posting"}


def test_csv_export_matches_database(seeded_db: Database, client: TestClient) -> None:
    response = client.get("/jobs.csv", params={"status": "any", "sort": "ghost"})
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == CSV_COLUMNS
    assert [r["job_id"] for r in rows] == expected_ids(seeded_db, {"status": "any", "sort": "ghost"})
    a1 = next(r for r in rows if r["job_id"] == "a1")
    assert a1["salary_annual"] == "80000" and a1["posted_at"] == "2026-03-17T09:00:00Z" and a1["risk"] == "medium"
    assert a1["company_name"] == "Acme Corp" and a1["page"] == "http://testserver/jobs/lever/acme/a1"


def test_csv_export_is_capped_with_a_message(monkeypatch: pytest.MonkeyPatch, client: TestClient) -> None:
    monkeypatch.setattr("crawlerats.web.feeds.CSV_MAX_ROWS", 3)
    text = client.get("/jobs.csv").text
    lines = list(csv.reader(io.StringIO(text)))
    assert len(lines) == 1 + 3 + 1 and lines[-1][0].startswith("# Truncated: more than 3 postings match")
    assert "/jobs.csv?page=2" in lines[-1][0]
    page2 = list(csv.reader(io.StringIO(client.get("/jobs.csv?page=2").text)))
    assert [r[3] for r in page2[1:4]] == ["a1", "g2", "g1"]
    assert len(list(csv.reader(io.StringIO(client.get("/jobs.csv?page=3").text)))) == 1 + 2  # last rows, no note


def test_csv_cells_cannot_become_formulas(seeded_db: Database, client: TestClient) -> None:
    store_jobs(seeded_db, [job("lever", "acme", "f1", "=HYPERLINK(\"http://evil\")", posted_at=NOW)])
    rows = list(csv.DictReader(io.StringIO(client.get("/jobs.csv?q=hyperlink").text)))
    assert rows[0]["title"].startswith("'=")


def test_atom_feed_lists_newest_matching(seeded_db: Database, client: TestClient) -> None:
    response = client.get("/jobs.atom", params={"ats": "lever", "sort": "ghost"})
    assert response.headers["content-type"].startswith("application/atom+xml")
    feed = ET.fromstring(response.content)
    entries = feed.findall(f"{ATOM}entry")
    assert [e.find(f"{ATOM}link").get("href").rsplit("/", 1)[1] for e in entries] == \
        expected_ids(seeded_db, {"ats": "lever"})  # newest first, whatever sort was asked
    first = entries[0]
    assert first.find(f"{ATOM}title").text == "Data Analyst — Acme Corp"
    assert first.find(f"{ATOM}updated").text == "2026-03-18T09:00:00Z"
    assert "Munich, Germany" in first.find(f"{ATOM}summary").text


def test_static_files_are_compressed_and_cacheable(client: TestClient) -> None:
    css = client.get("/static/style.css", headers={"accept-encoding": "gzip"})
    assert css.headers["content-encoding"] == "gzip" and "max-age=86400" in css.headers["cache-control"]
    icon = client.get("/favicon.ico")
    assert icon.status_code == 200 and icon.headers["content-type"] == "image/x-icon"
    assert icon.content[:4] == b"\x00\x00\x01\x00" and "max-age" in icon.headers["cache-control"]
    page = client.get("/jobs", headers={"accept-encoding": "gzip"})
    assert page.headers["content-encoding"] == "gzip"


def test_list_urls_carry_only_non_empty_parameters(client: TestClient) -> None:
    response = client.get("/jobs?q=&company=&ats=lever&location=&min_salary=&sort=ghost", follow_redirects=False)
    assert response.status_code == 302 and response.headers["location"] == "/jobs?ats=lever&sort=ghost"


def test_page_past_the_end_redirects_to_the_last(seeded_db: Database, client: TestClient) -> None:
    seeded_db["jobs"].insert_many([job("workable", "initech", f"p{n:02d}", f"Role {n}", first_seen=day(2026, 1, 1))
                                   for n in range(30)])
    response = client.get("/jobs?ats=workable&page=400", follow_redirects=False)
    assert response.status_code == 302 and response.headers["location"] == "/jobs?ats=workable&page=2"
    assert client.get("/jobs?ats=workable&page=400").text.count('class="job-row') == 5
    html = client.get("/jobs").text
    assert "8 postings" in html and "of many" not in html


def test_analyst_doc_curl_examples_run(seeded_db: Database, live_server: LiveServer, tmp_path: Path) -> None:
    text = (REPO / "docs" / "analysts.md").read_text()
    commands = re.findall(r"^(curl [^\n]+)$", text, re.M)
    assert len(commands) >= 4
    for command in commands:
        argv = [a.replace("http://127.0.0.1:8000", live_server.url) for a in shlex.split(command)]
        result = subprocess.run(argv, capture_output=True, timeout=30, check=False, cwd=tmp_path)
        output = (tmp_path / argv[argv.index("-o") + 1]).read_bytes() if "-o" in argv else result.stdout
        assert result.returncode == 0 and output, command
        assert b"error" not in output[:200].lower(), command
    assert (tmp_path / "jobs.csv").read_text().startswith(",".join(CSV_COLUMNS))
