"""`crawlerats web`: serve the job board over the configured MongoDB (MONGO_URI or embedded); read-only except for
the "Promote this listing" flow (docs/promote.md)."""

from __future__ import annotations

import argparse
import logging

from crawlerats.cli.settings import project_settings
from crawlerats.db.connection import connect

logger = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("web", help="serve the job board, read-only but for the promote flow (Ctrl-C to stop)")
    parser.add_argument("--host", default="127.0.0.1", help="interface to listen on (default: 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (default: 8000)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    import uvicorn

    from crawlerats.promote.config import config_from_settings as promote_config
    from crawlerats.web import create_app  # registers the web indexes before connect() creates indexes
    from crawlerats.web.protect import WebLimits

    settings = project_settings()
    conn = connect(settings)
    try:
        # The promote settings are read now, so a bad key or limit stops the start with a clear message.
        app = create_app(conn.db, create_indexes=False, warm=True, limits=WebLimits.from_settings(settings),
                         promote=promote_config(settings))
        print(f"CrawlerATS web on http://{args.host}:{args.port}/jobs  (database {conn.db.name}); Ctrl-C to stop",
              flush=True)
        uvicorn.run(app, host=args.host, port=args.port, log_level="info", proxy_headers=False)
    finally:
        conn.close()
    return 0
