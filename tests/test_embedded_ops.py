"""Embedded server operations (issue 17 item 9): a private data directory, no server left behind by a killed
user, and a clean stop while the server is busy."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import threading
import time
from pathlib import Path

from pymongo import MongoClient

from crawlerats.db.embedded import EmbeddedServer, pid_alive
from tests.support.paths import REPO

_USER = """
import sys, time
from pathlib import Path
from crawlerats.db.embedded import EmbeddedServer
print(EmbeddedServer(Path(sys.argv[1])).acquire(), flush=True)
time.sleep(600)
"""


def _server_pid(data_dir: Path) -> int | None:
    out = subprocess.run(["pgrep", "-f", "--", f"--storage-path {data_dir}/db"], capture_output=True, text=True)
    pids = [int(p) for p in out.stdout.split()]
    return pids[0] if pids else None


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_data_directory_is_private_and_a_killed_user_leaves_no_server(tmp_path: Path) -> None:
    data_dir = tmp_path / "store"
    user = subprocess.Popen([sys.executable, "-c", _USER, str(data_dir)], cwd=REPO, stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    try:
        uri = user.stdout.readline().strip()
        assert uri.startswith("mongodb://127.0.0.1:")
        client: MongoClient = MongoClient(uri, serverSelectionTimeoutMS=10000)
        client.crawlerats.jobs.insert_one({"job_id": "1"})
        client.close()
        server = _server_pid(data_dir)
        assert server is not None

        assert _mode(data_dir) == 0o700
        files = [p for p in data_dir.rglob("*") if p.is_file()]
        assert any(p.parent.name == "db" for p in files) and (data_dir / "server.log") in files
        assert {str(p.relative_to(data_dir)): oct(_mode(p)) for p in files if _mode(p) != 0o600} == {}
        assert all(_mode(p) == 0o700 for p in data_dir.rglob("*") if p.is_dir())
    finally:
        user.send_signal(signal.SIGKILL)  # the user cannot release the server
        user.wait(timeout=30)
    deadline = time.monotonic() + 90  # a bound against hanging; the watchdog checks every 5 s
    while pid_alive(server) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert not pid_alive(server), "the embedded server outlived its last (killed) user"
    assert not (data_dir / "server.json").exists()
    assert "No live user of the embedded SecantusDB" in (data_dir / "server.log").read_text()

    # The next user starts a fresh server on the same data; the write before the kill is there.
    embedded = EmbeddedServer(data_dir)
    client = MongoClient(embedded.acquire(), serverSelectionTimeoutMS=10000)
    try:
        assert client.crawlerats.jobs.count_documents({}) == 1
    finally:
        client.close()
        embedded.release()
    assert embedded.stopped_cleanly is True


def test_an_older_world_readable_data_directory_is_tightened(tmp_path: Path) -> None:
    data_dir = tmp_path / "old"
    (data_dir / "db").mkdir(parents=True, mode=0o755)
    os.chmod(data_dir, 0o755)
    (data_dir / "server.log").write_text("old log\n")
    os.chmod(data_dir / "server.log", 0o644)
    embedded = EmbeddedServer(data_dir)
    embedded.acquire()
    try:
        assert _mode(data_dir) == 0o700 and _mode(data_dir / "db") == 0o700
        assert _mode(data_dir / "server.log") == 0o600
    finally:
        embedded.release()


def test_stop_under_load_is_clean(tmp_path: Path) -> None:
    embedded = EmbeddedServer(tmp_path / "busy")
    uri = embedded.acquire()
    seed: MongoClient = MongoClient(uri)
    seed.crawlerats.jobs.insert_many([{"n": n, "text": "x" * 400} for n in range(20_000)])
    seed.close()
    stop = threading.Event()
    errors: list[str] = []

    def scan() -> None:
        client: MongoClient = MongoClient(uri, serverSelectionTimeoutMS=2000, socketTimeoutMS=60000)
        try:
            while not stop.is_set():
                list(client.crawlerats.jobs.find({"text": {"$regex": "y"}}))
                client.crawlerats.jobs.update_many({}, {"$inc": {"seen": 1}})
        except Exception as exc:  # noqa: BLE001 - the server going away is expected here
            errors.append(type(exc).__name__)
        finally:
            client.close()

    threads = [threading.Thread(target=scan, daemon=True) for _ in range(4)]
    for thread in threads:
        thread.start()
    time.sleep(3)  # let the scans and updates get going
    try:
        embedded.release()
    finally:
        stop.set()
        for thread in threads:
            thread.join(timeout=60)
    assert embedded.stopped_cleanly is True
    # After the clean stop the data opens again (no recovery needed to read it).
    again = EmbeddedServer(tmp_path / "busy")
    client: MongoClient = MongoClient(again.acquire(), serverSelectionTimeoutMS=10000)
    try:
        assert client.crawlerats.jobs.count_documents({}) == 20_000
    finally:
        client.close()
        again.release()
