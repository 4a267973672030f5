"""The abuse-channel directory (config/abuse_channels.yaml), validated once, at the edge, and
the routing of a finding to the party that can take it down. Pure.

A finding goes to:
- its social platform's channel (facebook, instagram, tiktok, x, telegram, youtube);
- else, on a shared hosting or link service (blogspot.com, pages.dev, bit.ly, ...), that
  service's channel: it hosts the page and owns the domain;
- else, its domain's registrar and the host of the address it resolves to (looked up in RDAP,
  or WHOIS for top-level domains without RDAP).
"""

from __future__ import annotations

import datetime as dt
import ipaddress
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from urllib.parse import urlsplit

from pydantic import Field, field_validator, model_validator

from monitor.detection.domains import InvalidHost, is_address, is_http_url, normalize_host, under
from monitor.detection.platforms import canonical_platform, platform_of_host
from monitor.registry import _EMAIL_RE, _Frozen, parse_yaml_model
from monitor.settings import Settings


class AbuseChannelsError(ValueError):
    pass


class Ask(_Frozen):
    """One thing a form or desk asks for, and which of the monitor's facts answers it
    (none: the owner fills it in)."""

    field: str
    answer: Literal["official", "target", "relation", "contact", "reasons"] | None = None


class Channel(_Frozen):
    name: str
    email: str | None = None
    form: str | None = None
    asks_for: tuple[Ask, ...] = ()
    source: str
    checked: dt.date

    @field_validator("asks_for", mode="before")
    @classmethod
    def _asks(cls, value: object) -> object:
        # a plain string is a field the owner fills in
        if isinstance(value, (list, tuple)):
            return [{"field": v} if isinstance(v, str) else v for v in value]
        return value

    @field_validator("email")
    @classmethod
    def _email(cls, value: str | None) -> str | None:
        if value is not None and (not _EMAIL_RE.match(value) or not value.isascii()):
            raise ValueError(f"{value!r} is not an email address (ASCII, name@domain)")
        return value

    @field_validator("form", "source")
    @classmethod
    def _url(cls, value: str | None) -> str | None:
        if value is not None and not is_http_url(value, schemes=("https",)):
            raise ValueError(f"{value!r} is not an https:// URL")
        return value

    @model_validator(mode="after")
    def _reachable(self) -> Channel:
        if not self.email and not self.form:
            raise ValueError("needs an email or a form (or both)")
        return self


class PlatformChannel(Channel):
    unavailable_text: tuple[str, ...] = ()


class AbuseDirectory(_Frozen):
    platforms: dict[str, PlatformChannel]
    hosting: dict[str, Channel] = Field(default_factory=dict)
    whois_servers: dict[str, str] = Field(default_factory=dict)

    @field_validator("platforms")
    @classmethod
    def _platforms(cls, value: dict[str, PlatformChannel]) -> dict[str, PlatformChannel]:
        for name in value:
            if canonical_platform(name) != name:
                raise ValueError(f"{name!r} is not a platform name the monitor uses "
                                 f"(write {canonical_platform(name)!r})")
        return value

    @field_validator("hosting")
    @classmethod
    def _hosting(cls, value: dict[str, Channel]) -> dict[str, Channel]:
        out = {}
        for suffix, channel in value.items():
            try:
                out[normalize_host(suffix)] = channel
            except InvalidHost as exc:
                raise ValueError(f"hosting: {suffix!r} is not a host name ({exc})") from None
        return out

    def unavailable_text(self, platform: str | None) -> tuple[str, ...]:
        channel = self.platforms.get(platform or "")
        return channel.unavailable_text if channel else ()


def parse_abuse_channels(text: str, path: str = "<abuse_channels>",
                         shared_hosting: tuple[str, ...] | None = None) -> AbuseDirectory:
    """shared_hosting: the scoring rules' list of shared hosts, the one place that says which
    hosts are shared; every hosting channel here must name one of them."""
    directory = parse_yaml_model(text, path, AbuseDirectory, what="abuse_channels.yaml", top="'platforms'",
                                 error=AbuseChannelsError)
    if shared_hosting is not None:
        known = set(shared_hosting)
        for suffix in directory.hosting:
            if suffix not in known:
                raise AbuseChannelsError(f"{path}: field 'hosting.{suffix}': {suffix!r} is not in the scoring "
                                         f"rules' shared_hosting list; add it there, so that detection and "
                                         f"routing agree on which hosts are shared")
    return directory


def load_channels_for(settings: Settings) -> AbuseDirectory:
    """The operator's channels file, checked against the scoring rules in force."""
    from monitor.detection.rules import load_rules

    return load_abuse_channels(settings.abuse_channels_path,
                               shared_hosting=load_rules(settings.rules_file).shared_hosting)


def load_abuse_channels(path: str | Path, shared_hosting: tuple[str, ...] | None = None) -> AbuseDirectory:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise AbuseChannelsError(f"{path}: no such file") from None
    except UnicodeDecodeError as exc:
        raise AbuseChannelsError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    return parse_abuse_channels(text, str(path), shared_hosting)


@dataclass(frozen=True)
class Route:
    """Who can take a finding down. kind: platform, hosting, domain (registrar and host) or
    address (a URL on a bare IP address: the network's holder)."""

    kind: str
    key: str  # the platform name, the hosting suffix, or the host name to look up
    channel: Channel | None  # None for 'domain': the addresses come from RDAP / WHOIS
    host: str | None  # the page's host name, when it has one


def host_of(url: str | None, domain: str | None = None) -> str | None:
    raw = domain or (urlsplit(url).hostname if url and "://" in url else None)
    if not raw:
        return None
    if is_address(raw):
        return str(ipaddress.ip_address(raw.strip("[]")))
    try:
        return normalize_host(raw)
    except InvalidHost:
        return None


def route(directory: AbuseDirectory, *, platform: str | None, url: str | None, domain: str | None = None) -> Route:
    host = host_of(url, domain)
    name = canonical_platform(platform) if platform else None
    if not name and host:
        name = platform_of_host(host)
    if name and name in directory.platforms:
        return Route("platform", name, directory.platforms[name], host)
    if host and is_address(host):  # no domain: only the network's holder can act
        return Route("address", host, None, host)
    if host:
        matches = [suffix for suffix in directory.hosting if under(host, suffix)]
        if matches:
            suffix = max(matches, key=len)  # the most specific service (sites.google.com over google.com)
            return Route("hosting", suffix, directory.hosting[suffix], host)
        return Route("domain", host, None, host)
    return Route("unknown", name or "", None, None)
