"""Shared fixtures: one real SecantusDB server per session, a fresh database per test, an ATS server."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator

import pytest
from pymongo import MongoClient
from pymongo.database import Database

from tests.support.ats_server import AtsServer
from tests.support.mongo import SecantusServer


@pytest.fixture(scope="session")
def mongo_server() -> Iterator[SecantusServer]:
    server = SecantusServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def mongo_uri(mongo_server: SecantusServer) -> str:
    return os.environ.get("CRAWLERATS_TEST_MONGO_URI") or mongo_server.uri


@pytest.fixture(scope="session")
def mongo_client(mongo_uri: str) -> Iterator[MongoClient]:
    client: MongoClient = MongoClient(mongo_uri, tz_aware=True)
    yield client
    client.close()


@pytest.fixture
def mongo_db_name() -> str:
    return f"t_{uuid.uuid4().hex[:12]}"


@pytest.fixture
def mongo_db(mongo_client: MongoClient, mongo_db_name: str) -> Iterator[Database]:
    """A fresh, empty database on the session server; dropped afterwards."""
    yield mongo_client[mongo_db_name]
    mongo_client.drop_database(mongo_db_name)


@pytest.fixture
def ats_server() -> Iterator[AtsServer]:
    with AtsServer() as server:
        yield server


@pytest.fixture
def crawl_settings(mongo_uri: str, mongo_db_name: str, ats_server: AtsServer) -> dict[str, str]:
    """Settings that point a `scrapy crawl` subprocess at the test database and the fixture server."""
    return {"MONGO_URI": mongo_uri, "MONGO_DATABASE": mongo_db_name, "CRAWLERATS_MIRROR": ats_server.url}
