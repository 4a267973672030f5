"""Benchmark reading Certificate Transparency entries: parsed, filtered and scored per
CPU-second, and peak memory, on 200,000 real-format entries.

The entries are made with `cryptography` like a public CA's (an RSA-2048 issuer, ECDSA P-256
subject keys, the usual extensions, two embedded SCTs in final certificates; precertificates
with the poison extension and their TBSCertificate), one in 2,500 a lookalike of a brand,
about half precertificates. A pool of distinct entries (--unique) is made once and repeated
to --count entries, half as static-CT data tiles (256 TileLeafs, as served, gzip measured) and
half as RFC 6962 get-entries answers (JSON, base64 leaf_input and extra_data).

The measured run is a fresh process reading those answers one at a time from files, as the
reader gets them from the network: JSON and base64 decoding, leaf parsing, certificate names
(cryptography), the scorer's prefilter on every name and its score on every name that
passes, in batches of 1,024 entries (monitor.collectors.ct.batches.filter_entries). It prints
entries per CPU-second, peak memory (max RSS of that process), and the bytes per entry that a
full feed costs per day.

    python bench/ct_bench.py [--count 200000] [--unique 20000]
"""

from __future__ import annotations

import argparse
import base64
import gzip
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

WORDS = ("blue green river house market coffee travel garden happy sun moon star cloud city north south best smart "
         "fast tech shop food home rice lake hill stone paper light bright golden silver quick fresh ocean forest "
         "tiger eagle lotus temple village bamboo mango orange apple bread music photo").split()
SUFFIXES = ("com", "net", "org", "io", "de", "co.uk", "com.br", "fr", "online", "shop", "xyz", "app", "dev", "la")
LOOKALIKES = ("laoairlnes.la", "laoairlines-booking.com", "laotel-topup.la", "laopost-tracking.com", "tholakong.com",
              "laopatthana-login.com", "laoairlines.ລາວ", "ໄປສະນີລາວ.ລາວ")
TILE = 256
BATCH = 1024
FEED_ENTRIES_PER_SECOND = 400  # all logs together: "a few hundred entries a second" on average


def make_pool(unique: int, seed: int = 7) -> list:
    from monitor.demo.ctlog import CertificateFactory, LocalLog

    rng = random.Random(seed)
    log = LocalLog("bench", CertificateFactory(rsa_ca=True), static=True)
    for number in range(unique):
        if number % 2500 == 1:
            base = rng.choice(LOOKALIKES)
        else:
            base = f"{rng.choice(WORDS)}{rng.choice(WORDS)}{rng.randrange(1000)}.{rng.choice(SUFFIXES)}"
        extra = rng.choice((0, 0, 1, 2, 5))
        names = [base, "www." + base] + [f"{rng.choice(WORDS)}.{base}" for _ in range(extra)]
        if rng.random() < 0.1:
            names = ["*." + base, base]
        log.add(names, precert=rng.random() < 0.5)
    return log.entries


def write_inputs(entries: list, count: int, folder: Path) -> dict:
    """Half the entries as data tiles, half as get-entries answers, in two files of length-prefixed answers."""
    sizes = {"tile_bytes": 0, "tile_gzip_bytes": 0, "tile_entries": 0, "json_bytes": 0, "json_entries": 0}
    half = count // 2
    with (folder / "tiles.bin").open("wb") as out:
        for start in range(0, half, TILE):
            body = b"".join(entries[(start + i) % len(entries)].tile_leaf(start + i)
                            for i in range(min(TILE, half - start)))
            out.write(min(TILE, half - start).to_bytes(2, "big") + len(body).to_bytes(4, "big") + body)
            sizes["tile_bytes"] += len(body)
            sizes["tile_entries"] += min(TILE, half - start)
            if start % (TILE * 20) == 0:  # gzip on a sample of tiles: the ratio is what matters
                sizes["tile_gzip_bytes"] += len(gzip.compress(body, 6)) * 20
    with (folder / "entries.bin").open("wb") as out:
        for start in range(half, count, TILE):
            answer = json.dumps({"entries": [
                {"leaf_input": base64.b64encode(entries[(start + i) % len(entries)].merkle_leaf(start + i, False)).decode(),
                 "extra_data": base64.b64encode(entries[(start + i) % len(entries)].extra_data()).decode()}
                for i in range(min(TILE, count - start))]}).encode()
            out.write(min(TILE, count - start).to_bytes(2, "big") + len(answer).to_bytes(4, "big") + answer)
            sizes["json_bytes"] += len(answer)
            sizes["json_entries"] += min(TILE, count - start)
    return sizes


def _answers(path: Path):
    """(entries, body) of each answer, one at a time."""
    with path.open("rb") as stream:
        while header := stream.read(6):
            yield int.from_bytes(header[:2], "big"), stream.read(int.from_bytes(header[2:], "big"))


def measure_parsing(folder: Path) -> dict:
    """Reading and parsing alone (no prefilter, no scorer): what reading CT itself costs."""
    from monitor.collectors.ct.leaves import parse_data_tile, parse_rfc6962_entry

    started = time.process_time()
    entries = 0
    for width, body in _answers(folder / "tiles.bin"):
        entries += sum(1 for _ in parse_data_tile(body, 0, width))
    for _, body in _answers(folder / "entries.bin"):
        for item in json.loads(body)["entries"]:
            parse_rfc6962_entry(0, base64.b64decode(item["leaf_input"]), base64.b64decode(item["extra_data"]))
            entries += 1
    return {"entries": entries, "cpu_seconds": time.process_time() - started,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def measure(folder: Path) -> dict:
    """The measured process: read, parse, filter and score everything in folder."""
    from monitor.collectors.ct.batches import filter_entries
    from monitor.collectors.ct.leaves import parse_data_tile, parse_rfc6962_entry
    from monitor.detection.models import FLAGGED_VERDICTS
    from monitor.detection.rules import load_rules
    from monitor.detection.scoring import Scorer
    from monitor.registry import load_registry
    from monitor.settings import Settings

    settings = Settings()
    scorer = Scorer(load_registry(settings.brands_file), load_rules(settings.rules_file))
    scorer.might_resemble("warm.up.example.com")
    counts = {"entries": 0, "bad": 0, "names": 0, "candidates": 0, "flagged": 0}
    flagged = set()
    started_cpu, started_wall = time.process_time(), time.perf_counter()

    def batches():
        index, batch = 0, []
        for width, body in _answers(folder / "tiles.bin"):
            batch.extend(parse_data_tile(body, index, width))
            index += width
            if len(batch) >= BATCH:
                yield batch
                batch = []
        for _, body in _answers(folder / "entries.bin"):
            for item in json.loads(body)["entries"]:
                batch.append(parse_rfc6962_entry(index, base64.b64decode(item["leaf_input"]),
                                                 base64.b64decode(item["extra_data"])))
                index += 1
            if len(batch) >= BATCH:
                yield batch
                batch = []
        if batch:
            yield batch

    for batch in batches():
        candidates, names = filter_entries(batch, scorer.might_resemble, "bench")
        counts["entries"] += len(batch)
        counts["bad"] += sum(1 for e in batch if e.error)
        counts["names"] += names
        counts["candidates"] += len(candidates)
        for candidate, _ in candidates:
            result = scorer.score(candidate)
            if result.verdict in FLAGGED_VERDICTS:
                counts["flagged"] += 1
                flagged.add(candidate.domain)
    counts["cpu_seconds"] = time.process_time() - started_cpu
    counts["wall_seconds"] = time.perf_counter() - started_wall
    counts["peak_rss_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    counts["distinct_flagged"] = sorted(flagged)
    return counts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=200_000)
    parser.add_argument("--unique", type=int, default=20_000)
    parser.add_argument("--measure", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--parsing-only", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure_parsing(args.measure) if args.parsing_only else measure(args.measure)))
        return 0
    with tempfile.TemporaryDirectory(prefix="ct-bench-") as folder:
        started = time.perf_counter()
        pool = make_pool(args.unique)
        sizes = write_inputs(pool, args.count, Path(folder))
        print(f"made {args.unique:,} distinct entries, {args.count:,} in all, in {time.perf_counter() - started:.0f} s")
        del pool
        done = subprocess.run([sys.executable, __file__, "--measure", folder], capture_output=True, text=True,
                              check=True, cwd=ROOT)
        result = json.loads(done.stdout.strip().splitlines()[-1])
        done = subprocess.run([sys.executable, __file__, "--measure", folder, "--parsing-only"], capture_output=True,
                              text=True, check=True, cwd=ROOT)
        parsing = json.loads(done.stdout.strip().splitlines()[-1])
    rate = result["entries"] / result["cpu_seconds"]
    print(f"entries parsed, filtered and scored: {result['entries']:,} in {result['cpu_seconds']:.1f} CPU-s "
          f"({result['wall_seconds']:.1f} s wall): {rate:,.0f} entries per CPU-second (target >= 5,000)")
    print(f"names {result['names']:,}, passed the prefilter {result['candidates']:,}, flagged {result['flagged']:,} "
          f"({len(result['distinct_flagged'])} distinct: {', '.join(result['distinct_flagged'])}); "
          f"unreadable entries {result['bad']}")
    print(f"peak memory (max RSS of the measuring process): {result['peak_rss_mb']:.0f} MB (target < 200 MB); "
          f"reading and parsing alone: {parsing['peak_rss_mb']:.0f} MB, "
          f"{parsing['entries'] / parsing['cpu_seconds']:,.0f} entries per CPU-second")
    per_tile_entry = sizes["tile_bytes"] / sizes["tile_entries"]
    per_tile_gzip = sizes["tile_gzip_bytes"] / sizes["tile_entries"]
    per_json_entry = sizes["json_bytes"] / sizes["json_entries"]
    day = FEED_ENTRIES_PER_SECOND * 86_400
    print(f"bytes per entry: data tile {per_tile_entry:,.0f} (gzip about {per_tile_gzip:,.0f}), "
          f"get-entries JSON {per_json_entry:,.0f}")
    print(f"a full feed at {FEED_ENTRIES_PER_SECOND} entries/s ({day / 1e6:.1f} M entries a day): "
          f"tiles {per_tile_entry * day / 1e9:.1f} GB/day ({per_tile_gzip * day / 1e9:.1f} GB gzip), "
          f"RFC 6962 get-entries {per_json_entry * day / 1e9:.1f} GB/day; "
          f"CPU {day / rate / 3600:.1f} core-hours a day at this rate")
    return 0 if rate >= 5000 and result["peak_rss_mb"] < 200 else 1


if __name__ == "__main__":
    sys.exit(main())
