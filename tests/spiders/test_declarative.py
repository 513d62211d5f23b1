"""The declarative bases (crawlerats/spiders/declarative.py) on their own: a JSON-LD detail spider written in a
few lines reads saved JobPosting pages; the paged base ends boards on short pages, totals and repeated pages.
The whole-board base is covered by the greenhouse / ashby / recruitee / breezy / bamboohr tests."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from scrapy.http import Response

from crawlerats.board import Board
from crawlerats.spiders.declarative import JsonLdDetailSpider, PagedApiSpider
from tests.support.inprocess import check_item, crawl_board


class DemoJsonLdSpider(JsonLdDetailSpider):
    """What an HTML-board ATS spider looks like on the JSON-LD base (not registered: lives in this test)."""

    name = "demo_jsonld"
    list_endpoint = "https://jobs.example.com/{company}/jobs?page=1"

    def job_links(self, response: Response, board: Board) -> Iterator[tuple[str, str]]:
        for href in response.css("a.job::attr(href)").getall():
            yield href.strip("/").split("/")[-1], response.urljoin(href)

    def next_page(self, response: Response, board: Board) -> str | None:
        href = response.css("a.next::attr(href)").get()
        return response.urljoin(href) if href else None


LIST_1 = (b'<html><body><a class="job" href="/acme/job/neo1">A</a><a class="job" href="/acme/job/fuji2">B</a>'
          b'<a class="job" href="/acme/job/neo1">again</a><a class="next" href="/acme/jobs?page=2">next</a></body></html>')
LIST_2 = b'<html><body><a class="job" href="/acme/job/bare3">C</a></body></html>'


def test_jsonld_detail_base_reads_saved_jobposting_pages() -> None:
    run = crawl_board(DemoJsonLdSpider, "acme", (
        (r"page=1$", LIST_1), (r"page=2$", LIST_2),
        (r"/job/neo1$", "jobvite/neogenomics_detail-jsonld_jobs-aaron.html"),
        (r"/job/fuji2$", "icims/fujifilm_detail-jsonld_jobs-aaron.html"),
        (r"/job/bare3$", b"<html><body>no JSON-LD here</body></html>"),
    ))
    assert (len(run.items), run.outcome, len(run.requests)) == (2, "ok", 5)  # 2 list pages + 3 job pages
    assert run.stats["crawlerats/detail_failed/no_jobposting"] == 1
    assert run.spider.outcomes[("demo_jsonld", "acme")].seen_ids == {"neo1", "fuji2", "bare3"}
    item = run.by_id()["neo1"]
    check_item(item, job_id="neo1", title="Accessioning Technician I (Temp), Evenings", company_name="acme",
               locations=[{"raw": "Ft Myers, Florida, United States", "city": "Ft Myers", "region": "Florida",
                           "country": "US"}],
               location="Ft Myers, Florida, United States", workplace_type=None, employment_type=None,
               employment_type_raw=None, department=None, team=None, salary=None,
               posted_at="2025-11-06T00:00:00+00:00", posted_at_raw="2025-11-06", updated_at=None,
               url="https://jobs.example.com/acme/job/neo1", apply_url="https://jobs.example.com/acme/job/neo1",
               description_text="Are you motivated to participate in a dynamic", requisition_id="oiiRyfwJ",
               extras=set())
    fuji = run.by_id()["fuji2"]
    assert (fuji["title"], fuji["company_name"]) == ("National Security Manager", "Fujifilm")
    assert fuji["url"] == "https://uscareers-fujifilm.icims.com/jobs/38896/national-security-manager/job"


class DemoPagedSpider(PagedApiSpider):
    name = "demo_paged"
    page_endpoint = "https://api.example.com/{company}/jobs?offset={offset}&limit={limit}"
    postings_key = "jobs"
    total_key = "total"
    page_size = 2

    def posting(self, board: Board, row: dict[str, Any]) -> Any:
        return self.make_item(board, job_id=row.get("id"), title=row.get("title"))


def _page(ids: list[int], total: int | None = None) -> bytes:
    return json.dumps({"total": total, "jobs": [{"id": i, "title": f"Job {i}"} for i in ids]}).encode()


def test_paged_base_follows_full_pages_and_stops_on_a_short_page() -> None:
    run = crawl_board(DemoPagedSpider, "acme", ((r"offset=0&", _page([1, 2])), (r"offset=2&", _page([3]))))
    assert ([i["job_id"] for i in run.items], run.outcome, len(run.requests)) == (["1", "2", "3"], "ok", 2)


def test_paged_base_stops_on_the_reported_total() -> None:
    run = crawl_board(DemoPagedSpider, "acme", ((r"offset=0&", _page([1, 2], total=2)),))
    assert (len(run.items), run.outcome, len(run.requests)) == (2, "ok", 1)


def test_paged_base_truncates_a_board_that_repeats_its_page() -> None:
    run = crawl_board(DemoPagedSpider, "acme", ((r"offset=", _page([1, 2])),))
    assert (len(run.items), run.outcome, len(run.requests)) == (2, "truncated", 2)  # the repeats are dropped
    assert run.reason == "no_new_ids on page 2" and len(run.dropped) == 2


def test_paged_base_fails_a_board_without_its_postings_list() -> None:
    run = crawl_board(DemoPagedSpider, "acme", ((r".", b'{"error": "no such company"}'),))
    assert (run.items, run.outcome) == ([], "failed")
    assert "no jobs list" in (run.reason or "")
