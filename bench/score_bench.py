"""Benchmark `monitor score` on 200,000 domain candidates.

The input is dnstwist permutations of every official domain (also under a few other
suffixes) plus unrelated domains made of two common words; it is scored by running the
real `monitor score` command, start-up included, and the script prints wall time,
candidates per second and the command's peak memory (max RSS).

    python bench/score_bench.py [--count 200000] [--jobs N]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dnstwist

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("blue green river house market coffee travel garden happy sun moon star cloud city north south best "
         "smart fast tech shop food home rice lake hill stone paper light bright golden silver quick fresh "
         "ocean forest tiger eagle lotus temple village bamboo mango orange apple bread music photo").split()
SUFFIXES = ("com", "net", "org", "info", "online", "shop", "co", "io", "xyz", "top")


def make_input(path: Path, count: int, brands_file: Path) -> dict[str, int]:
    from monitor.registry import load_registry

    registry = load_registry(brands_file)
    permutations: list[str] = []
    for brand in registry.brands:
        for domain in brand.official.domains:
            label = domain.split(".")[0]
            for suffix in ("com", "net", "la", "online"):
                fuzzer = dnstwist.Fuzzer(f"{label}.{suffix}")
                fuzzer.generate()
                permutations += [p["domain"] for p in fuzzer.permutations() if p["fuzzer"] != "*original"]
    permutations = permutations[: count // 2]
    rng = random.Random(7)
    unrelated = [f"{rng.choice(WORDS)}{rng.choice(['', '-'])}{rng.choice(WORDS)}.{rng.choice(SUFFIXES)}"
                 for _ in range(count - len(permutations))]
    items = permutations + unrelated
    rng.shuffle(items)
    with path.open("w", encoding="utf-8") as out:
        for number, domain in enumerate(items):
            out.write(json.dumps({"id": number, "kind": "domain", "domain": domain}) + "\n")
    return {"permutations": len(permutations), "unrelated": len(unrelated)}


def _tree_rss_kib(root: int) -> int:
    """Resident memory of a process and its children, from /proc (Linux)."""
    total = 0
    pids = [root]
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == root:
                        pids.append(int(entry))
            except (OSError, ValueError, IndexError):
                continue
    for pid in pids:
        try:
            with open(f"/proc/{pid}/status", encoding="ascii") as status:
                for line in status:
                    if line.startswith("VmRSS:"):
                        total += int(line.split()[1])
        except OSError:
            continue
    return total


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--brands", type=Path, default=ROOT / "config" / "brands.yaml")
    parser.add_argument("--jobs", default=None, help="passed to monitor score --jobs")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        source, sink = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        mix = make_input(source, args.count, args.brands)
        monitor = Path(sys.executable).parent / "monitor"
        command = [str(monitor), "score", "--brands", str(args.brands), "--input", str(source), "--output", str(sink)]
        if args.jobs:
            command += ["--jobs", args.jobs]
        started = time.perf_counter()
        process = subprocess.Popen(command)
        tree_peak = 0
        while process.poll() is None:
            if os.path.exists("/proc"):
                tree_peak = max(tree_peak, _tree_rss_kib(process.pid))
            time.sleep(0.05)
        wall = time.perf_counter() - started
        if process.returncode != 0:
            raise SystemExit(f"monitor score failed with status {process.returncode}")
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        flagged = sum(1 for line in sink.open(encoding="utf-8")
                      if json.loads(line)["verdict"] in ("impersonation", "suspicious"))
    print(f"candidates:        {args.count:,} ({mix['permutations']:,} dnstwist permutations, "
          f"{mix['unrelated']:,} unrelated)")
    print(f"flagged:           {flagged:,}")
    print(f"wall time:         {wall:.2f} s (start-up included)")
    print(f"throughput:        {args.count / wall:,.0f} candidates/s")
    print(f"peak memory (RSS): {peak_kib / 1024:.0f} MB largest single process, "
          f"{tree_peak / 1024:.0f} MB all processes together (sampled every 50 ms)")
    print(f"cores:             {os.cpu_count()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
