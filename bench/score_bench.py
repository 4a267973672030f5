"""Benchmark `monitor score`: the streams production sees beside the I/O floor and a base
revision, the command as users run it, and registries of many brands.

1. Streams (bench/stream_bench.py): the NRD day, 1,000 brands and the half-lookalike mix,
   each beside the I/O floor and a base git revision (its own `monitor` package, from a
   worktree), in interleaved rounds, CPU time of the scoring loop; workers against one.
2. The command: `monitor score` on the half-lookalike mix (dnstwist permutations of every
   official domain under a few suffixes, and two-word names), start-up and workers included:
   wall time, candidates per second, memory of all its processes and of the largest.
3. Many brands: registries of 1,000 and 10,000 brands made from real popular domains (one
   brand per registrable domain of bench/data's benign hosts; name = its label, official
   domain = it): registry load time, scorer construction and warm-up time (what a worker
   does once: word lists, suffix lists, the index's automata), and candidates per CPU-second
   scoring 20,000 hosts of bench/data that are not those brands' own.

The scorer before detection v2 is the base revision's to compare with now (``--base``), read
from git at bench time rather than kept as a frozen copy.

    python bench/score_bench.py [--count 200000] [--jobs N] [--skip-streams] [--skip-command]
                                [--skip-brands] [stream_bench's options]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import stream_bench  # the bench folder is no package on the path
from stream_bench import make_input

ROOT = Path(__file__).resolve().parent.parent


def _tree_rss_kib(root: int) -> int:
    """Memory of a process and its children, from /proc (Linux): proportional set size where
    the kernel gives it (a page shared by forked workers counted once, split between them),
    else resident size (shared pages counted in every process)."""
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
        for path, field in ((f"/proc/{pid}/smaps_rollup", "Pss:"), (f"/proc/{pid}/status", "VmRSS:")):
            try:
                with open(path, encoding="ascii") as stream:
                    found = next((int(line.split()[1]) for line in stream if line.startswith(field)), None)
            except OSError:
                continue
            if found is not None:
                total += found
                break
    return total


def _run_scorer(command: list[str]) -> tuple[float, int, int]:
    started = time.perf_counter()
    process = subprocess.Popen(command)
    tree_peak = 0
    while process.poll() is None:
        if os.path.exists("/proc"):
            tree_peak = max(tree_peak, _tree_rss_kib(process.pid))
        time.sleep(0.05)
    wall = time.perf_counter() - started
    if process.returncode != 0:
        raise SystemExit(f"{command[0]} failed with status {process.returncode}")
    return wall, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, tree_peak


def brand_scaling(sizes: tuple[int, ...], count: int) -> None:
    """Registry load, scorer construction and candidates per CPU-second with many brands."""
    sys.path.insert(0, str(ROOT))
    from bench import realdata
    from monitor.detection.domains import split_host
    from monitor.detection.models import Candidate
    from monitor.detection.rules import load_rules
    from monitor.detection.scoring import Scorer
    from monitor.registry import parse_registry

    rows = realdata.hosts()
    for size in sizes:
        text, domains = realdata.popular_registry_yaml(size)
        own = set(domains)
        hosts = [h for h, _, _ in rows if split_host(h).registrable not in own][:count]
        started = time.process_time()
        registry = parse_registry(text, f"<{size} popular domains>")
        loaded = time.process_time() - started
        started = time.process_time()
        scorer = Scorer(registry, load_rules())
        built = time.process_time() - started
        started = time.process_time()
        scorer.warm_up()
        warmed = time.process_time() - started
        started = time.process_time()
        flagged = sum(scorer.score(Candidate(kind="domain", domain=h)).verdict == "impersonation" for h in hosts)
        spent = time.process_time() - started
        print(f"\n{size:,} brands ({len(registry.brands):,} in the registry):")
        print(f"  registry load (parse + validation, monitor.registry): {loaded:.2f} CPU-s")
        print(f"  scorer construction:                                  {built:.2f} CPU-s")
        print(f"  warm-up (word lists, suffix lists, index automata):   {warmed:.2f} CPU-s")
        print(f"  scoring {len(hosts):,} hosts (after the warm-up): "
              f"{len(hosts) / spent:,.0f} candidates/CPU-s, {flagged} at the takedown tier "
              f"({flagged / len(hosts):.3%})")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--brands", type=Path, default=ROOT / "config" / "brands.yaml")
    parser.add_argument("--jobs", default=None, help="passed to monitor score --jobs")
    parser.add_argument("--skip-streams", action="store_true", help="skip bench/stream_bench.py's streams")
    parser.add_argument("--skip-command", action="store_true")
    parser.add_argument("--skip-brands", action="store_true")
    parser.add_argument("--brand-sizes", default="1000,10000")
    parser.add_argument("--brand-count", type=int, default=20_000)
    stream_bench.add_arguments(parser)
    args = parser.parse_args()
    if not args.skip_streams:
        stream_bench.run(args)
    if not args.skip_command:
        command_run(args)
    if not args.skip_brands:
        brand_scaling(tuple(int(n) for n in args.brand_sizes.split(",")), args.brand_count)
    return 0


def command_run(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source, sink = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl"
        mix = make_input(source, args.count, args.brands)
        monitor = Path(sys.executable).parent / "monitor"
        command = [str(monitor), "score", "--brands", str(args.brands), "--input", str(source), "--output", str(sink)]
        if args.jobs:
            command += ["--jobs", args.jobs]
        wall, peak_kib, tree_peak = _run_scorer(command)
        flagged = sum(1 for line in sink.open(encoding="utf-8")
                      if json.loads(line)["verdict"] in ("impersonation", "suspicious"))
    print(f"\nmonitor score, as run: {args.count:,} candidates ({mix['permutations']:,} dnstwist permutations, "
          f"{mix['unrelated']:,} unrelated), brands {args.brands}, --jobs {args.jobs or os.cpu_count()}")
    print(f"  {wall:.2f} s wall, {args.count / wall:,.0f} candidates/s, {flagged:,} flagged, "
          f"{tree_peak / 1024:.0f} MB all processes (PSS), {peak_kib / 1024:.0f} MB the largest (RSS)")


if __name__ == "__main__":
    sys.exit(main())
