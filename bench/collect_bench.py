"""Benchmark the newly-registered-domains collector on a list of 1,000,000 names.

The list (ordinary made-up names with a few hundred lookalikes of the brands mixed in) is
served from a local HTTP server, downloaded and filtered by the real `monitor collect
--source nrd`, start-up included. Prints wall time, names per second, the candidates it
kept and the command's peak memory (max RSS).

    python bench/collect_bench.py [--count 1000000]
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import subprocess
import sys
import tempfile
import threading
import time
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WORDS = ("blue green river house market coffee travel garden happy sun moon star cloud city north south best smart "
         "fast tech shop food home rice lake hill stone paper light bright golden silver quick fresh ocean forest "
         "tiger eagle lotus temple village bamboo mango orange apple bread music photo").split()
LOOKALIKES = ("laoairlines-{n}.com", "laotel-gift{n}.top", "laopost-fee{n}.xyz", "tholakhong{n}.net",
              "la0airlines{n}.com", "laotiantimes-{n}.online")
SUFFIXES = ("com", "net", "org", "info", "online", "shop", "xyz", "top", "site", "store")


def make_list(path: Path, count: int) -> int:
    rng = random.Random(11)
    planted = 0
    with path.open("w", encoding="ascii") as out:
        for number in range(count):
            if number % 2500 == 0:
                out.write(rng.choice(LOOKALIKES).format(n=number) + "\n")
                planted += 1
            else:
                out.write(f"{rng.choice(WORDS)}{rng.choice(['', '-'])}{rng.choice(WORDS)}{number % 997}."
                          f"{rng.choice(SUFFIXES)}\n")
    return planted


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *args):  # noqa: ANN002
        pass

    def guess_type(self, path):  # noqa: ANN001,ANN201
        return "text/plain"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1_000_000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        planted = make_list(tmp_path / "2026-11-28.txt", args.count)
        size_mb = (tmp_path / "2026-11-28.txt").stat().st_size / 1e6
        server = ThreadingHTTPServer(("127.0.0.1", 0), partial(_Quiet, directory=str(tmp_path)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        port = server.server_address[1]
        env = {k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")}
        env.update({
            "MONITOR_NRD_URL": f"http://127.0.0.1:{port}/{{date}}.txt",
            "MONITOR_ALLOW_PRIVATE_NETWORKS": "1", "MONITOR_EXTRA_PORTS": str(port),
            "MONITOR_DATABASE_URL": f"sqlite:///{tmp_path / 'monitor.db'}",
            "MONITOR_BRANDS_FILE": str(ROOT / "config" / "brands.yaml"),
        })
        bin_dir = Path(sys.executable).parent
        subprocess.run([str(bin_dir / "monitor"), "db", "upgrade"], env=env, check=True, capture_output=True)
        before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        started = time.perf_counter()
        result = subprocess.run([str(bin_dir / "monitor"), "collect", "--source", "nrd", "--brand", "lao-airlines",
                                 "--since", "2026-11-28T00:00:00Z", "--until", "2026-11-28T23:00:00Z",
                                 "--output", str(tmp_path / "out.jsonl")], env=env, capture_output=True, text=True)
        wall = time.perf_counter() - started
        peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        server.shutdown()
        if result.returncode != 0:
            print(result.stderr, file=sys.stderr)
            return result.returncode
        kept = sum(1 for _ in (tmp_path / "out.jsonl").open())
    print(f"names:             {args.count:,} ({size_mb:.0f} MB list, {planted} planted lookalikes)")
    print(f"candidates kept:   {kept:,} (prefilter passes; the scorer decides)")
    print(f"wall time:         {wall:.2f} s (download + filter, start-up included)")
    print(f"throughput:        {args.count / wall:,.0f} names/s")
    print(f"peak memory (RSS): {max(peak_kib, before) / 1024:.0f} MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
