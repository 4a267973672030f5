"""The collector interface and the loop that runs one collector for one brand."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from monitor.detection.models import Candidate
from monitor.fetch.http import FetchError
from monitor.registry import Brand


class LayoutChanged(Exception):
    """The response does not have the shape the parser knows: the source changed, not the
    world. Reported as an error on the collection run, never as 'no findings'."""


def load_json(raw: bytes, what: str = "response") -> Any:
    """Decoded JSON, or LayoutChanged: an HTML error page where JSON belongs is a change."""
    try:
        return json.loads(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise LayoutChanged(f"{what} is not JSON ({exc})") from None


@dataclass(frozen=True)
class Query:
    text: str
    brand_id: str


@dataclass(frozen=True)
class Window:
    start: dt.datetime | None
    end: dt.datetime | None


@dataclass(frozen=True)
class Found:
    """A candidate with where it came from."""

    candidate: Candidate
    query: str


@dataclass
class CollectResult:
    source: str
    brand_id: str
    found: list[Found] = field(default_factory=list)
    queries: int = 0
    errors: list[str] = field(default_factory=list)
    layout_changed: bool = False
    seconds: float = 0.0

    @property
    def failed(self) -> bool:
        """Every query failed: nothing was learned."""
        return bool(self.errors) and len(self.errors) >= self.queries


class Collector(Protocol):
    name: str  # its name in the source table (monitor.collectors.sources)

    def queries(self, brand: Brand) -> list[Query]: ...

    def fetch(self, query: Query, window: Window) -> Any:
        """I/O: the raw payload (bytes, or a file for large downloads)."""

    def parse(self, raw: Any, query: Query, window: Window) -> Iterable[Candidate]:
        """Pure: candidates from a payload; LayoutChanged when it has an unknown shape."""


def collect_brand(collector: Collector, brand: Brand, window: Window) -> CollectResult:
    """Run every query of a collector for a brand; one failing query does not stop the rest."""
    started = time.monotonic()
    result = CollectResult(collector.name, brand.id)
    seen: set[tuple[str, str | None]] = set()
    for query in collector.queries(brand):
        result.queries += 1
        try:
            raw = collector.fetch(query, window)
            candidates = list(collector.parse(raw, query, window))
        except LayoutChanged as exc:
            result.layout_changed = True
            result.errors.append(f"{query.text!r}: layout changed: {exc}")
            continue
        except FetchError as exc:
            result.errors.append(f"{query.text!r}: {exc}")
            continue
        for candidate in candidates:
            identity = candidate.domain if candidate.kind == "domain" else (candidate.url or candidate.handle)
            key = (candidate.kind, identity)
            if key in seen:
                continue
            seen.add(key)
            result.found.append(Found(candidate, query.text))
    result.seconds = time.monotonic() - started
    return result
