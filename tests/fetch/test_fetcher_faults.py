"""Fault suite for the fetcher: each case against a local server or a patched resolver.
None touches the internet: refused addresses are refused before any connection."""

from __future__ import annotations

import datetime as dt
import gzip
import socket
import threading
import time
import zlib
from email.utils import format_datetime

import pytest
from werkzeug import Response

from monitor.detection.pages import parse_page
from monitor.fetch.http import Fetcher, FetchError, RateLimited, RobotsDisallowed, retry_after_seconds
from monitor.settings import Settings

FAST = dict(host_min_delay=0, http_timeout=1, http_deadline=2)


def _open(**over) -> Settings:
    return Settings(allow_private_networks=True, **{**FAST, **over})


def _fetcher(settings: Settings | None = None, port: int | None = None, **kwargs) -> Fetcher:
    return Fetcher(settings or _open(), retries=0, sleep=lambda s: None, extra_ports=(port,) if port else (), **kwargs)


class RawServer:
    """A TCP server on 127.0.0.1 whose behaviour is a function of the connection."""

    def __init__(self, behaviour):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(8)
        self.behaviour = behaviour
        self.connections = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.sock.getsockname()[1]}/"

    def _serve(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn):
        try:
            conn.recv(65536)
            self.behaviour(conn)
        except OSError:
            pass
        finally:
            try:
                conn.close()
            except OSError:
                pass

    def close(self):
        self.sock.close()


@pytest.fixture
def raw_server():
    servers = []

    def make(behaviour):
        server = RawServer(behaviour)
        servers.append(server)
        return server

    yield make
    for server in servers:
        server.close()


# ---------------------------------------------------------------- addresses

@pytest.mark.parametrize("address", ["127.0.0.1", "10.0.0.1", "169.254.169.254", "::1", "::ffff:127.0.0.1",
                                     "100.64.0.1", "0.0.0.0"])
def test_hosts_resolving_to_private_addresses_are_refused(monkeypatch, address):
    import requests_hardened.ip_filter as ip_filter

    family = socket.AF_INET6 if ":" in address else socket.AF_INET
    resolved = []

    def fake_getaddrinfo(host, port, *args, **kwargs):
        resolved.append(host)
        sockaddr = (address, port or 80, 0, 0) if family == socket.AF_INET6 else (address, port or 80)
        return [(family, socket.SOCK_STREAM, 6, "", sockaddr)]

    monkeypatch.setattr(ip_filter.socket, "getaddrinfo", fake_getaddrinfo)
    connects = []
    monkeypatch.setattr(socket.socket, "connect", lambda *a: connects.append(a) or (_ for _ in ()).throw(AssertionError("connected")))
    fetcher = _fetcher(Settings(**FAST))
    with pytest.raises(FetchError) as info:
        fetcher.get("http://innocent-looking.example/")
    assert resolved == ["innocent-looking.example"] and connects == []
    assert "InvalidIPAddress" in str(info.value) or address.split(":")[-1] in str(info.value)


@pytest.mark.parametrize("url", ["http://2130706433/", "http://0x7f.1/", "http://127.1/", "http://0177.0.0.1/",
                                 "http://[::1]/", "http://[::ffff:7f00:1]/"])
def test_numeric_host_forms_are_refused(url):
    with pytest.raises(FetchError):
        _fetcher(Settings(**FAST)).get(url)


@pytest.mark.parametrize("target", ["http://10.0.0.1/admin", "http://169.254.169.254/latest/meta-data/",
                                    "http://[::ffff:10.0.0.1]/"])
def test_redirect_to_a_private_address_is_refused(httpserver, target):
    httpserver.expect_request("/start").respond_with_response(Response(status=302, headers={"Location": target}))
    # loopback allowed so that the test server can play the public site; the hop is not
    fetcher = _fetcher(Settings(**FAST, extra_ports=(httpserver.port,)), allow_loopback=True)
    with pytest.raises(FetchError):
        fetcher.get(httpserver.url_for("/start"))


def test_connection_goes_to_the_checked_address(monkeypatch, httpserver):
    """The host is resolved once, checked, and connected to by address: a resolver that
    answers differently the second time (DNS rebinding) is never asked again."""
    import requests_hardened.ip_filter as ip_filter

    answers = ["127.0.0.1", "10.0.0.1"]
    asked = []
    real_getaddrinfo = socket.getaddrinfo

    def rebinding(host, port, *args, **kwargs):
        if host != "rebind.example":  # the connection itself, to the pinned address
            return real_getaddrinfo(host, port, *args, **kwargs)
        asked.append(host)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (answers[min(len(asked) - 1, 1)], port))]

    monkeypatch.setattr(ip_filter.socket, "getaddrinfo", rebinding)
    httpserver.expect_request("/").respond_with_data("ok", content_type="text/plain")
    fetcher = _fetcher(Settings(**FAST, extra_ports=(httpserver.port,)), allow_loopback=True)
    result = fetcher.get(f"http://rebind.example:{httpserver.port}/", polite=False)
    assert result.body == b"ok" and asked == ["rebind.example"] and result.ip == "127.0.0.1"


# ---------------------------------------------------------------- URLs, schemes, ports, redirects

@pytest.mark.parametrize("url", ["file:///etc/passwd", "gopher://127.0.0.1:70/_x", "javascript:alert(1)",
                                 "ftp://example.org/", "http://user:pass@example.org/"])
def test_only_plain_http_urls(url):
    with pytest.raises(FetchError, match="only http and https|credentials"):
        _fetcher().get(url)


@pytest.mark.parametrize("location", ["file:///etc/passwd", "gopher://127.0.0.1:70/_x", "javascript:alert(1)"])
def test_redirects_to_other_schemes_are_refused(httpserver, location):
    httpserver.expect_request("/go").respond_with_response(Response(status=301, headers={"Location": location}))
    with pytest.raises(FetchError, match="only http and https"):
        _fetcher(_open(extra_ports=(httpserver.port,))).get(httpserver.url_for("/go"))


def test_forbidden_port():
    with pytest.raises(FetchError, match="port 8080 is not allowed"):
        _fetcher(Settings(**FAST)).get("http://example.org:8080/")
    with pytest.raises(FetchError, match="port 22 is not allowed"):
        _fetcher(_open()).get("http://127.0.0.1:22/")


def test_redirect_loop_and_limit(httpserver):
    httpserver.expect_request("/a").respond_with_response(Response(status=302, headers={"Location": "/b"}))
    httpserver.expect_request("/b").respond_with_response(Response(status=302, headers={"Location": "/a"}))
    with pytest.raises(FetchError, match="more than 5 redirects"):
        _fetcher(_open(extra_ports=(httpserver.port,))).get(httpserver.url_for("/a"))


# ---------------------------------------------------------------- slow, huge and broken responses

def test_server_that_never_answers(raw_server):
    # The server holds the connection far longer than the read timeout: a fetch that did not
    # time out would end on the server's close instead, with another error.
    released = threading.Event()
    server = raw_server(lambda conn: released.wait(60))
    try:
        with pytest.raises(FetchError, match=r"[Tt]imed out|deadline"):
            _fetcher(_open(extra_ports=(int(server.url.split(":")[2][:-1]),))).get(server.url)
    finally:
        released.set()


def test_server_that_drips_a_byte_a_second(raw_server):
    def drip(conn):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n")
        for _ in range(30):
            conn.sendall(b"x")
            time.sleep(0.5)

    server = raw_server(drip)
    started = time.monotonic()
    with pytest.raises(FetchError, match="within"):
        _fetcher(_open(http_timeout=5, extra_ports=(int(server.url.split(":")[2][:-1]),))).get(server.url)
    assert time.monotonic() - started < 5


def test_huge_content_length_is_refused_before_reading(raw_server):
    def huge(conn):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 10737418240\r\n\r\n" + b"x" * 1000)

    server = raw_server(huge)
    with pytest.raises(FetchError, match="Content-Length 10737418240 is over"):
        _fetcher(_open(extra_ports=(int(server.url.split(":")[2][:-1]),))).get(server.url, max_bytes=1_000_000)


def test_endless_chunked_body_stops_at_the_cap(raw_server):
    def endless(conn):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n")
        chunk = b"4000\r\n" + b"y" * 0x4000 + b"\r\n"
        for _ in range(10_000):
            conn.sendall(chunk)

    server = raw_server(endless)
    with pytest.raises(FetchError, match="larger than the 1000000-byte cap"):
        _fetcher(_open(extra_ports=(int(server.url.split(":")[2][:-1]),))).get(server.url, max_bytes=1_000_000)


def test_gzip_bomb_stops_at_the_cap(httpserver):
    bomb = gzip.compress(b"\0" * 200_000_000, compresslevel=9)
    assert len(bomb) < 300_000
    httpserver.expect_request("/bomb").respond_with_response(
        Response(bomb, headers={"Content-Encoding": "gzip", "Content-Type": "text/html"}))
    with pytest.raises(FetchError, match="larger than the 5000000-byte cap"):
        _fetcher(_open(extra_ports=(httpserver.port,))).get(httpserver.url_for("/bomb"), max_bytes=5_000_000)


def test_deflate_body_is_decoded(httpserver):
    httpserver.expect_request("/d").respond_with_response(
        Response(zlib.compress(b"<title>ok</title>"), headers={"Content-Encoding": "deflate", "Content-Type": "text/html"}))
    assert _fetcher(_open(), port=httpserver.port).get(httpserver.url_for("/d")).body == b"<title>ok</title>"


def test_truncated_body_is_an_error_not_a_partial_page(raw_server):
    def truncated(conn):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5000\r\n\r\n<html><title>half")

    server = raw_server(truncated)
    with pytest.raises(FetchError, match="incomplete response"):
        _fetcher(_open(extra_ports=(int(server.url.split(":")[2][:-1]),))).get(server.url)


def test_reset_connection_is_an_error(raw_server):
    import struct

    def reset(conn):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 5000\r\n\r\n<html>")
        conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))  # RST on close

    server = raw_server(reset)
    with pytest.raises(FetchError):
        _fetcher(_open(extra_ports=(int(server.url.split(":")[2][:-1]),))).get(server.url)


def test_wrong_content_type(httpserver):
    httpserver.expect_request("/x").respond_with_data(b"\x7fELF", content_type="application/octet-stream")
    with pytest.raises(FetchError, match="content type 'application/octet-stream', expected text/html"):
        _fetcher(_open(), port=httpserver.port).get(httpserver.url_for("/x"), accept=("text/html",))


def test_charset_declared_only_in_a_meta_tag(httpserver):
    page = '<html><head><meta charset="windows-1252"><title>Caf\xe9 Lao Airlines</title></head><body>Pr\xeat</body></html>'
    httpserver.expect_request("/p").respond_with_data(page.encode("windows-1252"), content_type="text/html")
    result = _fetcher(_open(), port=httpserver.port).get(httpserver.url_for("/p"), accept=("text/html",))
    info = parse_page(result.body, result.url)
    assert info.title == "Café Lao Airlines" and "Prêt" in info.text


def test_deeply_nested_and_huge_html():
    nested = b"<html><head><title>Deep</title></head><body>" + b"<div>" * 100_000 + b"x" + b"</div>" * 100_000 + b"</body></html>"
    started = time.monotonic()
    info = parse_page(nested, "https://deep.example/")
    assert info.title == "Deep" and time.monotonic() - started < 20
    huge = b"<html><title>Big</title><body>" + b"<p>lorem ipsum</p>" * 200_000 + b"</body></html>"
    assert len(parse_page(huge, "https://big.example/").text) <= 2000


# ---------------------------------------------------------------- 429 and Retry-After

def test_retry_after_forms():
    now = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
    assert retry_after_seconds("120", now) == 120
    assert retry_after_seconds(format_datetime(now + dt.timedelta(minutes=10), usegmt=True), now) == 600
    assert retry_after_seconds("soon", now) is None


@pytest.mark.parametrize("retry_after,expected", [("120", 120), ("86400", 3600), ("date", 900)])
def test_429_cools_the_host_down_and_skips_it(httpserver, retry_after, expected):
    if retry_after == "date":
        retry_after = format_datetime(dt.datetime.now(dt.UTC) + dt.timedelta(seconds=900), usegmt=True)
    httpserver.expect_request("/limited").respond_with_response(
        Response("slow down", status=429, headers={"Retry-After": retry_after}))
    fetcher = _fetcher(_open(), port=httpserver.port)
    with pytest.raises(RateLimited):
        fetcher.get(httpserver.url_for("/limited"))
    _, until, _ = fetcher.gate._memory[f"http://127.0.0.1:{httpserver.port}"]  # keyed by origin
    assert abs((until - dt.datetime.now(dt.UTC)).total_seconds() - expected) < 5
    served = len(httpserver.log)
    with pytest.raises(RateLimited, match="cooling down"):
        fetcher.get(httpserver.url_for("/other"))
    assert len(httpserver.log) == served  # skipped, not fetched and not slept on


def test_cool_down_is_shared_through_the_database(httpserver, session_factory):
    from monitor.fetch.hostgate import HostGate

    httpserver.expect_request("/limited").respond_with_response(Response(status=503, headers={"Retry-After": "60"}))
    first = Fetcher(_open(), retries=0, session_factory=session_factory, extra_ports=(httpserver.port,))
    with pytest.raises(RateLimited):
        first.get(httpserver.url_for("/limited"))
    other_process = Fetcher(_open(), retries=0, gate=HostGate(session_factory, min_delay=0),
                            extra_ports=(httpserver.port,))
    with pytest.raises(RateLimited, match="cooling down"):
        other_process.get(httpserver.url_for("/limited"))


def test_min_delay_between_fetches_of_one_host(httpserver):
    from monitor.fetch.hostgate import HostGate

    slept = []
    gate = HostGate(min_delay=2.0, sleep=slept.append)
    httpserver.expect_request("/").respond_with_data("ok")
    fetcher = Fetcher(_open(), retries=0, gate=gate, extra_ports=(httpserver.port,))
    fetcher.get(httpserver.url_for("/"))
    fetcher.get(httpserver.url_for("/"))
    assert len(slept) == 1 and 1.5 < slept[0] <= 2.0


def test_5xx_is_retried_with_backoff(httpserver):
    calls = []

    def flaky(request):
        calls.append(1)
        return Response("boom", status=502) if len(calls) < 3 else Response("ok", content_type="text/plain")

    httpserver.expect_request("/f").respond_with_handler(flaky)
    slept = []
    fetcher = Fetcher(_open(), retries=2, backoff=0.5, sleep=slept.append, extra_ports=(httpserver.port,))
    assert fetcher.get(httpserver.url_for("/f")).body == b"ok"
    assert slept == [0.5, 1.0]


# ---------------------------------------------------------------- robots.txt

@pytest.mark.parametrize("robots,allowed", [("404", True), ("500", False), ("timeout", False),
                                            ("disallow", False), ("allow-other", True)])
def test_robots_txt(httpserver, robots, allowed):
    if robots == "404":
        httpserver.expect_request("/robots.txt").respond_with_data("nope", status=404)
    elif robots == "500":
        httpserver.expect_request("/robots.txt").respond_with_data("down", status=500)
    elif robots == "timeout":
        httpserver.expect_request("/robots.txt").respond_with_handler(lambda r: time.sleep(3) or Response("x"))
    elif robots == "disallow":
        httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /page\n")
    else:
        httpserver.expect_request("/robots.txt").respond_with_data("User-agent: googlebot\nDisallow: /\n")
    httpserver.expect_request("/page").respond_with_data("<title>x</title>", content_type="text/html")
    fetcher = _fetcher(_open(), port=httpserver.port)
    if allowed:
        assert fetcher.get(httpserver.url_for("/page"), robots=True).status == 200
    else:
        with pytest.raises(RobotsDisallowed):
            fetcher.get(httpserver.url_for("/page"), robots=True)
    # cached: robots.txt is asked once
    robots_requests = sum(1 for request, _ in httpserver.log if request.path == "/robots.txt")
    with pytest.raises(Exception) if not allowed else _nullcontext():
        fetcher.get(httpserver.url_for("/page"), robots=True)
    assert sum(1 for request, _ in httpserver.log if request.path == "/robots.txt") == robots_requests


class _nullcontext:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


# ---------------------------------------------------------------- review follow-ups

@pytest.mark.parametrize("address", ["::7f00:1", "::ffff:0:7f00:1", "fec0::1", "::ffff:10.0.0.1", "2002:7f00:1::1",
                                     "100.64.1.1", "240.0.0.1", "0.0.0.0", "::", "169.254.169.254", "fd00::1"])
def test_forbidden_address_forms(address):
    from monitor.fetch.http import forbidden_address

    assert forbidden_address(address)


@pytest.mark.parametrize("address", ["93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "1.1.1.1"])
def test_public_addresses_pass(address):
    from monitor.fetch.http import forbidden_address

    assert not forbidden_address(address)


def test_redirect_bodies_are_not_read(raw_server):
    def redirect_with_endless_body(conn):
        conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: /final\r\nTransfer-Encoding: chunked\r\n\r\n")
        for _ in range(100_000):
            conn.sendall(b"4000\r\n" + b"z" * 0x4000 + b"\r\n")

    server = raw_server(redirect_with_endless_body)
    started = time.monotonic()
    with pytest.raises(FetchError):
        _fetcher(_open(extra_ports=(int(server.url.split(":")[2][:-1]),))).get(server.url, max_bytes=1000)
    assert time.monotonic() - started < 4


def test_headers_dripped_a_byte_at_a_time_hit_the_deadline(raw_server):
    def drip_headers(conn):
        for byte in b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 100:
            conn.sendall(bytes([byte]))
            time.sleep(0.3)

    server = raw_server(drip_headers)
    started = time.monotonic()
    with pytest.raises(FetchError, match="within"):
        _fetcher(_open(http_timeout=5, extra_ports=(int(server.url.split(":")[2][:-1]),))).get(server.url)
    assert time.monotonic() - started < 4


def test_api_keys_stay_out_of_error_messages(httpserver):
    httpserver.expect_request("/customsearch/v1").respond_with_data("forbidden", status=403)
    with pytest.raises(FetchError) as info:
        _fetcher(_open(), port=httpserver.port).get(httpserver.url_for("/customsearch/v1"),
                                                     params={"q": "x", "key": "AIzaSECRET"})
    assert "AIzaSECRET" not in str(info.value) and "HTTP 403" in str(info.value)


def test_custom_headers_are_not_forwarded_to_another_host(httpserver):
    seen = {}

    def final(request):
        seen.update(request.headers)
        return Response("ok", content_type="text/plain")

    httpserver.expect_request("/go").respond_with_response(
        Response(status=302, headers={"Location": f"http://localhost:{httpserver.port}/final"}))
    httpserver.expect_request("/final").respond_with_handler(final)
    result = _fetcher(_open(), port=httpserver.port).get(httpserver.url_for("/go"),
                                                         headers={"X-Subscription-Token": "secret"})
    assert result.body == b"ok" and "X-Subscription-Token" not in seen


def test_new_host_from_many_workers_at_once(session_factory):
    """Workers meeting a host for the first time together: no duplicate-row failure."""
    import threading

    from monitor.fetch.hostgate import HostGate

    errors = []

    def worker():
        gate = HostGate(session_factory, min_delay=0)
        try:
            for n in range(20):
                gate.acquire(f"host{n}.example")
        except Exception as exc:  # noqa: BLE001 - the thread hands any error to the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
