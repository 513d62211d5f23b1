"""Run `scrapy crawl` as a child process and measure its peak RSS from outside, independent of what the crawl
reports about itself: `VmHWM` of /proc/<pid>/status, polled every 20 ms (the high-water mark only grows).
Not `ru_maxrss` from `os.wait4`: on Linux it carries the parent's RSS at fork time (here the test process,
which holds the hostile payloads)."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tests.support.crawl import CrawlResult
from tests.support.paths import REPO


def crawl_with_peak_rss(spider: str, args: dict[str, str], settings: dict[str, Any],
                        timeout: float = 180) -> tuple[CrawlResult, float]:
    """The crawl's result and the child's peak RSS in MiB (`ru_maxrss`); killed after `timeout` seconds."""
    workdir = Path(tempfile.mkdtemp(prefix="rss-"))
    stats_file = workdir / "stats.json"
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider]
    for key, value in args.items():
        cmd += ["-a", f"{key}={value}"]
    for key, value in {"LOG_LEVEL": "INFO", "CRAWLERATS_STATS_FILE": str(stats_file), **settings}.items():
        cmd += ["-s", f"{key}={value}"]
    with open(workdir / "out", "w+") as out, open(workdir / "err", "w+") as err:
        proc = subprocess.Popen(cmd, cwd=REPO, stdout=out, stderr=err)
        deadline = time.monotonic() + timeout
        peak = 0
        while proc.poll() is None:
            peak = max(peak, _high_water_mark(proc.pid))
            if time.monotonic() > deadline:
                proc.kill()
                proc.wait()
            time.sleep(0.02)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    stats = json.loads(stats_file.read_text() or "{}") if stats_file.exists() else {}
    return CrawlResult(proc.returncode, stdout, stderr, stats), peak / 1024


def _high_water_mark(pid: int) -> int:
    """VmHWM of a running process in KiB (0 once it has exited)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except (OSError, ValueError, IndexError):
        pass
    return 0
