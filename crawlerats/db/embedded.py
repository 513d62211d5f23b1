"""The embedded default database: a SecantusDB server (`secantusd-py`) run as a child process.

It speaks the MongoDB wire protocol and stores under `CRAWLERATS_DATA_DIR` (default `.crawlerats/`).
SecantusDB is GPL-2.0 and GIL-bound, so it always runs as a separate process, never imported here.
Several crawls on one machine share one server: the first starts it, each user registers itself under
`clients/`, and the last one to leave stops it. A file lock serialises start and stop decisions. A user
that dies without leaving (SIGKILL) is noticed by the server's own watchdog (crawlerats.db.embedded_run),
which stops the server once no registered user is alive.

The data directory is private: created 0700, its files 0600 (the server runs with umask 077), and an
existing directory from an older version is tightened at the next start.
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

logger = logging.getLogger(__name__)

START_TIMEOUT = 60.0
#: How long a stop waits for the server's clean shutdown (WiredTiger closes with a checkpoint, which takes
#: longer under load) before it kills it.
STOP_TIMEOUT = 120.0
DIR_MODE = 0o700
FILE_MODE = 0o600
#: How the server runs, besides where. `--standalone`: no replica-set advertisement, hence no oplog, which
#: SecantusDB otherwise writes (a diff of the document, encoded) for every document inserted or updated:
#: measured 0.27 ms of server CPU per moved `last_seen` of a 14 KB posting (issue 13). Nothing here needs a
#: replica set (no change streams, transactions or sessions); the writers retry their own idempotent writes.
SERVER_OPTIONS: tuple[str, ...] = ("--standalone",)


class EmbeddedServerError(RuntimeError):
    """The embedded server could not be started or reached."""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def port_open(port: int, host: str = "127.0.0.1", timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    return "zombie" not in status


def process_start(pid: int) -> str:
    """The kernel's start time of `pid` (field 22 of /proc/PID/stat), or "" when unknown: a pid that was
    reused by another process after a user died has another start time."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return ""
    fields = stat.rpartition(")")[2].split()
    return fields[19] if len(fields) > 19 else ""


def client_alive(entry: Path) -> bool:
    """A registered user (`clients/<pid>`, holding its start time) that is still running."""
    if not entry.name.isdigit() or not pid_alive(int(entry.name)):
        return False
    try:
        recorded = entry.read_text().strip()
    except OSError:
        return False
    started = process_start(int(entry.name))
    return not recorded.startswith("start:") or not started or recorded == f"start:{started}"


def live_clients(clients: Path) -> list[Path]:
    """The live users under `clients/`; stale entries are removed (call under the server lock)."""
    entries = list(clients.glob("*")) if clients.is_dir() else []
    live = [entry for entry in entries if client_alive(entry)]
    for stale in set(entries) - set(live):
        stale.unlink(missing_ok=True)
    return live


def make_private(data_dir: Path) -> None:
    """Create `data_dir` 0700 if needed, and tighten it and everything in it (0700 dirs, 0600 files)."""
    data_dir.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    for root, dirs, files in os.walk(data_dir):
        with contextlib.suppress(OSError):
            os.chmod(root, DIR_MODE)
        for name in files:
            with contextlib.suppress(OSError):
                os.chmod(os.path.join(root, name), FILE_MODE)
        dirs[:] = [d for d in dirs if not os.path.islink(os.path.join(root, d))]


def _write_private(path: Path, text: str) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


@dataclass
class EmbeddedServer:
    """Handle on the shared embedded server for one user (a crawl, `crawlerats db`, the web app)."""

    data_dir: Path
    port: int | None = None
    #: Set by the `release()` that stopped the server: whether it exited on SIGTERM (no SIGKILL needed).
    stopped_cleanly: bool | None = None

    @property
    def uri(self) -> str:
        if self.port is None:
            raise EmbeddedServerError("embedded server not acquired")
        return f"mongodb://127.0.0.1:{self.port}/"

    @property
    def _state_file(self) -> Path:
        return self.data_dir / "server.json"

    @property
    def _clients(self) -> Path:
        return self.data_dir / "clients"

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        if not self.data_dir.is_dir():
            make_private(self.data_dir)
        fd = os.open(self.data_dir / "server.lock", os.O_RDWR | os.O_CREAT, FILE_MODE)
        with os.fdopen(fd, "a+") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)

    def _running(self) -> dict | None:
        try:
            state = json.loads(self._state_file.read_text())
        except (OSError, ValueError):
            return None
        if pid_alive(int(state.get("pid", 0))) and port_open(int(state.get("port", 0))):
            return state
        return None

    def acquire(self, preferred_port: int | None = None) -> str:
        """Reuse the running server or start one; register this process as a user; return its URI."""
        with self._locked():
            state = self._running()
            if state is None:
                state = self._start(preferred_port or free_port())
            self.port = int(state["port"])
            self._clients.mkdir(mode=DIR_MODE, exist_ok=True)
            _write_private(self._clients / str(os.getpid()), f"start:{process_start(os.getpid())}")
        return self.uri

    def _start(self, port: int) -> dict:
        if port_open(port):
            raise EmbeddedServerError(f"port {port} is already in use; choose another with --port")
        storage = self.data_dir / "db"
        storage.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
        make_private(self.data_dir)  # also tightens a directory created by an older version
        log = os.fdopen(os.open(self.data_dir / "server.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, FILE_MODE),
                        "ab")
        cmd = [sys.executable, "-m", "crawlerats.db.embedded_run", "--data-dir", str(self.data_dir), "--",
               "--host", "127.0.0.1", "--port", str(port), "--storage-path", str(storage), "--log-level", "WARNING",
               *SERVER_OPTIONS]
        proc = subprocess.Popen(cmd, stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True,
                                cwd=self.data_dir, umask=0o077)
        log.close()
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise EmbeddedServerError(
                    f"embedded SecantusDB exited with code {proc.returncode}; see {self.data_dir / 'server.log'}")
            if port_open(port):
                state = {"pid": proc.pid, "port": port, "started": time.time()}
                _write_private(self._state_file, json.dumps(state))
                logger.info("Started embedded SecantusDB (pid %s) on 127.0.0.1:%s, data in %s", proc.pid, port, storage)
                return state
            time.sleep(0.1)
        proc.kill()
        raise EmbeddedServerError(f"embedded SecantusDB did not open port {port} within {START_TIMEOUT:.0f} s")

    def release(self) -> None:
        """Unregister; the last live user stops the server cleanly (SIGTERM, then wait)."""
        with self._locked():
            with contextlib.suppress(FileNotFoundError):
                (self._clients / str(os.getpid())).unlink()
            if live_clients(self._clients):
                return
            state = self._running()
            if state is not None:
                self.stopped_cleanly = self._stop(int(state["pid"]), int(state["port"]))
            self._state_file.unlink(missing_ok=True)
            self.port = None

    def _stop(self, pid: int, port: int) -> bool:
        """SIGTERM, wait for the clean shutdown (up to STOP_TIMEOUT), else SIGKILL; True when it stopped cleanly."""
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while time.monotonic() < deadline and pid_alive(pid):
            time.sleep(0.1)
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(pid, os.WNOHANG)
        clean = not pid_alive(pid)
        if not clean:
            logger.warning("Embedded SecantusDB (pid %s) did not stop in %.0f s; killing it", pid, STOP_TIMEOUT)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        logger.info("Stopped embedded SecantusDB on port %s", port)
        return clean
