"""`monitor score --jobs 1` on the streams production sees, beside the I/O floor and a base
revision, side by side in one run (interleaved rounds, CPU time of the scoring loop only:
registry load and warm-up apart).

Streams (seeded, built from bench/data's real hosts):

- *NRD day, 6 brands*: real benign hosts (hosts.tsv.gz and hosts-more-benign.tsv.gz, about
  190,000) with 0.5% dnstwist lookalikes of the shipped brands' official domains, shuffled;
- *1,000 brands*: a registry of 1,000 popular domains (bench/realdata), scored on benign hosts
  that are not those brands' own;
- *half lookalikes, 6 brands*: score_bench's mix (dnstwist permutations and two-word names).

For each stream and round, each in a child process of its own: the I/O floor (JSON in,
tldextract split, JSON out, no matching), this tree's `monitor score` loop (the CLI's
score_lines, --jobs 1) and the base revision's (a git worktree). Then `monitor score --jobs
N` against `--jobs 1` on the NRD day: total CPU of all processes (start-up included), to say
what the workers cost. Peak memory is the child's maximum RSS.

    python bench/stream_bench.py [--base REV] [--rounds 3] [--stream-count 200000] [--workers 2]

(also run by bench/score_bench.py, first)
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import dnstwist

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import realdata  # noqa: E402

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


# Run inside the child: one tree's own monitor package, CPU time of the loop only.
CHILD = """
import json, resource, sys, time
tree, mode, brands, source = sys.argv[1:5]
sys.path.insert(0, tree)
if mode == "floor":
    import tldextract
    extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None)
    extract("warm.up.example.com")
    def run(lines, write):
        for line in lines:
            record = json.loads(line)
            parts = extract(record["domain"])
            write(json.dumps({"id": record["id"], "label": parts.domain, "suffix": parts.suffix}) + "\\n")
else:
    from monitor.detection.jsonl import score_lines
    from monitor.detection.rules import load_rules
    from monitor.detection.scoring import Scorer
    from monitor.registry import load_registry
    try:  # the scorer `monitor score --jobs 1` streams with (warmed, kept out of the collector's walks)
        from monitor.detection.jsonl import stream_scorer
        scorer = stream_scorer(load_registry(brands), load_rules())
    except ImportError:  # a revision before it: warmed alone
        scorer = Scorer(load_registry(brands), load_rules())
        scorer.warm_up()
    def run(lines, write):
        for out, _ in score_lines(scorer, lines):
            write(out + "\\n")
with open(source, encoding="utf-8", newline="\\n") as lines, open("/dev/null", "w", encoding="utf-8") as sink:
    started = time.process_time()
    count = sum(1 for _ in open(source, encoding="utf-8"))
    started = time.process_time()
    run(lines, sink.write)
    spent = time.process_time() - started
print(json.dumps({"cpu": spent, "count": count, "maxrss_kib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def write_candidates(path: Path, hosts: list[str]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for number, host in enumerate(hosts):
            out.write(json.dumps({"id": number, "kind": "domain", "domain": host}) + "\n")


def lookalikes_of(brands: Path) -> list[str]:
    from monitor.registry import load_registry

    out = []
    for brand in load_registry(brands).brands:
        for domain in brand.official.domains:
            fuzzer = dnstwist.Fuzzer(domain)
            fuzzer.generate()
            out += [p["domain"] for p in fuzzer.permutations() if p["fuzzer"] != "*original"]
    return out


def nrd_day(count: int, brands: Path) -> list[str]:
    """Real benign hosts with 0.5% lookalikes of the brands, seeded."""
    rng = random.Random(7)
    benign = list(dict.fromkeys(h for h, label, _ in realdata.hosts() + realdata.more_benign() if label == 0))
    fakes = lookalikes_of(brands)
    wanted = count // 200
    stream = rng.sample(benign, min(len(benign), count - wanted)) + [rng.choice(fakes) for _ in range(wanted)]
    rng.shuffle(stream)
    return stream


def child(tree: Path, mode: str, brands: Path, source: Path) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, str(tree), mode, str(brands), str(source)],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def workers(brands: Path, source: Path, jobs: int) -> tuple[float, float]:
    """(total CPU-s of `monitor score --jobs N` and its workers, wall-clock s)."""
    monitor = Path(sys.executable).parent / "monitor"
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run([str(monitor), "score", "--jobs", str(jobs), "--brands", str(brands), "--input", str(source),
                    "--output", "/dev/null"], check=True)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime), wall


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--base", default="d1e9ef6", help="revision to compare with (default: %(default)s)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--stream-count", type=int, default=200_000, help="lines of the NRD-day and mixed streams")
    parser.add_argument("--stream-brand-count", type=int, default=40_000, help="lines of the 1,000-brand stream")
    parser.add_argument("--workers", type=int, default=2, help="workers compared with one (0: skip)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_arguments(parser)
    run(parser.parse_args())
    return 0


def run(args: argparse.Namespace) -> None:
    six = ROOT / "config" / "brands.yaml"
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        base = work / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(base), args.base],
                       check=True)
        try:
            nrd, many, mix = work / "nrd.jsonl", work / "many.jsonl", work / "mix.jsonl"
            write_candidates(nrd, nrd_day(args.stream_count, six))
            text, domains = realdata.popular_registry_yaml(1000)
            registry = work / "brands-1000.yaml"
            registry.write_text(text, encoding="utf-8")
            from monitor.detection.domains import split_host

            own = set(domains)
            rng = random.Random(7)
            others = [h for h, label, _ in realdata.hosts() + realdata.more_benign()
                      if label == 0 and split_host(h).registrable not in own]
            write_candidates(many, rng.sample(others, min(len(others), args.stream_brand_count)))
            make_input(mix, args.stream_count, six)
            streams = (("NRD day, 6 brands", six, nrd), ("1,000 brands, benign hosts", registry, many),
                       ("half lookalikes, 6 brands", six, mix))
            print(f"base revision {args.base}; candidates per CPU-second of the scoring loop; "
                  f"{args.rounds} interleaved rounds, median shown")
            for name, brands, source in streams:
                rates: dict[str, list[float]] = {"floor": [], "this tree": [], "base": []}
                peak = 0
                for _ in range(args.rounds):
                    for label, tree, mode in (("floor", ROOT, "floor"), ("this tree", ROOT, "score"),
                                              ("base", base, "score")):
                        result = child(tree, mode, brands, source)
                        rates[label].append(result["count"] / result["cpu"])
                        if label == "this tree":
                            peak = max(peak, result["maxrss_kib"])
                floor, now, old = (statistics.median(rates[k]) for k in ("floor", "this tree", "base"))
                ratios = [n / o for n, o in zip(rates["this tree"], rates["base"], strict=True)]
                lines = sum(1 for _ in source.open(encoding="utf-8"))
                print(f"\n{name} ({lines:,} lines):")
                print(f"  I/O floor (JSON, tldextract, JSON): {floor:>9,.0f}/CPU-s")
                print(f"  monitor score, this tree:           {now:>9,.0f}/CPU-s  ({now / floor:.2f}x the floor; "
                      f"peak {peak / 1024:.0f} MB)")
                print(f"  monitor score, {args.base:<20} {old:>9,.0f}/CPU-s")
                print("  this tree / base, per round:        " + ", ".join(f"{r:.2f}x" for r in ratios)
                      + f" (median {statistics.median(ratios):.2f}x)")
            if args.workers > 1:
                one_cpu, one_wall = workers(six, nrd, 1)
                many_cpu, many_wall = workers(six, nrd, args.workers)
                lines = sum(1 for _ in nrd.open(encoding="utf-8"))
                print(f"\nworkers on the NRD day (start-up included): --jobs 1 {lines / one_cpu:,.0f}/CPU-s "
                      f"({one_wall:.1f} s wall); --jobs {args.workers} {lines / many_cpu:,.0f}/CPU-s "
                      f"({many_wall:.1f} s wall): CPU efficiency {one_cpu / many_cpu:.2f} of one worker")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=False)


if __name__ == "__main__":
    sys.exit(main())
