"""Web fixtures: a seeded database, a TestClient, and a live uvicorn server on a free loopback port."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest
import uvicorn
from pymongo.database import Database
from starlette.applications import Starlette
from starlette.testclient import TestClient

from crawlerats.web import create_app
from tests.web.seed import NOW, seed


@pytest.fixture
def seeded_db(mongo_db: Database) -> Database:
    seed(mongo_db)
    return mongo_db


@pytest.fixture
def app(seeded_db: Database, monkeypatch: pytest.MonkeyPatch) -> Starlette:
    monkeypatch.setenv("CRAWLERATS_NOW", NOW.isoformat())  # "3 days ago", "posted within" and promotions
    return create_app(seeded_db, cache_seconds=0)


@pytest.fixture
def client(app: Starlette) -> Iterator[TestClient]:
    with TestClient(app) as test_client:
        yield test_client


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """uvicorn serving an app in a background thread."""

    def __init__(self, app: Starlette) -> None:
        self.port = _free_port()
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning",
                                                    lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def live_server(app: Starlette) -> Iterator[LiveServer]:
    with LiveServer(app) as server:
        yield server
