"""Evidence for a takedown request: the page as it was when the draft was made (title, final
URL, HTTP status, the address it came from, its HTML and that HTML's SHA-256, the favicon and
first images it points at). Captured
once and kept; a page that cannot be fetched is evidence too (the error is kept and the
draft says so)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from monitor.detection.pages import parse_page
from monitor.fetch.http import HTML_TYPES, Fetcher, FetchError
from monitor.takedown.page_images import PageImage, fetch_page_images


@dataclass(frozen=True)
class Evidence:
    url: str
    captured_at: dt.datetime
    final_url: str | None = None
    status: int | None = None
    title: str | None = None
    ip: str | None = None  # the address the page was fetched from
    html: bytes | None = None
    sha256: str | None = None
    error: str | None = None
    # A picture of the page (monitor.takedown.screenshot), or why there is none.
    screenshot: bytes | None = None
    screenshot_sha256: str | None = None
    screenshot_error: str | None = None
    screenshot_refused: tuple[str, ...] = ()  # requests of the page the browser was not allowed to make
    images: tuple[PageImage, ...] = ()  # the favicon and first images the page points at


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def capture(fetcher: Fetcher, url: str, *, max_bytes: int, now: dt.datetime) -> Evidence:
    """GET the page (robots.txt honoured, like every page fetch). A page over the cap is
    not saved: a truncated copy would not be the page. The URL comes from data, so it is
    fetched untrusted (the fetcher's default) even when it names an operator's endpoint: the
    internal SearXNG's pages are no evidence, and must not reach a draft or an email."""
    try:
        result = fetcher.get(url, accept=HTML_TYPES, max_bytes=max_bytes, robots=True)
    except FetchError as exc:
        return Evidence(url, now, status=exc.status, error=str(exc))
    info = parse_page(result.body, result.url)
    return Evidence(url, now, final_url=result.url, status=result.status, title=info.title, ip=result.ip,
                    html=result.body, sha256=sha256_hex(result.body),
                    images=fetch_page_images(fetcher, result.body, result.url))


def plain_problem(error: str, status: int | None) -> str:
    """Why the page could not be saved, in words an abuse desk reads without our logs: no
    resolver or library messages (those stay in the database, evidence_error), no URL."""
    lowered = error.lower()
    # the screenshot browser's own limits (monitor.takedown.browserbox), before the generic ones
    if "of memory" in lowered and "browser was stopped" in lowered:
        return "the page needed more memory than a capture may use, so the browser was stopped"
    if "browser processes" in lowered:
        return "the page started more browser processes than a capture may use, so the browser was stopped"
    if "network of its own" in lowered:
        return "the browser cannot be isolated from the network where the monitor runs, so it was not started"
    if status in (404, 410):
        return f"the page answered that it is not there (HTTP {status}) when we fetched it"
    if "robots.txt" in lowered:
        return "the site's robots.txt asks automated visitors not to fetch it, and we respect that"
    if status is not None and status >= 500:
        return f"the site's server answered with an error (HTTP {status})"
    if status == 429:
        return "the site asked us to slow down (HTTP 429), so we did not fetch it again"
    if status is not None and status >= 400:
        return f"the site refused to show it to us (HTTP {status})"
    if "no complete response" in lowered or "deadline" in lowered or "timeout" in lowered:
        return "the site did not answer in time"
    if "content type" in lowered:
        return "the address does not answer with a web page"
    if "cap" in lowered or "larger than" in lowered:
        return "the page is larger than the size we save"
    if "forbidden address" in lowered:
        return "the address points to a private or reserved network"
    if "no url" in lowered:
        return "there is no web address to fetch"
    return "the site could not be reached when we tried"
