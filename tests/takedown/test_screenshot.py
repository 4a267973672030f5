"""Screenshots as takedown evidence (monitor.takedown.screenshot), with the system Chromium:
a real picture of a local page; the browser's requests go through the fetcher, so another
loopback port, the metadata address and robots-disallowed resources are refused (and
recorded) with no connection made; the time limit holds against a page that never loads."""

from __future__ import annotations

import hashlib
import socket
import struct
import time
import zlib

import pytest
from werkzeug import Response

from monitor.fetch.http import Fetcher
from monitor.settings import Settings
from monitor.takedown.screenshot import (
    NO_BROWSER,
    WIDTH,
    Screenshot,
    _Router,
    capture,
    find_browser,
    png_dimensions,
    with_base,
)
from tests.fetch.test_address_policy import ConnectSpy
from tests.fetch.test_fetcher_faults import RawServer


def _browser_ready() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401 - only whether it imports
    except ImportError:
        return "the playwright package is not installed"
    return None if find_browser(Settings()) else "no system Chromium (apt-get install chromium)"


needs_browser = pytest.mark.skipif(_browser_ready() is not None, reason=str(_browser_ready()))


def _settings(**over) -> Settings:
    return Settings(**{"host_min_delay": 0, "http_retries": 0, "http_timeout": 5, "http_deadline": 10,
                       "screenshot_timeout_seconds": 30, **over})


def pixels(png: bytes) -> list[tuple[int, ...]]:
    """Every pixel of a PNG: Pillow when present, else a small decoder for 8-bit RGB(A),
    non-interlaced, which is what Chromium writes."""
    try:
        import io

        from PIL import Image

        data = Image.open(io.BytesIO(png)).convert("RGB").tobytes()
        return [tuple(data[i:i + 3]) for i in range(0, len(data), 3)]
    except ImportError:
        pass
    width, height = png_dimensions(png)
    depth, colour, interlace = png[24], png[25], png[28]
    assert depth == 8 and colour in (2, 6) and interlace == 0, "unexpected PNG format"
    channels = 3 if colour == 2 else 4
    data, offset = b"", 8
    while offset < len(png):
        length, kind = struct.unpack(">I4s", png[offset:offset + 8])
        if kind == b"IDAT":
            data += png[offset + 8:offset + 8 + length]
        offset += 12 + length
    raw, stride, rows, prev = zlib.decompress(data), width * channels, [], bytearray(width * channels)
    for y in range(height):
        kind, line = raw[y * (stride + 1)], bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - channels] if i >= channels else 0
            b, c = prev[i], prev[i - channels] if i >= channels else 0
            if kind == 1:
                line[i] = (line[i] + a) & 255
            elif kind == 2:
                line[i] = (line[i] + b) & 255
            elif kind == 3:
                line[i] = (line[i] + (a + b) // 2) & 255
            elif kind == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return [tuple(row[x * channels:x * channels + 3]) for row in rows for x in range(width)]


PAGE = """<!doctype html><html><head><meta charset="utf-8"><title>Lao Airlines promo</title>
<link rel="stylesheet" href="/style.css"></head><body>
<h1 style="background:#036;color:#fff;padding:20px">Lao Airlines: free tickets ການບິນລາວ</h1>
<div style="height:400px;background:linear-gradient(90deg,#f00,#0f0,#00f)"></div>
<div style="height:{tall}px;background:#c60"></div>{extra}</body></html>"""


def _page(httpserver, extra: str = "", tall: int = 200) -> str:
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /private/\n")
    httpserver.expect_request("/style.css").respond_with_data("body{background:#fe8}", content_type="text/css")
    httpserver.expect_request("/private/secret.png").respond_with_data(b"\x89PNG", content_type="image/png")
    httpserver.expect_request("/page").respond_with_data(PAGE.format(tall=tall, extra=extra),
                                                         content_type="text/html; charset=utf-8")
    return httpserver.url_for("/page")


# ---------------------------------------------------------------- pure parts

def test_no_browser_is_an_answer_not_an_exception():
    shot = capture("https://example.org/", _settings(chromium_path="/nonexistent/chromium"), Fetcher(_settings()))
    assert shot == Screenshot(None, None, NO_BROWSER, [])


def test_router_refuses_what_is_never_fetched():
    router = _Router(fetcher=None, settings=_settings(), deadline=0, clock=lambda: 0)
    assert "only GET" in router.refusal("POST", "http://x.example/login", 10)
    assert "only http and https" in router.refusal("GET", "ftp://x.example/", 10)
    assert "time limit" in router.refusal("GET", "http://x.example/?token=abc", 0)
    assert "abc" not in router.refusal("GET", "http://x.example/?token=abc", 0)
    assert router.refusal("GET", "https://x.example/a.png", 10) is None


def test_with_base():
    assert with_base(b"<!DOCTYPE html><html><HEAD lang=x><title>t</title>", "https://b.example/a?x=1&y=\"") == \
        b'<!DOCTYPE html><html><HEAD lang=x><base href="https://b.example/a?x=1&amp;y=&quot;"><title>t</title>'
    assert with_base(b"<!doctype html><p>x", "https://b.example/") == \
        b'<!doctype html><base href="https://b.example/"><p>x'
    assert with_base(b"<p>x", "https://b.example/\u0e81") == b'<base href="https://b.example/&#3713;"><p>x'


def test_png_dimensions():
    header = b"\x89PNG\r\n\x1a\n" + struct.pack(">I4sII", 13, b"IHDR", 1280, 4000)
    assert png_dimensions(header) == (1280, 4000)
    with pytest.raises(ValueError):
        png_dimensions(b"GIF89a" + bytes(20))


# ---------------------------------------------------------------- with Chromium

@needs_browser
def test_screenshot_of_a_local_page(httpserver):
    url = _page(httpserver, tall=9000)
    settings = _settings(allow_private_networks=True, extra_ports=(httpserver.port,))
    shot = capture(url, settings, Fetcher(settings))
    assert shot.error is None, shot.error
    assert png_dimensions(shot.png) == (WIDTH, settings.screenshot_max_height)  # full page, capped in height
    assert shot.sha256 == hashlib.sha256(shot.png).hexdigest() and len(shot.png) <= settings.screenshot_max_bytes
    every = pixels(shot.png)
    colours = {p for p in every}
    most = max(every.count(c) for c in list(colours)[:50])
    assert len(colours) > 50 and most < 0.9 * len(every)  # not blank: text, a gradient, three backgrounds
    assert (204, 102, 0) in colours  # the tall block, below the first screen
    paths = [request.path for request, _ in httpserver.log]
    assert paths[:2] == ["/robots.txt", "/page"] and "/style.css" in paths  # all through the fetcher


@needs_browser
def test_requests_to_another_loopback_port_and_robots_disallowed_are_refused(httpserver):
    other = RawServer(lambda conn: conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"))
    port = other.sock.getsockname()[1]
    try:
        extra = (f'<img src="{other.url}x.png"><script src="{other.url}x.js"></script>'
                 f'<iframe src="{other.url}frame"></iframe><img src="/private/secret.png">')
        url = _page(httpserver, extra=extra)
        # the page's own origin allowed as in tests and the demo; the other port is not
        settings = _settings(allow_private_networks=True, extra_ports=(httpserver.port,))
        shot = capture(url, settings, Fetcher(settings))
    finally:
        other.close()
    assert shot.png is not None and shot.error is None
    assert sum(f"port {port} is not allowed" in r for r in shot.refused) == 3, shot.refused
    assert any("/private/secret.png: disallowed by robots.txt" in r for r in shot.refused)
    assert other.connections == 0
    assert "/private/secret.png" not in [request.path for request, _ in httpserver.log]


@needs_browser
def test_metadata_address_is_refused_before_any_connection(monkeypatch, httpserver):
    extra = ('<img src="http://169.254.169.254/latest/meta-data/iam.png">'
             '<link rel="stylesheet" href="http://[::ffff:a9fe:a9fe]/a.css">'
             '<iframe src="http://[::a9fe:a9fe]/"></iframe>'
             '<script>fetch("http://169.254.169.254/latest/api/token").catch(() => {});'
             'try { new WebSocket("ws://169.254.169.254/") } catch (e) {}</script>')
    url = _page(httpserver, extra=extra)
    # The address filter ON (loopback allowed for the page itself): 169.254.169.254 refused.
    spy = ConnectSpy(monkeypatch, allowed={("127.0.0.1", httpserver.port)})
    settings = _settings(extra_ports=(httpserver.port,))
    shot = capture(url, settings, Fetcher(settings, allow_loopback=True))
    assert shot.png is not None, shot.error
    metadata = [r for r in shot.refused if "169.254.169.254" in r or "a9fe:a9fe" in r]
    assert len(metadata) >= 3 and all("forbidden address" in r for r in metadata), shot.refused
    assert spy.refused == []  # the fetcher connected to nothing but the page's server
    # the browser's own attempts (the WebSocket) went to the sinkhole, not to the address
    assert all(not a.startswith("GET http://169.254") or "CONNECT" in a for a in shot.escaped)


@needs_browser
def test_time_limit_holds_against_a_page_that_never_finishes_loading(httpserver):
    never = RawServer(lambda conn: time.sleep(60))
    try:
        port = never.sock.getsockname()[1]
        extra = f'<img src="http://127.0.0.1:{port}/slow.png"><script>setInterval(() => fetch("/poll?" + Math.random()).catch(() => {{}}), 50)</script>'
        httpserver.expect_request("/poll").respond_with_data("x")
        url = _page(httpserver, extra=extra)
        settings = _settings(allow_private_networks=True, extra_ports=(httpserver.port, port), http_deadline=60,
                             screenshot_timeout_seconds=8)
        started = time.monotonic()
        shot = capture(url, settings, Fetcher(settings))
        elapsed = time.monotonic() - started
    finally:
        never.close()
    assert elapsed < 8 + 4, elapsed  # the limit, plus closing the browser
    assert shot.png is not None and png_dimensions(shot.png)[0] == WIDTH  # pictured as it stands


@needs_browser
def test_a_document_that_never_arrives_is_an_error_within_the_limit():
    never = RawServer(lambda conn: time.sleep(60))
    try:
        port = never.sock.getsockname()[1]
        settings = _settings(allow_private_networks=True, extra_ports=(port,), http_deadline=60,
                             screenshot_timeout_seconds=6)
        started = time.monotonic()
        shot = capture(f"http://127.0.0.1:{port}/", settings, Fetcher(settings))
        elapsed = time.monotonic() - started
    finally:
        never.close()
    assert elapsed < 6 + 4 and shot.png is None and shot.error.startswith("page not loaded"), (elapsed, shot.error)


@needs_browser
def test_redirect_is_followed_by_the_fetcher_and_a_refused_page_is_an_error(httpserver):
    _page(httpserver)
    httpserver.expect_request("/old/deep").respond_with_response(Response(status=302, headers={"Location": "/page"}))
    settings = _settings(allow_private_networks=True, extra_ports=(httpserver.port,))
    shot = capture(httpserver.url_for("/old/deep"), settings, Fetcher(settings))
    assert shot.png is not None and shot.error is None, shot.error
    paths = [request.path for request, _ in httpserver.log]
    assert "/style.css" in paths and "/old/style.css" not in paths  # relative to the final URL
    assert (255, 238, 136) in set(pixels(shot.png))  # and applied (background #fe8)
    refused = capture(f"http://127.0.0.1:{_closed_port()}/", settings, Fetcher(settings))
    assert refused.png is None and "page not loaded" in refused.error and "not allowed" in refused.error


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]
