"""The one fetcher every collector uses, safe to point at hostile URLs.

- http and https only; ports 80, 443 and those configured; no credentials in URLs.
- Host names are resolved and loopback, private, link-local, CGNAT, multicast, reserved and
  metadata addresses refused (IPv4-mapped IPv6 included), on every redirect hop, and the
  connection goes to the checked address: requests-hardened's IP filter adapter does this.
- At most 5 redirects; a total deadline per request enforced by a watchdog that closes the
  connection (a server that drips a byte a second cannot hold a worker); a body cap counted
  after decompression; content types checked per call.
- robots.txt honoured for page fetches (monitor.fetch.robots), per-host politeness and cool-downs
  shared across processes (monitor.fetch.hostgate), 429/503 Retry-After honoured but capped,
  retries with backoff on connection errors and 5xx.

MONITOR_ALLOW_PRIVATE_NETWORKS=1 turns the address filter off: tests and the demo only.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import ipaddress
import re
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests_hardened import Config, HTTPSession
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

from monitor.clock import utcnow
from monitor.detection.domains import is_address
from monitor.fetch.hostgate import HostCoolingDown, HostGate
from monitor.fetch.robots import RobotsPolicy
from monitor.settings import Settings

MAX_REDIRECTS = 5
DEFAULT_PORTS = {"http": 80, "https": 443}
HTML_TYPES = ("text/html", "application/xhtml+xml")
MAX_RETRY_AFTER = 3600.0  # a host may ask us to wait, but not for a day
UNREACHABLE_COOLDOWN = 120.0  # after retries against a host that does not answer, skip it a while
READ_SIZE = 16 * 1024


class FetchError(Exception):
    """A fetch that did not produce a complete, acceptable response."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class RateLimited(FetchError):
    """The host answered 429/503; it is cooled down and skipped until the time given."""


class RobotsDisallowed(FetchError):
    pass


@dataclass(frozen=True)
class FetchResult:
    url: str  # final URL after redirects
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    ip: str | None = None


def retry_after_seconds(value: str | None, now: dt.datetime) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP date. Pure."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    return max(0.0, (when - now).total_seconds())


class _Retryable(FetchError):
    pass


# Sockets opened by the fetch running in this thread: the deadline watchdog shuts them down
# at any stage (connecting, reading headers, reading the body), and each is checked again at
# the socket level against the address policy.
_active = threading.local()


def forbidden_address(address: str) -> bool:
    """Loopback, private, link-local, CGNAT, multicast, reserved, site-local, unspecified or
    metadata addresses, IPv4-mapped and -compatible IPv6 forms included."""
    try:
        ip = ipaddress.ip_address(address.split("%")[0])
    except ValueError:
        return True
    if ip.version == 6:
        embedded = ip.ipv4_mapped or ip.sixtofour or (ip.teredo[1] if ip.teredo else None)
        if embedded is None and int(ip) >> 32 == 0 and int(ip) > 1:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)  # ::a.b.c.d (IPv4-compatible)
        if embedded is None and (int(ip) >> 32) == 0xFFFF0000:
            embedded = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)  # ::ffff:0:a.b.c.d
        if embedded is not None and forbidden_address(str(embedded)):
            return True
        if ip.is_site_local:
            return True
    if ip in ipaddress.ip_network("100.64.0.0/10"):
        return True
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified or not ip.is_global)


class _TrackedConnectionMixin:
    check_addresses = True

    def connect(self) -> None:
        super().connect()  # type: ignore[misc]
        registry = getattr(_active, "sockets", None)
        if registry is not None:
            registry.append(self.sock)  # type: ignore[attr-defined]
        if getattr(_active, "filtering", False):
            peer = self.sock.getpeername()[0]  # type: ignore[attr-defined]
            if forbidden_address(peer):
                self.sock.close()  # type: ignore[attr-defined]
                raise FetchError(f"connection to a forbidden address {peer} refused")


class _TrackedHTTPConnection(_TrackedConnectionMixin, HTTPConnection):
    pass


class _TrackedHTTPSConnection(_TrackedConnectionMixin, HTTPSConnection):
    pass


class _TrackedHTTPPool(HTTPConnectionPool):
    ConnectionCls = _TrackedHTTPConnection


class _TrackedHTTPSPool(HTTPSConnectionPool):
    ConnectionCls = _TrackedHTTPSConnection


def _track(adapter: HTTPAdapter) -> None:
    adapter.poolmanager.pool_classes_by_scheme = {"http": _TrackedHTTPPool, "https": _TrackedHTTPSPool}


def _without_queries(text: str) -> str:
    """Library error texts quote the request URL: drop query strings from them too."""
    return re.sub(r"\?[^\s'\")]*", "?…", text)


def _shown(url: str) -> str:
    """A URL for messages and logs: no query string (it may carry an API key)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"


class _ResolveOverrideAdapter(HTTPAdapter):
    """Connect to a fixed address for some host names (like curl --resolve), keeping the URL
    and the Host header: the demo and tests serve 'laoairlines-booking.top' locally. Only
    installed when private networks are allowed, so never in production."""

    def __init__(self, overrides: dict[str, tuple[str, int]]):
        super().__init__()
        self.overrides = overrides

    def build_connection_pool_key_attributes(self, request, verify, cert=None):
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        host = host_params["host"]
        target = self.overrides.get(host) or (self.overrides.get("*") if not is_address(host) else None)
        if target:
            request.headers["Host"] = host
            host_params.update(scheme="http", host=target[0], port=target[1])
        return host_params, pool_kwargs


class _Unreachable(_Retryable):
    """Connection refused, reset or timed out: retried, then the host is cooled down."""


class Fetcher:
    def __init__(self, settings: Settings, *, extra_ports: tuple[int, ...] = (), gate: HostGate | None = None,
                 session_factory=None, retries: int | None = None, backoff: float | None = None,
                 sleep: Callable[[float], None] = time.sleep, allow_loopback: bool = False):
        """allow_loopback lets tests reach a server on 127.0.0.1 while everything else stays
        filtered (used to show that a redirect to a private address is refused)."""
        self.settings = settings
        self.allowed_ports = {80, 443, *settings.extra_ports, *extra_ports}
        self.gate = gate or HostGate(session_factory, min_delay=settings.host_min_delay, sleep=sleep)
        self.retries = settings.http_retries if retries is None else retries
        self.backoff = settings.http_backoff if backoff is None else backoff
        self.sleep = sleep
        filtering = not settings.allow_private_networks
        config = Config(ip_filter_enable=filtering, ip_filter_allow_loopback_ips=allow_loopback,
                        never_redirect=False, default_timeout=(5, settings.http_timeout),
                        user_agent_override=settings.user_agent)
        self.session = HTTPSession(config)
        if settings.resolve_overrides and settings.allow_private_networks:
            adapter = _ResolveOverrideAdapter(settings.resolve_overrides)
            self.session.mount("http://", adapter)
            self.session.mount("https://", adapter)
        for adapter in self.session.adapters.values():
            _track(adapter)
        self.filtering = filtering
        self.allow_loopback = allow_loopback
        self.robots = RobotsPolicy(self._fetch_robots, settings.user_agent, session_factory)

    # -------------------------------------------------------------- checks

    def check_url(self, url: str) -> None:
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise FetchError(f"{_shown(url) if '://' in url else url}: not a valid URL ({exc})") from None
        if parts.scheme.lower() not in DEFAULT_PORTS:
            raise FetchError(f"{url}: only http and https URLs are fetched")
        if parts.username is not None or parts.password is not None:
            raise FetchError(f"{url}: URLs with credentials are refused")
        if not parts.hostname:
            raise FetchError(f"{url}: no host")
        port = port or DEFAULT_PORTS[parts.scheme.lower()]
        if port not in self.allowed_ports:
            raise FetchError(f"{url}: port {port} is not allowed")

    # -------------------------------------------------------------- fetching

    def download(self, url: str, destination, *, accept: tuple[str, ...] = (), max_bytes: int = 500_000_000,
                 deadline_seconds: float | None = None) -> FetchResult:
        """Like get, but the body goes to a file as it arrives (bounded memory for large
        lists); the result's body is empty. A failed download leaves no file behind."""
        with open(destination, "wb") as sink:
            try:
                return self.get(url, accept=accept, max_bytes=max_bytes, deadline_seconds=deadline_seconds,
                                sink=sink)
            except BaseException:
                sink.close()
                destination.unlink(missing_ok=True)
                raise

    def get(self, url: str, *, params: dict[str, str] | None = None, accept: tuple[str, ...] = (),
            max_bytes: int = 5_000_000, deadline_seconds: float | None = None, robots: bool = False,
            polite: bool = True, sink=None, headers: dict[str, str] | None = None) -> FetchResult:
        """GET a URL. Raises FetchError unless the whole body arrives within the deadline,
        under the size cap, with an acceptable content type and a 2xx status."""
        self.check_url(url)
        if robots and not self.robots.allowed(url):
            raise RobotsDisallowed(f"{url}: disallowed by robots.txt (or robots.txt unavailable)")
        host = (urlsplit(url).hostname or "").lower()
        attempt = 0
        while True:
            if polite:
                try:
                    self.gate.acquire(host)
                except HostCoolingDown as exc:
                    raise RateLimited(str(exc)) from None
            try:
                if sink is not None:
                    sink.seek(0)
                    sink.truncate()
                return self._once(url, params, accept, max_bytes, deadline_seconds or self.settings.http_deadline, sink,
                                  headers)
            except _Retryable as exc:
                attempt += 1
                if attempt > self.retries:
                    if isinstance(exc, _Unreachable) and polite:
                        # Later requests to this host fail fast instead of each waiting out retries.
                        self.gate.cool_down(host, UNREACHABLE_COOLDOWN, "unreachable")
                    raise FetchError(str(exc), exc.status) from None
                self.sleep(self.backoff * 2 ** (attempt - 1))

    def _once(self, url: str, params: dict[str, str] | None, accept: tuple[str, ...], max_bytes: int,
              deadline: float, sink=None, extra_headers: dict[str, str] | None = None) -> FetchResult:
        """One request, redirects followed here (not by requests, which would read redirect
        bodies without a cap), all within one deadline enforced on every socket it opens."""
        headers = {"Accept": ", ".join(accept) or "*/*", "Accept-Encoding": "gzip, deflate",
                   "Connection": "close", **(extra_headers or {})}
        timed_out = threading.Event()
        sockets: list[socket.socket] = []

        def expire() -> None:
            timed_out.set()
            for sock in list(sockets):  # unblocks connect() or recv() at any stage, even a drip
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

        watchdog = threading.Timer(deadline, expire)
        watchdog.daemon = True
        _active.sockets, _active.filtering = sockets, self.filtering and not self.allow_loopback
        watchdog.start()
        current, origin_host = url, (urlsplit(url).hostname or "").lower()
        try:
            for _hop in range(MAX_REDIRECTS + 1):
                if (urlsplit(current).hostname or "").lower() != origin_host:
                    headers = {k: v for k, v in headers.items() if k in ("Accept", "Accept-Encoding", "Connection")}
                # Straight to the transport adapter: Session.send would read a redirect's whole
                # body (to compute the next hop) with no cap, even with allow_redirects=False.
                prepared = self.session.prepare_request(requests.Request(
                    "GET", current, params=params if current == url else None, headers=headers))
                response = self.session.get_adapter(prepared.url).send(
                    prepared, stream=True, timeout=(5, min(self.settings.http_timeout, deadline)), verify=True,
                    proxies={})
                with response:
                    if response.is_redirect:
                        target = urljoin(response.url, response.headers.get("Location", ""))
                        self.check_url(target)  # scheme, credentials and port of every hop
                        current = target
                        continue
                    return self._read(response, accept, max_bytes, timed_out, sink, sockets[-1] if sockets else None)
            raise FetchError(f"{_shown(url)}: more than {MAX_REDIRECTS} redirects")
        except FetchError:
            raise
        except (requests.ConnectionError, requests.Timeout) as exc:
            if timed_out.is_set():
                raise FetchError(f"{_shown(url)}: no complete response within {deadline:.0f}s") from None
            if isinstance(exc.__context__, FetchError):
                raise FetchError(f"{_shown(url)}: {exc.__context__}") from None
            if "InvalidIPAddress" in repr(exc) or "Forbidden" in str(exc):
                raise FetchError(f"{_shown(url)}: forbidden address: {exc}") from None
            raise _Unreachable(f"{_shown(url)}: {type(exc).__name__}: {_without_queries(str(exc))}") from None
        except requests.RequestException as exc:
            raise FetchError(f"{_shown(url)}: {type(exc).__name__}: {_without_queries(str(exc))}") from None
        except Exception as exc:  # urllib3 protocol errors raised while streaming the body
            if timed_out.is_set():
                raise FetchError(f"{_shown(url)}: no complete response within {deadline:.0f}s") from None
            raise FetchError(f"{_shown(url)}: incomplete response: {type(exc).__name__}: {exc}") from None
        finally:
            watchdog.cancel()
            _active.sockets, _active.filtering = None, False

    def _read(self, response: requests.Response, accept: tuple[str, ...], max_bytes: int,
              timed_out: threading.Event, sink=None, sock: socket.socket | None = None) -> FetchResult:
        url = _shown(response.url)
        status = response.status_code
        host = (urlsplit(url).hostname or "").lower()
        if status in (429, 503):
            wait = retry_after_seconds(response.headers.get("Retry-After"), utcnow())
            wait = min(wait if wait is not None else 300.0, MAX_RETRY_AFTER)
            until = self.gate.cool_down(host, wait, f"HTTP {status}")
            raise RateLimited(f"{url}: HTTP {status}; {host} cooled down until {until.isoformat(timespec='seconds')}",
                              status)
        if status >= 500:
            raise _Retryable(f"{url}: HTTP {status}", status)
        if status >= 400:
            raise FetchError(f"{url}: HTTP {status}", status)
        content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
        if accept and content_type not in accept:
            raise FetchError(f"{url}: content type {content_type or 'none'!r}, expected {' or '.join(accept)}")
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > max_bytes and \
                not response.headers.get("Content-Encoding"):
            raise FetchError(f"{url}: Content-Length {declared} is over the {max_bytes}-byte cap")
        try:  # the socket this response came on (recorded at connect, one per hop)
            ip = sock.getpeername()[0] if sock is not None else None
        except OSError:
            ip = None
        chunks, size = [], 0
        # decode_content: the cap counts decompressed bytes, so a gzip bomb stops at it
        for chunk in response.raw.stream(READ_SIZE, decode_content=True):
            size += len(chunk)
            if size > max_bytes:
                raise FetchError(f"{url}: body larger than the {max_bytes}-byte cap")
            if sink is not None:
                sink.write(chunk)
            else:
                chunks.append(chunk)
        if timed_out.is_set():
            raise FetchError(f"{url}: no complete response within the deadline")
        return FetchResult(response.url, status, content_type, b"".join(chunks), dict(response.headers), ip)

    def _fetch_robots(self, url: str) -> tuple[int | None, bytes]:
        try:
            result = self._once(url, None, (), 500_000, min(self.settings.http_deadline, 20))
            return result.status, result.body
        except RateLimited:
            return None, b""
        except FetchError as exc:  # 4xx: no rules; 5xx, timeouts, network errors: fail closed
            return (exc.status, b"") if exc.status and 400 <= exc.status < 500 else (None, b"")
