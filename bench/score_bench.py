"""Benchmark `monitor score` on 200,000 domain candidates, beside the scorer before detection v2.

0. Streams (bench/stream_bench.py): the NRD day, 1,000 brands and the half-lookalike mix,
   each beside the I/O floor and a base revision, in interleaved rounds, CPU time.
1. Side by side: the input is dnstwist permutations of every official domain (also under a
   few other suffixes) plus unrelated domains made of two common words; it is scored by the
   real `monitor score` command and by the same command running the scorer as it stood
   before detection v2 (bench/baseline_scoring.py with bench/baseline_rules.yaml), one
   after the other, start-up included: wall time, candidates per second, peak memory.
2. Many brands: registries of 1,000 and 10,000 brands made from real popular domains (one
   brand per registrable domain of bench/data's benign hosts; name = its label, official
   domain = it): registry load time, scorer construction and warm-up time (what a worker
   does once: word lists, suffix lists, the index's automata), and candidates per CPU-second
   scoring 20,000 hosts of bench/data that are not those brands' own, for the current
   scorer and (on a sample) the one before.

    python bench/score_bench.py [--count 200000] [--jobs N] [--skip-side-by-side] [--skip-brands]
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
import stream_bench  # noqa: E402 - the bench folder is no package on the path
from stream_bench import make_input  # noqa: E402

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


def baseline_rules():  # noqa: ANN201
    """The rules the scorer before detection v2 read, as the attribute tree it expects."""
    from types import SimpleNamespace

    import yaml

    data = yaml.safe_load((Path(__file__).parent / "baseline_rules.yaml").read_text("utf-8"))
    steps = tuple(SimpleNamespace(**step) for step in data["max_distance"])

    def allowed_distance(length: int) -> int:
        return max([s.distance for s in steps if length >= s.min_length], default=0)

    rules = SimpleNamespace(**{k: v for k, v in data.items() if k not in ("thresholds", "weights", "max_distance")})
    for name in ("lures", "official_claims", "commentary", "warning_context", "domain_lure_words", "shared_hosting"):
        setattr(rules, name, tuple(getattr(rules, name)))
    rules.thresholds = SimpleNamespace(**data["thresholds"])
    rules.weights = SimpleNamespace(**data["weights"])
    rules.max_distance = steps
    rules.allowed_distance = allowed_distance
    return rules


def _baseline_score(brands: str, source: str, sink: str, jobs: int) -> int:
    """`monitor score` with the scorer before detection v2 (same reading, chunking, workers)."""
    from monitor.detection import jsonl
    from monitor.registry import load_registry

    sys.path.insert(0, str(Path(__file__).parent))
    import baseline_scoring

    jsonl.Scorer = baseline_scoring.Scorer  # the workers are forked after this
    jsonl.unrelated_line = lambda scorer, record: None  # that scorer had no raw-record fast path
    registry, rules = load_registry(brands), baseline_rules()
    with open(source, encoding="utf-8") as lines, open(sink, "w", encoding="utf-8") as out:
        results = jsonl.score_lines_parallel(registry, rules, lines, jobs) if jobs > 1 else \
            jsonl.score_lines(baseline_scoring.Scorer(registry, rules), lines)
        for line, _ in results:
            out.write(line + "\n")
    return 0


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


def brand_scaling(sizes: tuple[int, ...], count: int, baseline_sample: int) -> None:
    """Registry load, scorer construction and candidates per CPU-second with many brands."""
    sys.path.insert(0, str(ROOT))
    from bench import realdata
    from monitor.detection.domains import split_host
    from monitor.detection.models import Candidate
    from monitor.detection.rules import load_rules
    from monitor.detection.scoring import Scorer
    from monitor.registry import parse_registry

    sys.path.insert(0, str(Path(__file__).parent))
    import baseline_scoring

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
        sample = hosts[:baseline_sample]
        started = time.process_time()
        old = baseline_scoring.Scorer(registry, baseline_rules())
        old_built = time.process_time() - started
        started = time.process_time()
        old_flagged = sum(old.score(Candidate(kind="domain", domain=h)).verdict == "impersonation" for h in sample)
        old_spent = time.process_time() - started
        print(f"  before detection v2: construction {old_built:.2f} CPU-s, {len(sample) / old_spent:,.0f} "
              f"candidates/CPU-s on the first {len(sample):,} ({old_flagged} at the takedown tier)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--brands", type=Path, default=ROOT / "config" / "brands.yaml")
    parser.add_argument("--jobs", default=None, help="passed to monitor score --jobs")
    parser.add_argument("--skip-streams", action="store_true", help="skip bench/stream_bench.py's streams")
    parser.add_argument("--skip-side-by-side", action="store_true")
    parser.add_argument("--skip-brands", action="store_true")
    parser.add_argument("--brand-sizes", default="1000,10000")
    parser.add_argument("--brand-count", type=int, default=20_000)
    parser.add_argument("--baseline-sample", type=int, default=2_000)
    parser.add_argument("--baseline-child", nargs=3, default=None, help=argparse.SUPPRESS)
    stream_bench.add_arguments(parser)
    args = parser.parse_args()
    if args.baseline_child:
        return _baseline_score(*args.baseline_child, int(args.jobs or os.cpu_count() or 1))
    if not args.skip_streams:
        stream_bench.run(args)
    if not args.skip_side_by_side:
        side_by_side(args)
    if not args.skip_brands:
        brand_scaling(tuple(int(n) for n in args.brand_sizes.split(",")), args.brand_count, args.baseline_sample)
    return 0


def side_by_side(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        source, sink, old_sink = Path(tmp) / "in.jsonl", Path(tmp) / "out.jsonl", Path(tmp) / "old.jsonl"
        mix = make_input(source, args.count, args.brands)
        monitor = Path(sys.executable).parent / "monitor"
        command = [str(monitor), "score", "--brands", str(args.brands), "--input", str(source), "--output", str(sink)]
        if args.jobs:
            command += ["--jobs", args.jobs]
        old_command = [sys.executable, __file__, "--baseline-child", str(args.brands), str(source), str(old_sink)]
        if args.jobs:
            old_command += ["--jobs", args.jobs]
        old_wall, _, old_tree = _run_scorer(old_command)
        old_flagged = sum(1 for line in old_sink.open(encoding="utf-8")
                          if json.loads(line)["verdict"] in ("impersonation", "suspicious"))
        wall, peak_kib, tree_peak = _run_scorer(command)
        flagged = sum(1 for line in sink.open(encoding="utf-8")
                      if json.loads(line)["verdict"] in ("impersonation", "suspicious"))
    print(f"candidates:        {args.count:,} ({mix['permutations']:,} dnstwist permutations, "
          f"{mix['unrelated']:,} unrelated), brands {args.brands}")
    print(f"before v2:         {old_wall:.2f} s wall, {args.count / old_wall:,.0f} candidates/s, "
          f"{old_flagged:,} flagged, {old_tree / 1024:.0f} MB all processes (PSS)")
    print(f"now:               {wall:.2f} s wall, {args.count / wall:,.0f} candidates/s, {flagged:,} flagged, "
          f"{tree_peak / 1024:.0f} MB all processes (PSS)")
    print(f"speed-up:          {old_wall / wall:.2f}x (same input, same machine, one after the other)")
    print(f"peak memory (RSS): {peak_kib / 1024:.0f} MB largest single process")
    print(f"cores:             {os.cpu_count()}")


if __name__ == "__main__":
    sys.exit(main())
