"""Run `scrapy crawl` as a real subprocess (a Twisted reactor cannot restart in one process)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.support.paths import REPO


@dataclass
class CrawlResult:
    returncode: int
    stdout: str
    stderr: str
    stats: dict[str, Any]

    @property
    def log(self) -> str:
        return self.stderr + self.stdout


def run_crawl(
    spider: str,
    args: dict[str, str] | None = None,
    settings: dict[str, Any] | None = None,
    env: dict[str, str] | None = None,
    extra: list[str] | None = None,
    timeout: float = 240,
    check: bool = True,
) -> CrawlResult:
    """`scrapy crawl spider -a k=v -s K=V`, with final stats read back from CRAWLERATS_STATS_FILE."""
    stats_file = Path(tempfile.mkstemp(prefix="stats-", suffix=".json")[1])
    cmd = [sys.executable, "-m", "scrapy", "crawl", spider]
    for key, value in (args or {}).items():
        cmd += ["-a", f"{key}={value}"]
    merged = {"LOG_LEVEL": "INFO", "CRAWLERATS_STATS_FILE": str(stats_file), **(settings or {})}
    for key, value in merged.items():
        cmd += ["-s", f"{key}={value}"]
    cmd += extra or []
    proc_env = {**os.environ, **(env or {})}
    proc = subprocess.run(cmd, cwd=REPO, env=proc_env, capture_output=True, text=True, timeout=timeout)
    try:
        stats = json.loads(stats_file.read_text() or "{}")
    except ValueError:
        stats = {}
    stats_file.unlink(missing_ok=True)
    result = CrawlResult(proc.returncode, proc.stdout, proc.stderr, stats)
    if check and proc.returncode != 0:
        raise AssertionError(f"scrapy crawl {spider} exited {proc.returncode}:\n{result.log[-4000:]}")
    return result
