"""Recruitee spider on the real (sanitised) offers payload plus hand-made boards, through a real crawl."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from crawlerats.spiders.recruitee import RecruiteeSpider
from tests.spiders.fuzzing import mapping_failures
from tests.support.ats_server import Reply, file_reply, json_reply
from tests.support.crawl import run_crawl
from tests.support.inprocess import BoardCase, check_item
from tests.support.paths import fixture

NOW = "2026-09-01T00:00:00Z"


def test_recruitee_boards(ats_server, crawl_settings, mongo_db) -> None:
    ats_server.route("GET", "acme.recruitee.com/api/offers/", file_reply(fixture("recruitee/sanitized-acme_careerkit.json")))
    ats_server.route("GET", "emptyco.recruitee.com/api/offers/", json_reply({"offers": []}))
    ats_server.route("GET", "minimal.recruitee.com/api/offers/", json_reply({"offers": [
        {"id": 7, "title": "  Remote   Engineer ", "remote": True, "hybrid": None, "salary": None, "locations": None,
         "published_at": None, "created_at": "2026-01-02 03:04:05 UTC", "slug": "remote-engineer",
         "country_code": "NL", "city": None, "department": 12},
        {"id": 8, "title": "Broken salary", "salary": {"min": "abc", "max": None, "period": None, "currency": None},
         "locations": ["not a dict"], "description": None, "requirements": "<p>Only requirements</p>"},
        "not an offer",
    ]}))
    ats_server.route("GET", "broken.recruitee.com/api/offers/",
                     lambda q, b: Reply(body=b"<html>maintenance</html>", content_type="text/html"))
    result = run_crawl("recruitee", {"companies": "acme,emptyco,minimal,broken"},
                       {**crawl_settings, "CRAWLERATS_NOW": NOW})
    assert result.stats["crawlerats/boards/ok"] == 3
    assert result.stats["crawlerats/boards/failed"] == 1
    assert result.stats["crawlerats/dropped/parse_error"] == 1

    docs = {d["job_id"]: d for d in mongo_db.jobs.find({"ats": "recruitee"})}
    assert set(docs) == {"2700825", "2697184", "7", "8"}

    acc = docs["2700825"]
    assert acc["company"] == "acme" and acc["company_name"] == "Acme"
    assert acc["title"] == "(Senior) Financial Accountant (f/m/d) - Berlin/Brandenburg Region, Germany"
    assert acc["department"] == "Finance"
    assert acc["employment_type_raw"] == "fulltime_permanent" and acc["employment_type"] == "full_time"
    assert acc["workplace_type"] == "hybrid"
    assert acc["locations"] == [{"raw": "Berlin, Berlin, Germany", "city": "Berlin", "region": "Berlin", "country": "DE"}]
    assert acc["location"] == "Berlin, Berlin, Germany"
    assert acc["salary"] == {"min": 60000.0, "max": 75000.0, "currency": "EUR", "interval": "year",
                             "raw": "EUR 60,000 - 75,000 per year",
                             "annual_min": 60000.0, "annual_max": 75000.0}
    assert acc["salary_raw"] == {"max": "75000", "min": "60000", "period": "year", "currency": "EUR"}
    assert acc["posted_at"] == datetime(2026, 8, 5, 10, 10, 39, tzinfo=UTC)
    assert acc["posted_at_raw"] == "2026-08-05 10:10:39 UTC"
    assert acc["updated_at"] == datetime(2026, 8, 5, 11, 45, 30, tzinfo=UTC)
    assert acc["url"] == "https://jobs.acme.com/o/senior-financial-accountant-fmd-berlinbrandenburg-region-germany"
    assert acc["apply_url"] == acc["url"] + "/c/new"
    # description + requirements, sanitised (inline styles gone), text derived
    assert "style=" not in acc["description_html"]
    assert acc["description_html"].startswith("<p><strong>How you will make an impact</strong></p>")
    assert "<strong>What we expect from you</strong>" in acc["description_html"]
    assert acc["description_text"].startswith("How you will make an impact\n")
    assert "5+ years of relevant professional experience" in acc["description_text"]
    assert acc["extras"]["guid"] == "e4u78" and acc["extras"]["category_code"] == "accountancy"
    assert acc["extras"]["created_at"] == "2026-08-05 09:41:37 UTC"
    assert acc["status"] == "open"

    pdr = docs["2697184"]
    assert pdr["salary"]["min"] == 75000.0 and pdr["salary"]["max"] == 90000.0
    assert pdr["posted_at"] == datetime(2026, 7, 31, 22, 26, 40, tzinfo=UTC)
    assert pdr["department"] == "Sales" and pdr["workplace_type"] == "hybrid"

    remote = docs["7"]
    assert remote["title"] == "Remote Engineer" and remote["workplace_type"] == "remote"
    assert remote["salary"] is None and remote["salary_raw"] is None
    assert remote["posted_at"] == datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)  # created_at fallback
    assert remote["locations"] == [{"raw": "NL", "city": None, "region": None, "country": "NL"}]
    assert remote["url"] == "https://minimal.recruitee.com/o/remote-engineer"
    assert remote["department"] == "12"
    assert remote["company_name"] == "minimal" and remote["description_html"] is None

    odd = docs["8"]
    assert odd["salary"] is None and odd["locations"] == [] and odd["url"] is None
    assert odd["description_html"] == "<p>Only requirements</p>"
    assert odd["salary_raw"] == {"min": "abc", "max": None, "period": None, "currency": None}

    assert mongo_db.jobs.count_documents({"company": "emptyco"}) == 0


def test_recruitee_mapping_tolerates_odd_values() -> None:
    offer = json.loads(fixture("recruitee/sanitized-acme_careerkit.json").read_text())["offers"][0]
    assert mapping_failures(RecruiteeSpider, offer, lambda s, b, o: s.posting(b, o)) == []


# --- in-process expected values (City Bureau style): every contract field, no subprocess, no database ---------
CASES = (BoardCase("recruitee", "acme", ((r".", "recruitee/sanitized-acme_careerkit.json"),)),)


def test_acme_board_in_process_every_field() -> None:
    run = CASES[0].run()
    assert (len(run.items), run.outcome, run.dropped, len(run.requests)) == (2, "ok", [], 1)
    url = "https://jobs.acme.com/o/senior-financial-accountant-fmd-berlinbrandenburg-region-germany"
    check_item(run.by_id()["2700825"], job_id="2700825",
               title="(Senior) Financial Accountant (f/m/d) - Berlin/Brandenburg Region, Germany", company_name="Acme",
               locations=[{"raw": "Berlin, Berlin, Germany", "city": "Berlin", "region": "Berlin", "country": "DE"}],
               location="Berlin, Berlin, Germany", workplace_type="hybrid", employment_type="full_time",
               employment_type_raw="fulltime_permanent", department="Finance", team=None,
               salary={"min": 60000.0, "max": 75000.0, "currency": "EUR", "interval": "year",
                       "raw": "EUR 60,000 - 75,000 per year"},
               posted_at="2026-08-05T10:10:39+00:00", posted_at_raw="2026-08-05 10:10:39 UTC",
               updated_at="2026-08-05T11:45:30+00:00", url=url, apply_url=f"{url}/c/new",
               description_text="How you will make an impact\n\nAs our (Senior) Finan", requisition_id=None,
               extras={"education_code", "created_at", "experience_code", "max_hours", "slug", "min_hours",
                       "category_code", "guid", "status"})
