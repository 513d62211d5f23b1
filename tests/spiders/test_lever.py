"""Lever in-process expected values (City Bureau style) on every saved Lever payload: every contract field,
no subprocess, no database. End-to-end crawls of Lever live in tests/test_foundation_lever.py."""

from __future__ import annotations

import json

from tests.support.inprocess import BoardCase, check_item, crawl_board
from tests.support.paths import fixture

CASES = (
    BoardCase("lever", "spotify", ((r".", "lever/spotify_prettyirrelevant.json"),)),
    BoardCase("lever", "voltus", ((r".", "lever/voltus_haydenham.json"),)),
)


def test_spotify_board_in_process_every_field() -> None:
    run = CASES[0].run()
    assert (len(run.items), run.outcome, run.dropped, len(run.requests)) == (2, "ok", [], 1)
    url = "https://jobs.lever.co/spotify/2193db3f-77c5-43b8-b030-8f92c9882bf1"
    check_item(run.by_id()["2193db3f-77c5-43b8-b030-8f92c9882bf1"], job_id="2193db3f-77c5-43b8-b030-8f92c9882bf1",
               title="Android Engineer - Experience", company_name="spotify",
               locations=[{"raw": "London", "city": "London", "region": None, "country": "GB"},
                          {"raw": "Stockholm", "city": "Stockholm", "region": None, "country": "SE"}],
               location="London; Stockholm", workplace_type="hybrid", employment_type="full_time",
               employment_type_raw="Permanent", department="Engineering", team="Experience", salary=None,
               posted_at="2026-06-23T11:29:45.805000+00:00", posted_at_raw="1782214185805", updated_at=None,
               url=url, apply_url=f"{url}/apply",
               description_text="We design Spotify’s consumer experience—end to end", requisition_id=None,
               extras=set())


def test_voltus_board_in_process_every_field() -> None:
    run = CASES[1].run()
    assert (len(run.items), run.outcome, run.dropped) == (3, "ok", [])
    url = "https://jobs.lever.co/voltus/db4f5f94-0539-4d5b-b434-ae680689f39b"
    check_item(run.by_id()["db4f5f94-0539-4d5b-b434-ae680689f39b"], job_id="db4f5f94-0539-4d5b-b434-ae680689f39b",
               title="Administrative Assistant", company_name="voltus",
               locations=[{"raw": "Remote", "city": None, "region": None, "country": "US"}], location="Remote",
               workplace_type="remote", employment_type="full_time", employment_type_raw="Full-Time",
               department="People & Culture", team="People & Culture",
               salary={"min": 55000.0, "max": 65000.0, "currency": "USD", "interval": "year",
                       "raw": "USD 55,000 - 65,000 per year"},
               posted_at="2026-06-10T20:11:18.888000+00:00", posted_at_raw="1781122278888", updated_at=None,
               url=url, apply_url=f"{url}/apply",
               description_text="About Voltus\n\nVoltus is the leading virtual power plant", requisition_id=None,
               extras=set())


def test_a_full_page_asks_the_next_one_and_a_short_page_ends_the_board() -> None:
    rows = json.loads(fixture("lever/voltus_haydenham.json").read_text())
    page = [dict(rows[i % len(rows)], id=f"id-{i}") for i in range(100)]
    run = crawl_board("lever", "voltus", ((r"skip=0&", json.dumps(page).encode()), (r"skip=100&", b"[]")))
    assert (len(run.items), run.outcome, len(run.requests)) == (100, "ok", 2)
