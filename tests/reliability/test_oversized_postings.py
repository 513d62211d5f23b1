"""Oversized postings beside a good board: the hostile posting is dropped (counted), everything else stored.

One `scrapy crawl lever` reads board "good" (20 postings) and board "hostile": 5 good postings, one whose
location is 10 MB, one whose title is 10 MB and one whose id is 10 MB. Before the storage caps the location posting made a 52 MB
document that silently lost the whole write batch (the good board: 0 of 20 stored, crawl `finished`), and
the title posting made the server reject the batch (error 10334) and stopped every crawl with
`database_error`. Now the validate stage caps the fields (counted `crawlerats/repaired/<field>_capped`),
so both postings are stored with capped values; an id cannot be cut, so that posting is dropped and counted
(`crawlerats/dropped/identity_too_long`). The crawl finishes with exit 0.
"""

from __future__ import annotations

import json
from typing import Any

import bson

from crawlerats.pipelines.validate import FIELD_CAPS
from tests.reliability.boards import lever_path, lever_postings, serve_lever
from tests.support.ats_server import AtsServer, Reply
from tests.support.crawl import run_crawl

TEN_MB = 10 * 1024 * 1024


def test_ten_megabyte_title_and_location_beside_a_good_board(ats_server: AtsServer, crawl_settings: dict[str, str],
                                                             mongo_db: Any) -> None:
    serve_lever(ats_server, "good", lever_postings("good", 20))
    hostile = lever_postings("hostile", 8)
    hostile[7]["id"] = "I" * TEN_MB  # an identity cannot be cut: dropped
    hostile[5]["categories"] = {**hostile[5]["categories"], "location": "L" * TEN_MB, "allLocations": []}
    hostile[6]["text"] = "T" * TEN_MB
    body = json.dumps(hostile).encode()
    ats_server.route("GET", lever_path("hostile"), lambda q, b: Reply(body=body if q.get("skip") == "0" else b"[]"))

    result = run_crawl("lever", {"companies": "good,hostile"}, crawl_settings, check=False)
    stats = result.stats

    assert result.returncode == 0, result.log[-3000:]
    assert stats["finish_reason"] == "finished"
    assert mongo_db.jobs.count_documents({"company": "good"}) == 20
    stored = {d["job_id"]: d for d in mongo_db.jobs.find({"company": "hostile"})}
    assert set(stored) == {p["id"] for p in hostile[:7]}
    assert stats["crawlerats/items/stored"] == 27
    assert stats["crawlerats/dropped/identity_too_long"] == 1
    assert stats["crawlerats/boards/ok"] == 2
    # The hostile values are capped, each cap counted; no stored document comes near the server's limit.
    assert len(stored["hostile-0005"]["location"]) <= FIELD_CAPS["location"]
    assert all(len(loc["raw"]) <= FIELD_CAPS["location"] for loc in stored["hostile-0005"]["locations"])
    assert len(stored["hostile-0006"]["title"]) <= FIELD_CAPS["title"]
    assert stats["crawlerats/repaired/title_capped"] == 1
    assert stats["crawlerats/repaired/location_capped"] == 1
    for doc in mongo_db.jobs.find({}):
        assert len(bson.encode(doc)) < 1024 * 1024, doc["job_id"]
    # The 10 MB values never reach the log (drops and repairs log one line with the posting key).
    assert len(result.log) < 2 * 1024 * 1024
