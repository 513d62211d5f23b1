"""UKG Pro Recruiting spider: the 12 saved `opportunities[]` items (9 tenants, both hosts) fed in-process with every
contract field compared, workplace type from titles/labels (never `JobLocationType`), Skip/Top paging, the
recruiting2 fallback, detection, and one mirror crawl."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from crawlerats.board import Board
from crawlerats.detect import UnknownBoardUrl, detect
from crawlerats.spiders.ukg import UkgSpider
from tests.spiders.fuzzing import mutations
from tests.support.ats_server import AtsServer, Reply
from tests.support.crawl import run_crawl
from tests.support.inprocess import BoardCase, crawl_board, feed, make_spider
from tests.support.paths import fixture

NOW = "2026-10-10T00:00:00Z"
ITEMS = "ultipro/multi-tenant_opportunities_resume-signal-pro.json"
SUN = "SUN1007SECL/405f8226-5347-498b-8c69-d200212ad1bb"
SUN_BOARD = "https://recruiting.ultipro.com/SUN1007SECL/JobBoard/405f8226-5347-498b-8c69-d200212ad1bb/"


def _sun_page() -> bytes:
    """Sunstate's four saved items in the `LoadSearchResults` envelope (the saver kept items only)."""
    items = [item for key, item in json.loads(fixture(ITEMS).read_text()).items() if "~SUN1007SECL~" in key]
    return json.dumps({"totalCount": len(items), "opportunities": items}).encode()


#: The saved board (fuzzed by tests/reliability/test_fuzz_spiders.py): its four items, re-wrapped.
CASES = (BoardCase("ukg", SUN, ((r"/LoadSearchResults$", _sun_page()),)),)


def _saved() -> list[tuple[Board, str, dict[str, Any]]]:
    """(board, host, item) per saved item; the saver keyed each item "ukg:{host}~{TENANT}~{boardGuid}:{Id}"."""
    rows = []
    for key, item in json.loads(fixture(ITEMS).read_text()).items():
        host, tenant, guid = key.split(":")[1].split("~")
        params = (("host", f"{host}.ultipro.com"),) if host != "recruiting" else ()
        rows.append((Board("ukg", f"{tenant}/{guid}", params), f"{host}.ultipro.com", item))
    return rows


def _page(spider: UkgSpider, board: Board, host: str, items: list, total: Any = None, skip: int = 0):
    payload = {"opportunities": items, **({"totalCount": total} if total is not None else {})}
    return feed(spider, spider.parse_page, json.dumps(payload).encode(), url=f"https://{host}/x", board=board,
                host=host, skip=skip)


def test_saved_items_every_field() -> None:
    saved = _saved()
    assert len(saved) == 12 and len({board.company for board, _, _ in saved}) == 9
    spider = make_spider("ukg", SUN, NOW)
    items = [_page(spider, board, host, [item], total=1).items[0] for board, host, item in saved]
    assert len({i["job_id"] for i in items}) == 12
    assert dict(items[0]) == {
        "ats": "ukg", "company": SUN, "company_name": SUN, "job_id": "ecd99147-1bb3-42cc-931c-ee7cc8d1482f",
        "requisition_id": "PEOPL014875", "title": "People Operations Leave & Accommodations Specialist",
        "department": "Service Center", "team": None, "employment_type_raw": "Full-time",
        "employment_type": "full_time", "workplace_type": None,
        "locations": [{"raw": "Phoenix, Arizona, USA", "city": "Phoenix", "region": "Arizona", "country": "US"}],
        "location": "Phoenix, Arizona, USA", "salary": None, "salary_raw": None, "description_html": None,
        "description_text": None,
        "url": SUN_BOARD + "OpportunityDetail?opportunityId=ecd99147-1bb3-42cc-931c-ee7cc8d1482f",
        "apply_url": SUN_BOARD + "OpportunityDetail?opportunityId=ecd99147-1bb3-42cc-931c-ee7cc8d1482f",
        "posted_at": datetime(2026, 9, 26, 20, 38, 18, 194000, tzinfo=UTC),
        "posted_at_raw": "2026-09-26T20:38:18.194Z", "updated_at": None, "updated_at_raw": None,
        "extras": {"location_labels": ["Phoenix"], "featured": True, "full_time": True, "job_location_type": 0,
                   "opportunity_type": 0},
    }
    cke = dict(items[9])  # recruiting2, FullTime false, teaser, a state without city
    assert cke.pop("description_text").startswith("POSITION SUMMARY\nThe Assistant General Manager (AGM) supports")
    assert cke == {
        "ats": "ukg", "company": "CKE1000CKER/8d7aeff6-90f7-47bf-9f70-771c5260877f",
        "company_name": "CKE1000CKER/8d7aeff6-90f7-47bf-9f70-771c5260877f",
        "job_id": "36635e64-2d63-4336-8c7b-593b0db6b260", "requisition_id": "ASSIS004706",
        "title": "Assistant General Manager (Missouri Market)", "department": "Operations", "team": None,
        "employment_type_raw": None, "employment_type": None, "workplace_type": "remote",  # label "Remote Missouri"
        "locations": [{"raw": "Missouri, USA", "city": None, "region": "Missouri", "country": "US"}],
        "location": "Missouri, USA", "salary": None, "salary_raw": None, "description_html": None,
        "url": "https://recruiting2.ultipro.com/CKE1000CKER/JobBoard/8d7aeff6-90f7-47bf-9f70-771c5260877f/"
               "OpportunityDetail?opportunityId=36635e64-2d63-4336-8c7b-593b0db6b260",
        "apply_url": "https://recruiting2.ultipro.com/CKE1000CKER/JobBoard/8d7aeff6-90f7-47bf-9f70-771c5260877f/"
                     "OpportunityDetail?opportunityId=36635e64-2d63-4336-8c7b-593b0db6b260",
        "posted_at": datetime(2026, 9, 25, 18, 26, 7, 579000, tzinfo=UTC), "posted_at_raw": "2026-09-25T18:26:07.579Z",
        "updated_at": None, "updated_at_raw": None,
        "extras": {"location_labels": ["Remote Missouri"], "full_time": False, "opportunity_type": 0},
    }
    silq = items[8]  # four locations; "Remote" placeholder city with postal code 00000 is not a city
    assert [(loc["city"], loc["region"]) for loc in silq["locations"]] == [
        ("Minneapolis", "Minnesota"), ("Indianapolis", "Indiana"), (None, "Michigan"), ("Des Moines", "Iowa")]


def test_workplace_type_never_from_job_location_type() -> None:
    spider = make_spider("ukg", SUN, NOW)
    got = {}
    for board, host, item in _saved():
        result = _page(spider, board, host, [item], total=1).items[0]
        got[result["title"][:28]] = (item.get("JobLocationType"), result["workplace_type"])
    assert got == {
        "People Operations Leave & Ac": (0, None), "Branch Manager": (1, None),
        "Senior Strategic Analyst - R": (2, "remote"), "Outside Sales Representative": (None, None),
        "PharmaDx Regulatory Affairs ": (1, "remote"), "Pre-Visit Specialist I - Cal": (1, "hybrid"),
        "Director of Equipment Planni": (2, "hybrid"), "Project Manager, Aerospace &": (None, "remote"),
        "2027 Summer Project Engineer": (1, "remote"), "Assistant General Manager (M": (None, "remote"),
        "Certified Special Education ": (2, "hybrid"), "Corporate Lab Intern": (1, None),
    }


def test_paging_on_total_count_and_its_ends() -> None:
    saved = [item for _, _, item in _saved()]
    board = Board("ukg", SUN)
    spider = make_spider("ukg", SUN, NOW)
    out = _page(spider, board, "recruiting.ultipro.com", saved[:4], total=12)
    assert len(out.items) == 4 and json.loads(out.requests[0].body)["opportunitySearch"]["Skip"] == 4
    assert json.loads(out.requests[0].body)["opportunitySearch"]["Top"] == spider.page_size
    spider = make_spider("ukg", SUN, NOW)  # a second page repeating the first: truncated, no loop
    _page(spider, board, "recruiting.ultipro.com", saved[:4], total=12)
    assert _page(spider, board, "recruiting.ultipro.com", saved[:4], total=12, skip=4).requests == []
    assert spider.outcomes[board.key].truncated == "no_new_ids on page 2 (8 of 12)"
    spider = make_spider("ukg", SUN, NOW)
    assert _page(spider, board, "recruiting.ultipro.com", [], total=12, skip=4).items == []
    assert spider.outcomes[board.key].truncated == "empty page at Skip=4 of totalCount=12"
    spider = make_spider("ukg", SUN, NOW, {"CRAWLERATS_MAX_PAGES_PER_BOARD": 1})
    assert _page(spider, board, "recruiting.ultipro.com", saved[:4], total=12).requests == []
    assert spider.outcomes[board.key].truncated == "page_cap (1 pages) (4 of 12)"
    spider = make_spider("ukg", SUN, NOW)
    feed(spider, spider.parse_page, b'{"Message": "error"}', url="https://x", board=board,
         host="recruiting.ultipro.com", skip=0)
    assert spider.outcomes[board.key].failed.startswith("unexpected_payload (no opportunities list)")


def test_board_without_host_falls_back_to_recruiting2_once() -> None:
    items = [item for _, _, item in _saved()][:2]
    body = json.dumps({"totalCount": 2, "opportunities": items}).encode()
    run = crawl_board("ukg", SUN, [(r"//recruiting2\.ultipro\.com/", body)], now=NOW)
    assert run.outcome == "ok" and len(run.items) == 2
    assert [r.url.split("/")[2] for r in run.requests] == ["recruiting.ultipro.com", "recruiting2.ultipro.com"]
    assert run.items[0]["url"].startswith("https://recruiting2.ultipro.com/SUN1007SECL/JobBoard/")
    run = crawl_board("ukg", SUN, [], now=NOW)  # both hosts fail: the board fails, no third try
    assert run.outcome == "failed" and len(run.requests) == 2


def test_saved_board_end_to_end_in_process() -> None:
    run = CASES[0].run(now=NOW)
    assert (run.outcome, len(run.items), len(run.requests)) == ("ok", 4, 1)


def test_odd_values_and_board_ids() -> None:
    spider = make_spider("ukg", SUN, NOW)
    item = _saved()[8][2]
    for path, weird, mutated in mutations(item):
        if path == "Id":
            continue
        assert spider.posting(Board("ukg", SUN), mutated, "recruiting.ultipro.com")["job_id"], (path, weird)
    assert spider.valid_board_id(SUN) and not spider.valid_board_id("SUN1007SECL")
    assert not spider.valid_board_id("SUN1007SECL/not-a-guid")


def test_detection() -> None:
    guid = "62cc791d-612e-42e6-909f-0de27efe2038"
    recruiting2 = Board("ukg", f"ARU1000ARUP/{guid}", (("host", "recruiting2.ultipro.com"),))
    accepted = {
        SUN_BOARD: Board("ukg", SUN),
        SUN_BOARD + "OpportunityDetail?opportunityId=ecd99147-1bb3-42cc-931c-ee7cc8d1482f": Board("ukg", SUN),
        f"https://recruiting2.ultipro.com/ARU1000ARUP/JobBoard/{guid}/?q=&o=postedDateDesc": recruiting2,
    }
    for url, board in accepted.items():
        assert detect(url) == board, url
    for board in (Board("ukg", SUN), recruiting2):
        assert detect(UkgSpider.public_url(board)) == board
    for url in ("https://recruiting.ultipro.com/SUN1007SECL/", "https://recruiting.ultipro.com/SUN1007SECL/JobBoard/x",
                "https://www.ultipro.com/", f"https://recruiting.ultipro.net/ARU1000ARUP/JobBoard/{guid}/"):
        with pytest.raises(UnknownBoardUrl):
            detect(url)


def test_ukg_crawl_through_the_mirror(ats_server: AtsServer, crawl_settings: dict, mongo_db) -> None:
    items = [item for _, _, item in _saved()][:5]

    def search(query: dict[str, str], body: bytes) -> Reply:
        paging = json.loads(body)["opportunitySearch"]
        page = items[paging["Skip"]: paging["Skip"] + 3]  # the server answers 3 per page whatever Top says
        return Reply(body=json.dumps({"totalCount": len(items), "opportunities": page}).encode())

    ats_server.route("POST", f"recruiting.ultipro.com/{SUN.replace('/', '/JobBoard/')}/JobBoardView/LoadSearchResults",
                     search)
    result = run_crawl("ukg", {"companies": SUN_BOARD}, {**crawl_settings, "CRAWLERATS_NOW": NOW,
                                                           "RETRY_ENABLED": "False"})
    assert result.stats["crawlerats/boards/ok"] == 1
    skips = [json.loads(body)["opportunitySearch"]["Skip"] for method, _, _, body in ats_server.requests
             if method == "POST"]
    assert skips == [0, 3]
    jobs = mongo_db["jobs"]
    assert jobs.count_documents({"ats": "ukg", "company": SUN}) == 5
    analyst = jobs.find_one({"job_id": "43040896-1675-4bd2-af31-97a25fb43860"})
    assert analyst["workplace_type"] == "remote" and analyst["extras"]["job_location_type"] == 2
