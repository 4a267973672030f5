"""The scorer's throughput at two git revisions, side by side in one run.

    python bench/compare_revisions.py [--base REV] [--rounds 3] [--count 40000]

Checks the base revision out into a temporary worktree and, in interleaved rounds, scores the
same candidates in-process with each revision's own `monitor` package (a child process each,
so neither sees the other's modules): with the shipped six-brand registry on a stream like a
newly-registered-domains day (real benign hosts of bench/data with 0.5% dnstwist lookalikes
of the official domains), and with a 1,000-brand registry of popular domains on benign hosts
that are not those brands' own. Prints candidates per CPU-second (scoring only: registry
load and warm-up apart) per round and the median ratio of this tree to the base.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import realdata  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent

# Run inside the child: the tree's own monitor package scores the file, CPU time measured.
CHILD = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
from monitor.detection.models import candidate_from_dict
from monitor.detection.rules import load_rules
from monitor.detection.scoring import Scorer
from monitor.registry import load_registry
scorer = Scorer(load_registry(sys.argv[2]), load_rules())
scorer.warm_up()
lines = open(sys.argv[3], encoding="utf-8").read().splitlines()
started = time.process_time()
for line in lines:
    scorer.score(candidate_from_dict(json.loads(line)))
print(json.dumps({"cpu": time.process_time() - started, "count": len(lines)}))
"""


def candidates(path: Path, hosts: list[str]) -> None:
    with path.open("w", encoding="utf-8") as out:
        for number, host in enumerate(hosts):
            out.write(json.dumps({"id": number, "kind": "domain", "domain": host}) + "\n")


def nrd_day(count: int) -> list[str]:
    import dnstwist

    from monitor.registry import load_registry

    rng = random.Random(7)
    benign = [h for h, label, _ in realdata.hosts() if label == 0]
    lookalikes = []
    for brand in load_registry(ROOT / "config" / "brands.yaml").brands:
        for domain in brand.official.domains:
            fuzzer = dnstwist.Fuzzer(domain)
            fuzzer.generate()
            lookalikes += [p["domain"] for p in fuzzer.permutations() if p["fuzzer"] != "*original"]
    stream = rng.sample(benign, min(len(benign), count - count // 200)) + rng.sample(lookalikes, count // 200)
    rng.shuffle(stream)
    return stream


def run(tree: Path, registry: Path, source: Path) -> float:
    out = subprocess.run([sys.executable, "-c", CHILD, str(tree), str(registry), str(source)],
                         capture_output=True, text=True, check=True)
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return result["count"] / result["cpu"]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="origin/main")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--count", type=int, default=40_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp) / "base"
        subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", "-q", str(base), args.base], check=True)
        try:
            six, many = Path(tmp) / "six.jsonl", Path(tmp) / "many.jsonl"
            candidates(six, nrd_day(args.count))
            text, domains = realdata.popular_registry_yaml(1000)
            registry = Path(tmp) / "brands-1000.yaml"
            registry.write_text(text, encoding="utf-8")
            from monitor.detection.domains import split_host

            own = set(domains)
            others = [h for h, label, _ in realdata.hosts() if label == 0 and split_host(h).registrable not in own]
            candidates(many, others[: args.count // 2])
            cases = (("6 brands, NRD-like day", ROOT / "config" / "brands.yaml", six),
                     ("1,000 brands, benign hosts", registry, many))
            for name, brands, source in cases:
                ratios = []
                for number in range(args.rounds):
                    old, new = run(base, brands, source), run(ROOT, brands, source)
                    ratios.append(new / old)
                    print(f"{name}: round {number + 1}: base {old:,.0f}/CPU-s, this tree {new:,.0f}/CPU-s "
                          f"({new / old:.2f}x)")
                print(f"{name}: median {statistics.median(ratios):.2f}x of {args.base}")
        finally:
            subprocess.run(["git", "-C", str(ROOT), "worktree", "remove", "--force", str(base)], check=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
