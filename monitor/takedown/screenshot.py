"""A screenshot of an impersonating page, as takedown evidence: a PNG 1280 px wide, the whole
page down to a height cap, under a byte cap, taken by headless Chromium (the system's
package, driven by Playwright).

The browser stays inside the SSRF rules: every request it makes (the page, its
subresources, redirects, frames) is intercepted (`page.route`) and made by the project's
Fetcher instead, so the address policy, allowed ports, robots.txt, deadlines and size caps
apply as for every other fetch; a refused request is aborted and recorded. Whatever the
browser would open without a routable request (WebSockets, preconnects, its own background
traffic) goes to a proxy address that only records the attempt and closes: the browser has
no direct path to the network. No downloads, no permissions, no service workers, only GET,
and one time limit for the whole capture.

When no browser is installed the result says so ("no browser installed: no screenshot");
a capture never raises.

API for drafting: `capture(url, settings, fetcher) -> Screenshot(png, sha256, error, refused)`.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import socket
import struct
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape

from monitor.fetch.http import HTML_TYPES, Fetcher, FetchError
from monitor.fetch.policy import redact
from monitor.settings import Settings

WIDTH = 1280
VIEWPORT_HEIGHT = 900
NO_BROWSER = "no browser installed: no screenshot"
MAX_REQUESTS = 150  # requests one page may make through the fetcher
MAX_RESOURCE_BYTES = 5_000_000
MAX_TOTAL_BYTES = 20_000_000
SCREENSHOT_RESERVE = 0.25  # share of the time limit kept for taking the picture itself
SYSTEM_CHROMIUM = ("/usr/bin/chromium", "chromium", "chromium-browser")


@dataclass(frozen=True)
class Screenshot:
    png: bytes | None
    sha256: str | None
    error: str | None
    refused: list[str] = field(default_factory=list)  # the page's requests that were not made, and why
    # Connections the browser itself tried outside the fetcher (its own background services,
    # WebSockets, preconnects): all went to the sinkhole proxy and were dropped. Not evidence.
    escaped: list[str] = field(default_factory=list)


def find_browser(settings: Settings) -> str | None:
    """The Chromium executable: MONITOR_CHROMIUM when set (and nothing else then), else the
    system's package."""
    for candidate in ((settings.chromium_path,) if settings.chromium_path else SYSTEM_CHROMIUM):
        path = candidate if os.path.isabs(candidate) else shutil.which(candidate)
        if path and os.path.isfile(path) and os.access(path, os.X_OK):
            return path
    return None


def png_dimensions(png: bytes) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk. Pure."""
    if len(png) < 24 or png[:8] != b"\x89PNG\r\n\x1a\n" or png[12:16] != b"IHDR":
        raise ValueError("not a PNG")
    return struct.unpack(">II", png[16:24])


_HEAD = re.compile(rb"<head(?:\s[^>]*)?>", re.I)
_DOCTYPE = re.compile(rb"^\s*<!doctype[^>]*>", re.I)


def with_base(html: bytes, url: str) -> bytes:
    """The document with <base href=url> first in its head, so that relative links resolve
    against the URL it really came from. Pure; ASCII is inserted, so any ASCII-compatible
    charset stays intact."""
    base = f'<base href="{escape(url, quote=True)}">'.encode("ascii", "xmlcharrefreplace")
    for pattern in (_HEAD, _DOCTYPE):  # after <head>, else after the doctype (quirks mode stays off)
        found = pattern.search(html, 0, 8192)
        if found:
            return html[:found.end()] + base + html[found.end():]
    return base + html


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()
    return redact(f"{type(exc).__name__}: {text[0] if text else ''}")


class _Sinkhole:
    """A proxy address that answers nobody: it records the first line of whatever the browser
    sends it (CONNECT host:port, or a request line) and closes. Chromium is pointed at it so
    that traffic page.route cannot intercept (WebSockets, preconnects, background requests)
    has nowhere to go but here. Written here: no library offers a recording black hole."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.attempts: list[str] = []
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.sock.getsockname()[1]}"

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            try:
                conn.settimeout(1.0)
                first = conn.recv(1024).split(b"\r\n", 1)[0].decode("latin-1", "replace")
                self.attempts.append(redact(first))
            except OSError:
                pass
            finally:
                conn.close()

    def close(self) -> None:
        self.sock.close()


class _Router:
    """The route handler: every browser request made by the Fetcher, within the capture's
    time and size limits. The pure decisions are in `refusal`."""

    def __init__(self, fetcher: Fetcher, settings: Settings, deadline: float, clock: Callable[[], float]):
        self.fetcher, self.settings, self.deadline, self.clock = fetcher, settings, deadline, clock
        self.refused: list[str] = []
        self.requests = 0
        self.bytes = 0
        self.document_error: str | None = None

    def refusal(self, method: str, url: str, remaining: float) -> str | None:
        """Why a request is not made at all, or None. Pure (given the counters)."""
        if method != "GET":
            return f"{method} {redact(url)}: only GET requests are made"
        if not url.lower().startswith(("http://", "https://")):
            return f"{redact(url[:200])}: only http and https URLs are fetched"
        if remaining <= 0:
            return f"{redact(url)}: the capture's time limit was reached"
        if self.requests >= MAX_REQUESTS:
            return f"{redact(url)}: more than {MAX_REQUESTS} requests"
        if self.bytes >= MAX_TOTAL_BYTES:
            return f"{redact(url)}: the page's resources passed {MAX_TOTAL_BYTES} bytes"
        return None

    def __call__(self, route) -> None:
        request = route.request
        url = request.url
        navigation = request.is_navigation_request()
        # The picture needs time too: requests stop being made before the limit.
        remaining = self.deadline - self.clock() - SCREENSHOT_RESERVE * self.settings.screenshot_timeout_seconds
        reason = self.refusal(request.method, url, remaining)
        if reason is None:
            self.requests += 1
            try:
                result = self.fetcher.get(
                    url, accept=HTML_TYPES if navigation else (), robots=True, polite=navigation, trust_configured=False,
                    max_bytes=self.settings.evidence_max_bytes if navigation else MAX_RESOURCE_BYTES,
                    deadline_seconds=max(1.0, min(float(self.settings.http_deadline), remaining)))
            except FetchError as exc:
                reason = str(exc)
            else:
                self.bytes += len(result.body)
                body = result.body
                if navigation and result.url != url:
                    # Redirected (the fetcher followed it, checking every hop). A redirect
                    # answered to the browser would be followed by the browser itself, outside
                    # the route, so the final page is served at the first URL with a <base>.
                    body = with_base(body, result.url)
                content_type = result.headers.get("Content-Type") or result.content_type or "application/octet-stream"
                route.fulfill(status=result.status, headers={"Content-Type": content_type}, body=body)
                return
        self.refused.append(reason)
        if navigation and self.document_error is None:
            self.document_error = reason
        route.abort("blockedbyclient")


def capture(url: str, settings: Settings, fetcher: Fetcher, *, clock: Callable[[], float] = time.monotonic) -> Screenshot:
    """A screenshot of the page at url, its requests made by fetcher. Never raises: the error
    says what went wrong (no browser, page refused or not loaded, time limit, size cap)."""
    executable = find_browser(settings)
    if executable is None:
        return Screenshot(None, None, NO_BROWSER)
    try:
        from playwright.sync_api import Error as PlaywrightError
        from playwright.sync_api import sync_playwright
    except ImportError:
        return Screenshot(None, None, f"{NO_BROWSER} (the playwright package is missing)")
    limit = settings.screenshot_timeout_seconds
    deadline = clock() + limit
    router = _Router(fetcher, settings, deadline, clock)
    sinkhole = _Sinkhole()

    reserve = SCREENSHOT_RESERVE * limit

    def ms(share: float = 1.0) -> float:
        """Milliseconds left (times share) for a browser step."""
        return max(1.0, (deadline - clock()) * share * 1000)

    def loading_ms() -> float:
        """Milliseconds left for loading: the reserve stays for the picture."""
        return max(1.0, (deadline - reserve - clock()) * 1000)

    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=executable, headless=True, timeout=ms(0.5),
                args=[f"--proxy-server=http://{sinkhole.address}", "--proxy-bypass-list=<-loopback>",
                      "--disable-background-networking", "--disable-component-update", "--disable-sync",
                      "--disable-domain-reliability", "--dns-prefetch-disable", "--no-pings",
                      "--force-webrtc-ip-handling-policy=disable_non_proxied_udp", "--disable-breakpad",
                      "--mute-audio", "--no-first-run"])
            try:
                context = browser.new_context(
                    viewport={"width": WIDTH, "height": VIEWPORT_HEIGHT}, device_scale_factor=1,
                    accept_downloads=False, service_workers="block", permissions=[], java_script_enabled=True,
                    user_agent=settings.user_agent, ignore_https_errors=False)
                context.route("**/*", router)
                page = context.new_page()
                try:
                    page.goto(url, wait_until="domcontentloaded", timeout=loading_ms())
                except PlaywrightError as exc:
                    if router.document_error:
                        return Screenshot(None, None, f"page not loaded: {router.document_error}", router.refused)
                    if "Timeout" not in type(exc).__name__ and "Timeout" not in str(exc):
                        return Screenshot(None, None, f"page not loaded: {_first_line(exc)}", router.refused)
                    return Screenshot(None, None, f"page not loaded within the time limit of {limit} s",
                                      router.refused)
                try:  # the rest of the page (images, fonts) as far as time allows
                    page.wait_for_load_state("load", timeout=loading_ms())
                except PlaywrightError:
                    pass  # a page that never finishes loading is pictured as it stands
                png, error = _picture(page, settings, ms)
            finally:
                browser.close()
    except Exception as exc:  # noqa: BLE001 - evidence capture reports, never raises (browser crash, driver gone)
        return Screenshot(None, None, f"screenshot failed: {_first_line(exc)}", router.refused)
    finally:
        sinkhole.close()
    if png is None:
        return Screenshot(None, None, error, router.refused, sinkhole.attempts)
    return Screenshot(png, hashlib.sha256(png).hexdigest(), None, router.refused, sinkhole.attempts)


def _picture(page, settings: Settings, ms: Callable[[float], float]) -> tuple[bytes | None, str | None]:
    """The full page to the height cap; a picture over the byte cap is taken again shorter."""
    from playwright.sync_api import Error as PlaywrightError

    height = settings.screenshot_max_height
    while True:
        try:
            png = page.screenshot(type="png", full_page=True, animations="disabled", timeout=ms(1.0),
                                  clip={"x": 0, "y": 0, "width": WIDTH, "height": height})
        except PlaywrightError as exc:
            return None, f"screenshot not taken: {_first_line(exc)}"
        if len(png) <= settings.screenshot_max_bytes:
            return png, None
        if height <= VIEWPORT_HEIGHT:
            return None, f"screenshot larger than {settings.screenshot_max_bytes} bytes"
        height = max(VIEWPORT_HEIGHT, height // 2)
