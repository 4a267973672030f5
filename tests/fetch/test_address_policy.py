"""Issue #11 items 15, 16 and 21: every IPv6 form that embeds an IPv4 address, and every
special IPv6 range, is refused before any connect (as a source URL, as a host name's answer
and as a redirect); a malformed host is a FetchError; robots.txt is fetched for IPv6-literal
hosts; credentials and secret parameters are masked in errors and log lines.

No test here sends a packet off loopback: socket.connect is replaced by one that refuses
(and records) every destination but the local test server."""

from __future__ import annotations

import http.server
import logging
import socket
import threading

import pytest
from werkzeug import Response

from monitor.fetch.http import Fetcher, FetchError, RobotsDisallowed
from monitor.fetch.policy import embedded_ipv4, forbidden_address, host_of, parse_address, redact
from monitor.fetch.robots import origin_of
from monitor.settings import Settings

FAST = dict(host_min_delay=0, http_timeout=1, http_deadline=2)

# The forms from the bypass-payload run that reached connect() before this change, and the
# other embeddings the issue names.
IPV6_FORMS = [
    "::127.0.0.1", "::7f00:1", "::a9fe:a9fe", "::ffff:0:127.0.0.1", "::ffff:0:7f00:1", "fec0::1", "fec0::a9fe:a9fe",
    "::ffff:127.0.0.1", "64:ff9b::7f00:1", "64:ff9b::a9fe:a9fe", "64:ff9b:1::a00:1", "2002:7f00:1::1",
    "2002:a9fe:a9fe::1", "2001:0:4136:e378:8000:63bf:80ff:fffe", "::10.0.0.1", "::169.254.169.254",
]


class ConnectSpy:
    """socket.connect, allowed only to the given local (host, port) pairs; every other
    destination is recorded and refused without a packet sent."""

    def __init__(self, monkeypatch, allowed=()):
        self.allowed = set(allowed)
        self.refused: list = []
        real = socket.socket.connect
        spy = self

        def connect(sock, address):
            if (address[0], address[1]) in spy.allowed:
                return real(sock, address)
            spy.refused.append(address)
            raise ConnectionRefusedError(f"test: no connection to {address} allowed")

        monkeypatch.setattr(socket.socket, "connect", connect)
        monkeypatch.setattr(socket.socket, "connect_ex", lambda sock, address: spy.refused.append(address) or 111)


def _fetcher(settings: Settings, **kwargs) -> Fetcher:
    return Fetcher(settings, retries=0, sleep=lambda s: None, **kwargs)


# ---------------------------------------------------------------- pure policy

@pytest.mark.parametrize("address", IPV6_FORMS + ["2002:808:808::1", "64:ff9b::808:808", "3fff::1", "5f00::1",
                                                  "2001:db8::1", "fe80::1%eth0", "not-an-address"])
def test_every_embedding_and_special_range_is_forbidden(address):
    assert forbidden_address(address)


@pytest.mark.parametrize("address", ["2606:4700:4700::1111", "2a00:1450:4001:82b::200e", "8.8.8.8"])
def test_public_addresses_are_not(address):
    assert not forbidden_address(address)


@pytest.mark.parametrize("address,expected", [
    ("::127.0.0.1", ["127.0.0.1"]), ("::ffff:0:a9fe:a9fe", ["169.254.169.254"]), ("64:ff9b::a00:1", ["10.0.0.1"]),
    ("2002:a9fe:a9fe::1", ["169.254.169.254"]),
    # Teredo: server 65.54.227.120, client 192.0.2.45 stored inverted
    ("2001:0:4136:e378:8000:63bf:3fff:fdd2", ["65.54.227.120", "192.0.2.45"]),
])
def test_the_embedded_ipv4_is_extracted(address, expected):
    assert [str(v4) for v4 in embedded_ipv4(parse_address(address))] == expected


@pytest.mark.parametrize("url", ["http://[spoofed.x]/", "http://[v1.x]/", "http://[\u2460\u2461\u2466.0.0.1]/",
                                 "http://[::1%25eth0]/", "http://exa mple.org/", "http://[::1]:port/"])
def test_malformed_hosts(url):
    with pytest.raises(ValueError):
        host_of(url)


# ---------------------------------------------------------------- item 15: no connect for any form

@pytest.mark.parametrize("address", IPV6_FORMS)
def test_ipv6_literal_source_url_is_refused_before_connecting(monkeypatch, address):
    spy = ConnectSpy(monkeypatch)
    with pytest.raises(FetchError, match="forbidden address"):
        _fetcher(Settings(**FAST)).get(f"http://[{address}]/", polite=False)
    assert spy.refused == []


@pytest.mark.parametrize("address", IPV6_FORMS)
def test_host_name_answering_an_ipv6_form_is_refused_before_connecting(monkeypatch, address):
    """The check in front of the connect (not only the one after it) refuses the answer."""
    import requests_hardened.ip_filter as ip_filter

    monkeypatch.setattr(ip_filter.socket, "getaddrinfo", lambda host, port, *a, **k: [
        (socket.AF_INET6, socket.SOCK_STREAM, 6, "", (address, port or 80, 0, 0))])
    spy = ConnectSpy(monkeypatch)
    with pytest.raises(FetchError, match="forbidden address"):
        _fetcher(Settings(**FAST)).get("http://innocent.example/", polite=False)
    assert spy.refused == []


@pytest.mark.parametrize("address", ["::127.0.0.1", "::7f00:1", "::a9fe:a9fe", "::ffff:0:127.0.0.1", "fec0::1",
                                     "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1"])
def test_redirect_to_an_ipv6_form_is_refused_before_connecting(monkeypatch, httpserver, address):
    httpserver.expect_request("/go").respond_with_response(
        Response(status=302, headers={"Location": f"http://[{address}]/latest/meta-data/"}))
    spy = ConnectSpy(monkeypatch, allowed={("127.0.0.1", httpserver.port)})
    # loopback allowed so that the local server can play the public site; the hop is not
    fetcher = _fetcher(Settings(**FAST, extra_ports=(httpserver.port,)), allow_loopback=True)
    with pytest.raises(FetchError, match="forbidden address"):
        fetcher.get(httpserver.url_for("/go"), polite=False)
    assert spy.refused == [] and len(httpserver.log) == 1


@pytest.mark.parametrize("url", ["http://[spoofed.x]/", "http://[v1.x]/", "http://[\u2460\u2461\u2466.0.0.1]/",
                                 "http://[::1%25eth0]/", "http://user:pw@[spoofed.x]/"])
def test_malformed_host_is_a_fetch_error(monkeypatch, url):
    spy = ConnectSpy(monkeypatch)
    with pytest.raises(FetchError, match="not a valid URL") as info:
        _fetcher(Settings(**FAST)).get(url)
    assert spy.refused == [] and "pw@" not in str(info.value)


@pytest.mark.parametrize("location", ["http://[spoofed.x]/", "http://[v1.x]/", "http://[\u2460\u2461\u2466.0.0.1]/",
                                      "http://[::1%25lo]/"])
def test_malformed_redirect_target_is_named_as_such(monkeypatch, location):
    # A raw server, so that the Location header goes out byte for byte (UTF-8 included).
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    port = server.getsockname()[1]

    def serve():
        conn, _ = server.accept()
        with conn:
            conn.recv(65536)
            conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: " + location.encode() + b"\r\nContent-Length: 0\r\n\r\n")

    threading.Thread(target=serve, daemon=True).start()
    spy = ConnectSpy(monkeypatch, allowed={("127.0.0.1", port)})
    fetcher = _fetcher(Settings(**FAST, extra_ports=(port,)), allow_loopback=True)
    try:
        with pytest.raises(FetchError, match="malformed|not a valid URL") as info:
            fetcher.get(f"http://127.0.0.1:{port}/go", polite=False)
    finally:
        server.close()
    assert "incomplete response" not in str(info.value) and spy.refused == []


# ---------------------------------------------------------------- item 16: robots.txt on IPv6 literals

def test_origin_keeps_ipv6_brackets():
    assert origin_of("http://[::1]:8080/page?x=1") == "http://[::1]:8080"
    assert origin_of("https://[2001:DB8::1]/") == "https://[2001:db8::1]"
    assert origin_of("https://Example.org:443/a") == "https://example.org"


def _ipv6_loopback_available() -> bool:
    if not socket.has_ipv6:
        return False
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _ipv6_loopback_available(), reason="this machine has no IPv6 loopback (::1)")
@pytest.mark.parametrize("robots,allowed", [("User-agent: *\nDisallow: /private\n", True),
                                            ("User-agent: *\nDisallow: /\n", False)])
def test_robots_txt_is_fetched_for_an_ipv6_literal_host(robots, allowed):
    requests_seen: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):  # http.server's hook name
            requests_seen.append(self.path)
            body = robots.encode() if self.path == "/robots.txt" else b"<title>page</title>"
            self.send_response(200)
            self.send_header("Content-Type", "text/plain" if self.path == "/robots.txt" else "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    class Server(http.server.ThreadingHTTPServer):
        address_family = socket.AF_INET6

    server = Server(("::1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        port = server.server_address[1]
        fetcher = _fetcher(Settings(allow_private_networks=True, extra_ports=(port,), **FAST))
        url = f"http://[::1]:{port}/page"
        if allowed:
            assert fetcher.get(url, robots=True).body == b"<title>page</title>"
        else:
            with pytest.raises(RobotsDisallowed):
                fetcher.get(url, robots=True)
        assert requests_seen[0] == "/robots.txt"
        assert fetcher.robots._memory[f"http://[::1]:{port}"][1] == "parsed"
    finally:
        server.shutdown()
        server.server_close()


# ---------------------------------------------------------------- item 21: credentials masked

def test_redact():
    assert redact("http://user:pass@example.org/a?q=1&api_key=K1&token=T2") == \
        "http://***@example.org/a?q=1&api_key=***&token=***"
    assert redact("see https://x.example/p?key=AIza&cx=engine, then") == "see https://x.example/p?key=***&cx=engine, then"
    assert redact("https://medium.com/@handle?ref=1") == "https://medium.com/@handle?ref=1"
    assert redact("http://[spoofed.x]/") == "http://[spoofed.x]/"  # never raises on a malformed URL


@pytest.mark.parametrize("url", ["http://user:s3cret@example.org/", "http://example.org:8080/?api_key=s3cret",
                                 "ftp://admin:s3cret@example.org/", "http://example.org:22/x?token=s3cret&q=a"])
def test_credentials_are_masked_in_refusals(url):
    with pytest.raises(FetchError) as info:
        _fetcher(Settings(**FAST)).get(url)
    assert "s3cret" not in str(info.value) and "***" in str(info.value)


def test_credentials_in_a_redirect_are_masked(httpserver):
    httpserver.expect_request("/go").respond_with_response(Response(status=302, headers={
        "Location": f"http://admin:s3cret@127.0.0.1:{httpserver.port}/in?access_token=s3cret"}))
    with pytest.raises(FetchError, match="credentials") as info:
        _fetcher(Settings(allow_private_networks=True, extra_ports=(httpserver.port,), **FAST)).get(
            httpserver.url_for("/go"))
    assert "s3cret" not in str(info.value)


def test_secret_parameters_stay_out_of_errors_and_logs(httpserver, caplog):
    httpserver.expect_request("/api").respond_with_data("forbidden", status=403)
    httpserver.expect_request("/ok").respond_with_data("ok", content_type="text/plain")
    fetcher = _fetcher(Settings(allow_private_networks=True, extra_ports=(httpserver.port,), **FAST))
    with caplog.at_level(logging.DEBUG):
        with pytest.raises(FetchError) as info:
            fetcher.get(httpserver.url_for("/api"), params={"q": "lao", "api_key": "s3cret"})
        fetcher.get(httpserver.url_for("/ok"), params={"q": "lao", "token": "s3cret"})
    assert "s3cret" not in str(info.value) and "q=lao" in str(info.value)
    ours = "\n".join(r.getMessage() for r in caplog.records if not r.name.startswith("werkzeug"))  # not the server's
    assert "/ok?q=lao&token=***" in ours  # urllib3's request line, masked
    assert "s3cret" not in ours
