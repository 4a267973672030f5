"""Measure the scorer on real public data (bench/data/, see its README.md).

Runs the real `monitor score` command on every host of bench/data/hosts.tsv.gz with the
six global brands and their product names (global_brands_aliases.yaml) and prints:
precision and recall per verdict tier and per brand, the right-brand rate, throughput, and
the 30 worst errors with their reasons; then the shipped Lao registry (config/brands.yaml)
on the benign hosts, and the takedown-tier false-alarm rate of a 1,000-brand registry made
from popular domains on the benign hosts that are not those brands' own; then the targets
that held before detection v2, with the shipped registry: the labeled dev set
(tests/data/candidates-dev.jsonl), dnstwist permutations of every official domain, domains
made of two common words, official identities, and the prefilter's hypothesis property
(tests/detection/test_prefilter.py, run with pytest at --examples examples); then the accounts
at registry sizes 100, 1,000 and all (bench/accounts_eval.py).

    python bench/realworld_eval.py [--hosts FILE.tsv[.gz]] [--brands FILE] [--jobs N] [--quick]
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import realdata
from monitor.detection.models import FLAGGED_VERDICTS

ROOT = Path(__file__).resolve().parent.parent
FLAGS = FLAGGED_VERDICTS


def run_score(brands: Path, hosts: list[str], jobs: int | None) -> tuple[list[dict], float]:
    with tempfile.TemporaryDirectory() as tmp:
        source, sink = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        with source.open("w", encoding="utf-8") as out:
            for number, host in enumerate(hosts):
                out.write(json.dumps({"id": number, "kind": "domain", "domain": host}) + "\n")
        command = [str(Path(sys.executable).parent / "monitor"), "score", "--brands", str(brands),
                   "--input", str(source), "--output", str(sink)]
        if jobs:
            command += ["--jobs", str(jobs)]
        started = time.perf_counter()
        subprocess.run(command, check=False)
        wall = time.perf_counter() - started
        results = [json.loads(line) for line in sink.open(encoding="utf-8")]
    return results, wall


def ratio(a: int, b: int) -> str:
    return f"{a / b:.3f} ({a}/{b})" if b else "n/a (0/0)"


def read_rows(path: Path | None) -> list[tuple[str, int, str]]:
    return realdata.hosts(path) if path is not None else realdata.hosts()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=Path, default=None, help="host<TAB>label<TAB>brand file (default: bench/data)")
    parser.add_argument("--brands", type=Path, default=realdata.GLOBAL_ALIASES)
    parser.add_argument("--jobs", type=int, default=None)
    parser.add_argument("--quick", action="store_true", help="skip the Lao and 1,000-brand runs")
    parser.add_argument("--worst", type=int, default=30)
    parser.add_argument("--examples", type=int, default=5000, help="hypothesis examples for the prefilter property")
    args = parser.parse_args()

    aside = realdata.set_aside()
    rows = [row for row in read_rows(args.hosts) if row[0] not in aside]
    print(f"left out: {len(aside):,} set-aside hosts (bench/data/set-aside.tsv: the brands' own and ambiguous)")
    results, wall = run_score(args.brands, [h for h, _, _ in rows], args.jobs)
    positives = sum(1 for _, label, _ in rows if label == 1)
    print(f"data: {len(rows):,} hosts ({positives:,} phishing, {len(rows) - positives:,} benign), "
          f"registry {args.brands.name}")
    print(f"throughput: {len(rows) / wall:,.0f} hosts/s ({wall:.1f} s wall, start-up included)")

    tiers = {"impersonation": ("impersonation",), "all flags": FLAGS}
    for name, verdicts in tiers.items():
        flagged = [(row, r) for row, r in zip(rows, results, strict=True) if r.get("verdict") in verdicts]
        right = sum(1 for (_, label, _), _ in flagged if label == 1)
        print(f"{name:>14}: precision {ratio(right, len(flagged))}  recall {ratio(right, positives)}")
    suspicious = [(row, r) for row, r in zip(rows, results, strict=True) if r.get("verdict") == "suspicious"]
    print(f"{'suspicious':>14}: precision {ratio(sum(1 for (_, label, _), _ in suspicious if label == 1), len(suspicious))}")
    flagged_pos = [(row, r) for row, r in zip(rows, results, strict=True) if row[1] == 1 and r.get("verdict") in FLAGS]
    right_brand = sum(1 for (_, _, brand), r in flagged_pos if r.get("brand") == brand)
    print(f"   right brand: {ratio(right_brand, len(flagged_pos))} of flagged phishing hosts")

    print("\nper brand (all flags):")
    by_brand: dict[str, collections.Counter] = collections.defaultdict(collections.Counter)
    for (_, label, brand), r in zip(rows, results, strict=True):
        if label == 1:
            by_brand[brand]["positives"] += 1
            if r.get("verdict") in FLAGS:
                by_brand[brand]["caught"] += 1
        if r.get("verdict") in FLAGS:
            by_brand[r.get("brand") or "?"]["flagged"] += 1
            if label == 1 and r.get("brand") == brand:
                by_brand[r.get("brand")]["right"] += 1
            if r.get("verdict") == "impersonation":
                by_brand[r.get("brand") or "?"]["imp"] += 1
                by_brand[r.get("brand") or "?"]["imp_right"] += label == 1
    for brand in sorted(by_brand):
        c = by_brand[brand]
        print(f"  {brand:<10} precision {ratio(c['right'], c['flagged'])}  impersonation precision "
              f"{ratio(c['imp_right'], c['imp'])}  recall {ratio(c['caught'], c['positives'])}")

    errors = []
    for (host, label, brand), r in zip(rows, results, strict=True):
        verdict = r.get("verdict")
        if label == 0 and verdict in FLAGS:
            errors.append((2 if verdict == "impersonation" else 1, r.get("score", 0), "false alarm", host, r))
        elif label == 1 and verdict not in FLAGS:
            errors.append((1, 0, f"missed {brand}", host, r))
        elif label == 1 and r.get("brand") != brand:
            errors.append((1, r.get("score", 0), f"wrong brand (is {brand})", host, r))
    errors.sort(key=lambda e: (-e[0], -e[1]))
    print(f"\n{len(errors)} errors; the {min(args.worst, len(errors))} worst:")
    for _, _, what, host, r in errors[: args.worst]:
        print(f"  {what:<24} {host:<45} {r.get('verdict')} {r.get('brand')} {r.get('score')}: "
              f"{' | '.join(r.get('reasons', []))[:200]}")

    if args.quick:
        return 0
    benign = [h for h, label, _ in rows if label == 0]
    lao, _ = run_score(ROOT / "config" / "brands.yaml", benign, args.jobs)
    counts = collections.Counter(r.get("verdict") for r in lao)
    print(f"\nLao registry (config/brands.yaml) on {len(benign):,} benign hosts: "
          f"{counts['impersonation']} impersonation, {counts['suspicious']} suspicious")
    for host, r in zip(benign, lao, strict=True):
        if r.get("verdict") in FLAGS:
            print(f"  {r['verdict']:<13} {host:<40} {r.get('brand')}: {' | '.join(r.get('reasons', []))[:160]}")

    text, domains = realdata.popular_registry_yaml(1000)
    from monitor.detection.domains import split_host

    own = set(domains)
    others = [h for h in benign if split_host(h).registrable not in own]
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "brands-1000.yaml"
        path.write_text(text, encoding="utf-8")
        many, many_wall = run_score(path, others, args.jobs)
    counts = collections.Counter(r.get("verdict") for r in many)
    print(f"\n1,000-brand registry (popular domains) on {len(others):,} benign hosts not their own: "
          f"takedown-tier false alarms {counts['impersonation']} ({counts['impersonation'] / len(others):.4%}), "
          f"suspicious {counts['suspicious']} ({counts['suspicious'] / len(others):.4%}); {len(others) / many_wall:,.0f} hosts/s")
    shown = [(h, r) for h, r in zip(others, many, strict=True) if r.get("verdict") == "impersonation"][:10]
    for host, r in shown:
        print(f"  {host:<40} {r.get('brand')}: {' | '.join(r.get('reasons', []))[:160]}")
    earlier_targets(args.examples)
    from bench import accounts_eval

    print("\nAccounts (bench/accounts_eval.py, real X accounts): false alarms by registry size")
    accounts_eval.report(worst=min(args.worst, 10), jobs=args.jobs)
    return 0


def earlier_targets(examples: int) -> None:
    """The targets that held before detection v2, measured as the tests measure them."""
    import itertools
    import os

    from monitor.detection.models import Candidate, candidate_from_dict
    from monitor.detection.rules import load_rules
    from monitor.detection.scoring import Scorer
    from monitor.registry import load_registry
    from tests.conftest import DATA, load_jsonl
    from tests.detection.test_dnstwist_oracle import COMMON_WORDS, _permutations

    registry = load_registry(ROOT / "config" / "brands.yaml")
    scorer = Scorer(registry, load_rules())
    print("\nTargets from before detection v2 (config/brands.yaml):")
    items = load_jsonl(DATA / "candidates-dev.jsonl")
    scored = [(item, scorer.score(candidate_from_dict(item))) for item in items]
    positives = [s for item, s in scored if item["label"] == "impersonation"]
    flagged = [(item, s) for item, s in scored if s.verdict in FLAGS]
    right = sum(1 for item, _ in flagged if item["label"] == "impersonation")
    print(f"  dev set ({len(items)} candidates): precision {ratio(right, len(flagged))}, "
          f"recall {ratio(sum(1 for s in positives if s.verdict in FLAGS), len(positives))} (targets 0.95)")
    officials = [(item, s) for item, s in scored if item["label"] == "official"]
    official_ok = sum(1 for item, s in officials if s.verdict == "official" and s.brand == item["brand"])
    domains_ok = sum(1 for brand in registry.brands for domain in brand.official.domains
                     if scorer.score(Candidate(kind="domain", domain=domain)).verdict == "official")
    domains_all = sum(len(brand.official.domains) for brand in registry.brands)
    print(f"  official identities scored official: dev set {ratio(official_ok, len(officials))}, "
          f"official domains {ratio(domains_ok, domains_all)} (target: all)")
    worst = None
    for brand in registry.brands:
        for domain in brand.official.domains:
            permutations = _permutations(domain)
            hit = sum(1 for p in permutations
                      if (s := scorer.score(Candidate(kind="domain", domain=p["domain"]))).verdict in FLAGS
                      and s.brand == brand.id)
            if worst is None or hit / len(permutations) < worst[0]:
                worst = (hit / len(permutations), domain, hit, len(permutations))
    if worst is not None:
        print(f"  dnstwist permutations flagged for the right brand: lowest {worst[0]:.4f} ({worst[2]}/{worst[3]}, "
              f"{worst[1]}) (target 0.99 each)")
    pairs = [f"{a}{b}.com" for a, b in itertools.permutations(COMMON_WORDS, 2)] + \
        [f"{a}-{b}.net" for a, b in itertools.permutations(COMMON_WORDS, 2)]
    flagged_pairs = sum(1 for d in pairs if scorer.score(Candidate(kind="domain", domain=d)).verdict != "unrelated")
    print(f"  two-word domains flagged: {flagged_pairs / len(pairs):.4%} ({flagged_pairs}/{len(pairs)}) "
          f"(target at most 0.5%)")
    started = time.perf_counter()
    outcome = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                              "tests/detection/test_prefilter.py"], cwd=ROOT, capture_output=True, text=True,
                             env={**os.environ, "MONITOR_PREFILTER_EXAMPLES": str(examples)}, check=False)
    summary = (outcome.stdout.strip().splitlines() or ["no output"])[-1]
    print(f"  prefilter property at {examples:,} examples: {'passed' if outcome.returncode == 0 else 'FAILED'} "
          f"({summary}; {time.perf_counter() - started:.0f} s)")


if __name__ == "__main__":
    sys.exit(main())
