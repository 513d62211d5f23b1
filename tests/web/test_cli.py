"""`crawlerats web` as a real subprocess over the test database: serves the pages, stops on Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx2 as httpx
from pymongo.database import Database

from tests.support.mongo import free_port
from tests.support.paths import REPO


def test_crawlerats_web_serves_the_database(seeded_db: Database, mongo_uri: str, mongo_db_name: str) -> None:
    port = free_port()
    env = {**os.environ, "MONGO_URI": mongo_uri, "MONGO_DATABASE": mongo_db_name}
    proc = subprocess.Popen([sys.executable, "-m", "crawlerats.cli", "web", "--port", str(port)], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        while True:
            assert proc.poll() is None, proc.stdout.read() if proc.stdout else ""
            try:
                response = httpx.get(f"http://127.0.0.1:{port}/jobs/lever/acme/a1", timeout=5)
                break
            except httpx.TransportError:
                assert time.monotonic() < deadline, "crawlerats web did not start"
                time.sleep(0.2)
        assert response.status_code == 200 and "Senior Backend Engineer" in response.text
        assert "content-security-policy" in response.headers
        assert httpx.get(f"http://127.0.0.1:{port}/jobs", timeout=5).text.count('class="job-row') == 8
        names = {ix["name"] for ix in seeded_db["jobs"].list_indexes()}
        assert {"web_first_seen", "web_posted", "web_risk_posted", "web_salary_annual", "web_promotion", "web_company",
                "web_ghost_posted", "dedup_duplicate_group"} <= names
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert proc.returncode in (0, 130)
