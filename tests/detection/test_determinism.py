"""`monitor score` gives byte-identical output for the same input, whatever PYTHONHASHSEED and
--jobs: ties between brands (a name that resembles several brands equally) must not be broken
by set or dict order, nor by which worker process scored a line.

The registry (written in tmp_path) has 200 brands whose names are combinations of a few
syllables, some of which differ by one letter (kari/kara, lumo/luma, sefa/sefo), so that one
edit, one shared piece or two brand names in one host name often resemble several brands
equally. The input has a few thousand domains, accounts and pages built from those pieces.
"""

from __future__ import annotations

import itertools
import json
import os
import random
import subprocess
import sys
from pathlib import Path

import yaml

from monitor.detection.models import FLAGGED_VERDICTS

MONITOR = str(Path(sys.executable).parent / "monitor")
SYLLABLES = ("lumo", "luma", "kari", "kara", "sefa", "sefo", "dorn", "vexa", "tilo", "pano")
TLDS = ("com", "net", "top", "la", "xyz", "online")
LURES = ("login", "verify", "secure", "support", "bonus", "account", "pay", "help")
OTHER_WORDS = ("weather", "garden", "music", "river", "coffee", "travel", "books", "photo")


def _brands() -> list[tuple[str, ...]]:
    pairs = list(itertools.permutations(SYLLABLES, 2))  # 90
    triples = list(itertools.permutations(SYLLABLES, 3))  # 720
    return pairs + random.Random(1).sample(triples, 110)


def registry_yaml(combos: list[tuple[str, ...]]) -> str:
    brands = []
    for index, parts in enumerate(combos):
        key = "".join(parts)
        accounts = [{"platform": "x", "handle": key}]
        if index % 3 == 0:
            accounts.append({"platform": "facebook", "handle": "_".join(parts)})
        brand = {
            "id": "-".join(parts),
            "name": " ".join(p.capitalize() for p in parts),
            "official": {"domains": [f"{key}.com"], "accounts": accounts},
            "owners": [{"name": "Test owner", "email": f"{key}@example.org"}],
            "verified": {"confirmed": False, "note": "generated for the determinism test"},
        }
        if index % 4 == 0:
            brand["aliases"] = ["".join(p.capitalize() for p in parts)]
        if index % 5 == 0:
            brand["keywords"] = ["free bonus", "account verify"]
        brands.append(brand)
    return yaml.safe_dump({"brands": brands}, sort_keys=False)


def _edit(rng: random.Random, key: str) -> str:
    """One edit of a key, often one that lands between two syllable twins (kari -> kare)."""
    i = rng.randrange(len(key))
    choice = rng.randrange(4)
    if choice == 0:
        return key[:i] + rng.choice("aeiou") + key[i + 1:]
    if choice == 1:
        return key[:i] + key[i + 1:]
    if choice == 2:
        return key[:i] + rng.choice("aeio01l") + key[i:]
    return key[:i] + key[i + 1:i + 2] + key[i:i + 1] + key[i + 2:]


def candidates(combos: list[tuple[str, ...]], count: int = 4500) -> list[dict]:
    rng = random.Random(2)
    keys = ["".join(parts) for parts in combos]
    names = [" ".join(p.capitalize() for p in parts) for parts in combos]
    out: list[dict] = []
    while len(out) < count:
        a, b = rng.randrange(len(keys)), rng.randrange(len(keys))
        ka, kb = keys[a], keys[b]
        syl = rng.sample(SYLLABLES, rng.choice((2, 3, 4)))
        tld = rng.choice(TLDS)
        shape = len(out) % 12
        number = len(out)
        if shape == 0:
            c = {"kind": "domain", "domain": f"{ka}-{kb}.{tld}"}
        elif shape == 1:
            c = {"kind": "domain", "domain": f"{_edit(rng, ka)}.{tld}"}
        elif shape == 2:
            c = {"kind": "domain", "domain": f"{''.join(syl)}-{rng.choice(LURES)}.{tld}"}
        elif shape == 3:
            c = {"kind": "domain", "domain": f"{rng.choice(LURES)}-{'-'.join(syl)}.{tld}"}
        elif shape == 4:
            c = {"kind": "domain", "url": f"https://{ka}.{_edit(rng, kb)}-{rng.choice(LURES)}.{tld}/login"}
        elif shape == 5:
            c = {"kind": "account", "platform": rng.choice(("x", "facebook")),
                 "handle": _edit(rng, ka) + rng.choice(("", "_", "1", "official", "_help")), "name": names[b]}
        elif shape == 6:
            c = {"kind": "account", "platform": rng.choice(("x", "facebook", "instagram")),
                 "handle": "".join(syl) + str(rng.randrange(100)), "name": " ".join(s.capitalize() for s in syl),
                 "bio": f"{rng.choice(LURES)} {names[a]} and {names[b]}"}
        elif shape == 7:
            c = {"kind": "page", "url": f"https://{_edit(rng, ka)}.{tld}/",
                 "title": f"{names[a]} {rng.choice(LURES)} | {names[b]}",
                 "text": f"{names[a]} {names[b]} {' '.join(syl)} free bonus account verify",
                 "has_password_form": rng.random() < 0.5}
        elif shape == 8:
            c = {"kind": "domain", "domain": f"{rng.choice(OTHER_WORDS)}{rng.choice(SYLLABLES)}.{tld}"}
        elif shape == 9:
            c = {"kind": "account", "platform": "x", "handle": ka if rng.random() < 0.5 else _edit(rng, ka),
                 "name": names[a]}
        elif shape == 10:
            c = {"kind": "domain", "domain": f"{rng.choice(('www', 'm', 'shop'))}.{ka}.com"}
        else:
            c = {"kind": "domain", "domain": f"{ka[: len(ka) // 2]}{kb[len(kb) // 2:]}.{tld}"}
        out.append({"id": number, **c})
    return out


def _score(brands: Path, source: Path, sink: Path, seed: int, jobs: int | None) -> bytes:
    command = [MONITOR, "score", "--brands", str(brands), "--input", str(source), "--output", str(sink)]
    if jobs is not None:
        command += ["--jobs", str(jobs)]
    env = {**os.environ, "PYTHONHASHSEED": str(seed)}
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return sink.read_bytes()


def _differences(first: bytes, other: bytes, limit: int = 5) -> str:
    a, b = first.decode("utf-8").splitlines(), other.decode("utf-8").splitlines()
    shown = [f"line {n + 1}:\n  {x}\n  {y}" for n, (x, y) in enumerate(zip(a, b, strict=False)) if x != y]
    return f"{len(a)} vs {len(b)} lines, {len(shown)} differ; first ones:\n" + "\n".join(shown[:limit])


def test_same_input_same_bytes_whatever_hash_seed_and_jobs(tmp_path):
    combos = _brands()
    brands = tmp_path / "brands.yaml"
    brands.write_text(registry_yaml(combos), encoding="utf-8")
    lines = candidates(combos)
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(c) + "\n" for c in lines), encoding="utf-8")

    runs = [(1, 1), (2, 1), (3, None)]  # (PYTHONHASHSEED, --jobs); None: the default (one per core)
    outputs = [_score(brands, source, tmp_path / f"out-{seed}.jsonl", seed, jobs) for seed, jobs in runs]

    results = [json.loads(line) for line in outputs[0].decode("utf-8").splitlines()]
    assert [r["id"] for r in results] == list(range(len(lines)))
    flagged = [r for r in results if r["verdict"] in FLAGGED_VERDICTS and r["brand"]]
    assert len(flagged) >= len(lines) // 10, f"only {len(flagged)} of {len(lines)} lines flagged with a brand"
    assert len({r["brand"] for r in flagged}) >= 20
    for (seed, jobs), output in zip(runs[1:], outputs[1:], strict=True):
        assert output == outputs[0], (f"PYTHONHASHSEED={seed} --jobs {jobs or 'default'} differs from "
                                      f"PYTHONHASHSEED=1 --jobs 1: {_differences(outputs[0], output)}")
