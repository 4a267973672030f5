"""The one fetcher every collector uses, safe to point at hostile URLs.

- http and https only; ports 80, 443 and those configured; no credentials in URLs.
- Host names are resolved and loopback, private, link-local, CGNAT, multicast, reserved and
  metadata addresses refused (IPv4-mapped IPv6 included), on every redirect hop, and the
  connection goes to the checked address: requests-hardened's IP filter adapter does this.
- At most 5 redirects; a total deadline per request enforced by a watchdog that closes the
  connection (a server that drips a byte a second cannot hold a worker); a body cap counted
  after decompression; content types checked per call.
- robots.txt honoured for page fetches (monitor.fetch.robots), per-host politeness and
  per-origin cool-downs shared across processes (monitor.fetch.hostgate), 429/503 Retry-After
  honoured but capped, retries with backoff on connection errors and 5xx.

Every fetch is untrusted unless its caller says otherwise: `trust_configured=True` is an
explicit opt-in, given only where the URL is built from the operator's configuration (each
source's base URL, the RDAP bootstrap), so that a new call made with a URL from data (a
result, a page, an RDAP link) cannot forget to be filtered. A trusted request whose origin
(scheme, host, port) is exactly a configured one may use any port and reach a private address
(SearXNG inside the compose network), on redirects too as long as the chain started there and
stays there. Everything else stays filtered, whatever origin it names.

Credentials and secret query parameters are masked in every error message and log line.

MONITOR_ALLOW_PRIVATE_NETWORKS=1 turns the address filter off: tests and the demo only.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import logging
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests_hardened import Config, HTTPSession
from requests_hardened.ip_filter import InvalidIPAddress
from requests_hardened.ip_filter_adapter import IPFilterAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool

if TYPE_CHECKING:
    from requests.adapters import _HostParams, _PoolKwargs  # the stubs' names for what requests returns
    from sqlalchemy.orm import Session, sessionmaker

from monitor.clock import utcnow
from monitor.detection.domains import is_address
from monitor.fetch.hostgate import HostCoolingDown, HostGate
from monitor.fetch.policy import (
    DEFAULT_PORTS,
    MalformedURL,
    forbidden_address,
    host_of,
    is_loopback,
    origin,
    origin_key,
    parse_address,
    redact,
    trusted_origins,
)
from monitor.fetch.robots import RobotsPolicy
from monitor.settings import Settings

__all__ = ["DEFAULT_PORTS", "HTML_TYPES", "DeadlineExceeded", "FetchError", "FetchResult", "Fetcher", "RateLimited",
           "RobotsDisallowed", "forbidden_address", "redact", "retry_after_seconds"]

log = logging.getLogger(__name__)

MAX_REDIRECTS = 5
HTML_TYPES = ("text/html", "application/xhtml+xml")
MAX_RETRY_AFTER = 3600.0  # a host may ask us to wait, but not for a day
UNREACHABLE_COOLDOWN = 120.0  # after retries against a host that does not answer (or hit the deadline)
READ_SIZE = 16 * 1024


class FetchError(Exception):
    """A fetch that did not produce a complete, acceptable response."""

    def __init__(self, message: str, status: int | None = None):
        super().__init__(redact(message))  # whoever builds the message, no credential leaves in it
        self.status = status


class RateLimited(FetchError):
    """The host answered 429/503; it is cooled down and skipped until the time given."""


class RobotsDisallowed(FetchError):
    pass


class DeadlineExceeded(FetchError):
    """No complete response within the deadline: the host is cooled down like an unreachable one."""


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


class _TrackedConnectionMixin(HTTPConnection):
    """Mixed in before HTTPConnection or HTTPSConnection (itself an HTTPConnection)."""

    check_addresses = True

    def connect(self) -> None:
        super().connect()
        registry = getattr(_active, "sockets", None)
        if registry is not None:
            registry.append(self.sock)
        if getattr(_active, "filtering", False):  # a second check, after connecting (defence in depth)
            peer = self.sock.getpeername()[0]
            if forbidden_address(peer):
                self.sock.close()
                raise FetchError(f"connection to a forbidden address {peer} refused")


class _PolicyAdapter(IPFilterAdapter):
    """requests-hardened's adapter (resolve once, check, connect to the checked address, Host
    header and SNI kept), with the project's address policy added before the connection is
    made: the library's own list misses IPv4-compatible (::a.b.c.d), IPv4-translated and
    site-local IPv6 forms. A request to a trusted (operator-configured) origin is not
    filtered: it is connected to like a plain requests adapter would."""

    def build_connection_pool_key_attributes(
            self, request: requests.PreparedRequest, verify: bool | str, cert: str | tuple[str, str] | None = None,
    ) -> tuple[_HostParams, _PoolKwargs]:
        if getattr(_active, "trusted", False):
            return HTTPAdapter.build_connection_pool_key_attributes(self, request, verify, cert)
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        address = host_params["host"].strip("[]")
        if forbidden_address(address) and not (self._allow_loopback and is_loopback(address)):
            log.warning("forbidden address %s for %s refused before connecting", address, redact(request.url or ""))
            raise InvalidIPAddress(address)
        return host_params, pool_kwargs


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


def _shown(url: str) -> str:
    """A URL for messages and logs: credentials and secret parameters masked. Never raises."""
    return redact(url)


class _RedactingFilter(logging.Filter):
    """urllib3 logs each request line (path and query) at DEBUG: mask what may be a secret."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.msg, record.args = redact(record.getMessage()), ()
        else:
            record.msg = redact(str(record.msg))
        return True


for _name in ("urllib3.connectionpool", "urllib3.connection", "requests_hardened.ip_filter", __name__):
    if not any(isinstance(f, _RedactingFilter) for f in logging.getLogger(_name).filters):
        logging.getLogger(_name).addFilter(_RedactingFilter())


class _ResolveOverrideAdapter(HTTPAdapter):
    """Connect to a fixed address for some host names (like curl --resolve), keeping the URL
    and the Host header: the demo and tests serve 'laoairlines-booking.top' locally. Only
    installed when private networks are allowed, so never in production."""

    def __init__(self, overrides: dict[str, tuple[str, int]]):
        super().__init__()
        self.overrides = overrides

    def build_connection_pool_key_attributes(
            self, request: requests.PreparedRequest, verify: bool | str, cert: str | tuple[str, str] | None = None,
    ) -> tuple[_HostParams, _PoolKwargs]:
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        host = host_params["host"]
        target = self.overrides.get(host) or (self.overrides.get("*") if not is_address(host) else None)
        if target:
            request.headers["Host"] = host
            host_params["scheme"], host_params["host"], host_params["port"] = "http", target[0], target[1]
        return host_params, pool_kwargs


class _Unreachable(_Retryable):
    """Connection refused, reset or timed out: retried, then the host is cooled down."""


class Fetcher:
    def __init__(self, settings: Settings, *, extra_ports: tuple[int, ...] = (), gate: HostGate | None = None,
                 session_factory: sessionmaker[Session] | None = None, retries: int | None = None,
                 backoff: float | None = None, sleep: Callable[[float], None] = time.sleep,
                 allow_loopback: bool = False) -> None:
        """allow_loopback lets tests reach a server on 127.0.0.1 while everything else stays
        filtered (used to show that a redirect to a private address is refused)."""
        self.settings = settings
        self.allowed_ports = {80, 443, *settings.extra_ports, *extra_ports}
        # The operator's own endpoints: exactly these (scheme, host, port) are trusted.
        self.trusted = trusted_origins([*settings.source_urls.values(), settings.rdap_bootstrap_url])
        self.session_factory = session_factory  # shared state: politeness, robots.txt, feed validators
        self.gate = gate or HostGate(session_factory, min_delay=settings.host_min_delay, sleep=sleep)
        self.retries = settings.http_retries if retries is None else retries
        self.backoff = settings.http_backoff if backoff is None else backoff
        self.sleep = sleep
        filtering = not settings.allow_private_networks
        config = Config(ip_filter_enable=False, ip_filter_allow_loopback_ips=False, never_redirect=False, default_timeout=(5, settings.http_timeout),
                        user_agent_override=settings.user_agent)
        self.session = HTTPSession(config)
        if filtering:
            self.session.mount("http://", _PolicyAdapter(is_https_proto=False, allow_loopback=allow_loopback))
            self.session.mount("https://", _PolicyAdapter(is_https_proto=True, allow_loopback=allow_loopback))
        elif settings.resolve_overrides:
            adapter = _ResolveOverrideAdapter(settings.resolve_overrides)
            self.session.mount("http://", adapter)
            self.session.mount("https://", adapter)
        for mounted in self.session.adapters.values():
            if not isinstance(mounted, HTTPAdapter):  # requests' defaults and the two above all are
                raise TypeError(f"cannot track the sockets of a {type(mounted).__name__}")
            _track(mounted)
        self.filtering = filtering
        self.allow_loopback = allow_loopback
        self.robots = RobotsPolicy(self._fetch_robots, settings.user_agent, session_factory)

    # -------------------------------------------------------------- checks

    def is_trusted(self, url: str) -> bool:
        """Whether the URL's origin is exactly one the operator configured."""
        return origin(url) in self.trusted

    def check_url(self, url: str, *, may_trust: bool = False) -> None:
        """Everything that can be refused before any connection: scheme, credentials, a
        malformed host, the port, and a host that is a forbidden address literal. Only with
        may_trust=True (a URL built from configuration) does a configured origin get its
        exception."""
        try:
            parts = urlsplit(url)
            host = host_of(url)
        except (ValueError, MalformedURL) as exc:
            raise FetchError(f"{_shown(url)}: not a valid URL ({exc})") from None
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS:
            raise FetchError(f"{_shown(url)}: only http and https URLs are fetched")
        if parts.username is not None or parts.password is not None:
            raise FetchError(f"{_shown(url)}: URLs with credentials are refused")
        if not host:
            raise FetchError(f"{_shown(url)}: no host")
        if may_trust and self.is_trusted(url):
            return  # the operator's endpoint: its port and address are configuration
        port = parts.port or DEFAULT_PORTS[scheme]
        if port not in self.allowed_ports:
            raise FetchError(f"{_shown(url)}: port {port} is not allowed")
        if self.filtering and parse_address(host) is not None and forbidden_address(host) \
                and not (self.allow_loopback and is_loopback(host)):
            raise FetchError(f"{_shown(url)}: forbidden address {host}")

    # -------------------------------------------------------------- fetching

    def download(self, url: str, destination: Path, *, accept: tuple[str, ...] = (), max_bytes: int = 500_000_000,
                 deadline_seconds: float | None = None, headers: dict[str, str] | None = None,
                 trust_configured: bool = False) -> FetchResult:
        """Like get, but the body goes to a file as it arrives (bounded memory for large
        lists); the result's body is empty. A failed download leaves no file behind."""
        with open(destination, "wb") as sink:
            try:
                return self.get(url, accept=accept, max_bytes=max_bytes, deadline_seconds=deadline_seconds,
                                sink=sink, headers=headers, trust_configured=trust_configured)
            except BaseException:
                sink.close()
                destination.unlink(missing_ok=True)
                raise

    def get(self, url: str, *, params: dict[str, str] | None = None, accept: tuple[str, ...] = (),
            max_bytes: int = 5_000_000, deadline_seconds: float | None = None, robots: bool = False,
            polite: bool = True, sink: BinaryIO | None = None, headers: dict[str, str] | None = None,
            trust_configured: bool = False) -> FetchResult:
        """GET a URL. Raises FetchError unless the whole body arrives within the deadline,
        under the size cap, with an acceptable content type and a 2xx status. A deadline
        given by the caller covers the robots.txt check too (the browser's capture relies on it).
        trust_configured=True: the URL is built from the operator's configuration (a source's
        base URL, the RDAP bootstrap), so its configured origin is trusted. Never pass it for a
        URL that comes from data, even one on a configured origin."""
        self.check_url(url, may_trust=trust_configured)
        if robots:
            started = time.monotonic()
            # robots.txt is fetched with the trust of the page it guards, no more
            _active.robots_deadline, _active.robots_trusted = deadline_seconds, trust_configured
            try:
                allowed = self.robots.allowed(url)
            finally:
                _active.robots_deadline, _active.robots_trusted = None, False
            if not allowed:
                raise RobotsDisallowed(f"{_shown(url)}: disallowed by robots.txt (or robots.txt unavailable)")
            if deadline_seconds is not None:
                deadline_seconds = max(1.0, deadline_seconds - (time.monotonic() - started))
        host, key = host_of(url), origin_key(url)
        attempt = 0
        while True:
            if polite:
                try:
                    self.gate.acquire(host, key)
                except HostCoolingDown as exc:
                    raise RateLimited(str(exc)) from None
            try:
                if sink is not None:
                    sink.seek(0)
                    sink.truncate()
                return self._once(url, params, accept, max_bytes, deadline_seconds or self.settings.http_deadline, sink,
                                  headers, may_trust=trust_configured)
            except DeadlineExceeded:
                # A host that drips its answer would hold every later request for the whole
                # deadline too: skip it for a while, like one that does not answer.
                if polite:
                    self._cool_down(key, "no complete response within the deadline")
                raise
            except _Retryable as exc:
                attempt += 1
                if attempt > self.retries:
                    if isinstance(exc, _Unreachable) and polite:
                        # Later requests to this origin fail fast instead of each waiting out
                        # retries; another port of the same host is another server, not cooled.
                        self._cool_down(key, "unreachable")
                    raise FetchError(str(exc), exc.status) from None
                self.sleep(self.backoff * 2 ** (attempt - 1))

    def _cool_down(self, key: str, reason: str) -> None:
        until = self.gate.cool_down(key, UNREACHABLE_COOLDOWN, reason)
        log.warning("%s cooled down until %s: %s", key, until.isoformat(timespec="seconds"), reason)

    def _once(self, url: str, params: dict[str, str] | None, accept: tuple[str, ...], max_bytes: int,
              deadline: float, sink: BinaryIO | None = None, extra_headers: dict[str, str] | None = None, *,
              may_trust: bool = False) -> FetchResult:
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
        _active.sockets = sockets
        watchdog.start()
        current, origin_host = url, host_of(url)
        # Trust holds only for a chain that starts at a configured origin and stays on one: a
        # scraped page that redirects to the internal SearXNG gets no trust.
        chain_trusted = may_trust and self.is_trusted(url)
        try:
            for _hop in range(MAX_REDIRECTS + 1):
                if host_of(current) != origin_host:
                    headers = {k: v for k, v in headers.items() if k in ("Accept", "Accept-Encoding", "Connection")}
                # Trust is decided hop by hop: a redirect that leaves the configured origin is
                # filtered like any scraped URL.
                trusted = chain_trusted and self.is_trusted(current)
                _active.trusted = trusted
                _active.filtering = self.filtering and not self.allow_loopback and not trusted
                # Straight to the transport adapter: Session.send would read a redirect's whole
                # body (to compute the next hop) with no cap, even with allow_redirects=False.
                prepared = self.session.prepare_request(requests.Request(
                    "GET", current, params=params if current == url else None, headers=headers))
                if prepared.url is None:  # prepare_request always sets it
                    raise FetchError(f"{_shown(url)}: no URL to send")
                response = self.session.get_adapter(prepared.url).send(
                    prepared, stream=True, timeout=(5, min(self.settings.http_timeout, deadline)), verify=True,
                    proxies={})
                with response:
                    if response.is_redirect:
                        location = response.headers.get("Location", "")
                        try:
                            target = urljoin(response.url, location)
                        except ValueError:
                            raise FetchError(f"{_shown(url)}: redirect to a malformed URL {location!r}") from None
                        # scheme, credentials, host, port and address of every hop
                        self.check_url(target, may_trust=chain_trusted)
                        current = target
                        continue
                    return self._read(response, accept, max_bytes, timed_out, sink, sockets[-1] if sockets else None)
            raise FetchError(f"{_shown(url)}: more than {MAX_REDIRECTS} redirects")
        except FetchError:
            raise
        except (requests.ConnectionError, requests.Timeout) as exc:
            if timed_out.is_set():
                raise DeadlineExceeded(f"{_shown(url)}: no complete response within {deadline:.0f}s") from None
            if isinstance(exc.__context__, FetchError):
                raise FetchError(f"{_shown(url)}: {exc.__context__}") from None
            if "InvalidIPAddress" in repr(exc) or "Forbidden" in str(exc):
                raise FetchError(f"{_shown(url)}: forbidden address: {exc}") from None
            raise _Unreachable(f"{_shown(url)}: {type(exc).__name__}: {str(exc)}") from None
        except requests.RequestException as exc:
            if isinstance(exc, InvalidIPAddress):
                raise FetchError(f"{_shown(url)}: forbidden address {exc}") from None
            raise FetchError(f"{_shown(url)}: {type(exc).__name__}: {str(exc)}") from None
        except Exception as exc:  # noqa: BLE001 - urllib3 protocol errors raised while streaming the body
            if timed_out.is_set():
                raise DeadlineExceeded(f"{_shown(url)}: no complete response within {deadline:.0f}s") from None
            raise FetchError(f"{_shown(url)}: incomplete response: {type(exc).__name__}: {exc}") from None
        finally:
            watchdog.cancel()
            _active.sockets, _active.filtering, _active.trusted = None, False, False

    def _read(self, response: requests.Response, accept: tuple[str, ...], max_bytes: int,
              timed_out: threading.Event, sink: BinaryIO | None = None, sock: socket.socket | None = None) -> FetchResult:
        url = _shown(response.url)
        status = response.status_code
        if status in (429, 503):
            wait = retry_after_seconds(response.headers.get("Retry-After"), utcnow())
            wait = min(wait if wait is not None else 300.0, MAX_RETRY_AFTER)
            key = origin_key(response.url)  # the server (origin) that asked, not every port of its host
            until = self.gate.cool_down(key, wait, f"HTTP {status}")
            raise RateLimited(f"{url}: HTTP {status}; {key} cooled down until {until.isoformat(timespec='seconds')}",
                              status)
        if status >= 500:
            raise _Retryable(f"{url}: HTTP {status}", status)
        if status >= 400:
            raise FetchError(f"{url}: HTTP {status}", status)
        if status == 304:  # Not Modified: only ever the answer to a conditional GET of ours
            return FetchResult(response.url, status, "", b"", dict(response.headers), None)
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
        chunks: list[bytes] = []
        size = 0
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
            raise DeadlineExceeded(f"{url}: no complete response within the deadline")
        return FetchResult(response.url, status, content_type, b"".join(chunks), dict(response.headers), ip)

    def _fetch_robots(self, url: str) -> tuple[int | None, bytes]:
        deadline = min(self.settings.http_deadline, 20, getattr(_active, "robots_deadline", None) or 20)
        try:
            result = self._once(url, None, (), 500_000, deadline,
                                may_trust=getattr(_active, "robots_trusted", False))
            return result.status, result.body
        except RateLimited:
            return None, b""
        except FetchError as exc:  # 4xx: no rules; 5xx, timeouts, network errors: fail closed
            return (exc.status, b"") if exc.status and 400 <= exc.status < 500 else (None, b"")
