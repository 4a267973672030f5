"""Sources of candidates. Each collector splits I/O (``fetch``) from parsing (``parse``,
pure, tested on saved payloads in tests/fixtures/<source>/)."""

from __future__ import annotations

from monitor.collectors.base import Collector, CollectResult, LayoutChanged, Query, Window, collect_brand


def build_collector(name: str, settings, fetcher) -> Collector:  # noqa: ANN001
    """The collector for a source name from settings."""
    if name == "searxng":
        from monitor.collectors.searxng import SearxngCollector

        return SearxngCollector(settings.source_urls["searxng"], fetcher)
    raise ValueError(f"unknown source {name!r}")


__all__ = ["Collector", "CollectResult", "LayoutChanged", "Query", "Window", "build_collector", "collect_brand"]
