"""WHOIS (RFC 3912) answers, for top-level domains without RDAP (e.g. .la through
whois.nic.la): the registrar, its abuse contact and the creation date. Parsing is pure;
`whois_exchange` is the TCP client (port 43).

WHOIS has no schema; registries write "Key: value" lines with their own key names. The keys
below cover the ICANN-style layout most ccTLD registries copy, and the RIPE-style one."""

from __future__ import annotations

import re
import socket
import time

from monitor.takedown.rdap import Registration, usable_email

_EMAIL_RE = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")
_REGISTRAR_KEYS = ("registrar", "registrar name", "sponsoring registrar", "registrar organization")
_ABUSE_EMAIL_KEYS = ("registrar abuse contact email", "abuse contact email", "abuse-mailbox", "abuse email")
_ABUSE_PHONE_KEYS = ("registrar abuse contact phone", "abuse contact phone", "abuse phone")
_CREATED_KEYS = ("creation date", "created", "created on", "registration time", "registered on",
                 "domain registration date", "registered")
_NOT_FOUND = ("no match", "not found", "no entries found", "no data found", "domain not found", "available for")


WHOIS_PORT = 43
WHOIS_MAX_BYTES = 200_000


class WhoisNotFound(LookupError):
    pass


class WhoisFailed(OSError):
    pass


def whois_exchange(address: str, port: int, query: str, *, timeout: float, deadline: float,
                   max_bytes: int = WHOIS_MAX_BYTES) -> str:
    """One WHOIS query over TCP to an address the caller has already checked: a deadline on
    the whole exchange, not only per read, and a size cap. I/O."""
    until = time.monotonic() + deadline
    chunks, size = [], 0
    try:
        with socket.create_connection((address, port), timeout=timeout) as sock:
            sock.sendall(query.encode("idna" if not query.isascii() else "ascii") + b"\r\n")
            while True:
                sock.settimeout(max(0.1, min(timeout, until - time.monotonic())))
                chunk = sock.recv(16384)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise WhoisFailed(f"answer larger than {max_bytes} bytes")
                chunks.append(chunk)
                if time.monotonic() > until:
                    raise WhoisFailed("no complete answer within the deadline")
    except WhoisFailed:
        raise
    except OSError as exc:
        raise WhoisFailed(f"{type(exc).__name__}: {exc}") from None
    return b"".join(chunks).decode("utf-8", errors="replace")


def fields(text: str) -> list[tuple[str, str]]:
    out = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith(("%", "#", ">>>")):
            continue
        key, sep, value = line.partition(":")
        if sep and value.strip():
            out.append((key.strip().lower(), value.strip()))
    return out


def referral(text: str) -> str | None:
    """IANA's 'refer:' (or a registry's 'Registrar WHOIS Server:') line: where to ask next."""
    for key, value in fields(text):
        if key in ("refer", "whois", "registrar whois server") and "." in value and " " not in value:
            return value.lower()
    return None


def parse_whois(text: str, domain: str, server: str | None = None) -> Registration:
    lowered = text.lower()
    pairs = fields(text)
    if not pairs and any(marker in lowered for marker in _NOT_FOUND):
        raise WhoisNotFound(f"{server or 'WHOIS'}: no record of {domain}")

    def first(keys: tuple[str, ...]) -> str | None:
        for key in keys:
            for found, value in pairs:
                if found == key:
                    return value
        return None

    abuse = first(_ABUSE_EMAIL_KEYS)
    if abuse is None:  # some registries only write an address on a line that says "abuse"
        for key, value in pairs:
            if "abuse" in key and _EMAIL_RE.search(value):
                abuse = value
                break
    abuse_match = _EMAIL_RE.search(abuse) if abuse else None
    abuse_email = usable_email(abuse_match.group(0)) if abuse_match else None
    registrar, created = first(_REGISTRAR_KEYS), first(_CREATED_KEYS)
    if registrar is None and abuse_email is None and created is None and \
            any(marker in lowered for marker in _NOT_FOUND):
        raise WhoisNotFound(f"{server or 'WHOIS'}: no record of {domain}")
    return Registration(domain=domain, registrar=registrar, abuse_email=abuse_email,
                        abuse_phone=first(_ABUSE_PHONE_KEYS), registered=created, source="whois", server=server)
