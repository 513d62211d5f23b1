"""Start and stop a real SecantusDB server process for tests: `secantusd-py` with the write-path tuning the
embedded default runs with (crawlerats/db/secantus_tuning.py)."""

from __future__ import annotations

import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class SecantusServer:
    """A secantusd-py child process on a free loopback port with its own storage directory."""

    def __init__(self, storage: Path | None = None, port: int | None = None, options: tuple[str, ...] = ()) -> None:
        """`options`: extra server flags, e.g. the embedded default's (`crawlerats.db.embedded.SERVER_OPTIONS`)
        for benchmarks that measure what a default install runs."""
        self.storage = storage or Path(tempfile.mkdtemp(prefix="secantus-"))
        self.port = port or free_port()
        self.options = options
        self.proc: subprocess.Popen | None = None

    @property
    def uri(self) -> str:
        return f"mongodb://127.0.0.1:{self.port}/"

    def start(self, timeout: float = 60.0) -> SecantusServer:
        log = open(self.storage.parent / f"secantus-{self.port}.log", "ab")  # noqa: SIM115
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "crawlerats.db.secantus_tuning", "--host", "127.0.0.1", "--port", str(self.port),
             "--storage-path", str(self.storage), "--log-level", "WARNING", "--oplog-max-entries", "5000",
             *self.options],
            stdout=log, stderr=log, stdin=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"secantusd-py exited with {self.proc.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.3):
                    return self
            except OSError:
                time.sleep(0.1)
        raise RuntimeError("secantusd-py did not open its port")

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def kill(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
