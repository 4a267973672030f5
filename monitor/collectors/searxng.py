"""Search results from a SearXNG instance's JSON API (`/search?q=...&format=json`).

Queries per brand: each name and alias quoted, plain and restricted to each social
platform (`site:facebook.com "Lao Airlines"`). Result URLs on a social platform become
account candidates; any other URL a page candidate (the scorer reads its host as well)."""

from __future__ import annotations

import datetime as dt

from monitor.clock import utcnow
from monitor.collectors.base import LayoutChanged, Query, Window, load_json, per_brand
from monitor.detection.models import Candidate
from monitor.detection.platforms import PLATFORM_HOSTS, display_name_from_title, parse_account_url
from monitor.fetch.http import Fetcher
from monitor.registry import Brand


def _site_filters() -> tuple[str, ...]:
    """One `site:` filter per platform: its main host, the first in the platform table."""
    main: dict[str, str] = {}
    for host, platform in PLATFORM_HOSTS.items():
        main.setdefault(platform, host)
    return tuple(main.values())


SITE_FILTERS = _site_filters()
JSON_TYPES = ("application/json",)


def time_range(window: Window) -> str | None:
    """SearXNG's coarse time filter that covers a window ending about now; None otherwise."""
    if not window.start or not window.end:
        return None
    now = utcnow()
    if now - window.end > dt.timedelta(days=1):
        return None  # a past window (backfill): the engine cannot restrict to it
    span = now - window.start
    for name, limit in (("day", dt.timedelta(days=1)), ("week", dt.timedelta(days=7)),
                        ("month", dt.timedelta(days=31)), ("year", dt.timedelta(days=366))):
        if span <= limit:
            return name
    return None


def build_queries(brand: Brand) -> list[Query]:
    names = [brand.name, *brand.aliases]
    queries = [Query(f'"{name}"', brand.id) for name in names]
    queries += [Query(f'site:{site} "{name}"', brand.id) for site in SITE_FILTERS for name in names]
    return queries


def parse_results(raw: bytes, query: Query) -> list[Candidate]:
    """Candidates from a SearXNG JSON response. Pure."""
    payload = load_json(raw)
    if not isinstance(payload, dict) or not isinstance(payload.get("results"), list):
        raise LayoutChanged("response has no 'results' list")
    candidates = []
    for number, result in enumerate(payload["results"]):
        if not isinstance(result, dict) or not isinstance(result.get("url"), str):
            raise LayoutChanged(f"result {number} has no 'url'")
        url = result["url"]
        title = result.get("title") if isinstance(result.get("title"), str) else None
        content = result.get("content") if isinstance(result.get("content"), str) else None
        account = parse_account_url(url)
        if account is not None:
            candidates.append(Candidate(kind="account", id=url, url=url, platform=account.platform,
                                        handle=account.handle, name=display_name_from_title(title, account.platform),
                                        bio=content))
        else:
            candidates.append(Candidate(kind="page", id=url, url=url, title=title, text=content))
    return candidates


class SearxngCollector:
    name = "searxng"

    def __init__(self, base_url: str, fetcher: Fetcher):
        self.base_url = base_url.rstrip("/")
        self.fetcher = fetcher

    def queries(self, brand: Brand | None) -> list[Query]:
        return build_queries(per_brand(self.name, brand))

    def fetch(self, query: Query, window: Window) -> bytes:
        params = {"q": query.text, "format": "json"}
        if (period := time_range(window)) is not None:
            params["time_range"] = period
        return self.fetcher.get(f"{self.base_url}/search", params=params, accept=JSON_TYPES,
                                trust_configured=True).body  # MONITOR_SEARXNG_URL: configuration

    def parse(self, raw: bytes, query: Query, window: Window) -> list[Candidate]:
        return parse_results(raw, query)
