"""Each source's collector factory, and `build_collector`. The table of sources itself (names,
default URLs, keys, scope, which DAG) is data in `monitor.source_table`, re-exported here.
Adding a source = one SourceSpec there, one factory here, one collector module, its fixtures
and tests.

Each factory imports its collector when called, so that reading the table stays cheap."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from monitor.source_table import (
    BRAND_MONITOR_SOURCES,
    SOURCE_NAMES,
    SOURCES,
    KeySpec,
    SourceScope,
    SourceSpec,
)

if TYPE_CHECKING:
    from monitor.collectors.base import Collector
    from monitor.detection.scoring import Scorer
    from monitor.fetch.http import Fetcher
    from monitor.settings import Settings


__all__ = ["BRAND_MONITOR_SOURCES", "FACTORIES", "SOURCE_NAMES", "SOURCES", "KeySpec", "SourceNotConfigured",
           "SourceScope", "SourceSpec", "build_collector"]


class SourceNotConfigured(ValueError):
    pass


def _keys(settings: Settings, spec: SourceSpec) -> list[Any]:
    values = [getattr(settings, key.setting) for key in spec.keys]
    if not all(values):
        missing = ", ".join(k.env for k, v in zip(spec.keys, values, strict=True) if not v)
        raise SourceNotConfigured(f"{spec.name}: no API key ({missing}, or the {spec.keys[0].connection} connection)")
    return values


def _searxng(settings: Settings, fetcher: Fetcher, scorer: Scorer) -> Collector:  # factories share one signature
    from monitor.collectors.searxng import SearxngCollector

    return SearxngCollector(settings.source_urls["searxng"], fetcher)


def _brave(settings: Settings, fetcher: Fetcher, scorer: Scorer) -> Collector:
    from monitor.collectors.search_apis import BraveCollector

    (api_key,) = _keys(settings, SOURCES["brave"])
    return BraveCollector(settings.source_urls["brave"], api_key, fetcher)


def _google(settings: Settings, fetcher: Fetcher, scorer: Scorer) -> Collector:
    from monitor.collectors.search_apis import GoogleCollector

    api_key, engine_id = _keys(settings, SOURCES["google"])
    return GoogleCollector(settings.source_urls["google"], api_key, engine_id, fetcher)


def _crtsh(settings: Settings, fetcher: Fetcher, scorer: Scorer) -> Collector:
    from monitor.collectors.crtsh import CrtshCollector

    return CrtshCollector(settings.source_urls["crtsh"], fetcher, scorer.search_terms)


def _nrd(settings: Settings, fetcher: Fetcher, scorer: Scorer) -> Collector:
    from monitor.collectors.nrd import NrdCollector

    return NrdCollector(settings.source_urls["nrd"], fetcher, scorer.might_resemble,
                        cache_dir=settings.state_dir / "nrd")


def _openphish(settings: Settings, fetcher: Fetcher, scorer: Scorer) -> Collector:
    from monitor.collectors.phishing import OpenPhishCollector

    return OpenPhishCollector(settings.source_urls["openphish"], fetcher, scorer.might_resemble,
                              cache_dir=settings.state_dir / "feeds")


def _urlhaus(settings: Settings, fetcher: Fetcher, scorer: Scorer) -> Collector:
    from monitor.collectors.phishing import UrlhausCollector

    return UrlhausCollector(settings.source_urls["urlhaus"], fetcher, scorer.might_resemble,
                            cache_dir=settings.state_dir / "feeds")


def _ct(settings: Settings, fetcher: Fetcher, scorer: Scorer) -> Collector:
    # CT is read from a position per log, which only its own steps move (the ct_monitor DAG,
    # `monitor collect --source ct`): a generic collection would re-read or skip entries.
    raise SourceNotConfigured("ct: read by the ct_monitor DAG and `monitor collect --source ct`, which keep "
                              "each log's position; not by brand_monitor or `monitor run`")


def _permutations(settings: Settings, fetcher: Fetcher, scorer: Scorer) -> Collector:
    from monitor.collectors.permutations import PermutationsCollector
    from monitor.fetch.dns import Dns

    return PermutationsCollector(Dns(settings.dns_nameserver, timeout=3.0))


def _listing(settings: Settings, fetcher: Fetcher, scorer: Scorer) -> Collector:
    from monitor.collectors.listing import ListingCollector

    return ListingCollector(fetcher)


def _rss(settings: Settings, fetcher: Fetcher, scorer: Scorer) -> Collector:
    from monitor.collectors.listing import RssCollector

    return RssCollector(fetcher)


# Each source's collector, by name (the table's data is monitor.source_table).
Factory = Callable[["Settings", "Fetcher", "Scorer"], "Collector"]
FACTORIES: dict[str, Factory] = {
    "searxng": _searxng, "brave": _brave, "google": _google, "crtsh": _crtsh, "nrd": _nrd,
    "openphish": _openphish, "urlhaus": _urlhaus, "ct": _ct, "permutations": _permutations,
    "listing": _listing, "rss": _rss,
}


def build_collector(name: str, settings: Settings, fetcher: Fetcher, scorer: Scorer) -> Collector:
    """The collector for a source name, from settings."""
    spec = SOURCES.get(name)
    if spec is None:
        raise ValueError(f"unknown source {name!r} (known: {', '.join(SOURCE_NAMES)})")
    return FACTORIES[spec.name](settings, fetcher, scorer)
