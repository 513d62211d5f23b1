"""Open the configured MongoDB: `MONGO_URI` (setting or environment) or the embedded default server.

The URI's password never appears in an error message (crawlerats/redact.py); `Connection.uri` keeps it for
the client: pass it through `redact_text` before showing it."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from pymongo import MongoClient
from pymongo.database import Database
from pymongo.errors import PyMongoError

from crawlerats.db.embedded import EmbeddedServer
from crawlerats.db.indexes import ensure_indexes
from crawlerats.redact import redact_text

logger = logging.getLogger(__name__)

DEFAULT_DATABASE = "crawlerats"
DEFAULT_DATA_DIR = ".crawlerats"
#: How long a client waits for a reachable server before failing (at start: the fail-fast error below).
SERVER_SELECTION_TIMEOUT_MS = 5000
#: TCP connect timeout, which pymongo also uses as the socket timeout of its heartbeat checks. A heartbeat
#: that times out marks the server down and cancels every operation in flight, so this must outlast the
#: longest pause of a busy server (the embedded SecantusDB is one Python process), not just a connect.
CONNECT_TIMEOUT_MS = 30000


class DatabaseUnavailable(RuntimeError):
    """MongoDB could not be reached; the message says where we tried and what to do."""


def _get(settings: Any, name: str, default: Any = None) -> Any:
    value = settings.get(name) if settings is not None else None
    return value or os.environ.get(name) or default


def mongo_uri(settings: Any = None) -> str | None:
    return _get(settings, "MONGO_URI")


def database_name(settings: Any = None) -> str:
    return str(_get(settings, "MONGO_DATABASE", DEFAULT_DATABASE))


def data_dir(settings: Any = None) -> Path:
    return Path(_get(settings, "CRAWLERATS_DATA_DIR", DEFAULT_DATA_DIR)).resolve()


@dataclass
class Connection:
    """An open client on the configured database; `close()` also releases the embedded server."""

    client: MongoClient
    db: Database
    uri: str
    embedded: EmbeddedServer | None = None
    _closed: bool = field(default=False, repr=False)

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.client.close()
        if self.embedded is not None:
            self.embedded.release()


def client_options(uri: str) -> dict[str, int]:
    """Our timeout defaults for whatever the URI does not set itself (URI options win, so operators can tune)."""
    given = {name.lower() for name in parse_qs(urlsplit(uri).query)}  # no parse_uri: it resolves SRV names
    defaults = {"serverSelectionTimeoutMS": SERVER_SELECTION_TIMEOUT_MS, "connectTimeoutMS": CONNECT_TIMEOUT_MS}
    return {name: value for name, value in defaults.items() if name.lower() not in given}


def connect(settings: Any = None, *, create_indexes: bool = True, port: int | None = None,
            listeners: list[Any] | None = None) -> Connection:
    """Connect (starting the embedded server when no MONGO_URI is set), check it answers, create indexes.
    `listeners`: pymongo event listeners for the client (a crawl counts its round-trips with one)."""
    uri = mongo_uri(settings)
    embedded = None
    if not uri:
        embedded = EmbeddedServer(data_dir(settings))
        uri = embedded.acquire(preferred_port=port)
    client: MongoClient = MongoClient(uri, tz_aware=True, event_listeners=listeners or [], **client_options(uri))
    try:
        client.admin.command("ping")
        db = client[database_name(settings)]
        if create_indexes:
            ensure_indexes(db)
    except PyMongoError as exc:
        client.close()
        if embedded is not None:
            embedded.release()
        where = "the embedded server" if embedded else redact_text(uri)
        raise DatabaseUnavailable(
            f"MongoDB at {where} is not reachable ({exc.__class__.__name__}: {redact_text(str(exc))[:200]}). "
            "Check MONGO_URI, or unset it to use the embedded default database."
        ) from exc
    return Connection(client=client, db=db, uri=uri, embedded=embedded)
