"""Fit the verdict's weights on the real-world dev data and choose the tier thresholds.

    python bench/fit_weights.py [--output monitor/detection/data/verdict_weights.json] [--seed 7]

Data (bench/data/, see its README.md): the phishing and benign hosts of hosts.tsv.gz and the
more benign hosts of hosts-more-benign.tsv.gz, less set-aside.tsv (the brands' own and
ambiguous hosts, counted neither way), scored against global_brands_aliases.yaml. Every
(host, brand) pair with evidence is one example: label 1 where a phishing host names that
brand. Hosts with no evidence at all are unrelated whatever the weights, so they are not
examples (they still count as benign in the figures).

The model is an L2-regularised logistic regression over the scorer's named features (few
dozen, binary), fitted by Newton's method. It is written here, in plain Python, rather than
taken from scikit-learn: the problem is a few thousand sparse rows, the fit takes seconds,
and the project needs no numeric stack at run time or in CI for it.

Thresholds come from 5-fold cross-validation grouped by registrable domain (hosts of one site
never sit on both sides): the out-of-fold probability of each host (its best brand) gives the
precision/recall curves; the takedown threshold is the lowest probability at which the
out-of-fold takedown precision is at least --takedown-precision, the review threshold the
lowest at which the any-flag precision is at least --flag-precision, each false alarm
weighted to the mix the thresholds are for (--benign-per-phish, default 83 benign hosts per
phishing host, the hidden split's; the dev data has about 113): both precisions are printed.
A stream with more benign hosts per fake (a day of newly registered domains) needs higher
targets: refit with its rate. Deterministic: the folds come from a seeded hash of
the registrable domain.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import math
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import realdata

ROOT = Path(__file__).resolve().parent.parent
OUTPUT = ROOT / "monitor" / "detection" / "data" / "verdict_weights.json"


def examples(rows: list[tuple[str, int, str]]) -> list[tuple[str, int, list[tuple[str, dict[str, float], bool]]]]:
    """(host, label, [(brand id, features, capped)]) for every host with evidence."""
    from monitor.detection.rules import load_rules
    from monitor.detection.scoring import Scorer
    from monitor.detection.verdict import DomainModel
    from monitor.registry import load_registry

    registry = load_registry(realdata.GLOBAL_ALIASES)
    blank = DomainModel(0.0, {}, 0.5, 0.5)  # the features do not depend on the weights
    scorer = Scorer(registry, load_rules(), blank)
    out = []
    for host, label, brand in rows:
        if not scorer.might_resemble(host):
            continue
        try:
            evidence = scorer.domain_evidence(host)
        except ValueError:
            continue
        if evidence:
            out.append((host, label, brand, [(registry.brands[e.brand].id, e.features, e.capped) for e in evidence]))
    return out


def fit(rows: list[tuple[dict[str, float], int]], names: list[str], l2: float, iterations: int = 30) -> list[float]:
    """Newton's method for L2-regularised logistic regression; weights[0] is the intercept."""
    size = len(names) + 1
    position = {n: i + 1 for i, n in enumerate(names)}
    sparse = [([0] + [position[n] for n in f if n in position], [1.0] + [f[n] for n in f if n in position], y)
              for f, y in rows]
    w = [0.0] * size
    for _ in range(iterations):
        grad = [0.0] * size
        hess = [[0.0] * size for _ in range(size)]
        for index, values, y in sparse:
            z = sum(w[i] * v for i, v in zip(index, values, strict=True))
            p = 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))
            r = p * (1.0 - p)
            for a, va in zip(index, values, strict=True):
                grad[a] += (p - y) * va
                row = hess[a]
                for b, vb in zip(index, values, strict=True):
                    row[b] += r * va * vb
        for i in range(1, size):  # no penalty on the intercept
            grad[i] += l2 * w[i]
            hess[i][i] += l2
        hess[0][0] += 1e-9
        step = solve(hess, grad)
        w = [wi - si for wi, si in zip(w, step, strict=True)]
        if max(abs(s) for s in step) < 1e-8:
            break
    return w


def solve(matrix: list[list[float]], vector: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (the Hessian is small and positive definite)."""
    n = len(vector)
    a = [row[:] + [vector[i]] for i, row in enumerate(matrix)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(a[r][col]))
        a[col], a[pivot] = a[pivot], a[col]
        if abs(a[col][col]) < 1e-12:
            continue
        for r in range(col + 1, n):
            factor = a[r][col] / a[col][col]
            if factor:
                for c in range(col, n + 1):
                    a[r][c] -= factor * a[col][c]
    x = [0.0] * n
    for r in range(n - 1, -1, -1):
        if abs(a[r][r]) < 1e-12:
            continue
        x[r] = (a[r][n] - sum(a[r][c] * x[c] for c in range(r + 1, n))) / a[r][r]
    return x


def probability(w: list[float], names: list[str], features: dict[str, float]) -> float:
    z = w[0] + sum(w[i + 1] * features.get(n, 0.0) for i, n in enumerate(names))
    return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))


def fold_of(host: str, folds: int, seed: int) -> int:
    from monitor.detection.domains import split_host

    site = split_host(host).registrable or host
    return int.from_bytes(hashlib.sha256(f"{seed}:{site}".encode()).digest()[:4], "big") % folds


def host_scores(w: list[float], names: list[str], item) -> tuple[float, str, bool]:
    """The host's best brand: (probability, brand id, capped)."""
    _, _, _, evidence = item
    best = None
    for brand, features, capped in evidence:
        p = probability(w, names, features)
        if best is None or p > best[0]:
            best = (p, brand, capped)
    return best


def lowest_threshold(points: list[tuple[float, int]], precision: float, positives: int,
                     benign_weight: float = 1.0) -> tuple[float, float, float, float]:
    """The lowest probability t such that flagging every p >= t keeps precision >= target,
    each false alarm counted ``benign_weight`` times: (t, weighted precision, recall,
    unweighted precision). ``points`` = (p, 1 if right else 0)."""
    ranked = sorted(points, key=lambda x: -x[0])
    best = (1.0, 1.0, 0.0, 1.0)
    right = wrong = 0
    for number, (p, hit) in enumerate(ranked):
        right += hit
        wrong += 1 - hit
        if number + 1 < len(ranked) and ranked[number + 1][0] == p:
            continue  # a threshold takes every tie
        weighted = right / (right + wrong * benign_weight)
        if weighted >= precision:
            best = (p, weighted, right / positives, right / (right + wrong))
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--l2", type=float, default=1.0)
    parser.add_argument("--takedown-precision", type=float, default=0.975)
    parser.add_argument("--flag-precision", type=float, default=0.925)
    parser.add_argument("--benign-per-phish", type=float, default=83.0,
                        help="the mix thresholds are chosen for: benign hosts per phishing host (the hidden "
                             "split's, per bench/data/README.md; the dev data has about 113)")
    parser.add_argument("--min-count", type=int, default=5, help="features seen fewer times are left out")
    args = parser.parse_args()

    aside = realdata.set_aside()
    rows = [r for r in realdata.hosts() + realdata.more_benign() if r[0] not in aside]
    positives = sum(1 for r in rows if r[1] == 1)
    items = examples(rows)
    counts = collections.Counter(n for item in items for _, f, _ in item[3] for n in f)
    names = sorted(n for n, c in counts.items() if c >= args.min_count)
    print(f"{len(rows):,} hosts ({positives:,} phishing), {len(items):,} with evidence, {len(names)} features")

    def training(subset):
        return [(f, int(label == 1 and brand == wanted)) for _, label, wanted, evidence in subset
                for brand, f, _ in evidence]

    oof: list[tuple[float, bool, int]] = []  # (p, capped, right)
    for fold in range(args.folds):
        train = [it for it in items if fold_of(it[0], args.folds, args.seed) != fold]
        test = [it for it in items if fold_of(it[0], args.folds, args.seed) == fold]
        w = fit(training(train), names, args.l2)
        for item in test:
            p, brand, capped = host_scores(w, names, item)
            oof.append((p, capped, int(item[1] == 1 and brand == item[2])))
    flag_points = [(p, hit) for p, _, hit in oof]
    take_points = [(p, hit) for p, capped, hit in oof if not capped]
    benign = len(rows) - positives
    weight = args.benign_per_phish * positives / benign
    t_imp, prec_imp, rec_imp, raw_imp = lowest_threshold(take_points, args.takedown_precision, positives, weight)
    t_sus, prec_sus, rec_sus, raw_sus = lowest_threshold(flag_points, args.flag_precision, positives, weight)
    t_sus = min(t_sus, t_imp)
    print(f"cross-validated ({args.folds} folds, seed {args.seed}; precision at {args.benign_per_phish:g} benign per "
          f"phishing host, the dev mix's {benign / positives:.0f} in brackets):\n"
          f"  takedown tier p >= {t_imp:.4f}: precision {prec_imp:.3f} ({raw_imp:.3f}) recall {rec_imp:.3f}\n"
          f"  any flag      p >= {t_sus:.4f}: precision {prec_sus:.3f} ({raw_sus:.3f}) recall {rec_sus:.3f}")

    w = fit(training(items), names, args.l2)
    weights = {n: round(w[i + 1], 4) for i, n in enumerate(names) if abs(w[i + 1]) >= 1e-4}
    out = {
        "about": "Fitted by bench/fit_weights.py on bench/data (hosts.tsv.gz + hosts-more-benign.tsv.gz, "
                 "less set-aside.tsv) with global_brands_aliases.yaml; see monitor/detection/verdict.py.",
        "seed": args.seed, "folds": args.folds, "l2": args.l2, "benign_per_phish": args.benign_per_phish,
        "cross_validated": {"takedown": {"precision": round(prec_imp, 4), "precision_dev_mix": round(raw_imp, 4),
                                         "recall": round(rec_imp, 4)},
                            "any_flag": {"precision": round(prec_sus, 4), "precision_dev_mix": round(raw_sus, 4),
                                         "recall": round(rec_sus, 4)}},
        "intercept": round(w[0], 4),
        "thresholds": {"suspicious": round(t_sus, 6), "impersonation": round(t_imp, 6)},
        "weights": dict(sorted(weights.items(), key=lambda kv: -abs(kv[1]))),
    }
    args.output.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"wrote {args.output.relative_to(ROOT) if args.output.is_relative_to(ROOT) else args.output}")
    for name, value in list(out["weights"].items())[:40]:
        print(f"  {value:+8.3f}  {name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
