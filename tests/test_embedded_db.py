"""The embedded default database: a crawl with no MONGO_URI, read back through `crawlerats db`."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

from pymongo import MongoClient

from tests.lever_boards import SPOTIFY, VOLTUS, load, serve_lever
from tests.support.ats_server import AtsServer
from tests.support.crawl import run_crawl
from tests.support.mongo import free_port
from tests.support.paths import REPO

NOW = "2026-09-01T08:00:00Z"


def _embedded_env(data_dir: Path) -> dict[str, str]:
    env = {"CRAWLERATS_DATA_DIR": str(data_dir)}
    os.environ.pop("MONGO_URI", None)
    return env


def _server_pids(data_dir: Path) -> list[int]:
    out = subprocess.run(["pgrep", "-f", "--", f"--storage-path {data_dir}/db"], capture_output=True, text=True)
    return [int(p) for p in out.stdout.split()]


def test_embedded_round_trip_through_crawlerats_db(ats_server: AtsServer, tmp_path: Path) -> None:
    serve_lever(ats_server, "spotify", load(SPOTIFY))
    data_dir = tmp_path / "store"
    settings = {"CRAWLERATS_MIRROR": ats_server.url, "CRAWLERATS_NOW": NOW}
    result = run_crawl("lever", {"companies": "spotify"}, settings, env=_embedded_env(data_dir))
    assert result.stats["crawlerats/items/stored"] == 2
    assert "Started embedded SecantusDB" in result.log and "Stopped embedded SecantusDB" in result.log
    assert not _server_pids(data_dir), "the crawl left its embedded server running"

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "crawlerats.cli", "db", "--port", str(port),
                             "--data-dir", str(data_dir)], cwd=REPO, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, **_embedded_env(data_dir)})
    try:
        line = proc.stdout.readline()
        assert f"mongodb://127.0.0.1:{port}/crawlerats" in line
        client: MongoClient = MongoClient(f"mongodb://127.0.0.1:{port}/", tz_aware=True, serverSelectionTimeoutMS=10000)
        titles = sorted(d["title"] for d in client.crawlerats.jobs.find())
        # standalone (SERVER_OPTIONS): the crawl's writes left no oplog behind (issue 13: its cost per write)
        oplog = client.local["oplog.rs"].count_documents({})
        hello = client.admin.command("hello")
        client.close()
        assert "setName" not in hello and oplog == 0
        assert titles == ["Android Engineer - Experience", "Artist & Label Partnerships Contractor, Vietnam"]
    finally:
        proc.terminate()
        assert proc.wait(timeout=30) == 0
    assert not _server_pids(data_dir)


def test_two_embedded_crawls_at_once_share_one_server(ats_server: AtsServer, tmp_path: Path) -> None:
    serve_lever(ats_server, "spotify", load(SPOTIFY))
    serve_lever(ats_server, "voltus", load(VOLTUS))
    data_dir = tmp_path / "store"
    env = {**os.environ, **_embedded_env(data_dir)}
    procs = []
    for board in ("spotify", "voltus"):
        cmd = [sys.executable, "-m", "scrapy", "crawl", "lever", "-a", f"companies={board}",
               "-s", f"CRAWLERATS_MIRROR={ats_server.url}", "-s", f"CRAWLERATS_NOW={NOW}"]
        procs.append(subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                      text=True))
        time.sleep(0.2)
    logs = [p.communicate(timeout=240)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], logs
    assert sum("Started embedded SecantusDB" in log for log in logs) == 1, "both crawls must share one server"
    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "crawlerats.cli", "db", "--port", str(port),
                             "--data-dir", str(data_dir)], cwd=REPO, stdout=subprocess.PIPE, text=True, env=env)
    try:
        proc.stdout.readline()
        client: MongoClient = MongoClient(f"mongodb://127.0.0.1:{port}/", serverSelectionTimeoutMS=10000)
        assert client.crawlerats.jobs.count_documents({}) == 5
        client.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert not _server_pids(data_dir)
