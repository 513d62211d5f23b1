"""JSON-LD extraction and schema.org value mapping, without a crawl."""

from __future__ import annotations

from parsel import Selector

from crawlerats.discovery import jsonld as ld


def _html(*blocks: str) -> Selector:
    scripts = "".join(f'<script type="application/ld+json">{b}</script>' for b in blocks)
    return Selector(text=f"<html><head>{scripts}</head><body></body></html>")


def test_postings_are_found_in_any_shape_and_bad_blocks_counted() -> None:
    postings, blocks, malformed = ld.job_postings(_html(
        '{"@type": ["JobPosting", "Thing"], "title": "A"}',
        '{"@type": "http://schema.org/JobPosting", "title": "B"}',
        '{"@type": "WebPage", "mainEntity": {"@type": "JobPosting", "title": "C",'
        ' "hiringOrganization": {"@type": "Organization", "name": "Org"}}}',
        '{"@type": "JobPosting", "title": "D" // a trailing comment\n}',
        '{"@type": "JobPosting", "title": ',
        '"just a string"',
    ))
    assert [p["title"] for p in postings] == ["A", "B", "C", "D"]
    assert (blocks, malformed) == (6, 1)
    assert ld.organization_name(postings[2]) == "Org"


def test_value_mapping() -> None:
    assert ld.identifier_of({"identifier": {"@type": "PropertyValue", "name": "x", "value": 42}}) == "42"
    assert ld.identifier_of({"identifier": ["R-1", "R-2"]}) == "R-1"
    assert ld.identifier_of({"identifier": True}) is None
    assert ld.stable_id("https://x.example/j", "Cook") == ld.stable_id("https://x.example/j", " Cook ")
    assert ld.stable_id("https://x.example/j", "Cook") != ld.stable_id("https://x.example/j", "Chef")
    assert ld.locations_of({"jobLocation": [
        {"@type": "Place", "address": {"addressLocality": "Paris", "addressCountry": {"name": "FR"}}},
        {"@type": "Place", "address": "Remote, Spain"}, "Oslo", {"@type": "Place", "name": "HQ"}, 7]}) == [
        {"city": "Paris", "region": None, "country": "FR"}, "Remote, Spain", "Oslo", "HQ"]
    assert ld.is_remote({"jobLocationType": ["TELECOMMUTE"]}) and not ld.is_remote({})
    assert ld.salary_of({"baseSalary": 52000, "salaryCurrency": "GBP"})["currency"] == "GBP"
    assert ld.salary_of({"baseSalary": {"currency": "USD", "value": 30, "unitText": "HOUR"}})["interval"] == "hour"
    assert ld.salary_of({"baseSalary": {"currency": "USD", "value": {"minValue": -5}}}) is None
    assert ld.salary_of({}) is None
    assert ld.employment_types({"employmentType": ["FULL_TIME", "", 3]}) == ["FULL_TIME"]
    assert ld.description_of({"description": "&lt;p&gt;x &amp;amp; y&lt;/p&gt;"}) == "<p>x &amp; y</p>"
    assert ld.description_of({"description": "<p>a &lt; b</p>"}) == "<p>a &lt; b</p>"
