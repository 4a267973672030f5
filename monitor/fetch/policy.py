"""The fetcher's rules as pure functions: which addresses are never connected to, which
origins the operator configured (trusted), how a URL's host must look, and how URLs are
shown in messages and logs (credentials and secret parameters masked). No I/O here."""

from __future__ import annotations

import hashlib
import ipaddress
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

DEFAULT_PORTS = {"http": 80, "https": 443}

IPv4 = ipaddress.IPv4Address
IPv6 = ipaddress.IPv6Address
_net = ipaddress.ip_network

# IPv6 forms that carry an IPv4 address: the IPv4 address is extracted and checked, and the
# form itself is refused too (the fetcher connects to IPv4 hosts over IPv4; no legitimate
# scraped URL needs a translation prefix, and a translator may sit inside our network).
_IPV4_IN_LOW_32 = (
    _net("::/96"),  # IPv4-compatible (deprecated, RFC 4291): ::a.b.c.d
    _net("::ffff:0:0/96"),  # IPv4-mapped: ::ffff:a.b.c.d
    _net("::ffff:0:0:0/96"),  # IPv4-translated (RFC 2765): ::ffff:0:a.b.c.d
    _net("64:ff9b::/96"),  # NAT64 well-known prefix (RFC 6052)
)
_NAT64_LOCAL = _net("64:ff9b:1::/48")  # local-use NAT64 (RFC 8215): IPv4 in the last 32 bits for a /96
_SIX_TO_FOUR = _net("2002::/16")  # 6to4: IPv4 in bits 16..48
_TEREDO = _net("2001::/32")  # Teredo: the client's IPv4 inverted in the low 32 bits, the server's in 32..64

# Ranges refused as a whole beyond what `ipaddress` calls non-global (some Python versions
# miss the newer ones): requests-hardened's extra list, plus site-local and CGNAT.
_ALWAYS_REFUSED = tuple(_net(n) for n in (
    "100.64.0.0/10", "192.0.0.0/24", "192.88.99.0/24", "198.18.0.0/15", "240.0.0.0/4",
    "fec0::/10", "5f00::/16", "2001:20::/28", "3fff::/20", "2001:db8::/32", "100::/64", "fc00::/7",
    "fe80::/10", "ff00::/8",
))
_ALWAYS_REFUSED += _IPV4_IN_LOW_32 + (_NAT64_LOCAL, _SIX_TO_FOUR, _TEREDO)


def embedded_ipv4(ip: IPv6) -> list[IPv4]:
    """Every IPv4 address an IPv6 address carries by one of the standard embeddings."""
    value = int(ip)
    found: list[IPv4] = []
    if any(ip in net for net in _IPV4_IN_LOW_32) or ip in _NAT64_LOCAL:
        found.append(IPv4(value & 0xFFFFFFFF))
    if ip in _SIX_TO_FOUR:
        found.append(IPv4((value >> 80) & 0xFFFFFFFF))
    if ip in _TEREDO:
        found += [IPv4((value >> 64) & 0xFFFFFFFF), IPv4(~value & 0xFFFFFFFF)]
    return found


def parse_address(text: str) -> IPv4 | IPv6 | None:
    """An IP address from its text (brackets allowed, zone ids not); None if not one."""
    text = text.strip()
    if text.startswith("[") and text.endswith("]"):
        text = text[1:-1]
    if "%" in text:
        return None
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def forbidden_address(address: str) -> bool:
    """Loopback, private, link-local, CGNAT, multicast, reserved, site-local, unspecified,
    documentation or metadata addresses, and every IPv6 form that embeds an IPv4 address
    (IPv4-compatible, -mapped, -translated, NAT64, 6to4, Teredo), whatever it embeds. A text
    that is not an address (or has a zone id) is forbidden too."""
    ip = parse_address(address)
    if ip is None:
        return True
    if ip.version == 6 and any(forbidden_address(str(v4)) for v4 in embedded_ipv4(ip)):
        return True
    if any(ip in net for net in _ALWAYS_REFUSED if net.version == ip.version):
        return True
    return (ip.is_private or ip.is_loopback or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified or not ip.is_global)


def is_loopback(address: str) -> bool:
    """Plain loopback (127/8, ::1): tests may allow it; embedded forms are never loopback here."""
    ip = parse_address(address)
    return ip is not None and ip.is_loopback


class MalformedURL(ValueError):
    pass


def host_of(url: str) -> str:
    """The URL's host, lower case, without brackets; MalformedURL for a host that is neither
    a name nor an address (text inside brackets that is not an IPv6 address, a zone id,
    IPvFuture, characters no host name has)."""
    try:
        parts = urlsplit(url)
        netloc_host = parts.netloc.rpartition("@")[2]
        host = parts.hostname or ""
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as exc:
        raise MalformedURL(f"not a valid URL ({exc})") from None
    if netloc_host.startswith("["):
        ip = parse_address(host)
        if ip is None or ip.version != 6:
            raise MalformedURL(f"[{host}] is not an IPv6 address")
    elif any(c in host for c in "[]%\\ \t\r\n") or not host.isprintable():
        raise MalformedURL(f"{host!r} is not a host name")
    return host.lower()


def origin(url: str) -> tuple[str, str, int] | None:
    """(scheme, host, port) of an http(s) URL, the default port filled in; None otherwise.
    Only the origin is read, so a template path (NRD's {date}) is fine."""
    try:
        parts = urlsplit(url)
        scheme = parts.scheme.lower()
        if scheme not in DEFAULT_PORTS or parts.username is not None:
            return None
        host = host_of(url)
        return (scheme, host, parts.port or DEFAULT_PORTS[scheme]) if host else None
    except (ValueError, MalformedURL):
        return None


def origin_key(url: str) -> str:
    """The origin as one text, the key of its cool-downs: scheme://host:port (the default
    port written out, an IPv6 host in brackets). Two servers on one host (SearXNG on a dead
    port, crt.sh on the live one) are two keys, so one's outage never darkens the other. A
    key longer than the host_states column (a 253-character host name with scheme and port)
    is the origin's SHA-256 instead. A URL with no origin is keyed by its text."""
    found = origin(url)
    if found is None:
        key = f"url:{url}"
    else:
        scheme, host, port = found
        key = f"{scheme}://{f'[{host}]' if ':' in host else host}:{port}"
    if len(key) > MAX_KEY:
        key = "origin-sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return key


MAX_KEY = 253  # host_states.host


def trusted_origins(urls: Iterable[str | None]) -> frozenset[tuple[str, str, int]]:
    """The origins of the endpoints the operator configured (each source's base URL, the RDAP
    bootstrap): requests to exactly these are configuration, not scraped data."""
    return frozenset(o for o in (origin(u) for u in urls if u) if o is not None)


# ---------------------------------------------------------------- redaction

SECRET_PARAMS = ("key", "api_key", "apikey", "api-key", "x-api-key", "token", "access_token", "auth_token",
                 "auth", "secret", "client_secret", "password", "passwd", "pwd", "sig", "signature",
                 "subscription_token", "session", "sessionid", "code")
_USERINFO = re.compile(r"(?<=//)[^/\s@?#'\"<>]+@")
_SECRET_QUERY = re.compile(r"(?i)([?&;](?:" + "|".join(re.escape(p) for p in SECRET_PARAMS) + r")=)[^&;#\s'\"<>)]*")


def redact(text: str) -> str:
    """Any text with URLs in it, credentials (user:pass@ -> ***@) and secret query parameters
    (key=, api_key=, token=, ... -> key=***) masked. Never raises: it is used while reporting
    errors about malformed URLs. Written here because the libraries that mask URLs only take
    well-formed ones."""
    text = _USERINFO.sub("***@", str(text))
    return _SECRET_QUERY.sub(r"\1***", text)
