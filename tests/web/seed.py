"""Known `jobs`, `boards` and `crawls` documents for the web and cookbook tests (field names per docs/schema.md)."""

from __future__ import annotations

import hashlib
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo import MongoClient
from pymongo.database import Database

from crawlerats.items import CRAWLED_FIELDS
from crawlerats.normalize.salary import annualised

NOW = datetime(2026, 3, 20, 12, 0, tzinfo=UTC)
RISK_LABELS = {"low": "Low Risk", "medium": "Medium Risk", "high": "High Risk", "very_high": "Very High Risk"}


def day(y: int, m: int, d: int, h: int = 9) -> datetime:
    return datetime(y, m, d, h, 0, tzinfo=UTC)


def signals(score: int, reposted: bool = False) -> list[dict[str, Any]]:
    """A plausible breakdown with the scoring stage's keys (stored order), whose points add up to `score`."""
    repost_points = 20 if reposted else 0
    age_points = max(0, score - repost_points - 15 + 5)

    def signal(key: str, label: str, value: Any, points: int, max_points: int, evidence: str) -> dict[str, Any]:
        return {"key": key, "label": label, "value": value, "points": points, "max_points": max_points,
                "evidence": evidence, "fired": points != 0}

    return [
        signal("base_rate", "Base rate", 15, 15, 15, "Every posting starts at 15 points."),
        signal("days_active", "Days active", 3, age_points, 40, f"Open 3 days, steps >30 d: +10: +{age_points}."),
        signal("no_salary", "No salary", False, 0, 10, "Pay is disclosed: 0."),
        signal("stale_signals", "Stale signals", [], 0, 20, "No staleness: 0."),
        signal("repost_detected", "Repost detected", 1 if reposted else 0, repost_points, 30,
               f"Repost #1: +{repost_points}." if reposted else "No earlier posting: 0."),
        signal("duplicate_at_company", "Duplicate at company", 0, 0, 15, "No other open near-identical posting: 0."),
        signal("description_vagueness", "Vague description",
               {"words": 240, "buzzwords": 0, "responsibilities": True, "requirements": True, "team_context": False},
               0, 20, "Specific: 0."),
        signal("salary_disclosed", "Salary disclosed", False, 0, -5, "No pay range to credit: 0."),
        signal("fresh_posting", "Fresh posting", 3, -5, -5, "Posted 3 days ago (<= 14) and not a repost: -5."),
        signal("team_or_manager_named", "Team or manager named", False, 0, -5, "No team or reporting line named: 0."),
        signal("interview_process", "Interview process described", False, 0, -5, "No interview process described: 0."),
    ]


def health(score: int, risk: str, days_active: int, repost_count: int = 0, scored_at: datetime = NOW) -> dict[str, Any]:
    return {"ghost_score": score, "risk": risk, "risk_label": RISK_LABELS[risk], "days_active": days_active,
            "repost_count": repost_count, "signals": signals(score, repost_count > 0), "scored_at": scored_at,
            "version": "test-1"}


def job(ats: str, company: str, job_id: str, title: str, **fields: Any) -> dict[str, Any]:
    """A complete `jobs` document: every crawled field plus the writer, dedup and scoring fields."""
    doc: dict[str, Any] = dict.fromkeys(CRAWLED_FIELDS)
    first_seen = fields.get("first_seen", day(2026, 3, 17))
    description = fields.pop("description_html", f"<p>{title} at {company}.</p><ul><li>Build things</li></ul>")
    doc.update({
        "ats": ats, "company": company, "company_name": company.title(), "job_id": job_id, "title": title,
        "locations": [], "extras": {}, "description_html": description,
        "description_text": f"{title} at {company}.", "url": f"https://jobs.example.com/{company}/{job_id}",
        "apply_url": f"https://jobs.example.com/{company}/{job_id}/apply",
        "first_seen": first_seen, "last_seen": NOW, "crawl_id": "crawl-3", "status": "open",
        "closed_at": None, "reopened_count": 0,
        "content_hash": hashlib.sha1(f"{title}|{description}".encode()).hexdigest(),
        "updated_seen_at": first_seen, "repost_of": None, "repost_count": 0, "earlier_postings": [],
        "duplicate_group": None, "duplicate_count": 0,
        "health": health(10, "low", 3),
    })
    doc.update(fields)
    doc["salary"] = annualised(doc["salary"])  # as the validation stage stores it
    return doc


def seed_jobs() -> list[dict[str, Any]]:
    return [
        # Acme on Lever: a repost chain a0 -> a1, a duplicate pair, a long-open remote role.
        job("lever", "acme", "a0", "Senior Backend Engineer", company_name="Acme Corp", department="Engineering",
            location="Stockholm, Sweden", workplace_type="onsite", employment_type="full_time",
            employment_type_raw="Permanent", posted_at=day(2025, 12, 1), first_seen=day(2025, 12, 1),
            last_seen=day(2026, 2, 28), status="closed", closed_at=day(2026, 2, 28),
            health=health(35, "medium", 89, scored_at=day(2026, 2, 28))),
        job("lever", "acme", "a1", "Senior Backend Engineer", company_name="Acme Corp", department="Engineering",
            team="Platform", location="Stockholm, Sweden", workplace_type="onsite",
            locations=[{"raw": "Stockholm, Sweden", "city": "Stockholm", "region": None, "country": "SE"}],
            employment_type="full_time", employment_type_raw="Permanent", posted_at=day(2026, 3, 17),
            posted_at_raw="1773738000000", first_seen=day(2026, 3, 17, 10),
            salary={"min": 60000.0, "max": 80000.0, "currency": "EUR", "interval": "year", "raw": "€60k–80k"},
            repost_of={"ats": "lever", "company": "acme", "job_id": "a0"}, repost_count=1,
            earlier_postings=[{"job_id": "a0", "title": "Senior Backend Engineer", "first_seen": day(2025, 12, 1),
                               "last_seen": day(2026, 2, 28), "closed_at": day(2026, 2, 28),
                               "posted_at": day(2025, 12, 1)}],
            health=health(42, "medium", 3, repost_count=1)),
        job("lever", "acme", "a2", "Data Analyst", company_name="Acme Corp", department="Analytics",
            location="Berlin, Germany", workplace_type="hybrid", employment_type="full_time",
            employment_type_raw="Full-time", posted_at=None, first_seen=day(2026, 3, 18),
            duplicate_group="dg-acme-1", duplicate_count=2, health=health(55, "high", 2)),
        job("lever", "acme", "a3", "Data Analyst", company_name="Acme Corp", department="Analytics",
            location="Munich, Germany", workplace_type="hybrid", employment_type="full_time",
            employment_type_raw="Full-time", posted_at=day(2026, 3, 18), first_seen=day(2026, 3, 18),
            duplicate_group="dg-acme-1", duplicate_count=2, health=health(57, "high", 2)),
        job("lever", "acme", "a4", "Support Specialist", company_name="Acme Corp", department="Support",
            location="Remote", workplace_type="remote", employment_type="part_time", employment_type_raw="Part-time",
            posted_at=day(2025, 9, 1), first_seen=day(2025, 9, 3), health=health(88, "very_high", 200)),
        # Globex on Greenhouse: old postings without salary, one recent.
        job("greenhouse", "globex", "g1", "Account Executive", company_name="Globex", department="Sales",
            location="New York, NY", workplace_type="onsite", employment_type="full_time",
            employment_type_raw="Full-Time", posted_at=day(2025, 10, 1), first_seen=day(2025, 10, 2),
            health=health(75, "high", 170)),
        job("greenhouse", "globex", "g2", "Sales Engineer", company_name="Globex", department="Sales",
            location="Austin, TX", workplace_type="onsite", employment_type="full_time",
            employment_type_raw="Full-Time", posted_at=None, first_seen=day(2025, 11, 20),
            health=health(80, "very_high", 120)),
        job("greenhouse", "globex", "g3", "Office Manager", company_name="Globex", department=None,
            location="New York, NY", workplace_type="onsite", employment_type=None, employment_type_raw=None,
            posted_at=day(2026, 3, 19), first_seen=day(2026, 3, 19),
            salary={"min": 70000.0, "max": 90000.0, "currency": "USD", "interval": "year", "raw": "$70,000 - $90,000"},
            health=health(5, "low", 1)),
        job("greenhouse", "globex", "g4", "Recruiter", company_name="Globex", department="People",
            location="Remote - US", workplace_type="remote", employment_type="contract",
            employment_type_raw="Contract", posted_at=day(2025, 8, 1), first_seen=day(2026, 3, 19),
            repost_of={"ats": "greenhouse", "company": "globex", "job_id": "g0"}, repost_count=1,
            earlier_postings=[{"job_id": "g0", "title": "Recruiter", "first_seen": day(2025, 8, 1),
                               "last_seen": day(2026, 1, 5), "closed_at": day(2026, 1, 5), "posted_at": None}],
            health=health(66, "high", 231, repost_count=1)),
    ]


def seed_crawls() -> list[dict[str, Any]]:
    crawls = []
    for n, (ok, failed) in enumerate([(10, 0), (9, 1), (8, 2)], start=1):
        started = NOW - timedelta(days=3 - n, minutes=30)
        crawls.append({
            "_id": f"crawl-{n}", "spider": "lever", "args": {}, "shard": None, "scrapyd_job": None, "node": "test",
            "started_at": started, "finished_at": started + timedelta(minutes=5), "finish_reason": "finished",
            "boards": {"ok": ok, "failed": failed, "truncated": 0, "incomplete": 0},
            "items": {"stored": 100 + n, "dropped": {"missing_title": n}}, "stats": {},
            "monitors": {"passed": failed == 0, "failures": [] if failed == 0 else [f"{failed} boards failed"]},
        })
    return crawls


def seed_boards() -> list[dict[str, Any]]:
    return [
        {"ats": "lever", "company": "acme", "company_name": "Acme Corp", "url": "https://jobs.lever.co/acme",
         "params": {}, "source": "test", "added_at": day(2025, 9, 1),
         "last_crawl": {"at": NOW, "outcome": "ok", "items": 4, "crawl_id": "crawl-3", "reason": None}},
    ]


def seed(db: Database) -> None:
    db["jobs"].insert_many(seed_jobs())
    db["crawls"].insert_many(seed_crawls())
    db["boards"].insert_many(seed_boards())


def store_jobs(db: Database, docs: list[dict[str, Any]]) -> None:
    """Insert postings after the app created its indexes, with their text-search documents (as the crawl's
    writer stores them: crawlerats/pipelines/search_writes.py)."""
    from crawlerats.db.search_index import SEARCH_COLLECTION, search_update

    db["jobs"].insert_many(docs)
    db[SEARCH_COLLECTION].bulk_write([search_update(doc, job=doc["_id"]) for doc in docs])


@contextmanager
def list_database(client: MongoClient, prefix: str, docs: Callable[[Database], list[dict[str, Any]]]
                  ) -> Iterator[Database]:
    """A throwaway database for the list tests: the registered indexes, the crawl records, the postings `docs`
    returns (called after the crawls are stored, so it may read the list's anchor) and their text-search
    documents; dropped afterwards."""
    from crawlerats.db.indexes import ensure_indexes
    from crawlerats.db.search_index import backfill_search

    db = client[f"{prefix}_{uuid.uuid4().hex[:8]}"]
    try:
        ensure_indexes(db)
        db["crawls"].insert_many(seed_crawls())
        db["jobs"].insert_many(docs(db))
        backfill_search(db)  # the text-search documents the crawl's writer stores with each posting
        yield db
    finally:
        client.drop_database(db.name)
