"""Multi-run dedup scenarios: real `scrapy crawl lever` subprocesses against the real SecantusDB server,
the board served from edited copies of the real Lever fixtures, CRAWLERATS_NOW stepping through days."""

from __future__ import annotations

import copy
import json
import threading
from datetime import UTC, datetime
from typing import Any

from pymongo.database import Database

from tests.support.ats_server import AtsServer, Reply, paged_list
from tests.support.crawl import CrawlResult, run_crawl
from tests.support.paths import fixture

SITE = "spotify"
SPOTIFY = json.loads(fixture("lever/spotify_prettyirrelevant.json").read_text())
VOLTUS = json.loads(fixture("lever/voltus_haydenham.json").read_text())


def day(n: int) -> datetime:
    return datetime(2026, 3, n, 9, 0, tzinfo=UTC)


def posting(source: dict[str, Any], job_id: str, title: str | None = None) -> dict[str, Any]:
    """A copy of a real Lever posting under a new id (and optionally a new title)."""
    p = copy.deepcopy(source)
    p["id"] = job_id
    p["hostedUrl"] = f"https://jobs.lever.co/{SITE}/{job_id}"
    p["applyUrl"] = p["hostedUrl"] + "/apply"
    if title:
        p["text"] = title
    return p


def reordered(source: dict[str, Any], job_id: str) -> dict[str, Any]:
    """A realistic re-post: new id, the 'lists' sections in another order, a dated line added."""
    p = posting(source, job_id)
    p["lists"] = list(reversed(p["lists"]))
    p["description"] = p["description"] + "<p>Posted on 12 March 2026, apply by 2026-04-30.</p>"
    return p


def serve(server: AtsServer, postings: list[dict[str, Any]]) -> None:
    server.route("GET", f"api.lever.co/v0/postings/{SITE}", paged_list(postings))


def fail(server: AtsServer) -> None:
    server.route("GET", f"api.lever.co/v0/postings/{SITE}", lambda q, b: Reply(500, b'{"error": "boom"}'))


def crawl(settings: dict[str, str], n: int, check: bool = True, **extra: str) -> CrawlResult:
    return run_crawl("lever", {"companies": SITE},
                     {**settings, "CRAWLERATS_NOW": day(n).isoformat(), "RETRY_TIMES": "0", **extra}, check=check)


def jobs(db: Database) -> dict[str, dict[str, Any]]:
    return {d["job_id"]: d for d in db.jobs.find({"ats": "lever", "company": SITE})}


def events(db: Database, job_id: str | None = None) -> list[tuple[str, str, datetime]]:
    query = {"job_id": job_id} if job_id else {}
    found = sorted((e["job_id"], e["at"], e["type"]) for e in db.job_events.find(query))
    return [(job_id, type_, at) for job_id, at, type_ in found]


def assert_health_agrees_with_groups(docs: dict[str, dict[str, Any]]) -> None:
    """Every open posting's duplicate signal counts the others of the group it is stored in."""
    for job_id, doc in docs.items():
        if doc["status"] != "open":
            continue
        signal = next(s for s in doc["health"]["signals"] if s["key"] == "duplicate_at_company")
        assert signal["value"] == max(doc["duplicate_count"] - 1, 0), (job_id, doc["duplicate_count"], signal)


def test_closed_failed_reopened_changed_and_idempotent(mongo_db: Database, ats_server: AtsServer,
                                                       crawl_settings: dict[str, str]) -> None:
    a, b = posting(SPOTIFY[0], "a-1"), posting(SPOTIFY[1], "b-1")
    c = posting(VOLTUS[0], "c-1")
    serve(ats_server, [a, b, c])
    crawl(crawl_settings, 1)
    docs = jobs(mongo_db)
    assert {k: d["status"] for k, d in docs.items()} == {"a-1": "open", "b-1": "open", "c-1": "open"}
    assert all(d["updated_seen_at"] == d["first_seen"] == day(1) and d["reopened_count"] == 0 for d in docs.values())
    assert [t for _, t, _ in events(mongo_db)] == ["opened"] * 3

    # c disappears from a complete board: closed.
    serve(ats_server, [a, b])
    result = crawl(crawl_settings, 2)
    assert result.stats["crawlerats/dedup/closed"] == 1
    docs = jobs(mongo_db)
    assert docs["c-1"]["status"] == "closed" and docs["c-1"]["closed_at"] == day(2)
    assert docs["c-1"]["last_seen"] == day(1)
    assert docs["a-1"]["status"] == "open" and docs["a-1"]["last_seen"] == day(2)

    # the board fails (HTTP 500): nothing is closed although no posting was seen.
    fail(ats_server)
    result = crawl(crawl_settings, 3, check=False)
    assert result.returncode == 3  # README "Exit codes": boards were crawled and none succeeded
    assert result.stats.get("crawlerats/boards/failed") == 1
    assert result.stats["crawlerats/dedup/closed"] == 0
    assert {k: d["status"] for k, d in jobs(mongo_db).items()} == {"a-1": "open", "b-1": "open", "c-1": "closed"}

    # c comes back: reopened; twice the same crawl (re-run) counts it once.
    serve(ats_server, [a, b, c])
    for _ in range(2):
        crawl(crawl_settings, 4)
        docs = jobs(mongo_db)
        assert docs["c-1"]["status"] == "open" and docs["c-1"]["closed_at"] is None
        assert docs["c-1"]["reopened_count"] == 1
        assert docs["c-1"]["first_seen"] == day(1) and docs["c-1"]["last_seen"] == day(4)
        assert [t for _, t, _ in events(mongo_db, "c-1")] == ["opened", "closed", "reopened"]
    assert mongo_db.jobs.count_documents({}) == 3

    # a's description is edited: the same posting, recorded as changed.
    edited = copy.deepcopy(a)
    edited["description"] = edited["description"].replace("We design", "Together we design")
    serve(ats_server, [edited, b, c])
    crawl(crawl_settings, 5)
    docs = jobs(mongo_db)
    assert mongo_db.jobs.count_documents({}) == 3
    assert docs["a-1"]["content_hash"] != docs["b-1"]["content_hash"]
    assert docs["a-1"]["updated_seen_at"] == day(5) and docs["a-1"]["first_seen"] == day(1)
    assert docs["b-1"]["updated_seen_at"] == day(1)
    assert ("a-1", "changed", day(5)) in events(mongo_db, "a-1")
    assert docs["a-1"]["repost_count"] == 0 and docs["a-1"]["duplicate_group"] is None
    # re-running the last crawl changes nothing
    before = {k: {f: v for f, v in d.items() if f not in ("crawl_id", "health")} for k, d in docs.items()}
    n_events = mongo_db.job_events.count_documents({})
    crawl(crawl_settings, 5)
    after = {k: {f: v for f, v in d.items() if f not in ("crawl_id", "health")} for k, d in jobs(mongo_db).items()}
    assert after == before
    assert mongo_db.job_events.count_documents({}) == n_events


def test_reposted_a_week_later_twice(mongo_db: Database, ats_server: AtsServer,
                                     crawl_settings: dict[str, str]) -> None:
    other = posting(VOLTUS[1], "other")
    serve(ats_server, [posting(SPOTIFY[0], "r-1"), other])
    crawl(crawl_settings, 1)
    serve(ats_server, [reordered(SPOTIFY[0], "r-2"), other])
    crawl(crawl_settings, 8)
    docs = jobs(mongo_db)
    assert docs["r-1"]["status"] == "closed"
    assert docs["r-2"]["repost_of"] == {"ats": "lever", "company": SITE, "job_id": "r-1"}
    assert docs["r-2"]["repost_count"] == 1
    assert [(e["job_id"], e["first_seen"], e["last_seen"]) for e in docs["r-2"]["earlier_postings"]] == [
        ("r-1", day(1), day(1))]
    assert docs["other"]["repost_count"] == 0
    serve(ats_server, [reordered(SPOTIFY[0], "r-3"), other])
    crawl(crawl_settings, 15)
    docs = jobs(mongo_db)
    assert docs["r-3"]["repost_of"]["job_id"] == "r-2"
    assert docs["r-3"]["repost_count"] == 2
    assert [e["job_id"] for e in docs["r-3"]["earlier_postings"]] == ["r-1", "r-2"]
    assert docs["r-3"]["earlier_postings"][1]["closed_at"] is None  # r-2 was still open when r-3 appeared
    assert docs["r-2"]["status"] == "closed" and docs["r-2"]["repost_count"] == 1
    assert [j for j, t, _ in events(mongo_db) if t == "reposted"] == ["r-2", "r-3"]


def test_posted_twice_at_once_forms_a_duplicate_group(mongo_db: Database, ats_server: AtsServer,
                                                      crawl_settings: dict[str, str]) -> None:
    other = posting(SPOTIFY[1], "other")
    serve(ats_server, [posting(SPOTIFY[0], "d-1"), posting(SPOTIFY[0], "d-2"), other])
    crawl(crawl_settings, 1)
    docs = jobs(mongo_db)
    assert docs["d-1"]["duplicate_group"] and docs["d-1"]["duplicate_group"] == docs["d-2"]["duplicate_group"]
    assert docs["d-1"]["duplicate_count"] == docs["d-2"]["duplicate_count"] == 2
    assert docs["other"]["duplicate_group"] is None and docs["other"]["duplicate_count"] == 0
    assert docs["d-2"]["repost_count"] == 0  # posted at the same time: a duplicate, not a repost
    assert_health_agrees_with_groups(docs)
    # a third copy the next day joins the group; the stored members are updated too
    serve(ats_server, [posting(SPOTIFY[0], "d-1"), posting(SPOTIFY[0], "d-2"), reordered(SPOTIFY[0], "d-3"), other])
    crawl(crawl_settings, 2)
    docs = jobs(mongo_db)
    group = docs["d-1"]["duplicate_group"]
    assert [docs[k]["duplicate_group"] for k in ("d-1", "d-2", "d-3")] == [group] * 3
    assert [docs[k]["duplicate_count"] for k in ("d-1", "d-2", "d-3")] == [3, 3, 3]
    assert_health_agrees_with_groups(docs)
    # one copy is taken down: it leaves the group, the others are recounted
    serve(ats_server, [posting(SPOTIFY[0], "d-1"), reordered(SPOTIFY[0], "d-3"), other])
    crawl(crawl_settings, 3)
    docs = jobs(mongo_db)
    assert docs["d-2"]["status"] == "closed" and docs["d-2"]["duplicate_group"] is None
    assert [docs[k]["duplicate_count"] for k in ("d-1", "d-3")] == [2, 2]
    assert docs["d-1"]["duplicate_group"] == docs["d-3"]["duplicate_group"] == group
    # recounted after the crawl scored them (3 -> 2): rescored, so health says one other, not two
    assert_health_agrees_with_groups(docs)


def test_two_concurrent_crawls_of_one_board(mongo_db: Database, ats_server: AtsServer,
                                            crawl_settings: dict[str, str]) -> None:
    base = [posting(VOLTUS[i], f"v-{i}") for i in range(3)]
    serve(ats_server, [posting(SPOTIFY[0], "r-1"), *base])
    crawl(crawl_settings, 1)
    board = [reordered(SPOTIFY[0], "r-2"), posting(SPOTIFY[1], "n-1"), posting(SPOTIFY[1], "n-2"), *base]
    serve(ats_server, board)
    results: list[CrawlResult] = []
    threads = [threading.Thread(target=lambda: results.append(crawl(crawl_settings, 8))) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 2
    docs = jobs(mongo_db)
    assert mongo_db.jobs.count_documents({}) == len(docs) == 7
    assert docs["r-2"]["repost_count"] == 1 and docs["r-2"]["repost_of"]["job_id"] == "r-1"
    assert docs["r-1"]["status"] == "closed"
    assert docs["n-1"]["duplicate_group"] == docs["n-2"]["duplicate_group"] is not None
    assert docs["n-1"]["duplicate_count"] == docs["n-2"]["duplicate_count"] == 2
    assert_health_agrees_with_groups(docs)
    kinds = [(j, t) for j, t, _ in events(mongo_db)]
    assert sorted(kinds) == sorted(set(kinds))  # no event twice
    assert kinds.count(("r-2", "reposted")) == 1 and kinds.count(("r-1", "closed")) == 1
    # a third crawl of the same day changes no counts
    crawl(crawl_settings, 8)
    assert jobs(mongo_db)["r-2"]["repost_count"] == 1
