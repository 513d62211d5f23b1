"""`crawlerats db`: serve the embedded default database on 127.0.0.1 so analysts can connect to it."""

from __future__ import annotations

import argparse
import signal
import threading

from crawlerats.cli.settings import project_settings
from crawlerats.db.connection import connect, database_name


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("db", help="serve the embedded database (Ctrl-C to stop)")
    parser.add_argument("--port", type=int, default=None, help="port to listen on (default: a free port)")
    parser.add_argument("--data-dir", default=None, help="storage folder (default: CRAWLERATS_DATA_DIR or .crawlerats)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    settings = project_settings({"CRAWLERATS_DATA_DIR": args.data_dir})
    settings.set("MONGO_URI", None, priority="cmdline")
    conn = connect(settings, port=args.port)
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    print(f"Serving {conn.uri}{database_name(settings)}  (pymongo / mongosh); Ctrl-C to stop", flush=True)
    try:
        stop.wait()
    finally:
        conn.close()
    return 0
