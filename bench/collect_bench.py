"""Benchmark the newly-registered-domains collector on a list of 2,000,000 names.

The list (ordinary made-up names with lookalikes of the brands mixed in, one in 2,500) is
served from a local HTTP server. Two runs, start-up included, each in its own process:

1. ``monitor collect --source nrd``: download and prefilter, candidates written out (the
   CLI path, which today collects a brand's candidates in a list before writing them);
2. streaming end to end: the same collector's download, its prefilter and the scorer on
   each name that passes, one name in memory at a time (``monitor.collectors.nrd.
   collect_and_score``), the flagged ones written as JSON Lines.

Prints wall time, names per second, candidates kept, flagged, and each run's peak memory.

    python bench/collect_bench.py [--count 2000000] [--only stream|cli]
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
              "la0airlines{n}.com", "laotiantimes-{n}.online", "laoposz{n}.com.la", "pay.lopost{n}.top")
SUFFIXES = ("com", "net", "org", "info", "online", "shop", "xyz", "top", "site", "store", "com.la", "co.uk")


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
    def log_message(self, *args):
        pass

    def guess_type(self, path):
        return "text/plain"


def _stream_child(output: str) -> int:
    """Run in a child process: collect, filter and score the day's list as a stream."""
    from monitor.collectors.base import Query, Window
    from monitor.collectors.nrd import collect_and_score
    from monitor.collectors.sources import build_collector
    from monitor.detection.models import FLAGGED_VERDICTS
    from monitor.detection.rules import load_rules
    from monitor.detection.scoring import Scorer
    from monitor.fetch.http import Fetcher
    from monitor.pipeline import parse_time
    from monitor.registry import load_registry
    from monitor.settings import Settings

    settings = Settings.from_env()
    registry = load_registry(settings.brands_file)
    scorer = Scorer(registry, load_rules(settings.rules_file))
    collector = build_collector("nrd", settings, Fetcher(settings), scorer)
    window = Window(parse_time("2026-11-28T00:00:00Z", "since"), parse_time("2026-11-28T23:00:00Z", "until"))
    kept = flagged = 0
    with open(output, "w", encoding="utf-8") as sink:
        for candidate, score in collect_and_score(collector, Query("newly registered domains", "lao-airlines"), window,
                                                  scorer):
            kept += 1
            if score.verdict in FLAGGED_VERDICTS:
                flagged += 1
                sink.write(json.dumps({**candidate.to_dict(), "score": score.to_dict()}, ensure_ascii=False) + "\n")
    print(json.dumps({"kept": kept, "flagged": flagged}))
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2_000_000)
    parser.add_argument("--only", choices=("stream", "cli"), default=None)
    parser.add_argument("--stream-child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.stream_child:
        return _stream_child(args.stream_child)
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
            "MONITOR_STATE_DIR": str(tmp_path / "state"),
        })
        bin_dir = Path(sys.executable).parent
        subprocess.run([str(bin_dir / "monitor"), "db", "upgrade"], env=env, check=True, capture_output=True)
        print(f"names:             {args.count:,} ({size_mb:.0f} MB list, {planted} planted lookalikes)")
        runs = [("stream", [sys.executable, __file__, "--stream-child", str(tmp_path / "flagged.jsonl")]),
                ("cli", [str(bin_dir / "monitor"), "collect", "--source", "nrd", "--brand", "lao-airlines",
                         "--since", "2026-11-28T00:00:00Z", "--until", "2026-11-28T23:00:00Z",
                         "--output", str(tmp_path / "out.jsonl")])]
        for name, command in runs:
            if args.only and name != args.only:
                continue
            for cached in (tmp_path / "state").glob("**/*.list"):
                cached.unlink()  # every run downloads the list
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            started = time.perf_counter()
            process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            out, err = process.communicate()
            wall = time.perf_counter() - started
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
            peak_kib = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
            if process.returncode != 0:
                print(err, file=sys.stderr)
                return process.returncode
            if name == "stream":
                counts = json.loads(out.strip().splitlines()[-1])
                print("\nstreaming (collect + prefilter + score, one process):")
                print(f"  candidates kept:   {counts['kept']:,} (prefilter passes), flagged {counts['flagged']:,}")
            else:
                kept = sum(1 for _ in (tmp_path / "out.jsonl").open())
                print("\nmonitor collect --source nrd (download + prefilter, candidates listed, no scoring):")
                print(f"  candidates kept:   {kept:,}")
            print(f"  wall time:         {wall:.2f} s (start-up included); CPU time {cpu:.2f} s")
            print(f"  throughput:        {args.count / wall:,.0f} names/s")
            print(f"  peak memory (RSS): {peak_kib / 1024:.0f} MB (largest child so far)")
        server.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
