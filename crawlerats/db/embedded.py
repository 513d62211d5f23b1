"""The embedded default database: a SecantusDB server (`secantusd-py`) run as a child process.

It speaks the MongoDB wire protocol and stores under `CRAWLERATS_DATA_DIR` (default `.crawlerats/`).
SecantusDB is GPL-2.0 and GIL-bound, so it always runs as a separate process, never imported here.
Several crawls on one machine share one server: the first starts it, each user registers itself under
`clients/`, and the last one to leave stops it. A file lock serialises start and stop decisions.
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
STOP_TIMEOUT = 20.0
_LAUNCH = "import sys; from secantus.cli import main; sys.exit(main())"


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


@dataclass
class EmbeddedServer:
    """Handle on the shared embedded server for one user (a crawl, `crawlerats db`, the web app)."""

    data_dir: Path
    port: int | None = None

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
        self.data_dir.mkdir(parents=True, exist_ok=True)
        with open(self.data_dir / "server.lock", "a+") as handle:
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
            self._clients.mkdir(exist_ok=True)
            (self._clients / str(os.getpid())).write_text(str(time.time()))
        return self.uri

    def _start(self, port: int) -> dict:
        if port_open(port):
            raise EmbeddedServerError(f"port {port} is already in use; choose another with --port")
        storage = self.data_dir / "db"
        storage.mkdir(parents=True, exist_ok=True)
        log = open(self.data_dir / "server.log", "ab")  # noqa: SIM115 - handed to the child
        cmd = [sys.executable, "-c", _LAUNCH, "--host", "127.0.0.1", "--port", str(port),
               "--storage-path", str(storage), "--log-level", "WARNING", "--oplog-max-entries", "20000"]
        proc = subprocess.Popen(cmd, stdout=log, stderr=log, stdin=subprocess.DEVNULL, start_new_session=True,
                                cwd=self.data_dir)
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise EmbeddedServerError(
                    f"embedded SecantusDB exited with code {proc.returncode}; see {self.data_dir / 'server.log'}")
            if port_open(port):
                state = {"pid": proc.pid, "port": port, "started": time.time()}
                self._state_file.write_text(json.dumps(state))
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
            live = [p for p in self._clients.glob("*") if p.name.isdigit() and pid_alive(int(p.name))]
            for stale in set(self._clients.glob("*")) - set(live):
                stale.unlink(missing_ok=True)
            if live:
                return
            state = self._running()
            if state is not None:
                self._stop(int(state["pid"]), int(state["port"]))
            self._state_file.unlink(missing_ok=True)
            self.port = None

    def _stop(self, pid: int, port: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        while time.monotonic() < deadline and pid_alive(pid):
            time.sleep(0.1)
            with contextlib.suppress(ChildProcessError, OSError):
                os.waitpid(pid, os.WNOHANG)
        if pid_alive(pid):
            logger.warning("Embedded SecantusDB (pid %s) did not stop in %.0f s; killing it", pid, STOP_TIMEOUT)
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        logger.info("Stopped embedded SecantusDB on port %s", port)
