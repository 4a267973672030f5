"""Who to write to about a domain: its registrar's abuse contact (RDAP, WHOIS for top-level
domains without RDAP) and its host's (IP RDAP for the address it resolves to). I/O: every
answer, and every failure, is cached in the monitor database with its time
(`registration_lookups`), so workers share it and a registry is asked once a week, not per run.

RDAP goes through the hardened fetcher (only the configured bootstrap is trusted; every RDAP
server and link found in data is fetched under the address rules); WHOIS is a plain TCP exchange on port 43 (RFC 3912)
with the same address checks, deadline and size cap."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Protocol, TypeVar

from sqlalchemy.orm import Session, sessionmaker

from monitor.clock import utcnow
from monitor.detection.domains import is_http_url, registrable_domain
from monitor.fetch.dns import Dns
from monitor.fetch.http import Fetcher, FetchError, forbidden_address
from monitor.settings import Settings
from monitor.store.db import as_utc
from monitor.store.models import RegistrationLookup
from monitor.store.repo import insert_for
from monitor.takedown.channels import AbuseDirectory
from monitor.takedown.rdap import (
    RDAP_TYPES,
    Network,
    RdapFormatError,
    Registration,
    domain_servers,
    ip_servers,
    merge,
    parse_domain,
    parse_network,
    pick_base,
    query_url,
    related_url,
)
from monitor.takedown.whois import WHOIS_PORT, WhoisFailed, WhoisNotFound, parse_whois, referral, whois_exchange

log = logging.getLogger(__name__)
T = TypeVar("T")


class _Cached(Protocol):
    """An answer kept in the lookup cache as a plain dict."""

    def to_dict(self) -> dict[str, Any]: ...


_Answer = TypeVar("_Answer", bound=_Cached)
FAILURE_TTL = dt.timedelta(hours=6)
IANA_WHOIS = "whois.iana.org"


class LookupFailed(Exception):
    pass


@dataclass(frozen=True)
class Lookup(Generic[T]):
    """An answer, or the reason there is none; `cached` when it came from the database."""

    value: T | None
    error: str | None
    looked_up_at: dt.datetime
    cached: bool = False


class ContactFinder:
    def __init__(self, settings: Settings, factory: sessionmaker[Session], directory: AbuseDirectory, *,
                 fetcher: Fetcher | None = None, now: Callable[[], dt.datetime] = utcnow):
        self.settings = settings
        self.factory = factory
        self.directory = directory
        self.fetcher = fetcher or Fetcher(settings, session_factory=factory)
        self.now = now
        self.ttl = dt.timedelta(hours=settings.lookup_ttl_hours)
        self.dns = Dns(settings.dns_nameserver)

    # ------------------------------------------------------------ cache

    def _cached(self, key: str) -> RegistrationLookup | None:
        with self.factory() as session:
            row = session.get(RegistrationLookup, key)
            if row is None:
                return None
            age = self.now() - as_utc(row.looked_up_at)
            if age > (self.ttl if row.status == "ok" else min(self.ttl, FAILURE_TTL)):
                return None
            session.expunge(row)
            return row

    def _remember(self, key: str, *, data: dict[str, Any] | None, error: str | None, source: str | None) -> dt.datetime:
        now = self.now()
        values = {"key": key, "status": "ok" if error is None else "failed", "source": source, "data": data,
                  "error": error, "looked_up_at": now}
        with self.factory() as session:
            insert = insert_for(session)
            statement = insert(RegistrationLookup).values(**values)
            session.execute(statement.on_conflict_do_update(
                index_elements=[RegistrationLookup.key], set_={k: v for k, v in values.items() if k != "key"}))
            session.commit()
        return now

    def _lookup(self, key: str, compute: Callable[[], tuple[_Answer, str]],
                decode: Callable[[dict[str, Any]], _Answer]) -> Lookup[_Answer]:
        row = self._cached(key)
        if row is not None:
            value = decode(row.data) if row.status == "ok" and row.data else None
            return Lookup(value, row.error, as_utc(row.looked_up_at), cached=True)
        try:
            value, source = compute()
        except (LookupFailed, FetchError, RdapFormatError, WhoisNotFound, OSError) as exc:
            error = str(exc)
        except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as exc:
            # an answer not shaped as RDAP says (RecursionError: one nested hundreds deep)
            error = f"{key.split(':', 1)[1]}: the answer is malformed ({type(exc).__name__}: {str(exc)[:200]})"
        else:
            return Lookup(value, None, self._remember(key, data=value.to_dict(), error=None, source=source))
        log.info("lookup %s failed: %s", key, error)
        return Lookup(None, error, self._remember(key, data=None, error=error, source=None))

    # ------------------------------------------------------------ RDAP

    def _bootstrap(self, name: str) -> dict[str, Any]:
        """One of IANA's bootstrap files (dns, ipv4, ipv6), cached like any lookup."""
        key = f"bootstrap:{name}"
        row = self._cached(key)
        if row is not None and row.status == "ok" and row.data:
            return row.data
        url = f"{self.settings.rdap_bootstrap_url}{name}.json"
        try:
            data = self._json(url, trust_configured=True)  # MONITOR_RDAP_BOOTSTRAP_URL: configuration
        except LookupFailed as exc:
            self._remember(key, data=None, error=str(exc), source=url)
            raise LookupFailed(f"RDAP bootstrap {name}.json: {exc}") from None
        self._remember(key, data=data, error=None, source=url)
        return data

    def _json(self, url: str, *, trust_configured: bool = False) -> dict[str, Any]:
        """An RDAP answer. Untrusted unless the URL is the configured bootstrap: the servers
        the bootstrap names and the `related` links of answers are data, even when they sit on
        the bootstrap's own origin."""
        try:
            result = self.fetcher.get(url, accept=RDAP_TYPES, max_bytes=5_000_000, trust_configured=trust_configured)
        except FetchError as exc:
            if exc.status == 404:
                raise LookupFailed(f"{url}: the server has no record (HTTP 404)") from None
            raise LookupFailed(str(exc)) from None
        try:
            data = json.loads(result.body)
        except RecursionError:  # nested deeper than the parser goes: not an RDAP answer
            raise LookupFailed(f"{url}: JSON nested too deep") from None
        except ValueError as exc:
            raise LookupFailed(f"{url}: not JSON ({exc})") from None
        if not isinstance(data, dict):
            raise LookupFailed(f"{url}: not a JSON object")
        return data

    def registration(self, host: str) -> Lookup[Registration]:
        domain = registrable_domain(host)
        return self._lookup(f"domain:{domain}", lambda: self._registration(domain), Registration.from_dict)

    def _registration(self, domain: str) -> tuple[Registration, str]:
        servers = domain_servers(self._bootstrap("dns"), domain)
        base = pick_base(servers, allow_http=self.settings.allow_private_networks)
        if base is None:  # no RDAP for this top-level domain: WHOIS
            return self._whois(domain)
        response = self._json(query_url(base, "domain", domain))
        registry = parse_domain(response, domain, server=base)
        related = related_url(response)
        if related and is_http_url(related, schemes=("https",) if not self.settings.allow_private_networks
                                      else ("https", "http")):
            try:  # a thin registry (.com): the registrar's own record names its abuse desk
                registry = merge(registry, parse_domain(self._json(related), domain, server=related))
            except (LookupFailed, RdapFormatError) as exc:
                log.info("registrar RDAP for %s: %s (the registry's answer is used)", domain, exc)
        return registry, f"rdap {base}"

    # ------------------------------------------------------------ WHOIS

    def _whois(self, domain: str) -> tuple[Registration, str]:
        tld = domain.rsplit(".", 1)[-1]
        server = self.directory.whois_servers.get(tld)
        if server is None:  # IANA knows each top-level domain's WHOIS server
            server = referral(self._whois_query(IANA_WHOIS, tld))
            if server is None:
                raise LookupFailed(f".{tld} has neither RDAP nor a WHOIS server (IANA gives none)")
        answer = parse_whois(self._whois_query(server, domain), domain, server=server)
        return answer, f"whois {server}"

    def _whois_query(self, server: str, query: str) -> str:
        override = self.settings.resolve_overrides.get(server.lower()) if self.settings.allow_private_networks else None
        if override:
            address, port = override
        else:  # the configured resolver, like every other lookup of the monitor
            resolution = self.dns.resolve(server)
            if not resolution.addresses:
                raise LookupFailed(f"WHOIS server {server}: {resolution.error or 'no address'}")
            address, port = resolution.addresses[0], WHOIS_PORT
            if not self.settings.allow_private_networks and forbidden_address(address):
                raise LookupFailed(f"WHOIS server {server} resolves to a forbidden address {address}")
        try:
            return whois_exchange(address, port, query, timeout=self.settings.http_timeout,
                                  deadline=self.settings.http_deadline)
        except WhoisFailed as exc:
            raise LookupFailed(f"WHOIS server {server}: {exc}") from None

    # ------------------------------------------------------------ addresses

    def network(self, address: str) -> Lookup[Network]:
        return self._lookup(f"ip:{address}", lambda: self._network(address), Network.from_dict)

    def _network(self, address: str) -> tuple[Network, str]:
        ip = ipaddress.ip_address(address)
        if forbidden_address(address) and not self.settings.allow_private_networks:
            raise LookupFailed(f"{address} is not a public address: there is no host to report to")
        servers = ip_servers(self._bootstrap(f"ipv{ip.version}"), address)
        base = pick_base(servers, allow_http=self.settings.allow_private_networks)
        if base is None:
            raise LookupFailed(f"no RDAP server for {address} in IANA's bootstrap")
        return parse_network(self._json(query_url(base, "ip", address)), address, server=base), f"rdap {base}"
