"""Measure account scoring on real X accounts as the registry grows (bench/data/, see its README.md).

For each registry size (default 100, 1,000 and all 4,596 identities of
bench/data/dev-registry.yaml.gz) the subset is the FIRST N brands of that file, in file order
(deterministic, no sampling). The script writes that subset as a registry YAML in a temporary
directory and runs the real `monitor score` command once on: the official accounts of the
brands in the subset, plus ALL negatives of bench/data/dev-accounts.jsonl.gz. The candidates
are given without their answer fields (label, expected_brand, source). It prints, per size:

- officials recognised as `official` of the right brand (count, %),
- negatives flagged at any tier (`impersonation` or `suspicious`; count, %),
- negatives at the takedown tier (`impersonation`; count, %),
- throughput (candidates per second, wall time with the command's start-up),
- the N worst false alarms (takedown tier first, then by score): verdict, score, brand (name
  and id), the account's handle and name, and the first reason.

    python bench/accounts_eval.py [--sizes 100,1000,all] [--worst 10] [--jobs N]
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from monitor.detection.models import FLAGGED_VERDICTS

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "bench" / "data"
REGISTRY = DATA / "dev-registry.yaml.gz"
ACCOUNTS = DATA / "dev-accounts.jsonl.gz"
FLAGS = FLAGGED_VERDICTS
CANDIDATE_FIELDS = ("id", "kind", "platform", "handle", "page_id", "name", "url")

_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_Dumper = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def load_brands(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return yaml.load(handle, Loader=_Loader)["brands"]


def load_accounts(path: Path) -> list[dict]:
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def monitor_command() -> str:
    return str(Path(sys.executable).parent / "monitor")


def run_score(brands: list[dict], candidates: list[dict], jobs: int | None) -> tuple[list[dict], float, int]:
    """One `monitor score` run: the results in input order, the wall time and the exit status."""
    with tempfile.TemporaryDirectory() as tmp:
        registry = Path(tmp) / "brands.yaml"
        source, sink = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        registry.write_text(yaml.dump({"brands": brands}, Dumper=_Dumper, allow_unicode=True, sort_keys=False),
                            encoding="utf-8")
        with source.open("w", encoding="utf-8") as out:
            for candidate in candidates:
                fields = {k: candidate[k] for k in CANDIDATE_FIELDS if k in candidate}
                out.write(json.dumps(fields, ensure_ascii=False) + "\n")
        command = [monitor_command(), "score", "--brands", str(registry), "--input", str(source),
                   "--output", str(sink)]
        if jobs:
            command += ["--jobs", str(jobs)]
        started = time.perf_counter()
        status = subprocess.run(command, check=False).returncode
        wall = time.perf_counter() - started
        results = [json.loads(line) for line in sink.open(encoding="utf-8")] if sink.exists() else []
    return results, wall, status


def share(a: int, b: int, digits: int = 2) -> str:
    return f"{a:,}/{b:,} ({a / b:.{digits}%})" if b else f"{a}/0 (n/a)"


def parse_sizes(text: str, total: int) -> list[int]:
    sizes = []
    for part in text.split(","):
        part = part.strip().replace("_", "")
        if not part:
            continue
        sizes.append(total if part == "all" else min(int(part), total))
    return sizes


def evaluate(size: int, brands: list[dict], officials: list[dict], negatives: list[dict],
             jobs: int | None, worst: int) -> None:
    subset = brands[:size]
    names = {brand["id"]: brand.get("name", "") for brand in subset}
    ids = set(names)
    mine = [c for c in officials if c.get("expected_brand") in ids]
    candidates = mine + negatives
    results, wall, status = run_score(subset, candidates, jobs)
    print(f"\n=== registry: first {size:,} brands of {REGISTRY.name} "
          f"({len(mine):,} officials + {len(negatives):,} negatives = {len(candidates):,} candidates)")
    if len(results) != len(candidates):
        print(f"  monitor score exited {status} with {len(results):,} result lines for {len(candidates):,} "
              "candidates: no figures for this size")
        return
    if status != 0:
        print(f"  (monitor score exited {status})")
    pairs = list(zip(candidates, results, strict=True))
    errors = sum(1 for _, r in pairs if "error" in r)
    right = sum(1 for c, r in pairs[: len(mine)]
                if r.get("verdict") == "official" and r.get("brand") == c["expected_brand"])
    neg = pairs[len(mine):]
    flagged = [(c, r) for c, r in neg if r.get("verdict") in FLAGS]
    takedown = [(c, r) for c, r in flagged if r.get("verdict") == "impersonation"]
    print(f"  officials recognised (official, right brand): {share(right, len(mine))}")
    print(f"  negatives flagged (any tier):                 {share(len(flagged), len(neg), 3)}")
    print(f"  negatives at the takedown tier:               {share(len(takedown), len(neg), 3)}")
    if errors:
        print(f"  error lines: {errors:,}")
    print(f"  throughput: {len(candidates) / wall:,.0f} candidates/s ({wall:.1f} s wall, start-up included)")
    by_verdict = collections.Counter(r.get("verdict") for _, r in pairs[: len(mine)])
    if right != len(mine):
        print(f"  officials' verdicts: {dict(by_verdict)}")
    flagged.sort(key=lambda cr: (cr[1]["verdict"] != "impersonation", -(cr[1].get("score") or 0)))
    shown = flagged[:worst]
    print(f"  the {len(shown)} worst false alarms (of {len(flagged):,}):")
    for c, r in shown:
        reason = (r.get("reasons") or [""])[0]
        brand = f"{names.get(r.get('brand'), '?')} ({r.get('brand')})"
        print(f"    {r['verdict']:<13} {r.get('score')!s:>3}  {brand:<34} @{c.get('handle', ''):<18} "
              f"{c.get('name', '')[:28]!r:<30} {reason[:150]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="100,1000,all",
                        help="registry sizes, comma-separated; 'all' = every brand (default: 100,1000,all)")
    parser.add_argument("--worst", type=int, default=10, help="false alarms to show per size (default: 10)")
    parser.add_argument("--jobs", type=int, default=None, help="monitor score --jobs (default: its own)")
    args = parser.parse_args()
    report(args.sizes, args.worst, args.jobs)
    return 0


def report(sizes: str = "100,1000,all", worst: int = 10, jobs: int | None = None) -> None:
    """Print the figures for each registry size (also called by bench/realworld_eval.py)."""
    brands = load_brands(REGISTRY)
    accounts = load_accounts(ACCOUNTS)
    officials = [c for c in accounts if c.get("label") == "official"]
    negatives = [c for c in accounts if c.get("label") == "negative"]
    print(f"data: {len(brands):,} protected identities ({REGISTRY.name}), {len(officials):,} official and "
          f"{len(negatives):,} negative accounts ({ACCOUNTS.name}); subsets are the first N brands of the file")
    for size in parse_sizes(sizes, len(brands)):
        evaluate(size, brands, officials, negatives, jobs, worst)


if __name__ == "__main__":
    sys.exit(main())
