"""Lookalike domains that go live: dnstwist permutations of each official domain (pure
generation), checked with DNS (dnspython; nameserver configurable).

NXDOMAIN means not registered. An answer, or NOERROR without one, means registered.
SERVFAIL and timeouts are "unknown": retried once at the end of the run and otherwise left
for the next run, never reported as registered (the flapping dnstwist users complain of)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import dnstwist

from monitor.collectors.base import LayoutChanged, Query, Window, load_json, per_brand
from monitor.detection.models import Candidate
from monitor.fetch.dns import REGISTERED, UNKNOWN, Dns
from monitor.registry import Brand


def permutations_of(domain: str) -> list[str]:
    """dnstwist's permutations of a domain, the domain itself first. Pure."""
    fuzzer = dnstwist.Fuzzer(domain)
    fuzzer.generate()
    others = sorted({p["domain"] for p in fuzzer.permutations() if p["fuzzer"] != "*original"})
    return [domain] + [d for d in others if d != domain]


def parse_statuses(raw: bytes) -> Iterator[Candidate]:
    """Registered permutations as domain candidates. Pure."""
    statuses = load_json(raw, "DNS results")
    if not isinstance(statuses, dict):
        raise LayoutChanged("DNS results are not a mapping of domain to status")
    for domain, status in statuses.items():
        if status == REGISTERED:
            yield Candidate(kind="domain", id=f"permutations:{domain}", domain=domain)


class PermutationsCollector:
    name = "permutations"

    def __init__(self, dns: Dns, workers: int = 32):
        self.dns = dns
        self.workers = workers
        self.unknown: list[str] = []

    def queries(self, brand: Brand | None) -> list[Query]:
        brand = per_brand(self.name, brand)
        return [Query(domain, brand.id) for domain in brand.official.domains]

    def fetch(self, query: Query, window: Window) -> bytes:
        domains = permutations_of(query.text)
        with ThreadPoolExecutor(self.workers) as pool:
            statuses = dict(zip(domains, pool.map(self.dns.registration_status, domains), strict=True))
            retry = [d for d, s in statuses.items() if s == UNKNOWN]
            statuses.update(zip(retry, pool.map(self.dns.registration_status, retry), strict=True))
        self.unknown = [d for d, s in statuses.items() if s == UNKNOWN]
        return json.dumps(statuses).encode()

    def parse(self, raw: bytes, query: Query, window: Window) -> Iterator[Candidate]:
        return parse_statuses(raw)
