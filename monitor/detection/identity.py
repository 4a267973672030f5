"""Canonical keys: one finding per impersonating identity, however it was seen. Pure.

- account: ``facebook:laoairlines.fans`` or ``facebook:id:100066777``
- domain:  the registrable domain (``laoairlines-deal.com``), or the full host on shared
  hosting where every subdomain belongs to someone else (``laoairlines.blogspot.com``)
- page:    ``url:host/path`` without scheme, query or fragment; a site's home page is
  its domain's key, so a domain and its home page are one finding
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from monitor.detection.domains import InvalidHost, host_of_url, normalize_host, split_host, under
from monitor.detection.models import Candidate
from monitor.detection.platforms import AccountRef, canonical_platform, normalize_handle, parse_account_url

MAX_KEY_LENGTH = 500  # the findings table keeps keys in a bounded column


@dataclass(frozen=True)
class Identity:
    key: str
    label: str  # what a person reads: 'laoairlines-deal.com', 'facebook: laotel.gift', a page title
    platform: str | None

    def __post_init__(self) -> None:
        # A key past the bound keeps its readable start and a hash of the whole: still one
        # finding per identity, and the full URL is kept in the finding's url (a text column).
        if len(self.key) > MAX_KEY_LENGTH:
            digest = hashlib.sha256(self.key.encode("utf-8", "surrogatepass")).hexdigest()
            object.__setattr__(self, "key", f"{self.key[:MAX_KEY_LENGTH - 72]}#sha256:{digest}")


def account_ref(candidate: Candidate) -> AccountRef:
    ref = parse_account_url(candidate.url) if candidate.url else None
    platform = canonical_platform(candidate.platform) if candidate.platform else (ref.platform if ref else "")
    handle = normalize_handle(candidate.handle) if candidate.handle else (
        normalize_handle(ref.handle) if ref and ref.handle else None)
    page_id = ref.page_id if ref else None
    if handle and handle.isdigit() and platform == "facebook":
        page_id = page_id or handle
    return AccountRef(platform, handle, page_id)


def _domain_key(host: str, shared_hosting: frozenset[str]) -> str:
    if any(under(host, shared) and host != shared for shared in shared_hosting):
        return host.removeprefix("www.")
    return split_host(host).registrable


def identity_of(candidate: Candidate, shared_hosting: frozenset[str] = frozenset()) -> Identity:
    if candidate.kind == "account" or (candidate.kind == "page" and candidate.url and parse_account_url(candidate.url)):
        ref = account_ref(candidate)
        platform = ref.platform or "unknown"
        if ref.page_id:
            key = f"{platform}:id:{ref.page_id}"
        elif ref.handle:
            key = f"{platform}:{ref.handle}"
        else:
            key = f"{platform}:name:{(candidate.name or '').lower()}"
        shown = ref.handle or ref.page_id or candidate.name or "?"
        name = candidate.name or candidate.title
        return Identity(key, f"{platform}: {shown}" + (f" ({name})" if name and name != shown else ""), platform)
    raw_host = candidate.domain if candidate.kind == "domain" and candidate.domain else host_of_url(candidate.url or "")
    try:
        host = normalize_host(raw_host or "")
    except InvalidHost:
        host = ""
    if candidate.kind == "domain" or not candidate.url:
        if not host:
            return Identity(f"unknown:{candidate.id}", str(candidate.id), None)
        return Identity(f"domain:{_domain_key(host, shared_hosting)}", host, None)
    try:
        parts = urlsplit(candidate.url)
    except ValueError:  # e.g. 'https://x.com]/' from a scraped page: keep it, as written
        return Identity(f"url:{candidate.url}", (candidate.title or candidate.url)[:300], None)
    path = unquote(parts.path).rstrip("/")
    if not path:
        return Identity(f"domain:{_domain_key(host, shared_hosting)}", host, None)
    label = candidate.title or f"{host}{path}"
    return Identity(f"url:{host}{path}", label[:300], None)
