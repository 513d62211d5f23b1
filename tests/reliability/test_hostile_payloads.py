"""Hostile payloads through a real crawl: bad postings are dropped or repaired with a counted reason, the
good postings of the same board are stored, and every stored document meets the contract.

One `scrapy crawl lever` reads three boards: "hostile" (good postings mixed with one posting per kind of
damage), "xss" (one posting per payload of the XSS corpus) and "latin1" (a body in the wrong encoding),
plus "cut" whose second page is truncated JSON (failed board, first page kept, nothing closed).
"""

from __future__ import annotations

import copy
import json
from collections import Counter
from datetime import UTC, datetime
from typing import Any

from crawlerats.normalize.html import MAX_DESCRIPTION_CHARS
from tests.reliability.boards import lever_path, lever_postings, lever_templates
from tests.reliability.contract import html_problems, violations
from tests.reliability.xss import xss_corpus
from tests.support.ats_server import AtsServer, Reply, paged_list
from tests.support.crawl import run_crawl

NOW = "2026-11-25T12:00:00+00:00"


def _posting(job_id: str, **changes: Any) -> dict[str, Any]:
    p = copy.deepcopy(lever_templates()[0])
    p.update({"id": job_id, "text": f"Role {job_id}", "hostedUrl": f"https://jobs.lever.co/hostile/{job_id}"})
    p.update(changes)
    return p


def hostile_board() -> tuple[list[dict[str, Any]], dict[str, str], Counter[str]]:
    """Postings; what must happen to each id ("stored" or a drop reason); how many drops per reason."""
    good = [_posting(f"good-{i}") for i in range(5)]
    fate = {p["id"]: "stored" for p in good}
    damaged: list[tuple[dict[str, Any], str]] = [
        (_posting("no-id", id=None), "missing_identity"),
        (_posting("no-title", text=None), "missing_title"),
        (_posting("blank-title", text="   \n\t "), "missing_title"),
        (_posting("bad-categories", categories="Engineering"), "parse_error"),
        (_posting("numeric-title", text=12345), "stored"),
        (_posting("list-title", text=["a", "b"]), "missing_title"),
        (_posting("huge", description="<p>" + "x" * (MAX_DESCRIPTION_CHARS + 50_000) + "</p>"), "stored"),
        (_posting("epoch", createdAt=0), "stored"),
        (_posting("nineteen-seventy", createdAt="1970-01-01T00:00:00Z"), "stored"),
        (_posting("future", createdAt=32_503_680_000_000), "stored"),
        (_posting("negative-pay", salaryRange={"min": -5000, "max": -1000, "currency": "USD",
                                               "interval": "per-year-salary"}), "stored"),
        (_posting("absurd-pay", salaryRange={"min": 10, "max": 10**12, "currency": "USD",
                                             "interval": "per-year-salary"}), "stored"),
        (_posting("dollar-keys", salaryRange={"$gt": 1, "a.b": {"$where": "1"}, "min": 50000, "max": 60000,
                                              "currency": "EUR", "interval": "per-year-salary"}), "stored"),
        (_posting("surrogate", text="Engineer \ud800 (lone surrogate)"), "stored"),
        (_posting("nul", text="Data\x00Engineer", descriptionPlain="a\x00b"), "stored"),
        (_posting("types", categories={"commitment": 7, "location": {"x": 1}, "team": [1], "allLocations": "Oslo"},
                  workplaceType=True, hostedUrl=42, createdAt="soon"), "stored"),
        (_posting("good-0"), "duplicate_in_run"),  # the same id again later in the response
    ]
    postings = good[:3] + [p for p, _ in damaged] + good[3:]
    fate.update({p["id"]: why for p, why in damaged if p["id"] not in fate and p["id"] is not None})
    drops = Counter(why for _, why in damaged if why != "stored")
    return postings, fate, drops


def _serve(server: AtsServer) -> tuple[dict[str, str], Counter[str], list[str]]:
    postings, fate, drops = hostile_board()
    server.route("GET", lever_path("hostile"), lambda q, b: Reply(body=json.dumps(postings).encode()))
    corpus = xss_corpus()
    xss = [_posting(f"xss-{i}", description=payload, additional=payload, lists=[{"text": payload, "content": payload}])
           for i, payload in enumerate(corpus)]
    server.route("GET", lever_path("xss"), paged_list(xss))
    latin = json.dumps(lever_postings("latin1", 3), ensure_ascii=False).replace("Stockholm", "Malmö Café")
    server.route("GET", lever_path("latin1"), lambda q, b: Reply(body=latin.encode("latin-1", "replace"),
                                                                   content_type="application/json; charset=utf-8"))
    page1 = lever_postings("cut", 100)
    full = paged_list(page1 + lever_postings("cut-b", 50))
    server.route("GET", lever_path("cut"), lambda q, b: full(q, b) if q.get("skip") == "0"
                 else Reply(body=json.dumps(lever_postings("cut-b", 50)).encode()[:900]))
    return fate, drops, corpus


def test_hostile_payloads(ats_server: AtsServer, crawl_settings: dict[str, str], mongo_db: Any) -> None:
    fate, drops, corpus = _serve(ats_server)
    result = run_crawl("lever", {"companies": "hostile,xss,latin1,cut"}, {**crawl_settings, "CRAWLERATS_NOW": NOW},
                       check=False)
    stats = result.stats
    assert result.returncode == 0, result.log[-3000:]
    assert stats["finish_reason"] == "finished"
    assert not any(key.startswith("spider_exceptions") for key in stats), result.log[-3000:]

    stored = {d["job_id"]: d for d in mongo_db.jobs.find({"company": "hostile"})}
    assert set(stored) == {job_id for job_id, why in fate.items() if why == "stored"}
    assert sum(drops.values()) == 6
    for reason, count in drops.items():
        assert stats[f"crawlerats/dropped/{reason}"] == count, reason

    # Repairs, each counted.
    assert len(stored["huge"]["description_html"]) <= MAX_DESCRIPTION_CHARS
    assert stats["crawlerats/repaired/description_capped"] == 1
    for job_id in ("epoch", "nineteen-seventy", "future"):
        assert stored[job_id]["posted_at"] is None and stored[job_id]["posted_at_raw"], job_id
    assert stats["crawlerats/repaired/posted_at_implausible"] >= 2  # 1970 epoch(s) and year 3000
    assert stored["negative-pay"]["salary"] is None and stored["negative-pay"]["salary_raw"]
    assert stored["absurd-pay"]["salary"] is None
    assert stored["dollar-keys"]["salary"]["min"] == 50000.0
    assert "\ufffd" in stored["surrogate"]["title"]
    assert stats["crawlerats/repaired/title_unstorable"] == 1
    assert "\x00" not in stored["nul"]["title"]
    assert stored["numeric-title"]["title"] == "12345"
    assert stored["types"]["url"] is None or isinstance(stored["types"]["url"], str)

    # XSS corpus through the real crawl: every stored description is safe.
    xss_docs = list(mongo_db.jobs.find({"company": "xss"}))
    assert len(xss_docs) == len(corpus)
    for doc in xss_docs:
        assert not html_problems(doc["description_html"] or ""), (doc["job_id"], doc["description_html"])

    # Wrong encoding: stored, with the undecodable characters replaced rather than the board lost.
    assert mongo_db.jobs.count_documents({"company": "latin1"}) == 3

    # Truncated second page: board failed, first page kept, nothing closed.
    assert mongo_db.jobs.count_documents({"company": "cut"}) == 100
    board = mongo_db.boards.find_one({"company": "cut"})
    assert board["last_crawl"]["outcome"] == "failed" and "invalid_json" in board["last_crawl"]["reason"]
    assert mongo_db.jobs.count_documents({"status": "closed"}) == 0

    now = datetime.fromisoformat(NOW).astimezone(UTC)
    for doc in mongo_db.jobs.find({}):
        problems = violations(doc, now=now, stored=True)
        assert not problems, (doc["job_id"], problems)
