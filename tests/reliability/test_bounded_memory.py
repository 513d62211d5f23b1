"""Bounded memory: a gzip bomb and a 200 MB board beside a good board. DOWNLOAD_MAXSIZE (64 MiB, counted after
decompression) stops both; their boards fail with a reason, the good board is stored in full, and the crawl's
peak RSS, measured from outside the child process, stays under `PEAK_RSS_BOUND_MIB` (docs/reliability.md).

Before: Scrapy's default 1 GiB DOWNLOAD_MAXSIZE applied: a gzip bomb (10 MB on the wire) cost 1.23 GB RSS per
board and a 200 MB JSON board was accepted with a warning (789 MB), while `memusage/max` reported 174 MB. With
the payloads of this test: 1,158 MiB peak for the bomb board (1 GiB decompressed); the 200 MB board was still
being parsed at 917 MiB when killed after 400 s.
"""

from __future__ import annotations

import json
import zlib
from typing import Any

from tests.reliability.boards import lever_path, lever_postings, serve_lever
from tests.reliability.peak_rss import crawl_with_peak_rss
from tests.support.ats_server import AtsServer, Reply

#: Documented bound (docs/reliability.md "Bounded resources") for this crawl's peak RSS.
PEAK_RSS_BOUND_MIB = 320
MIB = 1024 * 1024


def gzip_bomb(decompressed_mib: int) -> bytes:
    """A gzip body of `decompressed_mib` MiB: a JSON list opening followed by spaces (about 200:1 at level 1)."""
    packer = zlib.compressobj(1, zlib.DEFLATED, 31)
    chunk = b" " * MIB
    parts = [packer.compress(b"[")] + [packer.compress(chunk) for _ in range(decompressed_mib)]
    return b"".join(parts) + packer.compress(b"]") + packer.flush()


def big_board(mib: int) -> bytes:
    """A valid Lever JSON list of about `mib` MiB (a real-shaped posting repeated with fresh ids)."""
    template = lever_postings("big", 1)[0]
    one = json.dumps({**template, "id": "big-%07d"}).encode()
    return b"[" + b",".join(one % i for i in range(mib * MIB // len(one) + 1)) + b"]"


def test_gzip_bomb_and_huge_board_stay_bounded(ats_server: AtsServer, crawl_settings: dict[str, str],
                                               mongo_db: Any) -> None:
    serve_lever(ats_server, "good", lever_postings("good", 50))
    bomb = gzip_bomb(512)
    ats_server.route("GET", lever_path("bomb"), lambda q, b: Reply(body=bomb, headers={"Content-Encoding": "gzip"}))
    huge = big_board(200)
    ats_server.route("GET", lever_path("huge"), lambda q, b: Reply(body=huge))

    result, peak_mib = crawl_with_peak_rss("lever", {"companies": "good,bomb,huge"}, crawl_settings)

    assert result.returncode == 0, result.log[-3000:]
    assert result.stats["finish_reason"] == "finished"
    assert mongo_db.jobs.count_documents({"company": "good"}) == 50
    boards = {b["company"]: b["last_crawl"] for b in mongo_db.boards.find()}
    assert boards["good"]["outcome"] == "ok"
    for company in ("bomb", "huge"):
        assert boards[company]["outcome"] == "failed", boards[company]
        assert boards[company]["reason"].startswith("response_too_large"), boards[company]
        assert mongo_db.jobs.count_documents({"company": company}) == 0
    assert peak_mib < PEAK_RSS_BOUND_MIB, f"peak RSS {peak_mib:.0f} MiB"
    # The crawl records its own true peak (Scrapy's memusage/max is sampled and inherits the parent's RSS).
    assert result.stats["crawlerats/memory/peak_rss_mb"] >= 0.95 * peak_mib
