"""The discovery browser's destination guard and its proxy, in process (no browser)."""

from __future__ import annotations

import asyncio
import ipaddress
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from crawlerats.discovery.browser import CHROMIUM_ARGS
from crawlerats.discovery.guard import (
    REFUSED_HEADER,
    DestinationGuard,
    GuardProxy,
    address_kind,
    refused_scheme,
)


@pytest.mark.parametrize(("address", "kind"), [
    ("127.0.0.1", "loopback"), ("127.8.9.1", "loopback"), ("::1", "loopback"), ("::ffff:127.0.0.1", "loopback"),
    ("10.1.2.3", "private"), ("172.16.0.1", "private"), ("192.168.1.1", "private"), ("fd00::1", "private"),
    ("169.254.169.254", "link-local"), ("fe80::1", "link-local"), ("0.0.0.0", "unspecified"),
    ("224.0.0.1", "multicast"), ("100.64.0.1", "non-global"), ("240.0.0.1", "private"),
    ("93.184.215.14", None), ("2606:4700::1111", None),
])
def test_address_kinds(address: str, kind: str | None) -> None:
    assert address_kind(ipaddress.ip_address(address)) == kind


def test_only_network_schemes_load() -> None:
    assert refused_scheme("file:///etc/passwd") == "scheme:file"
    assert refused_scheme("chrome://settings") == "scheme:chrome"
    assert refused_scheme("FILE:///x") == "scheme:file"
    assert refused_scheme("https://example.com/") is None
    assert refused_scheme("data:text/html,hi") is None


def test_guard_resolves_names_and_allows_only_listed_private_origins() -> None:
    refusals: list[tuple[str, str, int]] = []
    guard = DestinationGuard(["http://127.0.0.1:8123"], on_refuse=lambda *r: refusals.append(r))

    async def check() -> list[tuple[str | None, str | None]]:
        return [await guard.resolve(host, port) for host, port in [
            ("127.0.0.1", 8123), ("127.0.0.1", 6800), ("localhost", 6800), ("[::1]", 8123),
            ("169.254.169.254", 80), ("93.184.215.14", 443)]]

    assert asyncio.run(check()) == [
        ("127.0.0.1", None), (None, "loopback address"), (None, "loopback address"), (None, "loopback address"),
        (None, "link-local address"), ("93.184.215.14", None)]
    assert refusals[0] == ("loopback address", "127.0.0.1", 6800)
    assert guard.refused == {"loopback address": 3, "link-local address": 1}


class _Recorder(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        self.requests: list[str] = []
        recorder = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                recorder.requests.append(f"{self.path} {self.headers.get('Connection')}")
                body = b"hello"
                self.send_response(200)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        super().__init__(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.serve_forever, daemon=True).start()


@pytest.fixture
def servers() -> Iterator[tuple[_Recorder, _Recorder]]:
    allowed, victim = _Recorder(), _Recorder()
    yield allowed, victim
    for server in (allowed, victim):
        server.shutdown()
        server.server_close()


def test_proxy_forwards_allowed_origins_and_refuses_the_rest(servers: tuple[_Recorder, _Recorder]) -> None:
    allowed, victim = servers
    allowed_port, victim_port = allowed.server_address[1], victim.server_address[1]

    async def exchange(proxy: GuardProxy, raw: bytes) -> bytes:
        reader, writer = await asyncio.open_connection("127.0.0.1", proxy.sock.getsockname()[1])
        writer.write(raw)
        await writer.drain()
        data = await asyncio.wait_for(reader.read(), 10)
        writer.close()
        return data

    async def run() -> list[bytes]:
        proxy = GuardProxy(DestinationGuard([f"http://127.0.0.1:{allowed_port}"]))
        proxy.bind()
        await proxy.start()
        try:
            return [
                await exchange(proxy, f"GET http://127.0.0.1:{allowed_port}/ok?x=1 HTTP/1.1\r\nHost: a\r\n"
                                      "Proxy-Connection: keep-alive\r\n\r\n".encode()),
                await exchange(proxy, f"GET http://127.0.0.1:{victim_port}/secret HTTP/1.1\r\nHost: b\r\n\r\n"
                               .encode()),
                await exchange(proxy, f"CONNECT localhost:{victim_port} HTTP/1.1\r\nHost: c\r\n\r\n".encode()),
                await exchange(proxy, b"GET /relative HTTP/1.1\r\nHost: d\r\n\r\n"),
            ]
        finally:
            await proxy.close()

    ok, refused, tunnel, relative = asyncio.run(run())
    assert ok.startswith(b"HTTP/1.0 200") and ok.endswith(b"hello")
    assert allowed.requests == ["/ok?x=1 close"]  # origin-form, hop headers replaced
    assert refused.startswith(b"HTTP/1.1 403") and f"{REFUSED_HEADER}: refused: loopback address".encode() in refused
    assert tunnel.startswith(b"HTTP/1.1 403")
    assert relative.startswith(b"HTTP/1.1 400")
    assert victim.requests == []


def test_chromium_sandbox_is_opt_in_and_documented() -> None:
    from tests.support.paths import REPO

    assert "--no-sandbox" in CHROMIUM_ARGS  # CRAWLERATS_CHROMIUM_SANDBOX unset in tests
    assert "CRAWLERATS_CHROMIUM_SANDBOX" in (REPO / "docs" / "discovery.md").read_text()
