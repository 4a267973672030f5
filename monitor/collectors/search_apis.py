"""Commercial search APIs, used when their keys are configured (environment or Airflow
connection): Brave Search API and Google Programmable Search (Custom Search JSON API).
Queries are the same as SearXNG's: names and aliases, plain and platform-restricted."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from monitor.collectors.base import LayoutChanged, Query, Window, load_json, per_brand
from monitor.collectors.searxng import JSON_TYPES, build_queries, time_range
from monitor.detection.models import Candidate
from monitor.detection.platforms import display_name_from_title, parse_account_url
from monitor.fetch.http import Fetcher
from monitor.registry import Brand

_BRAVE_FRESHNESS = {"day": "pd", "week": "pw", "month": "pm", "year": "py"}
_GOOGLE_DATE = {"day": "d1", "week": "w1", "month": "m1", "year": "y1"}


def _result(url: str, title: str | None, snippet: str | None, source: str) -> Candidate:
    account = parse_account_url(url)
    if account is not None:
        return Candidate(kind="account", id=f"{source}:{url}", url=url, platform=account.platform,
                         handle=account.handle, name=display_name_from_title(title, account.platform), bio=snippet)
    return Candidate(kind="page", id=f"{source}:{url}", url=url, title=title, text=snippet)


def _json(raw: bytes) -> dict[str, Any]:
    payload = load_json(raw)
    if not isinstance(payload, dict):
        raise LayoutChanged("response is not a JSON object")
    return payload


def parse_brave(raw: bytes) -> Iterator[Candidate]:
    payload = _json(raw)
    if payload.get("type") != "search":
        raise LayoutChanged(f"response type {payload.get('type')!r}, expected 'search'")
    web = payload.get("web")
    if web is None:  # Brave leaves 'web' out when nothing matched
        return
    if not isinstance(web, dict) or not isinstance(web.get("results"), list):
        raise LayoutChanged("'web' has no 'results' list")
    for number, item in enumerate(web["results"]):
        if not isinstance(item, dict) or not isinstance(item.get("url"), str):
            raise LayoutChanged(f"web result {number} has no 'url'")
        yield _result(item["url"], item.get("title"), item.get("description"), "brave")


def parse_google(raw: bytes) -> Iterator[Candidate]:
    payload = _json(raw)
    if payload.get("kind") != "customsearch#search":
        raise LayoutChanged(f"response kind {payload.get('kind')!r}, expected 'customsearch#search'")
    items = payload.get("items")
    if items is None:
        total = (payload.get("searchInformation") or {}).get("totalResults")
        if total in ("0", 0):
            return  # Google omits 'items' when there are no results
        raise LayoutChanged("no 'items' although searchInformation.totalResults is not 0")
    for number, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("link"), str):
            raise LayoutChanged(f"item {number} has no 'link'")
        yield _result(item["link"], item.get("title"), item.get("snippet"), "google")


class BraveCollector:
    name = "brave"

    def __init__(self, base_url: str, api_key: str, fetcher: Fetcher):
        self.base_url, self.api_key, self.fetcher = base_url.rstrip("/"), api_key, fetcher

    def queries(self, brand: Brand | None) -> list[Query]:
        return build_queries(per_brand(self.name, brand))

    def fetch(self, query: Query, window: Window) -> bytes:
        params = {"q": query.text, "count": "20"}
        if (period := time_range(window)) is not None:
            params["freshness"] = _BRAVE_FRESHNESS[period]
        return self.fetcher.get(f"{self.base_url}/res/v1/web/search", params=params, accept=JSON_TYPES,
                                headers={"X-Subscription-Token": self.api_key},
                                trust_configured=True).body  # MONITOR_BRAVE_URL: configuration

    def parse(self, raw: bytes, query: Query, window: Window) -> Iterator[Candidate]:
        return parse_brave(raw)


class GoogleCollector:
    name = "google"

    def __init__(self, base_url: str, api_key: str, engine_id: str, fetcher: Fetcher):
        self.base_url, self.api_key, self.engine_id, self.fetcher = base_url.rstrip("/"), api_key, engine_id, fetcher

    def queries(self, brand: Brand | None) -> list[Query]:
        return build_queries(per_brand(self.name, brand))

    def fetch(self, query: Query, window: Window) -> bytes:
        params = {"q": query.text, "key": self.api_key, "cx": self.engine_id, "num": "10"}
        if (period := time_range(window)) is not None:
            params["dateRestrict"] = _GOOGLE_DATE[period]
        return self.fetcher.get(f"{self.base_url}/customsearch/v1", params=params, accept=JSON_TYPES,
                                trust_configured=True).body  # MONITOR_GOOGLE_URL: configuration

    def parse(self, raw: bytes, query: Query, window: Window) -> Iterator[Candidate]:
        return parse_google(raw)
