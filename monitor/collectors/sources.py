"""The one table of sources. Adding a source = one collector module, one SourceSpec here,
its fixtures and tests. Settings (default URLs, MONITOR_<SOURCE>_URL, keys), the plan, the
DAG's key lookup in Airflow connections, `build_collector` and the demo web all read it.

This module imports nothing heavy: settings read it at start-up. Each factory imports its
collector when called."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from monitor.collectors.base import Collector
    from monitor.detection.scoring import Scorer
    from monitor.fetch.http import Fetcher
    from monitor.settings import Settings


@dataclass(frozen=True)
class KeySpec:
    """A secret a source needs: from the environment, else from an Airflow connection."""

    setting: str  # the Settings field that holds it
    env: str  # MONITOR_..., read first
    connection: str  # Airflow connection id, read inside Airflow when the environment has none
    connection_fields: tuple[str, ...] = ("password",)  # first non-empty of these; 'extra.KEY' reads extra


@dataclass(frozen=True)
class SourceSpec:
    name: str
    # The public default base URL (MONITOR_<NAME>_URL overrides it); None: not fetched from a
    # base URL (its targets come from brands.yaml, or it asks DNS).
    default_url: str | None
    factory: Callable[[Settings, Fetcher, Scorer], Collector]
    # brand: queries are made from each brand's names; brand_config: it reads a per-brand list
    # in brands.yaml (named by needs_brand_field) and is planned only for brands that have one;
    # feed: one list about no brand in particular, collected once per run for every brand
    # (the scorer attributes each candidate to the brand it imitates).
    scope: Literal["brand", "brand_config", "feed"] = "brand"
    needs_brand_field: str | None = None
    keys: tuple[KeySpec, ...] = ()
    # Whether the source should return one of the brand's official identities (the canary):
    # a search for "Lao Airlines" must find laoairlines.com; a newly-registered list need not.
    canary: bool = False
    in_brand_monitor: bool = True  # a default source of the hourly DAG ('permutations' runs daily)
    demo_path: str | None = None  # where the offline demo web serves it (path, with {date} for NRD)

    @property
    def url_env(self) -> str:
        return f"MONITOR_{self.name.upper()}_URL"


class SourceNotConfigured(ValueError):
    pass


def _keys(settings: Settings, spec: SourceSpec) -> list[Any]:
    values = [getattr(settings, key.setting) for key in spec.keys]
    if not all(values):
        missing = ", ".join(k.env for k, v in zip(spec.keys, values, strict=True) if not v)
        raise SourceNotConfigured(f"{spec.name}: no API key ({missing}, or the {spec.keys[0].connection} connection)")
    return values


def _searxng(settings, fetcher, scorer):  # factories share one signature
    from monitor.collectors.searxng import SearxngCollector

    return SearxngCollector(settings.source_urls["searxng"], fetcher)


def _brave(settings, fetcher, scorer):
    from monitor.collectors.search_apis import BraveCollector

    (api_key,) = _keys(settings, SOURCES["brave"])
    return BraveCollector(settings.source_urls["brave"], api_key, fetcher)


def _google(settings, fetcher, scorer):
    from monitor.collectors.search_apis import GoogleCollector

    api_key, engine_id = _keys(settings, SOURCES["google"])
    return GoogleCollector(settings.source_urls["google"], api_key, engine_id, fetcher)


def _crtsh(settings, fetcher, scorer):
    from monitor.collectors.crtsh import CrtshCollector

    return CrtshCollector(settings.source_urls["crtsh"], fetcher, scorer.search_terms)


def _nrd(settings, fetcher, scorer):
    from monitor.collectors.nrd import NrdCollector

    return NrdCollector(settings.source_urls["nrd"], fetcher, scorer.might_resemble,
                        cache_dir=settings.state_dir / "nrd")


def _openphish(settings, fetcher, scorer):
    from monitor.collectors.phishing import OpenPhishCollector

    return OpenPhishCollector(settings.source_urls["openphish"], fetcher, scorer.might_resemble,
                              cache_dir=settings.state_dir / "feeds")


def _urlhaus(settings, fetcher, scorer):
    from monitor.collectors.phishing import UrlhausCollector

    return UrlhausCollector(settings.source_urls["urlhaus"], fetcher, scorer.might_resemble,
                            cache_dir=settings.state_dir / "feeds")


def _ct(settings, fetcher, scorer):
    # CT is read from a position per log, which only its own steps move (the ct_monitor DAG,
    # `monitor collect --source ct`): a generic collection would re-read or skip entries.
    raise SourceNotConfigured("ct: read by the ct_monitor DAG and `monitor collect --source ct`, which keep "
                              "each log's position; not by brand_monitor or `monitor run`")


def _permutations(settings, fetcher, scorer):
    from monitor.collectors.permutations import PermutationsCollector
    from monitor.fetch.dns import Dns

    return PermutationsCollector(Dns(settings.dns_nameserver, timeout=3.0))


def _listing(settings, fetcher, scorer):
    from monitor.collectors.listing import ListingCollector

    return ListingCollector(fetcher)


def _rss(settings, fetcher, scorer):
    from monitor.collectors.listing import RssCollector

    return RssCollector(fetcher)


SOURCES: dict[str, SourceSpec] = {spec.name: spec for spec in (
    SourceSpec("searxng", "https://searx.be", _searxng, canary=True, demo_path=""),
    SourceSpec("brave", "https://api.search.brave.com", _brave, canary=True, demo_path="/brave",
               keys=(KeySpec("brave_api_key", "MONITOR_BRAVE_API_KEY", "brave_search"),)),
    SourceSpec("google", "https://www.googleapis.com", _google, canary=True, demo_path="/google",
               keys=(KeySpec("google_api_key", "MONITOR_GOOGLE_API_KEY", "google_search"),
                     KeySpec("google_cx", "MONITOR_GOOGLE_CX", "google_search", ("extra.cx", "login")))),
    SourceSpec("crtsh", "https://crt.sh", _crtsh, canary=True, demo_path="/crtsh"),
    # A daily list of newly registered domains; {date} / {date_b64} are filled in per day.
    SourceSpec("nrd", "https://www.whoisds.com/whois-database/newly-registered-domains/{date_b64}/nrd", _nrd,
               scope="feed", demo_path="/nrd/{date}.txt"),
    SourceSpec("openphish", "https://openphish.com/feed.txt", _openphish, scope="feed",
               demo_path="/openphish/feed.txt"),
    SourceSpec("urlhaus", "https://urlhaus.abuse.ch/downloads/csv_recent/", _urlhaus, scope="feed",
               demo_path="/urlhaus/"),
    # Certificate Transparency logs read directly (monitor.collectors.ct): the default is the
    # public v3 log list, MONITOR_CT_LOG_LIST_URL overrides it; the logs it names are read.
    SourceSpec("ct", "https://www.gstatic.com/ct/log_list/v3/log_list.json", _ct, scope="feed",
               in_brand_monitor=False),
    SourceSpec("permutations", None, _permutations, canary=True, in_brand_monitor=False),
    SourceSpec("listing", None, _listing, scope="brand_config", needs_brand_field="listings"),
    SourceSpec("rss", None, _rss, scope="brand_config", needs_brand_field="feeds"),
)}

SOURCE_NAMES = tuple(SOURCES)
BRAND_MONITOR_SOURCES = tuple(name for name, spec in SOURCES.items() if spec.in_brand_monitor)


def build_collector(name: str, settings: Settings, fetcher: Fetcher, scorer: Scorer) -> Collector:
    """The collector for a source name, from settings."""
    spec = SOURCES.get(name)
    if spec is None:
        raise ValueError(f"unknown source {name!r} (known: {', '.join(SOURCE_NAMES)})")
    return spec.factory(settings, fetcher, scorer)
