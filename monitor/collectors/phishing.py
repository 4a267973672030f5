"""Phishing feeds, filtered to URLs that involve a brand term or a lookalike of it:

- OpenPhish community feed: plain text, one URL a line, no timestamps (the fetch time is
  the sighting). Its terms allow non-commercial use only.
- URLhaus (abuse.ch) CSV: `# comment` lines, then id, dateadded, url, url_status,
  last_online, threat, tags, urlhaus_link, reporter; `dateadded` (UTC) limits the window.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable, Iterator
from pathlib import Path

from monitor.collectors.base import ALL_BRANDS, LayoutChanged, Query, Window
from monitor.detection.models import Candidate
from monitor.fetch.feeds import fetch_feed
from monitor.fetch.http import Fetcher
from monitor.registry import Brand

TEXT_TYPES = ("text/plain", "text/csv", "application/octet-stream")
URLHAUS_COLUMNS = ["id", "dateadded", "url", "url_status", "last_online", "threat", "tags", "urlhaus_link", "reporter"]


def _page(url: str, source: str, ident: str) -> Candidate:
    return Candidate(kind="page", id=f"{source}:{ident}", url=url)


def parse_openphish(raw: bytes, resembles: Callable[[str], bool]) -> Iterator[Candidate]:
    lines = [line.strip() for line in raw.decode("utf-8", errors="replace").splitlines()]
    urls = [line for line in lines if line and not line.startswith("#")]
    if lines and urls and not any(u.startswith(("http://", "https://")) for u in urls[:20]):
        raise LayoutChanged("the feed does not list http(s) URLs")
    for url in urls:
        if url.startswith(("http://", "https://")) and resembles(url):
            yield _page(url, "openphish", url)


def parse_urlhaus(raw: bytes, resembles: Callable[[str], bool], window: Window) -> Iterator[Candidate]:
    text = raw.decode("utf-8", errors="replace")
    rows = (line for line in io.StringIO(text) if line.strip() and not line.startswith("#"))
    reader = csv.reader(rows)
    for number, row in enumerate(reader, 1):
        if len(row) < 3 or not row[2].startswith(("http://", "https://")):
            raise LayoutChanged(f"row {number} does not have URLhaus's columns ({', '.join(URLHAUS_COLUMNS[:3])}, ...)")
        try:
            added = dt.datetime.strptime(row[1], "%Y-%m-%d %H:%M:%S").replace(tzinfo=dt.UTC)
        except ValueError:
            raise LayoutChanged(f"row {number}: dateadded {row[1]!r} is not 'YYYY-MM-DD HH:MM:SS'") from None
        if window.start and window.end and not window.start <= added < window.end:
            continue
        if resembles(row[2]):
            yield _page(row[2], "urlhaus", row[0])


class _SharedFeed:
    """A feed about no brand in particular: one query for every brand, downloaded once per run
    and again only when it changed (ETag / Last-Modified)."""

    name: str
    max_bytes: int

    def __init__(self, url: str, fetcher: Fetcher, resembles: Callable[[str], bool], cache_dir: Path | None = None):
        self.url, self.fetcher, self.resembles = url, fetcher, resembles
        self.cache_dir = cache_dir or Path("var/state/feeds")

    def queries(self, brand: Brand | None) -> list[Query]:
        return [Query("feed", brand.id if brand is not None else ALL_BRANDS)]

    def fetch(self, query: Query, window: Window) -> bytes:
        path = fetch_feed(self.fetcher, self.url, self.cache_dir, accept=TEXT_TYPES, max_bytes=self.max_bytes,
                          trust_configured=True)  # the feed's configured URL
        return path.read_bytes()


class OpenPhishCollector(_SharedFeed):
    name = "openphish"
    max_bytes = 50_000_000

    def parse(self, raw: bytes, query: Query, window: Window) -> Iterator[Candidate]:
        return parse_openphish(raw, self.resembles)


class UrlhausCollector(_SharedFeed):
    name = "urlhaus"
    max_bytes = 100_000_000

    def parse(self, raw: bytes, query: Query, window: Window) -> Iterator[Candidate]:
        return parse_urlhaus(raw, self.resembles, window)
