"""Certificate Transparency through crt.sh's JSON output (`/?q=%25term%25&output=json`).

One query per brand term (official labels, handles, names); every name on a certificate
whose CT entry (or not_before) falls in the run's window becomes a domain candidate. Names
of the brand's official domains are kept whatever their date: they are the canary."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from monitor.collectors.base import LayoutChanged, Query, Window, load_json, per_brand
from monitor.detection.domains import under
from monitor.detection.models import Candidate
from monitor.fetch.http import Fetcher
from monitor.registry import Brand

JSON_TYPES = ("application/json",)


def _timestamp(entry: dict[str, Any]) -> dt.datetime | None:
    for field in ("entry_timestamp", "not_before"):
        value = entry.get(field)
        if isinstance(value, str) and value:
            try:
                parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
            except ValueError:
                continue
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    return None


def parse_certificates(raw: bytes, official_domains: tuple[str, ...], window: Window) -> Iterator[Candidate]:
    entries = load_json(raw)
    if not isinstance(entries, list):
        raise LayoutChanged("response is not a list of certificates")
    seen: set[str] = set()
    for number, entry in enumerate(entries):
        if not isinstance(entry, dict) or not isinstance(entry.get("name_value"), str):
            raise LayoutChanged(f"certificate {number} has no 'name_value'")
        when = _timestamp(entry)
        in_window = window.start is None or window.end is None or (when is not None and window.start <= when < window.end)
        for name in entry["name_value"].split("\n"):
            host = name.strip().lower().removeprefix("*.").rstrip(".")
            if not host or " " in host or host in seen or "@" in host:
                continue
            official = any(under(host, d) for d in official_domains)
            if not in_window and not official:
                continue
            seen.add(host)
            # The certificate is the evidence; the candidate is the name (no url: enrichment
            # must fetch the look-alike site, not crt.sh's page about it).
            yield Candidate(kind="domain", id=f"crtsh:{entry.get('id')}:{host}", domain=host)


class CrtshCollector:
    name = "crtsh"

    def __init__(self, base_url: str, fetcher: Fetcher, terms: Callable[[str], list[str]]):  # a brand id's terms
        self.base_url = base_url.rstrip("/")
        self.fetcher = fetcher
        self.terms = terms
        self._official: dict[str, tuple[str, ...]] = {}

    def queries(self, brand: Brand | None) -> list[Query]:
        brand = per_brand(self.name, brand)
        self._official[brand.id] = brand.official.domains
        return [Query(f"%{term}%", brand.id) for term in self.terms(brand.id)]

    def fetch(self, query: Query, window: Window) -> bytes:
        # crt.sh is slow for broad patterns: give it time, and cap what we accept.
        return self.fetcher.get(f"{self.base_url}/", params={"q": query.text, "output": "json"}, accept=JSON_TYPES,
                                max_bytes=50_000_000, deadline_seconds=180,
                                trust_configured=True).body  # MONITOR_CRTSH_URL: configuration

    def parse(self, raw: bytes, query: Query, window: Window) -> Iterator[Candidate]:
        return parse_certificates(raw, self._official.get(query.brand_id, ()), window)
