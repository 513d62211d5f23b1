"""Where the discovery browser may connect: public http(s) destinations only (docs/discovery.md "Safety").

A careers page is untrusted code running inside our network. Every connection Chromium makes goes through
`GuardProxy`, a small HTTP forward proxy on a loopback port (Chromium's `--proxy-server`; Playwright also
removes Chromium's implicit loopback bypass), so navigations, redirects, form posts, popups, fetch/XHR,
WebSockets and subresources are all checked at the socket level:

- the host is resolved by the proxy, and the connection refused (403) when any of its addresses is
  loopback, private (RFC 1918, unique-local), link-local, carrier-grade NAT, multicast, reserved or
  unspecified (anything `ipaddress` does not call global);
- the proxy then connects to exactly the address it checked, so a DNS answer that changes between the
  check and the connection (DNS rebinding) cannot redirect it;
- `allowed_origins` (`CRAWLERATS_BROWSER_ALLOWED_ORIGINS`, e.g. `http://127.0.0.1:8000`) lists exact
  scheme://host:port origins that are allowed anyway (a local test server, an intranet careers site).

Non-network schemes (`file:`, `chrome:`, ...) never reach the proxy: `refused_scheme` is used by the
page's request filter (crawlerats.discovery.browser) to abort them.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
import socket
from collections import Counter
from collections.abc import Callable, Iterable
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)

#: Schemes a rendered page may request; everything else (file:, ftp:, chrome:, ...) is refused.
ALLOWED_SCHEMES = frozenset({"http", "https", "ws", "wss", "data", "blob", "about"})
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
#: Limits of the proxy: request head size, and the seconds to resolve, connect and wait for a request head.
MAX_HEAD_BYTES = 64 * 1024
RESOLVE_SECONDS = 10.0
CONNECT_SECONDS = 15.0
IDLE_SECONDS = 60.0
#: Header of the proxy's own refusals (403/400/502), so the spider can tell them from the site's answers.
REFUSED_HEADER = "X-CrawlerATS-Refused"
_HOP_HEADERS = ("proxy-connection", "connection", "keep-alive", "proxy-authorization")


def address_kind(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why a browser must not connect to `ip` ("loopback", "private", ...), or None for a public address."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    for kind in ("unspecified", "loopback", "link_local", "private", "multicast", "reserved"):
        if getattr(ip, f"is_{kind}"):
            return kind.replace("_", "-")
    return None if ip.is_global else "non-global"


def refused_scheme(url: str) -> str | None:
    """`scheme:<name>` when the URL's scheme is not one a page may load, else None."""
    scheme = url.split(":", 1)[0].lower() if ":" in url else ""
    return None if scheme in ALLOWED_SCHEMES else f"scheme:{scheme or 'none'}"


def normalize_origin(origin: str) -> str:
    """`scheme://host:port` in lower case with the port made explicit."""
    parts = urlsplit(origin.strip())
    scheme = parts.scheme.lower()
    port = parts.port or _DEFAULT_PORTS.get(scheme, 0)
    host = (parts.hostname or "").lower()
    return f"{scheme}://{host}:{port}"


class DestinationGuard:
    """Decides whether the browser may connect to a host and port; counts what it refused."""

    def __init__(self, allowed_origins: Iterable[str] = (),
                 on_refuse: Callable[[str, str, int], None] | None = None) -> None:
        self.on_refuse = on_refuse
        self.allowed: set[tuple[str, int]] = set()
        for origin in allowed_origins:
            if origin and origin.strip():
                parts = urlsplit(normalize_origin(origin))
                self.allowed.add(((parts.hostname or "").lower(), parts.port or 0))
        self.refused: Counter[str] = Counter()

    def is_allowed_origin(self, host: str, port: int) -> bool:
        return (host.lower().strip("[]"), port) in self.allowed

    async def resolve(self, host: str, port: int) -> tuple[str | None, str | None]:
        """(address to connect to, None) when allowed, else (None, reason)."""
        host = host.strip("[]")
        try:
            literal = ipaddress.ip_address(host)
        except ValueError:
            literal = None
        if literal is not None:
            addresses = [literal]
        else:
            try:
                infos = await asyncio.wait_for(asyncio.get_running_loop().getaddrinfo(
                    host, port, type=socket.SOCK_STREAM), RESOLVE_SECONDS)
            except (TimeoutError, OSError):
                return self._refuse("unresolvable", host, port)
            addresses = [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]
            if not addresses:
                return self._refuse("unresolvable", host, port)
        if self.is_allowed_origin(host, port) or any(self.is_allowed_origin(str(a), port) for a in addresses):
            return str(addresses[0]), None
        kinds = sorted({kind for a in addresses if (kind := address_kind(a))})
        if kinds:
            return self._refuse(f"{kinds[0]} address", host, port)  # any non-public answer refuses the host
        return str(addresses[0]), None

    def _refuse(self, reason: str, host: str, port: int) -> tuple[None, str]:
        self.refused[reason] += 1
        if self.on_refuse is not None:
            self.on_refuse(reason, host, port)
        return None, reason


class GuardProxy:
    """An HTTP/1.1 forward proxy (absolute-URI requests and CONNECT) that connects only where the guard allows.

    `bind()` reserves the loopback port before Chromium is launched; `start()` serves on it in the running
    asyncio loop (the Scrapy reactor's); `close()` stops it and drops open tunnels.
    """

    def __init__(self, guard: DestinationGuard) -> None:
        self.guard = guard
        self.sock: socket.socket | None = None
        self.server: asyncio.AbstractServer | None = None
        self.tasks: set[asyncio.Task] = set()
        self.connections = 0

    def bind(self) -> int:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind(("127.0.0.1", 0))
        sock.listen(128)
        sock.setblocking(False)
        self.sock = sock
        return int(sock.getsockname()[1])

    @property
    def url(self) -> str:
        assert self.sock is not None, "bind() first"
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}"

    async def start(self) -> None:
        if self.server is None:
            if self.sock is None:
                self.bind()
            self.server = await asyncio.start_server(self._serve, sock=self.sock, limit=MAX_HEAD_BYTES)

    async def close(self) -> None:
        for task in list(self.tasks):
            task.cancel()
        if self.server is not None:
            self.server.close()
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self.server.wait_closed(), 5)
            self.server = None
        elif self.sock is not None:
            self.sock.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if task is not None:
            self.tasks.add(task)
        self.connections += 1
        try:
            await self._handle(reader, writer)
        except (TimeoutError, OSError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ValueError):
            pass
        finally:
            if task is not None:
                self.tasks.discard(task)
            writer.close()

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), IDLE_SECONDS)
        request_line, *header_lines = head.decode("latin-1").split("\r\n")
        method, target, version = request_line.split(" ", 2)
        if method.upper() == "CONNECT":
            host, _, port_text = target.rpartition(":")
            port = int(port_text)
            upstream = await self._connect(host, port, writer)
            if upstream is None:
                return
            writer.write(b"HTTP/1.1 200 Connection Established\r\n\r\n")
            await writer.drain()
            await self._pipe(reader, writer, *upstream)
            return
        parts = urlsplit(target)
        if parts.scheme.lower() != "http" or not parts.hostname:
            await self._deny(writer, 400, "absolute http URL required")
            return
        upstream = await self._connect(parts.hostname, parts.port or 80, writer)
        if upstream is None:
            return
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        headers = [line for line in header_lines if line and line.split(":", 1)[0].strip().lower() not in _HOP_HEADERS]
        upstream[1].write(f"{method} {path} {version}\r\n".encode("latin-1")
                          + "".join(f"{line}\r\n" for line in headers).encode("latin-1")
                          + b"Connection: close\r\n\r\n")
        await upstream[1].drain()
        await self._pipe(reader, writer, *upstream)

    async def _connect(self, host: str, port: int, writer: asyncio.StreamWriter,
                       ) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
        address, reason = await self.guard.resolve(host, port)
        if address is None:
            await self._deny(writer, 403, f"refused: {reason}")
            return None
        try:
            return await asyncio.wait_for(asyncio.open_connection(address, port), CONNECT_SECONDS)
        except (TimeoutError, OSError):
            await self._deny(writer, 502, "upstream unreachable")
            return None

    @staticmethod
    async def _deny(writer: asyncio.StreamWriter, status: int, text: str) -> None:
        body = text.encode()
        writer.write(f"HTTP/1.1 {status} Refused\r\nContent-Type: text/plain\r\nContent-Length: {len(body)}\r\n"
                     f"{REFUSED_HEADER}: {text}\r\nConnection: close\r\n\r\n".encode() + body)
        with contextlib.suppress(OSError):
            await writer.drain()

    @staticmethod
    async def _pipe(client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter,
                    upstream_reader: asyncio.StreamReader, upstream_writer: asyncio.StreamWriter) -> None:
        async def copy(src: asyncio.StreamReader, dst: asyncio.StreamWriter) -> None:
            try:
                while chunk := await asyncio.wait_for(src.read(65536), IDLE_SECONDS):
                    dst.write(chunk)
                    await dst.drain()
            except (TimeoutError, OSError):
                pass
            finally:
                with contextlib.suppress(OSError):
                    if dst.can_write_eof():
                        dst.write_eof()

        up = asyncio.ensure_future(copy(client_reader, upstream_writer))
        down = asyncio.ensure_future(copy(upstream_reader, client_writer))
        try:
            await down  # the response (or tunnel) ended: stop forwarding the request side too
        finally:
            up.cancel()
            upstream_writer.close()
