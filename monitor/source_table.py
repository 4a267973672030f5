"""The one table of sources, as data: each source's name, public default URL, the keys it
needs, its scope, and which DAG collects it. Settings (default URLs, MONITOR_<SOURCE>_URL,
keys), the plan, the DAG's key lookup in Airflow connections and the demo web read it;
`monitor.collectors.sources` adds each source's factory.

It imports nothing from `monitor`, so that settings can read it without importing the
collectors (which import the fetcher, which imports settings). Adding a source = one
SourceSpec here, one factory in collectors/sources.py, one collector module, its fixtures and
tests."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class SourceScope(StrEnum):
    """How a source's collections are planned."""

    BRAND = "brand"  # queries are made from each brand's names
    # it reads a per-brand list in brands.yaml (named by needs_brand_field) and is planned
    # only for brands that have one
    BRAND_CONFIG = "brand_config"
    # one list about no brand in particular, collected once per run for every brand (the
    # scorer attributes each candidate to the brand it imitates)
    FEED = "feed"


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
    scope: SourceScope = SourceScope.BRAND
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


SOURCES: dict[str, SourceSpec] = {spec.name: spec for spec in (
    SourceSpec("searxng", "https://searx.be", canary=True, demo_path=""),
    SourceSpec("brave", "https://api.search.brave.com", canary=True, demo_path="/brave",
               keys=(KeySpec("brave_api_key", "MONITOR_BRAVE_API_KEY", "brave_search"),)),
    SourceSpec("google", "https://www.googleapis.com", canary=True, demo_path="/google",
               keys=(KeySpec("google_api_key", "MONITOR_GOOGLE_API_KEY", "google_search"),
                     KeySpec("google_cx", "MONITOR_GOOGLE_CX", "google_search", ("extra.cx", "login")))),
    SourceSpec("crtsh", "https://crt.sh", canary=True, demo_path="/crtsh"),
    # A daily list of newly registered domains; {date} / {date_b64} are filled in per day.
    SourceSpec("nrd", "https://www.whoisds.com/whois-database/newly-registered-domains/{date_b64}/nrd",
               scope=SourceScope.FEED, demo_path="/nrd/{date}.txt"),
    SourceSpec("openphish", "https://openphish.com/feed.txt", scope=SourceScope.FEED, demo_path="/openphish/feed.txt"),
    SourceSpec("urlhaus", "https://urlhaus.abuse.ch/downloads/csv_recent/", scope=SourceScope.FEED,
               demo_path="/urlhaus/"),
    # Certificate Transparency logs read directly (monitor.collectors.ct): the default is the
    # public v3 log list, MONITOR_CT_LOG_LIST_URL overrides it; the logs it names are read.
    SourceSpec("ct", "https://www.gstatic.com/ct/log_list/v3/log_list.json", scope=SourceScope.FEED,
               in_brand_monitor=False),
    SourceSpec("permutations", None, canary=True, in_brand_monitor=False),
    SourceSpec("listing", None, scope=SourceScope.BRAND_CONFIG, needs_brand_field="listings"),
    SourceSpec("rss", None, scope=SourceScope.BRAND_CONFIG, needs_brand_field="feeds"),
)}

SOURCE_NAMES = tuple(SOURCES)
BRAND_MONITOR_SOURCES = tuple(name for name, spec in SOURCES.items() if spec.in_brand_monitor)
# Every source's key, by the Settings field that holds it.
SOURCE_KEYS: dict[str, KeySpec] = {key.setting: key for spec in SOURCES.values() for key in spec.keys}
