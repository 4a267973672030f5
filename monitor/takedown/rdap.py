"""RDAP (RFC 9082/9083) and its bootstrap (RFC 9224): which server answers for a domain or an
address, and what its answer says about the registrar, the network and their abuse contacts.
Pure: the I/O is in monitor.takedown.contacts, through the hardened fetcher.

Written here rather than taken from whoisit or ipwhois, which DESIGN.md first chose: both
make their own HTTP requests (past the fetcher's address checks, deadline and size caps,
and whoisit follows registry-supplied `related` links with them), keep the bootstrap in
process-wide state, and refuse documentation and private addresses outright, so they can
be pointed neither at the demo's RDAP server nor at a test's. What is left is small: a
longest-match over IANA's bootstrap files, and a walk over the entities of a response.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from typing import Any

from monitor.detection.domains import is_http_url

RDAP_TYPES = ("application/rdap+json", "application/json")
# An address fit for a To header: one mailbox, ASCII, nothing a header could be split on.
_MAILBOX_RE = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
                         r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$")


def usable_email(value: str) -> str | None:
    """The address when it is one plain mailbox; None for anything else (a list, a display
    name, a line break, non-ASCII), which a registry's data may hold."""
    value = value.strip().removeprefix("mailto:")
    return value if _MAILBOX_RE.match(value) else None


class RdapFormatError(ValueError):
    pass


def _services(bootstrap: dict[str, Any], name: str) -> list[tuple[list[str], list[str]]]:
    services = bootstrap.get("services") if isinstance(bootstrap, dict) else None
    if not isinstance(services, list):
        raise RdapFormatError(f"{name} bootstrap: no 'services' list")
    out = []
    for entry in services:
        if isinstance(entry, list) and len(entry) >= 2 and isinstance(entry[0], list) and isinstance(entry[1], list):
            out.append(([str(k) for k in entry[0]], [str(u) for u in entry[1]]))
    return out


def pick_base(urls: list[str], *, allow_http: bool = False) -> str | None:
    """An https base URL (RFC 9224 prefers it); http only when allowed (demo and tests)."""
    for scheme in ("https://", "http://") if allow_http else ("https://",):
        for url in urls:
            if url.lower().startswith(scheme):
                return url if url.endswith("/") else url + "/"
    return None


def domain_servers(bootstrap: dict[str, Any], domain: str) -> list[str]:
    """The RDAP base URLs for an ASCII domain: the longest matching label suffix wins."""
    labels = domain.lower().rstrip(".").split(".")
    best: tuple[int, list[str]] = (0, [])
    for keys, urls in _services(bootstrap, "dns"):
        for key in keys:
            key_labels = key.lower().strip(".").split(".")
            if len(key_labels) > best[0] and labels[-len(key_labels):] == key_labels:
                best = (len(key_labels), urls)
    return best[1]


def ip_servers(bootstrap: dict[str, Any], address: str) -> list[str]:
    """The RDAP base URLs for an address: the longest matching prefix wins."""
    ip = ipaddress.ip_address(address)
    best: tuple[int, list[str]] = (-1, [])
    for keys, urls in _services(bootstrap, f"ipv{ip.version}"):
        for key in keys:
            try:
                network = ipaddress.ip_network(key, strict=False)
            except ValueError:
                continue
            if network.version == ip.version and ip in network and network.prefixlen > best[0]:
                best = (network.prefixlen, urls)
    return best[1]


def query_url(base: str, kind: str, value: str) -> str:
    return f"{base.rstrip('/')}/{kind}/{value}"


def related_url(response: dict[str, Any]) -> str | None:
    """A thin registry's pointer to the registrar's own RDAP record (RFC 9083 links)."""
    for link in response.get("links") or []:
        if not isinstance(link, dict):
            continue
        rel, href, kind = link.get("rel"), link.get("href"), str(link.get("type") or "")
        if rel in ("related", "registration") and isinstance(href, str) and is_http_url(href) \
                and (not kind or "json" in kind):
            return href
    return None


# ------------------------------------------------------------------ entities

@dataclass(frozen=True)
class Contact:
    name: str | None
    emails: tuple[str, ...]
    phones: tuple[str, ...]
    roles: tuple[str, ...]


def vcard(entity: dict[str, Any]) -> tuple[str | None, tuple[str, ...], tuple[str, ...]]:
    """(name, emails, phones) from a jCard (RFC 7095): ["vcard", [[prop, params, type, value], ...]]."""
    name, emails, phones = None, [], []
    array = entity.get("vcardArray")
    properties = array[1] if isinstance(array, list) and len(array) >= 2 and isinstance(array[1], list) else []
    for prop in properties:
        if not isinstance(prop, list) or len(prop) < 4:
            continue
        key, value = str(prop[0]).lower(), prop[3]
        if isinstance(value, list):
            value = " ".join(str(v) for v in value if v)
        value = str(value).strip()
        if not value:
            continue
        if key == "fn" and name is None:
            name = value
        elif key == "org" and name is None:
            name = value
        elif key == "email" and (address := usable_email(value)):
            emails.append(address)
        elif key == "tel":
            phones.append(value.removeprefix("tel:"))
    return name, tuple(dict.fromkeys(emails)), tuple(dict.fromkeys(phones))


MAX_ENTITY_DEPTH = 16  # real answers nest 3 deep (registrar > abuse); deeper is not RDAP


def walk_entities(obj: dict[str, Any]) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    """Every entity, depth first, with the roles of the entities it is nested in. Iterative,
    and a nesting deeper than MAX_ENTITY_DEPTH is an RdapFormatError: a hostile answer
    nested hundreds deep must fail this lookup (a gap in the draft), not the draft."""
    stack: list[tuple[tuple[str, ...], list[Any]]] = [((), list(obj.get("entities") or [])[::-1])]
    while stack:
        parents, pending = stack[-1]
        if not pending:
            stack.pop()
            continue
        entity = pending.pop()
        if not isinstance(entity, dict):
            continue
        yield parents, entity
        children = entity.get("entities")
        if children:
            if len(stack) >= MAX_ENTITY_DEPTH:
                raise RdapFormatError(f"entities nested more than {MAX_ENTITY_DEPTH} deep")
            if not isinstance(children, list):
                raise RdapFormatError("'entities' is not a list")
            roles = tuple(str(r).lower() for r in entity.get("roles") or [])
            stack.append((parents + roles, children[::-1]))


def _contact(entity: dict[str, Any]) -> Contact:
    name, emails, phones = vcard(entity)
    return Contact(name, emails, phones, tuple(str(r).lower() for r in entity.get("roles") or []))


def _event(obj: dict[str, Any], action: str) -> str | None:
    for event in obj.get("events") or []:
        if isinstance(event, dict) and str(event.get("eventAction", "")).lower() == action:
            return str(event.get("eventDate") or "") or None
    return None


# ------------------------------------------------------------------ answers

@dataclass(frozen=True)
class Registration:
    """What RDAP (or WHOIS) says about a domain's registration."""

    domain: str
    registrar: str | None = None
    registrar_iana_id: str | None = None
    abuse_email: str | None = None
    abuse_phone: str | None = None
    registered: str | None = None  # ISO 8601, as the registry wrote it
    source: str = "rdap"
    server: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Registration:
        # a cached answer of an older version may carry fields this one dropped
        return cls(**{k: v for k, v in data.items() if k in cls.__dataclass_fields__})


def parse_domain(response: dict[str, Any], domain: str, server: str | None = None) -> Registration:
    """The registrar, its abuse contact and the registration date. The abuse contact is the
    entity with role 'abuse' inside the registrar entity (ICANN's RDAP profile); failing
    that, any abuse entity."""
    if not isinstance(response, dict) or response.get("objectClassName") not in (None, "domain"):
        raise RdapFormatError(f"RDAP answer for {domain} is not a domain object")
    registrar = registrar_id = abuse_email = abuse_phone = None
    fallback: list[Contact] = []
    for parents, entity in walk_entities(response):
        contact = _contact(entity)
        if "registrar" in contact.roles and not parents and registrar is None:
            registrar = contact.name
            for public_id in entity.get("publicIds") or []:
                if isinstance(public_id, dict) and "iana" in str(public_id.get("type", "")).lower():
                    registrar_id = str(public_id.get("identifier"))
        if "abuse" in contact.roles and contact.emails:
            if "registrar" in parents and abuse_email is None:
                abuse_email = contact.emails[0]
                abuse_phone = contact.phones[0] if contact.phones else None
            else:
                fallback.append(contact)
    if abuse_email is None and fallback:
        abuse_email = fallback[0].emails[0]
        abuse_phone = fallback[0].phones[0] if fallback[0].phones else None
    return Registration(domain=domain, registrar=registrar, registrar_iana_id=registrar_id, abuse_email=abuse_email,
                        abuse_phone=abuse_phone, registered=_event(response, "registration"), source="rdap",
                        server=server)


def merge(registry: Registration, registrar: Registration) -> Registration:
    """A thin registry's answer overlaid with the registrar's own (it knows its abuse desk)."""
    return Registration(
        domain=registry.domain, registrar=registrar.registrar or registry.registrar,
        registrar_iana_id=registry.registrar_iana_id or registrar.registrar_iana_id,
        abuse_email=registrar.abuse_email or registry.abuse_email,
        abuse_phone=registrar.abuse_phone or registry.abuse_phone,
        registered=registry.registered or registrar.registered, source="rdap", server=registry.server)


@dataclass(frozen=True)
class Network:
    """What IP RDAP says about the network an address is in: who holds it, their abuse desk."""

    address: str
    name: str | None = None
    holder: str | None = None
    cidr: str | None = None
    country: str | None = None
    abuse_email: str | None = None
    abuse_phone: str | None = None
    server: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Network:
        return cls(**data)


def parse_network(response: dict[str, Any], address: str, server: str | None = None) -> Network:
    if not isinstance(response, dict) or response.get("objectClassName") not in (None, "ip network"):
        raise RdapFormatError(f"RDAP answer for {address} is not an IP network object")
    holder = abuse_email = abuse_phone = None
    for _parents, entity in walk_entities(response):
        contact = _contact(entity)
        if holder is None and ("registrant" in contact.roles or "administrative" in contact.roles):
            holder = contact.name
        if abuse_email is None and "abuse" in contact.roles and contact.emails:
            abuse_email = contact.emails[0]
            abuse_phone = contact.phones[0] if contact.phones else None
    cidr = None
    cidrs = response.get("cidr0_cidrs")
    if isinstance(cidrs, list) and cidrs and isinstance(cidrs[0], dict):
        prefix = cidrs[0].get("v4prefix") or cidrs[0].get("v6prefix")
        cidr = f"{prefix}/{cidrs[0].get('length')}" if prefix else None
    if cidr is None and response.get("startAddress") and response.get("endAddress"):
        cidr = f"{response['startAddress']} - {response['endAddress']}"
    return Network(address=address, name=response.get("name"), holder=holder, cidr=cidr,
                   country=response.get("country"), abuse_email=abuse_email, abuse_phone=abuse_phone, server=server)
