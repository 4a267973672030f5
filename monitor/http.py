"""The one fetcher every collector uses, safe to point at hostile URLs.

- http and https only; ports 80, 443 and those configured; no credentials in URLs.
- Host names are resolved and loopback, private, link-local, CGNAT, multicast, reserved and
  metadata addresses refused (IPv4-mapped IPv6 included), on every redirect hop, and the
  connection goes to the checked address: requests-hardened's IP filter adapter does this.
- At most 5 redirects; a total deadline per request enforced by a watchdog that closes the
  connection (a server that drips a byte a second cannot hold a worker); a body cap counted
  after decompression; content types checked per call.
- robots.txt honoured for page fetches (monitor.robots), per-host politeness and cool-downs
  shared across processes (monitor.hostgate), 429/503 Retry-After honoured but capped,
  retries with backoff on connection errors and 5xx.

MONITOR_ALLOW_PRIVATE_NETWORKS=1 turns the address filter off: tests and the demo only.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import ipaddress
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from requests_hardened import Config, HTTPSession

from monitor.hostgate import HostCoolingDown, HostGate
from monitor.robots import RobotsPolicy
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
        when = when.replace(tzinfo=dt.timezone.utc)
    return max(0.0, (when - now).total_seconds())


class _Retryable(FetchError):
    pass


class _ResolveOverrideAdapter(HTTPAdapter):
    """Connect to a fixed address for some host names (like curl --resolve), keeping the URL
    and the Host header: the demo and tests serve 'laoairlines-booking.top' locally. Only
    installed when private networks are allowed, so never in production."""

    def __init__(self, overrides: dict[str, tuple[str, int]]):
        super().__init__()
        self.overrides = overrides

    def build_connection_pool_key_attributes(self, request, verify, cert=None):  # noqa: ANN001,ANN201
        host_params, pool_kwargs = super().build_connection_pool_key_attributes(request, verify, cert)
        host = host_params["host"]
        target = self.overrides.get(host) or (self.overrides.get("*") if not _is_address(host) else None)
        if target:
            request.headers["Host"] = host
            host_params.update(scheme="http", host=target[0], port=target[1])
        return host_params, pool_kwargs


def _is_address(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


class _Unreachable(_Retryable):
    """Connection refused, reset or timed out: retried, then the host is cooled down."""


def _socket_of(response: requests.Response) -> socket.socket | None:
    """The response's socket: http.client moves it from the connection to the response's
    buffered reader once headers are read. Private attributes, so every step may be missing."""
    try:
        return response.raw._fp.fp.raw._sock  # noqa: SLF001
    except AttributeError:
        try:
            return response.raw.connection.sock
        except AttributeError:
            return None


class Fetcher:
    def __init__(self, settings: Settings, *, extra_ports: tuple[int, ...] = (), gate: HostGate | None = None,
                 session_factory=None, retries: int | None = None, backoff: float | None = None,  # noqa: ANN001
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
        self.session.max_redirects = MAX_REDIRECTS
        self.session.hooks["response"].append(self._check_redirect)
        self.robots = RobotsPolicy(self._fetch_robots, settings.user_agent, session_factory)

    # -------------------------------------------------------------- checks

    def check_url(self, url: str) -> None:
        try:
            parts = urlsplit(url)
            port = parts.port
        except ValueError as exc:
            raise FetchError(f"{url}: not a valid URL ({exc})") from None
        if parts.scheme.lower() not in DEFAULT_PORTS:
            raise FetchError(f"{url}: only http and https URLs are fetched")
        if parts.username is not None or parts.password is not None:
            raise FetchError(f"{url}: URLs with credentials are refused")
        if not parts.hostname:
            raise FetchError(f"{url}: no host")
        port = port or DEFAULT_PORTS[parts.scheme.lower()]
        if port not in self.allowed_ports:
            raise FetchError(f"{url}: port {port} is not allowed")

    def _check_redirect(self, response: requests.Response, *args, **kwargs) -> None:  # noqa: ANN002,ANN003
        if response.is_redirect:
            self.check_url(urljoin(response.url, response.headers.get("Location", "")))

    # -------------------------------------------------------------- fetching

    def download(self, url: str, destination, *, accept: tuple[str, ...] = (), max_bytes: int = 500_000_000,  # noqa: ANN001
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
            polite: bool = True, sink=None, headers: dict[str, str] | None = None) -> FetchResult:  # noqa: ANN001
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
              deadline: float, sink=None, extra_headers: dict[str, str] | None = None) -> FetchResult:  # noqa: ANN001
        headers = {"Accept": ", ".join(accept) or "*/*", "Accept-Encoding": "gzip, deflate", **(extra_headers or {})}
        timed_out = threading.Event()
        holder: dict[str, requests.Response] = {}

        def expire() -> None:
            timed_out.set()
            response = holder.get("response")
            if response is None:
                return  # still connecting or waiting for headers: the read timeout covers it
            sock = _socket_of(response)
            try:  # shutdown() unblocks a recv() stuck on a dripping server; close() alone may not
                if sock is not None:
                    sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            response.close()

        watchdog = threading.Timer(deadline, expire)
        watchdog.daemon = True
        watchdog.start()
        try:
            response = self.session.get(url, params=params, stream=True, headers=headers,
                                        timeout=(5, min(self.settings.http_timeout, deadline)))
            holder["response"] = response
            with response:
                return self._read(response, accept, max_bytes, timed_out, sink)
        except FetchError:
            raise
        except requests.TooManyRedirects:
            raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects") from None
        except (requests.ConnectionError, requests.Timeout) as exc:
            if timed_out.is_set():
                raise FetchError(f"{url}: no complete response within {deadline:.0f}s") from None
            if "InvalidIPAddress" in type(exc).__name__ or "Forbidden" in str(exc):
                raise FetchError(f"{url}: {exc}") from None
            raise _Unreachable(f"{url}: {type(exc).__name__}: {exc}") from None
        except requests.RequestException as exc:
            raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from None
        except Exception as exc:  # urllib3 protocol errors raised while streaming the body
            if timed_out.is_set():
                raise FetchError(f"{url}: no complete response within {deadline:.0f}s") from None
            raise FetchError(f"{url}: incomplete response: {type(exc).__name__}: {exc}") from None
        finally:
            watchdog.cancel()

    def _read(self, response: requests.Response, accept: tuple[str, ...], max_bytes: int,
              timed_out: threading.Event, sink=None) -> FetchResult:  # noqa: ANN001
        url = response.url
        status = response.status_code
        host = (urlsplit(url).hostname or "").lower()
        if status in (429, 503):
            wait = retry_after_seconds(response.headers.get("Retry-After"), dt.datetime.now(dt.timezone.utc))
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
        ip = None
        try:
            sock = _socket_of(response)
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
        return FetchResult(url, status, content_type, b"".join(chunks), dict(response.headers), ip)

    def _fetch_robots(self, url: str) -> tuple[int | None, bytes]:
        try:
            result = self._once(url, None, (), 500_000, min(self.settings.http_deadline, 20))
            return result.status, result.body
        except RateLimited:
            return None, b""
        except FetchError as exc:  # 4xx: no rules; 5xx, timeouts, network errors: fail closed
            return (exc.status, b"") if exc.status and 400 <= exc.status < 500 else (None, b"")
