"""Sources of candidates. Each collector splits I/O (``fetch``) from parsing (``parse``,
pure, tested on saved payloads in tests/fixtures/<source>/)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor.collectors.base import Collector, CollectResult, LayoutChanged, Query, Window, collect_brand
from monitor.settings import SOURCE_DEFAULT_URLS

if TYPE_CHECKING:
    from monitor.fetch.http import Fetcher
    from monitor.detection.scoring import Scorer
    from monitor.settings import Settings

SOURCES = tuple(SOURCE_DEFAULT_URLS)  # the one list of source names lives in settings


class SourceNotConfigured(ValueError):
    pass


def build_collector(name: str, settings: "Settings", fetcher: "Fetcher", scorer: "Scorer") -> Collector:
    """The collector for a source name, from settings."""
    urls = settings.source_urls
    if name == "searxng":
        from monitor.collectors.searxng import SearxngCollector

        return SearxngCollector(urls["searxng"], fetcher)
    if name == "brave":
        from monitor.collectors.search_apis import BraveCollector

        if not settings.brave_api_key:
            raise SourceNotConfigured("brave: no API key (MONITOR_BRAVE_API_KEY or the brave_search connection)")
        return BraveCollector(urls["brave"], settings.brave_api_key, fetcher)
    if name == "google":
        from monitor.collectors.search_apis import GoogleCollector

        if not settings.google_api_key or not settings.google_cx:
            raise SourceNotConfigured("google: no API key and engine id (MONITOR_GOOGLE_API_KEY, MONITOR_GOOGLE_CX)")
        return GoogleCollector(urls["google"], settings.google_api_key, settings.google_cx, fetcher)
    if name == "crtsh":
        from monitor.collectors.crtsh import CrtshCollector

        return CrtshCollector(urls["crtsh"], fetcher, scorer.search_terms)
    if name == "nrd":
        from monitor.collectors.nrd import NrdCollector

        return NrdCollector(urls["nrd"], fetcher, scorer.might_resemble)
    if name == "openphish":
        from monitor.collectors.phishing import OpenPhishCollector

        return OpenPhishCollector(urls["openphish"], fetcher, scorer.might_resemble)
    if name == "urlhaus":
        from monitor.collectors.phishing import UrlhausCollector

        return UrlhausCollector(urls["urlhaus"], fetcher, scorer.might_resemble)
    if name == "permutations":
        from monitor.collectors.permutations import PermutationsCollector
        from monitor.fetch.dns import Dns

        return PermutationsCollector(Dns(settings.dns_nameserver, timeout=3.0))
    if name == "listing":
        from monitor.collectors.listing import ListingCollector

        return ListingCollector(fetcher)
    if name == "rss":
        from monitor.collectors.listing import RssCollector

        return RssCollector(fetcher)
    raise ValueError(f"unknown source {name!r} (known: {', '.join(SOURCES)})")


__all__ = ["SOURCES", "Collector", "CollectResult", "LayoutChanged", "Query", "SourceNotConfigured", "Window",
           "build_collector", "collect_brand"]
