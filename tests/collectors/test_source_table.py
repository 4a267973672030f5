"""The table of sources (monitor.source_table, data) and its factories (collectors.sources)
name the same sources, and the old import place still offers the table."""

from __future__ import annotations

import pytest

from monitor import source_table
from monitor.collectors import sources
from monitor.settings import Settings


def test_every_source_in_the_table_has_a_factory_and_no_factory_is_left_over():
    assert list(sources.FACTORIES) == list(source_table.SOURCES)


def test_the_collectors_module_offers_the_same_table():
    assert sources.SOURCES is source_table.SOURCES and sources.SourceSpec is source_table.SourceSpec
    assert sources.BRAND_MONITOR_SOURCES == source_table.BRAND_MONITOR_SOURCES
    assert "permutations" not in sources.BRAND_MONITOR_SOURCES and "ct" not in sources.BRAND_MONITOR_SOURCES


def test_scopes_compare_as_their_names():
    assert source_table.SOURCES["nrd"].scope == "feed" and source_table.SOURCES["rss"].scope == "brand_config"
    assert source_table.SOURCES["crtsh"].scope == "brand"


def test_an_unknown_source_and_a_source_without_its_key():
    settings = Settings()
    with pytest.raises(ValueError, match="unknown source 'bing'"):
        sources.build_collector("bing", settings, None, None)  # type: ignore[arg-type]  # refused before use
    with pytest.raises(sources.SourceNotConfigured, match=r"brave: no API key \(MONITOR_BRAVE_API_KEY, or the "
                                                          r"brave_search connection\)"):
        sources.build_collector("brave", settings, None, None)  # type: ignore[arg-type]  # refused before use
