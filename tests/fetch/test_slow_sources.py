"""Issue #11 item 13: a source that drips its answer cannot hold a run. The host that hit the
deadline is cooled down (later requests fail fast, no connection), and each collection has
a time budget past which its remaining queries are skipped and reported."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from monitor.collectors.base import Query, Window, collect_brand
from monitor.fetch.http import UNREACHABLE_COOLDOWN, DeadlineExceeded, Fetcher, FetchError, RateLimited
from monitor.settings import Settings
from tests.fetch.test_fetcher_faults import RawServer


def _drip(conn):
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n")
    for _ in range(60):
        conn.sendall(b" ")
        time.sleep(0.25)


@pytest.fixture
def dripping():
    server = RawServer(_drip)
    yield server
    server.close()


def _fetcher(port: int) -> Fetcher:
    settings = Settings(allow_private_networks=True, extra_ports=(port,), host_min_delay=0, http_timeout=5,
                        http_deadline=1)
    return Fetcher(settings, retries=0, sleep=lambda s: None)


def test_a_host_that_hits_the_deadline_is_cooled_down(dripping):
    fetcher = _fetcher(int(dripping.url.split(":")[2][:-1]))
    with pytest.raises(DeadlineExceeded, match="within"):
        fetcher.get(dripping.url)
    started = time.monotonic()
    with pytest.raises(RateLimited, match="cooling down .*deadline"):
        fetcher.get(dripping.url + "other")
    assert time.monotonic() - started < 0.5 and dripping.connections == 1
    _, until, reason = fetcher.gate._memory[dripping.url.rstrip("/")]  # keyed by origin
    assert 100 < (until - dt.datetime.now(dt.UTC)).total_seconds() <= UNREACHABLE_COOLDOWN
    assert "deadline" in reason


class _Collector:
    """A collector of n queries against one URL."""

    name = "slow"

    def __init__(self, fetcher: Fetcher | None, url: str, n: int, on_fetch=None):
        self.fetcher, self.url, self.n, self.on_fetch = fetcher, url, n, on_fetch

    def queries(self, brand):
        return [Query(f"q{i}", brand.id) for i in range(self.n)]

    def fetch(self, query, window):
        if self.on_fetch:
            return self.on_fetch(query)
        return self.fetcher.get(self.url, params={"q": query.text}).body

    def parse(self, raw, query, window):
        return []


def test_budget_skips_and_reports_the_remaining_queries(registry):
    """14 queries of 60 s each (the fetch deadline) against a budget of 300 s: 5 run, 9 are
    skipped, and the result says so."""
    now = [0.0]

    def slow(query):
        now[0] += 60
        raise FetchError(f"{query.text}: no complete response within 60s")

    brand = registry.brands[0]
    result = collect_brand(_Collector(None, "", 14, slow), brand, Window(None, None), budget_seconds=300,
                           clock=lambda: now[0])
    assert result.queries == 5 and result.skipped == 9
    assert result.errors[-1] == "time budget of 300 s spent: 9 of 14 queries skipped"
    assert result.failed and now[0] == 300


def test_budget_does_not_mark_a_partly_successful_collection_failed(registry):
    now = [0.0]

    def one_good(query):
        now[0] += 200
        return b""

    result = collect_brand(_Collector(None, "", 4, one_good), registry.brands[0], Window(None, None),
                           budget_seconds=300, clock=lambda: now[0])
    assert result.queries == 2 and result.skipped == 2 and not result.failed


def test_without_a_budget_every_query_runs(registry):
    result = collect_brand(_Collector(None, "", 14, lambda q: b""), registry.brands[0], Window(None, None))
    assert result.queries == 14 and result.errors == []


def test_a_dripping_source_holds_one_brand_for_one_deadline_not_fourteen(dripping, registry):
    """Real time, real server: the first query hits the 1 s deadline, the host is cooled down,
    and the 13 others fail at once without connecting."""
    fetcher = _fetcher(int(dripping.url.split(":")[2][:-1]))
    started = time.monotonic()
    result = collect_brand(_Collector(fetcher, dripping.url, 14), registry.brands[0], Window(None, None),
                           budget_seconds=300)
    assert time.monotonic() - started < 3
    assert dripping.connections == 1 and result.queries == 14 and result.failed
    assert "within" in result.errors[0] and all("cooling down" in e for e in result.errors[1:])
