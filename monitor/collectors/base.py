"""The collector interface and the loop that runs one collector for one brand."""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

from monitor.detection.models import Candidate, CandidateError, candidate_from_dict
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
    skipped: int = 0  # queries not started because the time budget was spent (one error says so)

    @property
    def failed(self) -> bool:
        """Every query that ran failed, or none ran: nothing was learned."""
        query_errors = len(self.errors) - (1 if self.skipped else 0)
        return bool(self.errors) and query_errors >= self.queries


class Collector(Protocol):
    name: str  # its name in the source table (monitor.collectors.sources)

    def queries(self, brand: Brand | None) -> list[Query]:
        """The queries for a brand, or for every brand (None) from a shared feed (scope "feed");
        a source whose queries are made from a brand refuses None (per_brand)."""

    def fetch(self, query: Query, window: Window) -> Any:
        """I/O: the raw payload (bytes, or a file for large downloads)."""

    def parse(self, raw: Any, query: Query, window: Window) -> Iterable[Candidate]:
        """Pure: candidates from a payload; LayoutChanged when it has an unknown shape."""


# The brand id of a shared feed's collection: one list for every brand (SourceSpec scope "feed").
ALL_BRANDS = "*"


def per_brand(source: str, brand: Brand | None) -> Brand:
    """The brand a per-brand source makes its queries from; None (a shared feed's run, for
    every brand) is a planning error for such a source, not an empty result."""
    if brand is None:
        raise ValueError(f"{source} makes its queries from a brand: it cannot be collected for every brand at once")
    return brand


def collect_brand(collector: Collector, brand: Brand | None, window: Window, *, budget_seconds: float | None = None,
                  clock: Callable[[], float] = time.monotonic) -> CollectResult:
    """Run every query of a collector for a brand (None: a shared feed, for every brand); one
    failing query does not stop the rest.
    With a time budget (Settings.collect_budget_seconds), the queries not started once it is
    spent are skipped and reported as one error: a slow source cannot hold a run for hours
    (a query already running is bounded by the fetcher's deadline)."""
    started = clock()
    result = CollectResult(collector.name, brand.id if brand is not None else ALL_BRANDS)
    seen: set[tuple[str, str | None]] = set()
    queries = list(collector.queries(brand))
    for number, query in enumerate(queries):
        if budget_seconds is not None and clock() - started >= budget_seconds:
            result.skipped = len(queries) - number
            result.errors.append(f"time budget of {budget_seconds:g} s spent: {len(queries) - number} of "
                                 f"{len(queries)} queries skipped")
            break
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
            try:  # what the score step and the XCom edge accept, checked where it is made:
                candidate_from_dict(candidate.to_dict())  # one bad candidate is reported, not the batch lost
            except CandidateError as exc:
                result.errors.append(f"{query.text!r}: a candidate was refused: {exc}")
                continue
            # one answer of one source listed twice (the same host or URL as written), not
            # detection.identity.identity_of's finding key, which needs the scorer's view
            as_written = candidate.domain if candidate.kind == "domain" else (candidate.url or candidate.handle)
            key = (candidate.kind, as_written)
            if key in seen:
                continue
            seen.add(key)
            result.found.append(Found(candidate, query.text))
    result.seconds = clock() - started
    return result
