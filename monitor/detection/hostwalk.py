"""One suffix walk for host tables: 'm.facebook.com' finds the entry of 'facebook.com'. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from typing import TypeVar

V = TypeVar("V")


def lookup_under(table: Mapping[str, V], host: str) -> V | None:
    """The value of the longest key of table that host is or is under (dot-separated)."""
    probe = host.lower().rstrip(".")
    while probe:
        if probe in table:
            return table[probe]
        _, dot, probe = probe.partition(".")
        if not dot:
            return None
    return None


def suffix_under(hosts: Mapping[str, object] | frozenset[str] | set[str], host: str) -> str | None:
    """The entry of hosts that host is a proper subdomain of, or None."""
    probe = host.lower().rstrip(".")
    _, dot, probe = probe.partition(".")
    while dot:
        if probe in hosts:
            return probe
        _, dot, probe = probe.partition(".")
    return None
