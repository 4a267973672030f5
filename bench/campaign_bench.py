"""Benchmark campaign linking: 100,000 findings holding 300,000 artefacts, then 1,000 more.

The data (seeded): 300,000 distinct artefacts; rings of 3 to 30 findings that share a phone, an
account, a Telegram handle... (strong); every finding with about three artefacts of its own; 40
templates, each shared by ~2,500 findings (structure hash, favicon), that must link nothing. Two measurements, each CPU time
(time.process_time) and the process's peak resident memory:

1. in memory (`monitor.campaigns.linking.link`, the rule the store uses): all 100,000 linked at
   once, then 1,000 new findings linked incrementally against the first 100,000;
2. in SQLite (`monitor.campaigns.store.link_findings`, what the pipeline runs): the 100,000 and
   their artefacts written (not timed), linked in one batch, then 1,000 new findings linked.

Targets (issue #24): clustering under 30 s and 500 MB; the 1,000 incremental under 2 s.

    python bench/campaign_bench.py [--findings 100000] [--artefacts 300000] [--new 1000] [--only memory|sqlite]
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import resource
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.campaigns.artefacts import ArtefactKind  # noqa: E402 - after the path above
from monitor.campaigns.linking import link  # noqa: E402

K = ArtefactKind
STRONG = (K.PHONE, K.BANK_ACCOUNT, K.TELEGRAM, K.WHATSAPP, K.GOOGLE_ANALYTICS, K.EMAIL)
TEMPLATES = 40


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_data(findings: int, artefacts: int, new: int, seed: int = 24):
    """finding id -> artefact ids and artefact id -> kind, for `findings` findings holding about
    `artefacts` distinct artefacts, then `new` findings more: half of them show a ring's
    artefact, one in twenty bridges two rings (a merge), the rest stand alone."""
    rng = random.Random(seed)
    kind_of: dict[int, ArtefactKind] = {}

    def make(kind: ArtefactKind) -> int:
        kind_of[len(kind_of) + 1] = kind
        return len(kind_of)

    structures = [make(K.HTML_STRUCTURE) for _ in range(TEMPLATES)]
    favicons = [make(K.FAVICON_SHA256) for _ in range(TEMPLATES)]
    own_each = max(0.0, artefacts / findings - 0.1)  # what each shows alone; rings add about 0.1
    holdings: dict[int, set[int]] = {}
    rings: list[list[int]] = []

    def finding(shared: list[int]) -> None:
        f = len(holdings) + 1
        template = rng.randrange(TEMPLATES)
        mine = {structures[template], favicons[template], *shared}
        for _ in range(int(own_each) + (rng.random() < own_each % 1)):
            mine.add(make(rng.choice(STRONG + (K.IMAGE_PHASH, K.SCREENSHOT_PHASH))))
        holdings[f] = mine

    while len(holdings) < findings:
        if rng.random() < 0.05:  # a ring: 3-30 findings, most of them showing one of its 1-2 artefacts
            shared = [make(rng.choice(STRONG)) for _ in range(rng.randint(1, 2))]
            rings.append(shared)
            for _ in range(min(rng.randint(3, 30), findings - len(holdings))):
                finding([rng.choice(shared)])
        else:
            finding([])
    for n in range(new):
        if n % 20 == 0:
            finding([rng.choice(rng.choice(rings)), rng.choice(rng.choice(rings))])
        elif n % 2:
            finding([rng.choice(rng.choice(rings))])
        else:
            finding([])
    return holdings, kind_of


def in_memory(holdings, kind_of, new_count: int) -> None:
    ids = sorted(holdings)
    first = {f: holdings[f] for f in ids[:-new_count]}
    rest = {f: holdings[f] for f in ids[-new_count:]}
    total = sum(len(a) for a in holdings.values())
    started = time.process_time()
    plan = link(first, {}, kind_of, {})
    cpu = time.process_time() - started
    print(f"in memory: {len(first):,} findings, {sum(len(a) for a in first.values()):,} artefacts held "
          f"({total:,} with the new ones): {len(plan.groups):,} campaigns, largest "
          f"{max(len(g.findings) for g in plan.groups)}, {cpu:.2f} s CPU, peak {peak_mb():.0f} MB")
    campaign_of = {f: n for n, g in enumerate(plan.groups, 1) for f in g.findings}
    holders: dict[int, set[int]] = defaultdict(set)
    for f, artefacts in first.items():
        for a in artefacts:
            holders[a].add(f)
    started = time.process_time()
    plan = link(rest, holders, kind_of, campaign_of)
    cpu = time.process_time() - started
    joined = sum(1 for g in plan.groups for f in g.findings if f in rest)
    print(f"in memory: {len(rest):,} new findings linked incrementally: {joined:,} in a campaign, "
          f"{sum(1 for g in plan.groups if g.kept is None):,} new campaigns, "
          f"{sum(len(g.absorbed) for g in plan.groups):,} merges, {cpu:.3f} s CPU")


def in_sqlite(holdings, kind_of, new_count: int) -> None:
    from sqlalchemy import insert

    from monitor.campaigns.store import link_findings
    from monitor.store.db import make_engine, session_factory, upgrade
    from monitor.store.models import ArtefactRecord, Finding, FindingArtefact

    now = dt.datetime(2026, 12, 7, tzinfo=dt.UTC)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.db'}"
        upgrade(url)
        engine = make_engine(url)
        factory = session_factory(engine)
        ids = sorted(holdings)
        started = time.perf_counter()
        artefact_ids = sorted(kind_of)
        for start in range(0, max(len(artefact_ids), len(ids)), 20_000):
            with factory() as session:
                if artefact_ids[start:start + 20_000]:
                    session.execute(insert(ArtefactRecord), [
                        {"id": a, "kind": kind_of[a].value, "value": f"v{a}", "first_seen": now, "last_seen": now}
                        for a in artefact_ids[start:start + 20_000]])
                if ids[start:start + 20_000]:
                    session.execute(insert(Finding), [
                        {"id": f, "brand_id": "b", "canonical_key": f"k{f}", "kind": "page", "label": "x",
                         "score": 90, "verdict": "impersonation", "reasons": [], "candidate": {}, "status": "new",
                         "first_seen": now, "last_seen": now} for f in ids[start:start + 20_000]])
                session.commit()

        def hold(findings: list[int]) -> None:
            """What the pipeline records before it links: these findings' artefacts."""
            for start in range(0, len(findings), 10_000):  # in chunks: the rows' dicts are the bulk of memory
                with factory() as session:
                    session.execute(insert(FindingArtefact), [
                        {"finding_id": f, "artefact_id": a, "seen": "text", "first_seen": now}
                        for f in findings[start:start + 10_000] for a in holdings[f]])
                    session.commit()

        hold(ids[:-new_count])
        print(f"sqlite: {len(holdings):,} findings and {sum(len(a) for a in holdings.values()):,} holdings written "
              f"in {time.perf_counter() - started:.1f} s (not counted)")
        # All of the first ones, linked in batches of 10,000 as they would arrive over runs (one
        # batch of 100,000 works too, with ~300 MB more of Python objects at once).
        cpu, created = 0.0, 0
        first = ids[:-new_count]
        for start in range(0, len(first), 10_000):
            with factory() as session:
                began = time.process_time()
                report = link_findings(session, first[start:start + 10_000], now)
                session.commit()
                cpu += time.process_time() - began
                created += len(report.created) - len(report.merged)
        print(f"sqlite: {len(first):,} findings linked in batches of 10,000: {created:,} campaigns, "
              f"{cpu:.2f} s CPU, peak {peak_mb():.0f} MB")
        hold(ids[-new_count:])
        with factory() as session:
            started = time.process_time()
            report = link_findings(session, ids[-new_count:], now)
            session.commit()
            cpu = time.process_time() - started
        print(f"sqlite: {new_count:,} new findings linked incrementally: {len(report.joined):,} joined, "
              f"{len(report.created):,} new campaigns, {len(report.merged):,} merges, {cpu:.3f} s CPU")
        engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--findings", type=int, default=100_000)
    parser.add_argument("--artefacts", type=int, default=300_000)
    parser.add_argument("--new", type=int, default=1_000)
    parser.add_argument("--only", choices=("memory", "sqlite"),
                        help="one measurement in this process (without it: each in a process of its own, so that "
                             "each peak memory is its own)")
    args = parser.parse_args()
    if args.only is None:
        for only in ("memory", "sqlite"):
            subprocess.run([sys.executable, __file__, "--only", only, "--findings", str(args.findings),
                            "--artefacts", str(args.artefacts), "--new", str(args.new)], check=True)
        return
    holdings, kind_of = make_data(args.findings, args.artefacts, args.new)
    print(f"data: {len(holdings):,} findings, {len(kind_of):,} distinct artefacts, "
          f"{sum(len(a) for a in holdings.values()):,} held; peak {peak_mb():.0f} MB after making it")
    (in_memory if args.only == "memory" else in_sqlite)(holdings, kind_of, args.new)


if __name__ == "__main__":
    main()
