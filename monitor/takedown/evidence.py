"""Evidence for a takedown request: the page as it was when the draft was made (title, final
URL, HTTP status, the address it came from, its HTML and that HTML's SHA-256). Captured
once and kept; a page that cannot be fetched is evidence too (the error is kept and the
draft says so)."""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass

from monitor.detection.pages import parse_page
from monitor.fetch.http import HTML_TYPES, Fetcher, FetchError


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


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def capture(fetcher: Fetcher, url: str, *, max_bytes: int, now: dt.datetime) -> Evidence:
    """GET the page (robots.txt honoured, like every page fetch). A page over the cap is
    not saved: a truncated copy would not be the page."""
    try:
        result = fetcher.get(url, accept=HTML_TYPES, max_bytes=max_bytes, robots=True)
    except FetchError as exc:
        return Evidence(url, now, status=exc.status, error=str(exc))
    info = parse_page(result.body, result.url)
    return Evidence(url, now, final_url=result.url, status=result.status, title=info.title, ip=result.ip,
                    html=result.body, sha256=sha256_hex(result.body))
