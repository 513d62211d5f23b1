"""The embedded SecantusDB server process with a watchdog: it stops itself when its last user has died.

`crawlerats.db.embedded` starts this module (`python -m crawlerats.db.embedded_run --data-dir DIR -- <secantusd
arguments>`) instead of `secantusd-py`. Every `WATCH_SECONDS` a thread checks the users registered under
`DIR/clients/` (under the same file lock as start and stop). When none is alive any more — the last crawl
was killed with SIGKILL, say, and could not release the server — it removes `server.json` and stops the
server with SIGTERM (a clean WiredTiger close), keeping the lock until the process has exited so that no
new server starts on the same files meanwhile. So a killed crawl leaves no server running for longer than
about `2 * WATCH_SECONDS` (docs/operations.md). SIGTERM always stops the server cleanly, even under load:
see `wait` in `main`. The server runs with crawlerats' write-path tuning (crawlerats/db/secantus_tuning.py).
"""

from __future__ import annotations

import argparse
import faulthandler
import fcntl
import logging
import os
import signal
import sys
import threading
import time
from pathlib import Path

# Imported before any thread starts: importing in the watchdog thread while the main thread imports
# SecantusDB raced on half-initialised modules.
from crawlerats.db.embedded import live_clients

logger = logging.getLogger("crawlerats.db.embedded_run")

WATCH_SECONDS = 5.0
#: After asking the server to stop, how long before the watchdog ends the process itself.
STOP_SECONDS = 120.0


def _watch(data_dir: Path, interval: float) -> None:
    # Stop signals are for the main thread, which runs the server's handler (clean stop).
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM, signal.SIGINT})

    lock_path = data_dir / "server.lock"
    while True:
        time.sleep(interval)
        try:
            handle = open(lock_path, "a+")  # noqa: SIM115 - kept open (locked) until the process exits
        except OSError:
            logger.warning("The data directory %s is gone; stopping the embedded SecantusDB", data_dir)
            break
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            alive = bool(live_clients(data_dir / "clients"))
        except OSError as exc:  # keep watching; never leave the server unwatched
            logger.warning("Embedded SecantusDB watchdog: cannot read the users (%s)", exc)
            alive = True
        if alive:
            fcntl.flock(handle, fcntl.LOCK_UN)
            handle.close()
            continue
        # No live user: stop while holding the lock (released by the kernel when this process exits).
        (data_dir / "server.json").unlink(missing_ok=True)
        logger.warning("No live user of the embedded SecantusDB is left (pid %s); stopping it", os.getpid())
        break
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(STOP_SECONDS)
    logger.error("The embedded SecantusDB did not stop within %.0f s; exiting", STOP_SECONDS)
    os._exit(1)


def main(argv: list[str] | None = None) -> int:
    raw = list(sys.argv[1:] if argv is None else argv)
    split = raw.index("--") if "--" in raw else len(raw)
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True, type=Path)
    parser.add_argument("--watch-seconds", type=float, default=WATCH_SECONDS)
    args = parser.parse_args(raw[:split])
    os.umask(0o077)  # every file and directory the server creates is private to its user
    faulthandler.register(signal.SIGUSR1, all_threads=True)  # `kill -USR1 PID`: thread stacks to server.log
    threading.Thread(target=_watch, args=(args.data_dir, args.watch_seconds), name="crawlerats-embedded-watchdog",
                     daemon=True).start()
    from secantus.cli import main as secantus_main
    from secantus.server import SecantusDBServer

    from crawlerats.db import secantus_tuning

    secantus_tuning.apply_unless_disabled()

    def wait(server: SecantusDBServer) -> None:
        # Python runs signal handlers only in the main thread, between bytecodes. SecantusDB's main thread
        # blocks in `Event.wait()` with no timeout, so a SIGTERM the kernel hands to another (busy) thread
        # can wait there for ever, and the stop ended in SIGKILL. Waking every half second runs it.
        while not server._stop_event.wait(0.5):
            pass

    SecantusDBServer.wait = wait  # type: ignore[method-assign]
    return int(secantus_main(raw[split + 1:]) or 0)


if __name__ == "__main__":
    sys.exit(main())
