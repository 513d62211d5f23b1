"""End to end on loopback: two real Scrapyd nodes, `scrapyd-deploy` of the project egg, a sharded schedule.

The nodes run from their own temporary directories outside the project tree (Scrapyd reads the closest
scrapy.cfg upward from its working directory), with `poll_interval = 1`. The egg is built by
`scrapyd-deploy -a` from a copy of the project (as a fresh clone would), deployed to both nodes, and
`crawlerats schedule` posts 3 shards of the lever spider over 6 registered boards served by the local
fixture server. MongoDB must then hold exactly what one single-process crawl of the same boards stores,
with one crawl record per Scrapyd job.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pymongo import MongoClient
from pymongo.database import Database

from crawlerats.board import Board, shard_of
from crawlerats.cli import main
from tests.lever_boards import SPOTIFY, VOLTUS, load, serve_lever, varied
from tests.support.ats_server import AtsServer
from tests.support.crawl import run_crawl
from tests.support.mongo import free_port
from tests.support.paths import REPO

pytestmark = pytest.mark.slow

NOW = "2026-09-01T08:00:00Z"
#: Two boards per shard of 3 (see test_boards_cover_every_shard).
BOARDS = [f"e2e-{name}" for name in ("alpha", "bravo", "delta", "foxtrot", "india", "juliet")]
SHARDS = 3
#: Differ between two crawls of the same data by design.
VOLATILE = {"_id", "crawl_id"}
BIN = Path(sys.executable).parent


class ScrapydNodeProcess:
    """`scrapyd --pidfile=` in its own directory with its own scrapyd.conf."""

    def __init__(self, root: Path, name: str) -> None:
        self.dir = root / name
        self.dir.mkdir(parents=True)
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        (self.dir / "scrapyd.conf").write_text(
            "[scrapyd]\n"
            "bind_address = 127.0.0.1\n"
            f"http_port = {self.port}\n"
            f"eggs_dir = {self.dir / 'eggs'}\n"
            f"logs_dir = {self.dir / 'logs'}\n"
            f"dbs_dir = {self.dir / 'dbs'}\n"
            "items_dir =\n"
            "poll_interval = 1.0\n"
            "max_proc = 2\n"
            "jobstorage = scrapyd.jobstorage.SqliteJobStorage\n"
            f"node_name = {name}\n"
        )
        env = {k: v for k, v in os.environ.items() if k not in ("SCRAPY_SETTINGS_MODULE", "SCRAPY_PROJECT")}
        self.log = open(self.dir / "scrapyd.out", "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([str(BIN / "scrapyd"), "--pidfile="], cwd=self.dir, env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)

    def api(self, endpoint: str) -> dict[str, Any]:
        with urllib.request.urlopen(f"{self.url}/{endpoint}", timeout=5) as response:
            return json.loads(response.read())

    def wait_up(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"scrapyd exited: {(self.dir / 'scrapyd.out').read_text()[-2000:]}")
            try:
                if self.api("daemonstatus.json")["status"] == "ok":
                    return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError("scrapyd did not answer")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()


@pytest.fixture
def scrapyd_nodes(tmp_path_factory: pytest.TempPathFactory) -> Iterator[list[ScrapydNodeProcess]]:
    root = tmp_path_factory.mktemp("scrapyd-nodes")
    assert REPO not in root.parents, "Scrapyd nodes must run outside the project tree"
    nodes = [ScrapydNodeProcess(root, "node1"), ScrapydNodeProcess(root, "node2")]
    try:
        for node in nodes:
            node.wait_up()
        yield nodes
    finally:
        for node in nodes:
            node.stop()


def _fresh_copy(dest: Path, nodes: list[ScrapydNodeProcess]) -> Path:
    """The files a clone has (package, setup.py, pyproject), with deploy targets for the test nodes."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(REPO / "crawlerats", dest / "crawlerats", ignore=ignore)
    for name in ("setup.py", "pyproject.toml", "README.md", "scrapy.cfg"):
        if (REPO / name).exists():
            shutil.copy(REPO / name, dest / name)
    cfg = (REPO / "scrapy.cfg").read_text()
    targets = "".join(f"\n[deploy:{n.dir.name}]\nurl = {n.url}\nproject = crawlerats\n" for n in nodes)
    (dest / "scrapy.cfg").write_text(cfg + targets)
    return dest


def _deploy(clone: Path, nodes: list[ScrapydNodeProcess]) -> str:
    env = {k: v for k, v in os.environ.items() if k != "SCRAPY_SETTINGS_MODULE"}
    out = subprocess.run([str(BIN / "scrapyd-deploy"), "-a", "-p", "crawlerats", "-v", "e2e1"], cwd=clone, env=env,
                         capture_output=True, text=True, timeout=180)
    log = out.stdout + out.stderr
    assert out.returncode == 0, log
    for node in nodes:
        assert f"Deploying to project \"crawlerats\" in {node.url}/addversion.json" in log, log
        assert node.api("listversions.json?project=crawlerats")["versions"] == ["e2e1"], log
        assert "lever" in node.api("listspiders.json?project=crawlerats")["spiders"]
    return log


def _register_boards(db: Database) -> None:
    at = datetime(2026, 8, 1, tzinfo=UTC)
    db["boards"].insert_many([{"ats": "lever", "company": c, "company_name": c, "params": {}, "source": "e2e",
                               "added_at": at} for c in BOARDS])


def _wait_finished(nodes: list[ScrapydNodeProcess], jobids: set[str], timeout: float = 240) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    where: dict[str, str] = {}
    while time.monotonic() < deadline:
        where = {}
        for node in nodes:
            for job in node.api("listjobs.json?project=crawlerats")["finished"]:
                where[job["id"]] = node.dir.name
        if jobids <= where.keys():
            return where
        time.sleep(0.5)
    raise AssertionError(f"jobs not finished in time: {sorted(jobids - where.keys())}")


def _jobs(db: Database) -> dict[tuple[str, str, str], dict[str, Any]]:
    return {(d["ats"], d["company"], d["job_id"]): {k: v for k, v in d.items() if k not in VOLATILE}
            for d in db["jobs"].find()}


def test_boards_cover_every_shard() -> None:
    assert sorted(shard_of(Board("lever", c), SHARDS) for c in BOARDS) == [1, 1, 2, 2, 3, 3]


def test_sharded_crawl_on_two_scrapyd_nodes_matches_a_single_crawl(
    scrapyd_nodes: list[ScrapydNodeProcess], tmp_path: Path, ats_server: AtsServer, mongo_uri: str,
    mongo_client: MongoClient, mongo_db: Database, mongo_db_name: str, capsys: pytest.CaptureFixture[str],
) -> None:
    postings = load(SPOTIFY) + load(VOLTUS)
    for i, company in enumerate(BOARDS):
        serve_lever(ats_server, company, varied(postings, 2 + i, company))
    _register_boards(mongo_db)
    single_name = f"{mongo_db_name}_single"
    single = mongo_client[single_name]
    try:
        _register_boards(single)
        settings = {"MONGO_URI": mongo_uri, "MONGO_DATABASE": mongo_db_name, "CRAWLERATS_MIRROR": ats_server.url,
                    "CRAWLERATS_NOW": NOW, "LOG_LEVEL": "INFO"}
        # Snapshot the code, then the single-process baseline right away: both run the same code.
        clone = _fresh_copy(tmp_path / "clone", scrapyd_nodes)
        run_crawl("lever", {}, {**settings, "MONGO_DATABASE": single_name})
        deploy_log = _deploy(clone, scrapyd_nodes)
        assert "Server response (200)" in deploy_log

        nodes_arg = ",".join(n.url for n in scrapyd_nodes)
        argv = ["schedule", "--nodes", nodes_arg, "--spider", "lever", "--shards", str(SHARDS), "--egg-version", "e2e1"]
        argv += [item for k, v in settings.items() for item in ("--setting", f"{k}={v}")]
        assert main(argv) == 0
        table = capsys.readouterr().out
        assert table.count(" scheduled ") == SHARDS, table
        jobids = {line.split()[2] for line in table.splitlines() if " scheduled " in line}
        assert main(argv) == 0, "a re-run in the same slot must be harmless"
        assert capsys.readouterr().out.count(" skipped ") == SHARDS

        where = _wait_finished(scrapyd_nodes, jobids)
        assert set(where.values()) == {"node1", "node2"}, f"least-loaded placement should use both nodes: {where}"

        distributed, baseline = _jobs(mongo_db), _jobs(single)
        assert len(baseline) == sum(2 + i for i in range(len(BOARDS)))
        assert distributed.keys() == baseline.keys()
        for key, doc in baseline.items():
            assert distributed[key] == doc, key
        assert set(mongo_db["jobs"].distinct("crawl_id")) == jobids

        records = {r["_id"]: r for r in mongo_db["crawls"].find()}
        assert records.keys() == jobids, "one crawl record per Scrapyd job"
        for jobid, record in records.items():
            assert record["scrapyd_job"] == jobid and record["scrapyd_project"] == "crawlerats"
            assert record["node"] == where[jobid] and record["egg_version"] == "e2e1"
            assert ".egg" in record["code"] and "/eggs/crawlerats/" in record["code"], "the job must run the egg"
            assert record["status"] == "finished" and record["finish_reason"] == "finished"
            assert record["shard"] == f"{int(jobid.split('-s')[1].split('of')[0])}/{SHARDS}"
            assert record["boards"]["failed"] == 0 and record["boards"]["ok"] == record["boards"]["total"] == 2
            assert record["log_file"].endswith(f"{jobid}.log")
        assert sum(r["boards"]["total"] for r in records.values()) == len(BOARDS)
        assert sum(r["items"]["stored"] for r in records.values()) == len(baseline)
        assert single["crawls"].count_documents({}) == 1
        for board in mongo_db["boards"].find():
            assert board["last_crawl"]["outcome"] == "ok" and board["last_crawl"]["crawl_id"] in jobids
    finally:
        mongo_client.drop_database(single_name)
