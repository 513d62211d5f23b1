"""The web under load and hostile requests (issue 17 item 3): load shedding, time limits, trusted hosts, headers.

Figures under real load (50 clients searching all of 20,000 postings) come from `bench/web_attack.py`.
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from pymongo import MongoClient, monitoring
from pymongo.database import Database
from starlette.testclient import TestClient

from crawlerats.web import create_app
from crawlerats.web.protect import WebLimits, is_expensive
from tests.web.conftest import LiveServer

SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "referrer-policy", "x-frame-options")
ATTACKERS = 30


def get(url: str, host: str | None = None) -> tuple[int, dict[str, str], str]:
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with urllib.request.urlopen(request, timeout=60) as response:  # loopback only
            return response.status, dict(response.headers.items()), response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers.items()), exc.read().decode()


def assert_security_headers(headers: Any) -> None:
    lowered = {name.lower() for name in headers}
    assert all(name in lowered for name in SECURITY_HEADERS), sorted(lowered)


class Gate:
    """Holds every "search all" query inside the database call until released (a scan that takes long)."""

    def __init__(self, app: Any) -> None:
        self.release = threading.Event()
        self.entered = threading.Semaphore(0)
        queries = app.state.queries
        real = queries.job_list

        def job_list(params: Any, *args: Any, **kwargs: Any) -> Any:
            if params.deep:
                self.entered.release()
                assert self.release.wait(60)
            return real(params, *args, **kwargs)

        queries.job_list = job_list


def test_thirty_search_all_clients_leave_normal_visitors_answered(seeded_db: Database) -> None:
    app = create_app(seeded_db, cache_seconds=0, limits=WebLimits(expensive_concurrency=2,
                                                                   expensive_rate="1000/minute"))
    gate = Gate(app)
    with LiveServer(app) as server, ThreadPoolExecutor(ATTACKERS) as pool:
        attack = [pool.submit(get, f"{server.url}/jobs?q=zq{n}&deep=1&status=any") for n in range(ATTACKERS)]
        for _ in range(2):  # the two admitted scans are running (held in the database call)
            assert gate.entered.acquire(timeout=30)
        deadline = time.monotonic() + 60  # a bound against hanging, not a performance threshold
        while sum(f.done() for f in attack) < ATTACKERS - 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        refused = [f.result() for f in attack if f.done()]
        # While both scan slots are taken, a normal visitor is served and every other attacker was refused.
        status, headers, body = get(f"{server.url}/jobs")
        assert status == 200 and "job-row" in body
        assert_security_headers(headers)
        assert len(refused) == ATTACKERS - 2
        assert {status for status, _, _ in refused} == {503}
        assert all(h.get("retry-after") == "5" for _, h, _ in refused)
        assert sum(not f.done() for f in attack) == 2
        gate.release.set()
        results = [f.result(timeout=60) for f in attack]
    assert sorted(status for status, _, _ in results) == [200, 200] + [503] * (ATTACKERS - 2)
    load = app.state.load
    assert (load.peak_expensive, load.expensive_started, load.busy_503) == (2, 2, ATTACKERS - 2)


def test_expensive_requests_are_rate_limited_per_client(seeded_db: Database) -> None:
    app = create_app(seeded_db, cache_seconds=0, limits=WebLimits(expensive_rate="3/minute"))
    with TestClient(app) as client:
        assert [client.get("/jobs", params={"q": "engineer"}).status_code for _ in range(3)] == [200] * 3
        limited = client.get("/api/jobs", params={"deep": "1"})
        assert limited.status_code == 429 and int(limited.headers["retry-after"]) >= 1
        assert_security_headers(limited.headers)
        assert client.get("/jobs").status_code == 200  # cheap pages are not counted
        assert client.get("/jobs", params={"risk": "high"}).status_code == 200
    assert app.state.load.rate_limited_429 == 1


def test_query_over_its_time_limit_gets_503_not_500(seeded_db: Database) -> None:
    app = create_app(seeded_db, cache_seconds=0, limits=WebLimits(query_seconds=0.000_001))
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/jobs", params={"q": "engineer", "deep": "1", "status": "any"})
        assert response.status_code == 503 and response.headers["retry-after"] == "5"
        assert "took too long" in response.text
        assert_security_headers(response.headers)
    assert app.state.load.timeout_503 == 1


def test_time_limit_reaches_the_server_as_max_time_ms(seeded_db: Database, mongo_uri: str) -> None:
    """The deadline is sent with each query (`maxTimeMS`), so the server abandons a scan, not just the client."""
    sent: list[Any] = []

    class Listener(monitoring.CommandListener):
        def started(self, event: monitoring.CommandStartedEvent) -> None:
            if event.command_name == "find":
                sent.append(event.command.get("maxTimeMS"))

        def succeeded(self, event: Any) -> None: ...
        def failed(self, event: Any) -> None: ...

    client: MongoClient = MongoClient(mongo_uri, tz_aware=True, event_listeners=[Listener()])
    try:
        app = create_app(client[seeded_db.name], cache_seconds=0, create_indexes=False,
                         limits=WebLimits(query_seconds=30))
        with TestClient(app) as test_client:
            assert test_client.get("/jobs", params={"q": "engineer"}).status_code == 200
    finally:
        client.close()
    assert sent and all(isinstance(ms, int) and 0 < ms <= 30_000 for ms in sent), sent


def test_security_headers_on_a_500(seeded_db: Database) -> None:
    app = create_app(seeded_db, cache_seconds=0)

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("bug")

    app.state.queries.job_list = broken
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/jobs")
    assert response.status_code == 500
    assert "bug" not in response.text and "Traceback" not in response.text
    assert_security_headers(response.headers)


@pytest.mark.parametrize("host", ["evil.example", "127.0.0.1.nip.io", "localhost.evil.example"])
def test_untrusted_host_header_is_rejected(seeded_db: Database, host: str) -> None:
    app = create_app(seeded_db, cache_seconds=0)
    with TestClient(app) as client:
        response = client.get("/jobs", headers={"host": host})
        assert response.status_code == 400
        assert "job-row" not in response.text
        assert_security_headers(response.headers)
        assert client.get("/jobs", headers={"host": "localhost:8000"}).status_code == 200
        assert client.get("/jobs", headers={"host": "127.0.0.1:8000"}).status_code == 200


def test_allowed_hosts_setting(seeded_db: Database) -> None:
    limits = WebLimits.from_settings({"CRAWLERATS_WEB_ALLOWED_HOSTS": "jobs.example.org, *.jobs.example.org"})
    assert limits.allowed_hosts == ("jobs.example.org", "*.jobs.example.org")
    with TestClient(create_app(seeded_db, cache_seconds=0, limits=limits)) as client:
        assert client.get("/jobs", headers={"host": "jobs.example.org"}).status_code == 200
        assert client.get("/jobs", headers={"host": "eu.jobs.example.org"}).status_code == 200
        assert client.get("/jobs", headers={"host": "localhost"}).status_code == 400


def test_which_requests_are_expensive() -> None:
    assert is_expensive("/jobs", {"deep": "1"})
    assert is_expensive("/api/jobs", {"q": "engineer"})
    assert is_expensive("/jobs", {"location": "Berlin"})
    assert is_expensive("/jobs.csv", {})
    assert not is_expensive("/jobs", {"risk": "high", "sort": "ghost", "page": "3"})
    assert not is_expensive("/jobs", {"q": "  "})
    assert not is_expensive("/stats", {"deep": "1"})


def test_search_all_has_a_scan_budget_too(seeded_db: Database, monkeypatch: pytest.MonkeyPatch) -> None:
    import crawlerats.web.queries as queries_module
    from crawlerats.web.queries import ListParams, WebQueries

    queries = WebQueries(seeded_db, cache_seconds=0)
    params = ListParams.parse({"q": "no such words", "deep": "1", "status": "any"})
    unbounded = queries.job_list(params)
    assert not unbounded.partial and unbounded.scanned == seeded_db.jobs.count_documents({})
    monkeypatch.setattr(queries_module, "DEEP_SCAN_BUDGET", 1)
    bounded = queries.job_list(params)
    assert bounded.partial and bounded.scanned < unbounded.scanned
