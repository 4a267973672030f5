"""Host names: validation, IDNA/punycode, and registrable-domain splitting (offline PSL)."""

from __future__ import annotations

import functools
import ipaddress
import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import idna

from monitor.detection.normalize import clean_text

if TYPE_CHECKING:
    import tldextract

_LABEL_RE = re.compile(r"^(?!-)[a-z0-9-]{1,63}(?<!-)$")
# Lower-case letter-digit-hyphen labels, none with '--' in 3rd and 4th place (punycode's 'xn--'
# and labels IDNA refuses): IDNA leaves such a host as it is, so it is checked without it.
_PLAIN_HOST_RE = re.compile(r"^(?:(?!..--)(?!-)[a-z0-9-]{1,63}(?<!-)\.)+(?!..--)(?!-)[a-z0-9-]{1,63}(?<!-)$")


MAX_HOST_LENGTH = 253
MAX_LABEL_LENGTH = 63


class InvalidHost(ValueError):
    pass


@functools.lru_cache(maxsize=1)
def _extractor() -> tldextract.TLDExtract:
    # Imported here: tldextract pulls in requests, and DAG files parse settings (which use
    # this module) in well under a second. The PSL snapshot bundled with tldextract: no
    # network, no cache directory.
    import tldextract

    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)


@functools.lru_cache(maxsize=65536)  # a label is registered under many suffixes
def _decode_label(label: str) -> str:
    if not label.startswith("xn--"):
        return label
    # Plain punycode, not idna.decode: lookalike labels are often invalid IDNA2008, and we
    # want to see what a reader sees, not to validate.
    try:
        return unicodedata.normalize("NFC", label[4:].encode("ascii").decode("punycode"))
    except (UnicodeError, ValueError):
        return label


def normalize_host(host: str) -> str:
    """Lower-case Unicode form of a host name: punycode decoded, trailing dot and
    invisible characters removed. Raises InvalidHost for what cannot be a host."""
    host = clean_text(host).strip().rstrip(".")
    if not host.isascii():
        host = unicodedata.normalize("NFC", host)
    host = host.lower()
    if not host or " " in host or "/" in host or "@" in host or ".." in host:
        raise InvalidHost(f"{host[:80]!r} is not a host name")
    if "xn--" in host:
        host = ".".join(_decode_label(label) for label in host.split("."))
    # DNS's limits (RFC 1035: 253 characters, 63 a label; the decoded form is never longer
    # than the ASCII one): a longer name is no host, and matching it would cost seconds
    if len(host) > MAX_HOST_LENGTH or (len(host) > MAX_LABEL_LENGTH  # no label can be longer than its host
                                       and any(len(label) > MAX_LABEL_LENGTH for label in host.split("."))):
        raise InvalidHost(f"{host[:80]!r}... ({len(host):,} characters) is longer than a host name can be")
    return host


def ascii_host(host: str) -> str:
    """The IDNA (punycode) form of a host name, for DNS, RDAP and WHOIS queries."""
    try:
        return idna.encode(host, uts46=True).decode("ascii")
    except idna.IDNAError:
        return host


def registrable_domain(host: str) -> str:
    """The registrable domain of a host, in ASCII: 'www.laoairlines-deal.com' -> 'laoairlines-deal.com'."""
    parts = split_host(host)
    return ascii_host(f"{parts.label}.{parts.suffix}" if parts.suffix else host)


def is_address(host: str) -> bool:
    """An IP address (IPv6 with or without brackets), not a host name."""
    try:
        ipaddress.ip_address(host.strip("[]"))
        return True
    except ValueError:
        return False


def is_valid_hostname(host: str) -> bool:
    """RFC 1123 host name (after IDNA encoding), at least two labels."""
    if len(host) <= 253 and _PLAIN_HOST_RE.fullmatch(host.rstrip(".")):
        return True  # the common case, about fifty times faster than IDNA
    try:
        ascii_host = idna.encode(host.rstrip("."), uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError):
        return False
    labels = ascii_host.split(".")
    return len(ascii_host) <= 253 and len(labels) >= 2 and all(_LABEL_RE.match(label) for label in labels)


@dataclass(frozen=True, slots=True)
class HostParts:
    host: str  # normalised full host
    subdomain: str  # '' when none
    label: str  # registrable label without suffix ('laoairlines')
    suffix: str  # public suffix ('com', 'com.la')

    @property
    def registrable(self) -> str:
        return f"{self.label}.{self.suffix}" if self.suffix else self.label


def split_host(host: str) -> HostParts:
    result = _extractor()(host)
    if not result.suffix:  # not under a public suffix: treat the last label as one
        head, _, tail = host.rpartition(".")
        sub, _, label = head.rpartition(".")
        return HostParts(host, sub, label or tail, tail if label else "")
    return HostParts(host, result.subdomain, result.domain, result.suffix)


def host_of_url(url: str) -> str | None:
    try:
        parts = urlsplit(url.strip() if "//" in url else "//" + url.strip())
        return parts.hostname
    except ValueError:
        return None


def is_http_url(value: str, *, schemes: tuple[str, ...] = ("http", "https")) -> bool:
    """An absolute URL with one of the schemes and a host: the one check of every configured
    or scraped URL (brands.yaml, the channels file, settings, listings, RDAP links)."""
    try:
        parts = urlsplit(value)
        return parts.scheme.lower() in schemes and bool(parts.hostname) and value.isprintable()
    except ValueError:  # a bad IPv6 literal or port
        return False


def under(host: str, domain: str) -> bool:
    """True if host is domain or one of its subdomains."""
    return host == domain or host.endswith("." + domain)


def defang(url: str) -> str:
    """hxxps://example[.]com/path: readable, but no mail client makes it a link."""
    scheme, sep, rest = url.partition("://")
    if not sep:
        scheme, rest = "", url
    host, slash, path = rest.partition("/")
    scheme = re.sub(r"^http", "hxxp", scheme, flags=re.IGNORECASE)
    return f"{scheme}{sep}{host.replace('.', '[.]')}{slash}{path}"
