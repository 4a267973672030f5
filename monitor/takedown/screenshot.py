"""A screenshot of an impersonating page, as takedown evidence: a PNG 1280 px wide, the whole
page down to a height cap, under a byte cap, taken by headless Chromium (the system's
package, driven by Playwright).

The browser stays inside the SSRF rules: every request it makes (the page, its
subresources, redirects, frames) is intercepted (`context.route`) and made by the project's
Fetcher instead, so the address policy, allowed ports, robots.txt, deadlines and size caps
apply as for every other fetch; a refused request is aborted and recorded.

The browser is sealed (monitor.takedown.browserbox): it runs in a network namespace of its
own whose only interface is a private loopback, so whatever the route cannot see (WebRTC's
STUN/TURN over UDP, WebSockets, workers' requests, the browser's own services) reaches
nothing; a sinkhole proxy inside the box records those attempts. WebRTC and WebTransport are
removed from every frame before its scripts run; no downloads, no permissions, no service
workers, only GET. The headless shell is preferred: it has no sign-in, sync, component
updater or optimization guide, so its sinkhole sees only what pages ask for. Memory (the
whole process tree), processes and time are capped per capture: a page over a cap stops the
browser, and the capture fails with the reason.

When no browser is installed, or the box cannot be made, the result says so; a capture
never raises.

API for drafting: `capture(url, settings, fetcher) -> Screenshot(png, sha256, error, refused)`.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from html import escape
from typing import TYPE_CHECKING

from monitor.fetch.http import HTML_TYPES, Fetcher, FetchError
from monitor.fetch.policy import redact
from monitor.settings import Settings

if TYPE_CHECKING:  # imported where used: the package is optional (a missing one is an error message)
    from playwright.sync_api import Page, Playwright, Route
from monitor.takedown.browserbox import BrowserBox, Limits

WIDTH = 1280
VIEWPORT_HEIGHT = 900
NO_BROWSER = "no browser installed: no screenshot"
MAX_REQUESTS = 150  # requests one page may make through the fetcher
MAX_RESOURCE_BYTES = 5_000_000
MAX_TOTAL_BYTES = 20_000_000
SCREENSHOT_RESERVE = 0.25  # share of the time limit kept for taking the picture itself
# The headless shell first: the automation build (what Playwright itself uses for headless),
# without the full browser's background services. The full Chromium still works, sealed the
# same way; its own background requests then reach only the sinkhole (recorded in `escaped`).
SYSTEM_CHROMIUM = ("/usr/bin/chromium-headless-shell", "chromium-headless-shell", "/usr/bin/chromium", "chromium",
                   "chromium-browser")
MAX_PROCESSES = 32  # browser processes per capture (browser, zygotes, GPU, network, renderers)
STOP_GRACE_SECONDS = 15.0  # past the time limit, the watchdog stops a browser Playwright could not
# Chromium switches: no background services (each a request the sinkhole would otherwise see
# from the full browser), fewer renderer processes, no crash reports. The launcher adds the
# proxy (the sinkhole) and merges every --disable-features into one.
BROWSER_ARGS = (
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
    "--disable-domain-reliability", "--dns-prefetch-disable", "--no-pings", "--disable-breakpad",
    "--disable-client-side-phishing-detection", "--disable-default-apps", "--no-service-autorun",
    "--force-webrtc-ip-handling-policy=disable_non_proxied_udp", "--renderer-process-limit=4",
    "--mute-audio", "--no-first-run",
    "--disable-features=OptimizationHints,OptimizationHintsFetching,OptimizationGuideModelDownloading,"
    "OptimizationTargetPrediction,OptimizationGuideOnDeviceModel,NetworkTimeServiceQuerying,AutofillServerCommunication,"
    "Translate,MediaRouter,InterestFeedContentSuggestions,CertificateTransparencyComponentUpdater",
)
# Removes WebRTC and WebTransport (UDP, which no route sees) from each frame before its own
# scripts run. The namespace is the seal; this keeps pages from trying at all.
NO_WEBRTC = """(() => {
  for (const name of ["RTCPeerConnection", "webkitRTCPeerConnection", "RTCDataChannel", "RTCIceCandidate",
                      "RTCSessionDescription", "RTCRtpSender", "RTCRtpReceiver", "RTCRtpTransceiver",
                      "RTCIceTransport", "RTCDtlsTransport", "RTCSctpTransport", "WebTransport"]) {
    try { delete globalThis[name]; } catch (e) {}
    try { Object.defineProperty(globalThis, name, {value: undefined, configurable: false}); } catch (e) {}
  }
})();"""


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

    def __call__(self, route: Route) -> None:
        request = route.request
        url = request.url
        navigation = request.is_navigation_request()
        # The picture needs time too: requests stop being made before the limit.
        remaining = self.deadline - self.clock() - SCREENSHOT_RESERVE * self.settings.screenshot_timeout_seconds
        reason = self.refusal(request.method, url, remaining)
        if reason is None:
            self.requests += 1
            try:
                result = self.fetcher.get(  # untrusted (the default): every URL here comes from the page
                    url, accept=HTML_TYPES if navigation else (), robots=True, polite=navigation,
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
    """A screenshot of the page at url, its requests made by fetcher, the browser sealed in
    its box. Never raises: the error says what went wrong (no browser, no box, page refused
    or not loaded, time limit, size cap, memory cap)."""
    executable = find_browser(settings)
    if executable is None:
        return Screenshot(None, None, NO_BROWSER)
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return Screenshot(None, None, f"{NO_BROWSER} (the playwright package is missing)")
    limit = settings.screenshot_timeout_seconds
    deadline = clock() + limit
    router = _Router(fetcher, settings, deadline, clock)
    limits = Limits(memory_bytes=settings.screenshot_max_memory_mb * 2**20, processes=MAX_PROCESSES,
                    deadline=deadline + STOP_GRACE_SECONDS)
    png = error = None
    with BrowserBox(executable, limits, clock=clock) as box:
        if box.error is None:  # else no private directory or control socket could be made
            try:
                with sync_playwright() as playwright:
                    png, error = _in_box(playwright, box, url, settings, router, deadline, clock)
            except Exception as exc:  # noqa: BLE001 - evidence capture reports, never raises (browser crash, driver gone)
                error = f"screenshot failed: {_first_line(exc)}"
        # The box's own reasons come first: a browser the watchdog stopped fails every later
        # step with "Target closed", which says nothing.
        error = (box.stopped or box.error or error) if png is None else None
        escaped = box.escaped
    if png is None:
        return Screenshot(None, None, error, router.refused, escaped)
    return Screenshot(png, hashlib.sha256(png).hexdigest(), None, router.refused, escaped)


def _in_box(playwright: Playwright, box: BrowserBox, url: str, settings: Settings, router: _Router, deadline: float,
            clock: Callable[[], float]) -> tuple[bytes | None, str | None]:
    """Launch the sealed browser, load the page through the router, take the picture."""
    from playwright.sync_api import Error as PlaywrightError

    limit = settings.screenshot_timeout_seconds
    reserve = SCREENSHOT_RESERVE * limit

    def ms(share: float = 1.0) -> float:
        """Milliseconds left (times share) for a browser step."""
        return max(1.0, (deadline - clock()) * share * 1000)

    def loading_ms() -> float:
        """Milliseconds left for loading: the reserve stays for the picture."""
        return max(1.0, (deadline - reserve - clock()) * 1000)

    try:
        browser = playwright.chromium.launch(executable_path=box.executable, headless=True, timeout=ms(0.5),
                                             args=list(BROWSER_ARGS))
    except PlaywrightError as exc:
        return None, box.wait_sealed(timeout=1.0) or f"screenshot failed: the browser did not start: {_first_line(exc)}"
    try:
        not_sealed = box.wait_sealed()
        if not_sealed:  # never load a page in a browser that is not in its box
            return None, not_sealed
        context = browser.new_context(
            viewport={"width": WIDTH, "height": VIEWPORT_HEIGHT}, device_scale_factor=1,
            accept_downloads=False, service_workers="block", permissions=[], java_script_enabled=True,
            user_agent=settings.user_agent, ignore_https_errors=False)
        context.add_init_script(NO_WEBRTC)
        context.route("**/*", router)
        page = context.new_page()
        try:
            page.goto(url, wait_until="domcontentloaded", timeout=loading_ms())
        except PlaywrightError as exc:
            if router.document_error:
                return None, f"page not loaded: {router.document_error}"
            if "Timeout" not in type(exc).__name__ and "Timeout" not in str(exc):
                return None, f"page not loaded: {_first_line(exc)}"
            return None, f"page not loaded within the time limit of {limit} s"
        try:  # the rest of the page (images, fonts) as far as time allows
            page.wait_for_load_state("load", timeout=loading_ms())
        except PlaywrightError:
            pass  # a page that never finishes loading is pictured as it stands
        return _picture(page, settings, ms)
    finally:
        try:
            browser.close()
        except PlaywrightError:
            pass  # already gone (stopped by the watchdog); the box kills what is left


def _picture(page: Page, settings: Settings, ms: Callable[[float], float]) -> tuple[bytes | None, str | None]:
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
