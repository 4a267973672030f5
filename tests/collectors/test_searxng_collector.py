"""The SearXNG collector: pure parsing of saved payloads, and fetching from a local server."""

from __future__ import annotations

import datetime as dt
import json

import pytest

from monitor.collectors.base import LayoutChanged, Query, Window, collect_brand
from monitor.collectors.searxng import SearxngCollector, build_queries, parse_results, time_range
from monitor.fetch.http import Fetcher
from monitor.settings import Settings
from tests.conftest import FIXTURES

QUERY = Query('site:facebook.com "Lao Airlines"', "lao-airlines")


def _fixture(name: str) -> bytes:
    return (FIXTURES / "searxng" / name).read_bytes()


def test_platform_results_become_accounts_and_others_pages():
    candidates = parse_results(_fixture("site_facebook_lao_airlines.json"), QUERY)
    assert [(c.kind, c.platform, c.handle, c.name) for c in candidates] == [
        ("account", "facebook", "laoairlines", "Lao Airlines | Vientiane"),
        ("account", "facebook", "laoairlines.promo2026", "Lao Airlines Promotion"),
        ("account", "facebook", None, "ການບິນລາວ ໂປຣໂມຊັ່ນ"),
        ("account", "facebook", "groups/laoairlinesspotters", "Lao Airlines Spotters"),
    ]
    assert candidates[1].bio.startswith("Like and share")
    pages = parse_results(_fixture("lao_airlines.json"), QUERY)
    assert [(c.kind, c.url) for c in pages][1] == ("page", "https://laoairlines-booking.top/")
    assert pages[1].title == "Lao Airlines - Online booking and check-in"


def test_no_results_is_empty_but_a_changed_layout_is_an_error():
    assert parse_results(_fixture("no_results.json"), QUERY) == []
    with pytest.raises(LayoutChanged, match="no 'results' list"):
        parse_results(_fixture("layout_changed.json"), QUERY)
    with pytest.raises(LayoutChanged, match="not JSON"):
        parse_results(b"<html><body>Too many requests</body></html>", QUERY)


def test_queries_cover_names_aliases_and_platforms(registry):
    queries = [q.text for q in build_queries(registry.brand("laopost"))]
    assert '"Laopost"' in queries and '"ໄປສະນີລາວ"' in queries
    assert 'site:facebook.com "Lao Post"' in queries and 'site:t.me "Laopost"' in queries


def test_time_range_follows_the_window():
    now = dt.datetime.now(dt.UTC)
    assert time_range(Window(now - dt.timedelta(hours=1), now)) == "day"
    assert time_range(Window(now - dt.timedelta(days=3), now)) == "week"
    assert time_range(Window(now - dt.timedelta(days=30), now - dt.timedelta(days=29))) is None  # a backfill
    assert time_range(Window(None, None)) is None


def test_collect_against_a_local_server(httpserver, registry):
    payloads = {
        '"Lao Airlines"': _fixture("lao_airlines.json"),
        'site:facebook.com "Lao Airlines"': _fixture("site_facebook_lao_airlines.json"),
    }
    seen = []

    def handler(request):
        from werkzeug import Response

        seen.append(dict(request.args))
        body = payloads.get(request.args["q"], _fixture("no_results.json"))
        return Response(body, content_type="application/json")

    httpserver.expect_request("/search").respond_with_handler(handler)
    settings = Settings(allow_private_networks=True, host_min_delay=0)
    collector = SearxngCollector(httpserver.url_for("/").rstrip("/"), Fetcher(settings, extra_ports=(httpserver.port,)))
    now = dt.datetime.now(dt.UTC)
    result = collect_brand(collector, registry.brand("lao-airlines"), Window(now - dt.timedelta(hours=1), now))
    assert result.errors == [] and result.queries == len(build_queries(registry.brand("lao-airlines")))
    assert all(args["format"] == "json" and args["time_range"] == "day" for args in seen)
    urls = [f.candidate.url for f in result.found]
    assert "https://laoairlines-booking.top/" in urls and "https://www.facebook.com/laoairlines.promo2026" in urls
    assert len(urls) == len(set(urls))


def test_loopback_is_refused_without_the_setting(httpserver, registry):
    httpserver.expect_request("/search").respond_with_data(json.dumps({"results": []}), content_type="application/json")
    collector = SearxngCollector(httpserver.url_for("/").rstrip("/"), Fetcher(Settings(host_min_delay=0), extra_ports=(httpserver.port,)))
    result = collect_brand(collector, registry.brand("tholakhong"), Window(None, None))
    # refused before connecting: the server never saw a request (a plain connection error
    # would name the address too)
    assert result.failed and "forbidden address" in result.errors[0] and "127.0.0.1" in result.errors[0]
    assert httpserver.log == []


def test_a_layout_change_is_reported_not_silenced(httpserver, registry):
    httpserver.expect_request("/search").respond_with_data(_fixture("layout_changed.json"), content_type="application/json")
    collector = SearxngCollector(httpserver.url_for("/").rstrip("/"),
                                 Fetcher(Settings(allow_private_networks=True, host_min_delay=0), extra_ports=(httpserver.port,)))
    result = collect_brand(collector, registry.brand("tholakhong"), Window(None, None))
    assert result.layout_changed and result.failed
    assert "layout changed" in result.errors[0]
