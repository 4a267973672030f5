"""The DNS names of a certificate, as the scorer wants them. Pure.

Subject CN and every SAN dNSName, lower-cased, trailing dot and leading wildcard labels
removed. Names stay as the certificate spells them (punycode) here: the scorer decodes
punycode itself (monitor.detection.domains.normalize_host), and the evidence keeps what the
CA signed."""

from __future__ import annotations

from cryptography import x509
from cryptography.x509.oid import NameOID

MAX_CERT_BYTES = 1_000_000  # a real certificate is a few kB; 10,000 SANs is about 300 kB
MAX_NAME = 253  # the longest DNS name


class BadCertificate(ValueError):
    """One entry's certificate cannot be read: that entry is counted and skipped, not the batch."""


def clean_name(raw: str) -> str | None:
    """A certificate name as a host name, or None for what is not one (an organisation's name
    in a CN, an address, an empty wildcard)."""
    name = raw.strip().lower().rstrip(".")
    while name.startswith("*."):  # a wildcard covers the names under it: the rest is the lookalike
        name = name[2:]
    if not name or len(name) > MAX_NAME or "." not in name or "*" in name:
        return None
    if any(c in name for c in " /@:\\\x00") or not name.isprintable():
        return None
    return name


def certificate_names(der: bytes) -> tuple[str, ...]:
    """The cleaned names of one DER certificate (x509 or precertificate), first seen first, no
    duplicates. BadCertificate when the DER is too large or does not parse; a certificate whose
    extensions are malformed still gives its CN."""
    if len(der) > MAX_CERT_BYTES:
        raise BadCertificate(f"certificate of {len(der)} bytes (at most {MAX_CERT_BYTES})")
    # cryptography raises ValueError for most bad DER, but some faults have exceptions of their
    # own (DuplicateExtension, UnsupportedGeneralNameType): every one is this entry's, not the batch's.
    try:
        cert = x509.load_der_x509_certificate(der)
    except Exception as exc:  # noqa: BLE001 - hostile bytes
        raise BadCertificate(f"not a DER certificate: {exc}") from None
    seen: dict[str, None] = {}
    try:
        for attribute in cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME):
            if isinstance(attribute.value, str) and (name := clean_name(attribute.value)):
                seen.setdefault(name)
    except Exception:  # noqa: BLE001 - an unreadable subject: the SANs are what browsers check anyway
        pass
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        san = None
    except Exception as exc:  # noqa: BLE001 - duplicate or malformed extensions
        if not seen:
            raise BadCertificate(f"unreadable extensions: {exc}") from None
        san = None
    if san is not None:
        for value in san.get_values_for_type(x509.DNSName):
            if isinstance(value, str) and (name := clean_name(value)):
                seen.setdefault(name)
    return tuple(seen)
