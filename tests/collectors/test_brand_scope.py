"""A shared feed is collected once for every brand (brand None); a source whose queries are made
from a brand refuses None by name instead of failing on an attribute of None."""

from __future__ import annotations

import pytest

from monitor.collectors.base import ALL_BRANDS, Window, collect_brand
from monitor.collectors.crtsh import CrtshCollector
from monitor.collectors.listing import ListingCollector, RssCollector
from monitor.collectors.permutations import PermutationsCollector
from monitor.collectors.phishing import OpenPhishCollector
from monitor.collectors.search_apis import BraveCollector, GoogleCollector
from monitor.collectors.searxng import SearxngCollector

PER_BRAND = [
    SearxngCollector("http://searxng.invalid", None),
    BraveCollector("http://brave.invalid", "key", None),
    GoogleCollector("http://google.invalid", "key", "engine", None),
    CrtshCollector("http://crtsh.invalid", None, lambda brand_id: [brand_id]),
    PermutationsCollector(None),
    ListingCollector(None),
    RssCollector(None),
]


@pytest.mark.parametrize("collector", PER_BRAND, ids=lambda c: c.name)
def test_a_per_brand_source_refuses_every_brand_at_once(collector, registry):
    with pytest.raises(ValueError, match=f"^{collector.name} makes its queries from a brand"):
        collector.queries(None)
    with pytest.raises(ValueError, match=collector.name):
        collect_brand(collector, None, Window(None, None))
    brand = registry.brands[0]
    assert all(q.brand_id == brand.id for q in collector.queries(brand))


def test_a_shared_feed_takes_every_brand_at_once():
    feed = OpenPhishCollector("http://openphish.invalid/feed.txt", None, lambda text: True)
    assert [(q.text, q.brand_id) for q in feed.queries(None)] == [("feed", ALL_BRANDS)]
