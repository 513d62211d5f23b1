"""Personio spider on both real XML feeds plus empty, truncated and non-XML boards, through a real crawl."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.support.ats_server import Reply, file_reply
from tests.support.crawl import run_crawl
from tests.support.inprocess import BoardCase, check_item
from tests.support.paths import fixture

NOW = "2026-09-01T00:00:00Z"


def _xml(body: bytes):
    return lambda q, b: Reply(body=body, content_type="application/xml")


def test_personio_boards(ats_server, crawl_settings, mongo_db) -> None:
    full = fixture("personio/laolaweb-test-account_threadi.xml")
    ats_server.route("GET", "laolaweb.jobs.personio.de/xml", file_reply(full))
    ats_server.route("GET", "acme.jobs.personio.de/xml", file_reply(fixture("personio/sanitized-acme_careerkit.xml")))
    ats_server.route("GET", "emptyco.jobs.personio.de/xml",
                     _xml(b'<?xml version="1.0" encoding="UTF-8"?>\n<workzag-jobs></workzag-jobs>'))
    ats_server.route("GET", "truncated.jobs.personio.de/xml", _xml(full.read_bytes()[:9000]))
    ats_server.route("GET", "htmlco.jobs.personio.de/xml",
                     lambda q, b: Reply(body=b"<!DOCTYPE html><html><body>Login</body></html>", content_type="text/html"))
    ats_server.route("GET", "entity.jobs.personio.de/xml", _xml(
        b'<?xml version="1.0"?><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>'
        b"<workzag-jobs><position><id>1</id><name>&e;</name></position></workzag-jobs>"))
    ats_server.route("GET", "odd.jobs.personio.de/xml", _xml(
        b"<workzag-jobs><!-- odd --><position><id> 9 </id><name>Odd <b>bold</b></name><office/>"
        b"<additionalOffices><office/><office>  </office></additionalOffices><salaryInformation/>"
        b"<jobDescriptions><jobDescription><value/></jobDescription></jobDescriptions><createdAt>soon</createdAt>"
        b"</position><position><name>No id</name></position></workzag-jobs>"))
    result = run_crawl("personio", {"companies": "laolaweb,acme,emptyco,truncated,htmlco,entity,odd"},
                       {**crawl_settings, "CRAWLERATS_NOW": NOW})
    assert result.stats["crawlerats/boards/ok"] == 5
    assert result.stats["crawlerats/boards/failed"] == 2
    assert "invalid_xml" in result.log and "unexpected_payload (<html>)" in result.log
    assert mongo_db.jobs.count_documents({"company": {"$in": ["truncated", "htmlco", "emptyco"]}}) == 0

    docs = {d["job_id"]: d for d in mongo_db.jobs.find({"company": "laolaweb"})}
    assert len(docs) == 11, result.log[-6000:]

    job = docs["2140231"]
    assert job["ats"] == "personio" and job["company_name"] == "Parent Ltd."
    assert job["title"] == "Copy of Junior Compliance and Immigrations Manager"
    assert job["department"] == "Management"
    assert job["employment_type_raw"] == "permanent, full-time" and job["employment_type"] == "full_time"
    assert job["locations"] == [{"raw": "London", "city": "London", "region": None, "country": "GB"}]
    assert job["workplace_type"] is None
    assert job["salary"] == {"min": 100000.0, "max": None, "currency": "GBP", "interval": "year",
                             "raw": "GBP 100,000 per year",
                             "annual_min": 100000.0, "annual_max": 100000.0}
    assert job["salary_raw"] == {"min": "100000.00", "max": None, "currencySymbol": "£", "currencyCode": "GBP",
                                 "type": "yearly"}
    assert job["posted_at"] == datetime(2024, 9, 24, 11, 0, 15, tzinfo=UTC)
    assert job["url"] == job["apply_url"] == "https://laolaweb.jobs.personio.de/job/2140231"
    html = job["description_html"]
    assert [html.count(f"<h3>{name}</h3>") for name in ("Your mission", "Your profile", "Why us?")] == [1, 1, 1]
    assert "<strong>ESSENTIAL KNOWLEDGE, SKILLS AND EXPERIENCE:</strong>" in html
    assert job["description_text"].startswith("Your mission\n")
    assert job["extras"]["keywords"] == "Compliance ,Immigration" and job["extras"]["yearsOfExperience"] == "2-5"
    assert job["extras"]["occupationCategory"] == "administrative_and_clerical"

    remote = docs["2140224"]
    assert remote["company_name"] == "Subsidiary NL" and remote["workplace_type"] == "remote"
    assert remote["employment_type_raw"] == "permanent, full-or-part-time" and remote["employment_type"] == "full_time"
    assert remote["salary"] is None and remote["salary_raw"] is None
    assert remote["posted_at"] == datetime(2018, 10, 22, 13, 43, 47, tzinfo=UTC)

    student = docs["2140222"]
    assert student["employment_type"] == "internship" and student["locations"][0]["country"] == "NL"
    assert docs["2140233"]["salary"]["currency"] == "EUR"
    assert docs["2140233"]["locations"][0]["country"] == "GB"  # Manchester
    assert docs["2140221"]["company_name"] == "laolaweb"  # no subcompany: the board id

    acme = list(mongo_db.jobs.find({"company": "acme"}))
    assert len(acme) == 1  # the feed lists the same position twice
    assert acme[0]["company_name"] == "Acme SE & Co. KG"
    assert [loc["raw"] for loc in acme[0]["locations"]] == ["Munich", "Berlin"]
    assert {loc["country"] for loc in acme[0]["locations"]} == {"DE"}
    assert acme[0]["location"] == "Munich; Berlin"
    assert acme[0]["description_html"] is None and acme[0]["description_text"] is None
    assert acme[0]["posted_at"] == datetime(2024, 11, 13, 14, 10, 41, tzinfo=UTC)
    assert result.stats["crawlerats/repaired/duplicate_in_feed"] == 1

    entity = mongo_db.jobs.find_one({"company": "entity"})
    assert entity is None or "root:" not in (entity["title"] or "")  # external entities are never resolved

    odd = mongo_db.jobs.find_one({"company": "odd"})
    assert odd["job_id"] == "9" and odd["title"] == "Odd"
    assert odd["locations"] == [] and odd["salary"] is None and odd["salary_raw"] is None
    assert odd["description_html"] is None and odd["posted_at"] is None and odd["posted_at_raw"] == "soon"
    assert mongo_db.jobs.count_documents({"company": "odd"}) == 1  # the position without an id is dropped


# --- in-process expected values (City Bureau style): every contract field, no subprocess, no database ---------
CASES = (
    BoardCase("personio", "laolaweb-test-account", ((r".", "personio/laolaweb-test-account_threadi.xml"),)),
    BoardCase("personio", "acme", ((r".", "personio/sanitized-acme_careerkit.xml"),)),
)


def test_laolaweb_feed_in_process_every_field() -> None:
    run = CASES[0].run()
    assert (len(run.items), run.outcome, run.dropped, len(run.requests)) == (11, "ok", [], 1)
    check_item(run.by_id()["2140231"], job_id="2140231", title="Copy of Junior Compliance and Immigrations Manager",
               company_name="Parent Ltd.",
               locations=[{"raw": "London", "city": "London", "region": None, "country": "GB"}], location="London",
               workplace_type=None, employment_type="full_time", employment_type_raw="permanent, full-time",
               department="Management", team=None,
               salary={"min": 100000.0, "max": None, "currency": "GBP", "interval": "year",
                       "raw": "GBP 100,000 per year"},
               posted_at="2024-09-24T11:00:15+00:00", posted_at_raw="2024-09-24T11:00:15+00:00", updated_at=None,
               url="https://laolaweb-test-account.jobs.personio.de/job/2140231",
               apply_url="https://laolaweb-test-account.jobs.personio.de/job/2140231",
               description_text="Your mission\nThe International Affairs Office Mana", requisition_id=None,
               extras={"subcompany", "keywords", "occupationCategory", "occupation", "yearsOfExperience", "seniority"})


def test_acme_feed_in_process_every_field() -> None:
    run = CASES[1].run()
    assert (len(run.items), run.outcome, run.dropped) == (1, "ok", [])
    check_item(run.items[0], job_id="1834171", title="Staff Software Engineer, Data Platform",
               company_name="Acme SE & Co. KG",
               locations=[{"raw": "Munich", "city": "Munich", "region": None, "country": "DE"},
                          {"raw": "Berlin", "city": "Berlin", "region": None, "country": "DE"}],
               location="Munich; Berlin", workplace_type=None, employment_type="full_time",
               employment_type_raw="permanent, full-time", department="Product and Tech", team=None, salary=None,
               posted_at="2024-11-13T14:10:41+00:00", posted_at_raw="2024-11-13T14:10:41+00:00", updated_at=None,
               url="https://acme.jobs.personio.de/job/1834171", apply_url="https://acme.jobs.personio.de/job/1834171",
               description_text=None, requisition_id=None,
               extras={"seniority", "subcompany", "occupationCategory", "occupation", "yearsOfExperience",
                       "recruitingCategory"})
