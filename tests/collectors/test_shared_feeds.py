"""Shared feeds (OpenPhish, URLhaus, newly registered domains) are about no brand in particular:
one run downloads each once, whatever the number of brands, matches it against every brand,
and downloads it again only when it changed (ETag / Last-Modified)."""

from __future__ import annotations

from collections import Counter

import pytest
from sqlalchemy import select
from werkzeug import Response

from monitor import pipeline
from monitor.settings import Settings
from monitor.summary import summarize
from tests.conftest import BRANDS_FILE, FIXTURES

FEEDS = ("openphish", "urlhaus", "nrd")


@pytest.fixture
def feeds(httpserver):
    seen: Counter = Counter()
    conditional: list[str] = []

    def openphish(request):
        seen["openphish"] += 1
        if request.headers.get("If-None-Match") == '"v1"':
            conditional.append("openphish")
            return Response(status=304)
        return Response((FIXTURES / "openphish" / "feed.txt").read_bytes(), content_type="text/plain",
                        headers={"ETag": '"v1"'})

    def urlhaus(request):
        seen["urlhaus"] += 1
        if request.headers.get("If-Modified-Since") == "Sat, 28 Nov 2026 11:05:02 GMT":
            conditional.append("urlhaus")
            return Response(status=304)
        return Response((FIXTURES / "urlhaus" / "csv_recent.csv").read_bytes(), content_type="text/csv",
                        headers={"Last-Modified": "Sat, 28 Nov 2026 11:05:02 GMT"})

    def nrd(request):
        seen["nrd"] += 1
        return Response(b"bluehouse.com\nlaoairlines-promo.top\nlaopost-express.top\ngreen-river.net\n",
                        content_type="text/plain")

    httpserver.expect_request("/openphish/feed.txt").respond_with_handler(openphish)
    httpserver.expect_request("/urlhaus/").respond_with_handler(urlhaus)
    httpserver.expect_request("/nrd/2026-11-28.txt").respond_with_handler(nrd)
    httpserver.seen, httpserver.conditional = seen, conditional
    return httpserver


def _run(settings: Settings) -> list[pipeline.Stored]:
    run = pipeline.RunInfo("manual__feeds", "manual", "2026-11-28T10:00:00+00:00", "2026-11-28T11:00:00+00:00")
    return [pipeline.store(settings, pipeline.score(settings, pipeline.collect(settings, item, run)))
            for item in pipeline.plan(settings, {})]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_one_request_per_feed_whatever_the_number_of_brands(feeds, migrated_url, tmp_path):
    from monitor.store.db import factory_for
    from monitor.store.models import CollectionRun, Finding

    base = feeds.url_for("/").rstrip("/")
    # configured endpoints on 127.0.0.1 at a high port: trusted as configuration, no test-only settings
    settings = Settings(database_url=migrated_url, brands_file=BRANDS_FILE, state_dir=tmp_path / "state",
                        source_urls={"openphish": f"{base}/openphish/feed.txt", "urlhaus": f"{base}/urlhaus/",
                                     "nrd": f"{base}/nrd/{{date}}.txt"},
                        sources=FEEDS, host_min_delay=0, enrich_min_score=101)
    plan = pipeline.plan(settings, {})
    assert sorted(i.source for i in plan) == sorted(FEEDS) and {i.brand for i in plan} == {"*"}
    assert {i.label for i in plan} == {f"all brands · {f}" for f in FEEDS}

    stored = _run(settings)
    assert feeds.seen == Counter({"openphish": 1, "urlhaus": 1, "nrd": 1})  # six brands, one request each
    assert all(s.status == "ok" for s in stored), [s.error for s in stored]
    with factory_for(migrated_url)() as session:
        brands = {f.brand_id for f in session.scalars(select(Finding))}
        runs = list(session.scalars(select(CollectionRun)))
    assert {"laopost", "lao-airlines"} <= brands  # the scorer attributes each candidate to its brand
    assert len(runs) == 3 and {r.brand_id for r in runs} == {"*"}
    assert "all brands" in summarize(stored, None)

    again = _run(settings)  # the next run: unchanged feeds are not downloaded again
    assert sorted(feeds.conditional) == ["openphish", "urlhaus"]
    assert feeds.seen == Counter({"openphish": 2, "urlhaus": 2, "nrd": 1})  # a day's list is kept for 6 hours
    assert [s.candidates for s in again] == [s.candidates for s in stored]  # read from the kept copy
