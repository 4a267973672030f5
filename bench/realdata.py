"""The real-world dev data in bench/data/ and registries built from it (shared by the benches).

- ``hosts()``: (host, label, brand) rows of bench/data/hosts.tsv.gz (see bench/data/README.md).
- ``popular_registry_yaml(n)``: a registry of n brands made from real popular domains, one
  brand per registrable domain of the benign hosts (name = its label, official domain = it),
  the most frequent registrable domains first.
"""

from __future__ import annotations

import collections
import gzip
import re
from pathlib import Path

DATA = Path(__file__).resolve().parent / "data"
HOSTS = DATA / "hosts.tsv.gz"
GLOBAL = DATA / "global_brands.yaml"
GLOBAL_ALIASES = DATA / "global_brands_aliases.yaml"


def hosts(path: Path = HOSTS) -> list[tuple[str, int, str]]:
    """(host, label, brand) rows of a hosts file (tab-separated with a header; .gz or plain)."""
    opener = gzip.open if path.suffix == ".gz" else open
    rows = []
    with opener(path, "rt", encoding="utf-8") as stream:
        next(stream)
        for line in stream:
            host, label, brand = (line.rstrip("\n").split("\t") + ["", ""])[:3]
            if host:
                rows.append((host, int(label), brand))
    return rows


def set_aside(path: Path = DATA / "set-aside.tsv") -> set[str]:
    """Hosts a hand review found to be the brands' own or ambiguous: counted neither way."""
    with path.open(encoding="utf-8") as stream:
        next(stream)
        return {line.split("\t")[0] for line in stream if line.strip()}


def more_benign(path: Path = DATA / "hosts-more-benign.tsv.gz") -> list[tuple[str, int, str]]:
    """(host, 0, '') rows of the two other benign lists (bench/data/README.md)."""
    with gzip.open(path, "rt", encoding="utf-8") as stream:
        next(stream)
        return [(line.split("\t")[0], 0, "") for line in stream if line.strip()]


def popular_domains(n: int) -> list[str]:
    from monitor.detection.domains import split_host

    counts: collections.Counter[str] = collections.Counter()
    first: dict[str, int] = {}
    for number, (host, label, _) in enumerate(hosts()):
        if label != 0:
            continue
        parts = split_host(host)
        if not parts.suffix or not parts.label or not re.fullmatch(r"[a-z0-9-]+", parts.label):
            continue
        counts[parts.registrable] += 1
        first.setdefault(parts.registrable, number)
    ranked = sorted(counts, key=lambda d: (-counts[d], first[d]))
    return ranked[:n]


def popular_registry_yaml(n: int) -> tuple[str, list[str]]:
    """(YAML text, official domains) of an n-brand registry made from popular domains."""
    domains = popular_domains(n)
    lines = ["brands:"]
    for number, domain in enumerate(domains):
        label = domain.split(".", 1)[0]
        slug = re.sub(r"-+", "-", re.sub(r"[^a-z0-9-]", "-", domain)).strip("-") or f"b{number}"
        lines += [f"  - id: b{number}-{slug}", f"    name: {label!r}",
                  f"    official: {{domains: [{domain}]}}",
                  f"    owners: [{{name: Test, email: b{number}@example.org}}]",
                  "    verified: {confirmed: false}"]
    return "\n".join(lines) + "\n", domains
