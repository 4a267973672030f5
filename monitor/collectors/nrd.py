"""Newly registered domains: a daily list from a configured URL, plain text (one domain a
line) or a zip holding one. The list is downloaded to a file and read line by line; each
name passes a cheap prefilter (monitor.detection.scoring.Scorer.might_resemble) before it becomes a
candidate, so a list of a million names never holds a million objects.

The URL may contain {date} (YYYY-MM-DD of the window's last day) and {date_b64} (base64 of
'YYYY-MM-DD.zip', the form some free daily lists use)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import io
import os
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, TYPE_CHECKING

from monitor.clock import utcnow
from monitor.collectors.base import ALL_BRANDS, LayoutChanged, Query, Window
from monitor.detection.models import Candidate, Score
from monitor.fetch.feeds import private_directory
from monitor.fetch.http import Fetcher
from monitor.registry import Brand

if TYPE_CHECKING:
    from monitor.detection.scoring import Scorer

LIST_TYPES = ("text/plain", "application/zip", "application/x-zip-compressed", "application/octet-stream")
MAX_LIST_BYTES = 500_000_000  # as downloaded
MAX_UNZIPPED_BYTES = 500_000_000  # a zip bomb stops here (a daily list is tens of MB)
MAX_LINES = 20_000_000  # a daily list has a few hundred thousand names
MAX_BLANK_RUN = 10_000  # blank lines in a row: padding, not a list
MAX_LINE = 512  # no domain name is longer; a file without newlines is not a list
CACHE_FOR = dt.timedelta(hours=6)


def list_url(template: str, day: dt.date) -> str:
    b64 = base64.b64encode(f"{day.isoformat()}.zip".encode()).decode()
    return template.replace("{date}", day.isoformat()).replace("{date_b64}", b64)


def _bounded_lines(stream: IO[bytes]) -> Iterator[bytes]:
    """Lines of at most MAX_LINE bytes, at most MAX_UNZIPPED_BYTES and MAX_LINES in all, and no
    long runs of blank lines: a small zip that unpacks to hundreds of MB of newlines fails in
    seconds instead of being read for minutes."""
    total = lines = blank_run = 0
    while True:
        line = stream.readline(MAX_LINE + 1)
        if not line:
            return
        total += len(line)
        lines += 1
        if total > MAX_UNZIPPED_BYTES:
            raise LayoutChanged(f"the list is larger than {MAX_UNZIPPED_BYTES} bytes unpacked")
        if lines > MAX_LINES:
            raise LayoutChanged(f"the list has more than {MAX_LINES} lines")
        if len(line) > MAX_LINE and not line.endswith(b"\n"):
            raise LayoutChanged(f"a line is longer than {MAX_LINE} bytes: this is not a list of domain names")
        blank_run = blank_run + 1 if not line.strip() else 0
        if blank_run > MAX_BLANK_RUN:
            raise LayoutChanged(f"more than {MAX_BLANK_RUN} blank lines in a row at line {lines}: "
                                f"this is not a list of domain names")
        yield line


def _lines(raw: bytes | Path) -> Iterator[bytes]:
    handle = io.BytesIO(raw) if isinstance(raw, bytes) else open(raw, "rb")
    with handle:
        head = handle.read(4)
        handle.seek(0)
        if head.startswith(b"PK\x03\x04"):
            with zipfile.ZipFile(handle) as archive:
                members = [m for m in archive.infolist() if not m.is_dir()]
                if len(members) != 1:
                    raise LayoutChanged(f"zip holds {len(members)} files, expected one list")
                with archive.open(members[0]) as member:
                    yield from _bounded_lines(member)
            return
        yield from _bounded_lines(handle)


def parse_list(raw: bytes | Path, resembles: Callable[[str], bool]) -> Iterator[Candidate]:
    """Domain candidates for the names that pass the prefilter. Pure (reads the given file)."""
    names = 0
    for line in _lines(raw):
        name = line.strip().decode("utf-8", errors="replace").lower().rstrip(".")
        if not name or name.startswith("#"):
            continue
        names += 1
        if " " in name or "," in name or "." not in name:
            if names <= 3:
                raise LayoutChanged(f"line {names} is not a domain name: {name[:80]!r}")
            continue
        if resembles(name):
            yield Candidate(kind="domain", id=f"nrd:{name}", domain=name)
    if names == 0:
        raise LayoutChanged("the list is empty")


class NrdCollector:
    name = "nrd"

    def __init__(self, url_template: str, fetcher: Fetcher, resembles: Callable[[str], bool],
                 cache_dir: Path | None = None):
        self.url_template = url_template
        self.fetcher = fetcher
        self.resembles = resembles
        # The monitor's own state directory, not a shared /tmp: another local user could plant a
        # list there that would be trusted for hours.
        self.cache_dir = cache_dir or Path("var/state/nrd")

    def queries(self, brand: Brand | None) -> list[Query]:
        return [Query("newly registered domains", brand.id if brand is not None else ALL_BRANDS)]

    def fetch(self, query: Query, window: Window) -> Path:
        day = (window.end or utcnow()).date()
        url = list_url(self.url_template, day)
        # Every brand reads the same list: download it once per worker and reuse it.
        private_directory(self.cache_dir)
        path = self.cache_dir / (hashlib.sha256(url.encode()).hexdigest()[:24] + ".list")
        fresh = path.exists() and dt.datetime.now().timestamp() - path.stat().st_mtime < CACHE_FOR.total_seconds()
        if not fresh:
            partial = path.with_suffix(f".{os.getpid()}.part")
            self.fetcher.download(url, partial, accept=LIST_TYPES, max_bytes=MAX_LIST_BYTES, deadline_seconds=900,
                                  trust_configured=True)  # MONITOR_NRD_URL's template: configuration
            partial.replace(path)
        return path

    def parse(self, raw: bytes | Path, query: Query, window: Window) -> Iterator[Candidate]:
        return parse_list(raw, self.resembles)


def collect_and_score(collector: NrdCollector, query: Query, window: Window,
                      scorer: Scorer) -> Iterator[tuple[Candidate, Score]]:
    """Collect, filter and score as the list is read, one name in memory at a time: the
    list is downloaded to a file, each line passes the scorer's own prefilter
    (``Scorer.might_resemble``, which passes whatever ``score`` would flag) and what passes
    is scored at once. Yields (candidate, score) for every candidate that passed; callers
    keep what they need (the flagged ones) and never a list of the whole day."""
    path = collector.fetch(query, window)
    for candidate in collector.parse(path, query, window):
        yield candidate, scorer.score(candidate)
