"""Signals to a calibrated verdict: a logistic model over named, explainable features.

The scorer finds evidence (each signal a named feature with a sentence in the owner's
words); this module turns one brand's evidence on a domain into a probability with weights
fitted on real data (``bench/fit_weights.py``, shipped as ``data/verdict_weights.json``) and
places it on the rules' 0-100 scale, so that the fitted tier thresholds fall on the rules'
own (``thresholds.suspicious`` and ``thresholds.impersonation``): one scale for every kind of
candidate, whichever way its score was made. A logistic regression over a few dozen named
features keeps every verdict explainable: each feature is a signal with its sentence, and the
reasons list those sentences, the strongest signal first.

Pure: no I/O but reading the packaged weights once.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING

from monitor.detection.features import features, rules_total, whole_name_lookalike
from monitor.detection.models import IMPERSONATION, SUSPICIOUS, UNRELATED, Candidate, Score
from monitor.detection.prefilter import no_resemblance
from monitor.detection.reasons import NO_RESEMBLANCE, NOT_ENOUGH_ALONE, WHOLE_NAME_LOOKALIKE, Reason, split
from monitor.detection.signals import Signals

if TYPE_CHECKING:
    from monitor.detection.tables import BrandTables

WEIGHTS_FILE = "verdict_weights.json"


class ModelError(ValueError):
    """A weights file that cannot be used; the message names the file and the field."""


@dataclass(frozen=True, slots=True)
class DomainModel:
    """Fitted weights over domain features, and the tier thresholds as probabilities."""

    intercept: float
    weights: Mapping[str, float]
    p_suspicious: float
    p_impersonation: float

    def probability(self, features: Mapping[str, float]) -> float:
        z = self.intercept + sum(self.weights.get(name, 0.0) * value for name, value in features.items())
        return 1.0 / (1.0 + math.exp(-max(-60.0, min(60.0, z))))

    def display(self, p: float, suspicious: int, impersonation: int) -> int:
        """The probability on the rules' scale: monotone, piecewise linear, with the fitted
        thresholds at the rules' thresholds (0 -> 0, p_suspicious -> suspicious,
        p_impersonation -> impersonation, 1 -> 100)."""
        points = ((0.0, 0.0), (self.p_suspicious, float(suspicious)),
                  (self.p_impersonation, float(impersonation)), (1.0, 100.0))
        for (x0, y0), (x1, y1) in itertools.pairwise(points):
            if p <= x1:
                if x1 <= x0:
                    return int(y1)
                value = y0 + (y1 - y0) * (p - x0) / (x1 - x0)
                # never round onto a threshold the probability has not reached
                return int(math.floor(value)) if p < x1 else int(round(y1))
        return 100


def parse_model(data: object, source: str) -> DomainModel:
    if not isinstance(data, dict):
        raise ModelError(f"{source}: expected a JSON object")
    try:
        weights = data["weights"]
        thresholds = data["thresholds"]
        intercept = float(data["intercept"])
        p_suspicious = float(thresholds["suspicious"])
        p_impersonation = float(thresholds["impersonation"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"{source}: field {exc} missing or not a number") from None
    if not isinstance(weights, dict) or not all(isinstance(v, (int, float)) for v in weights.values()):
        raise ModelError(f"{source}: field 'weights': expected an object of numbers")
    if not 0.0 < p_suspicious <= p_impersonation < 1.0:
        raise ModelError(f"{source}: field 'thresholds': need 0 < suspicious <= impersonation < 1")
    return DomainModel(intercept, {str(k): float(v) for k, v in weights.items()}, p_suspicious, p_impersonation)


@functools.lru_cache(maxsize=4)
def load_model(path: str | None = None) -> DomainModel:
    """The packaged weights, or a weights file given by path (the fitting script's output)."""
    if path is None:
        text = resources.files("monitor.detection").joinpath("data", WEIGHTS_FILE).read_text("utf-8")
        source = f"monitor/detection/data/{WEIGHTS_FILE}"
    else:
        text = Path(path).read_text("utf-8")
        source = path
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ModelError(f"{source}: line {exc.lineno}: {exc.msg}") from None
    return parse_model(data, source)


def rules_verdict(tables: BrandTables, candidate: Candidate, signals: dict[int, Signals]) -> Score:
    best_brand, best_total, best_reasons = None, 0, []
    thresholds = tables.rules.thresholds
    for index, sig in signals.items():
        base = sig.best()
        if base <= 0:
            continue
        reasons = sig.reasons()
        total = rules_total(tables, sig)
        if sig.capped() and not sig.corroborated(tables.rules.corroboration_min_weight) \
                and total >= thresholds.impersonation:
            total = thresholds.impersonation - 1
            reasons.append(NOT_ENOUGH_ALONE)
        if total > best_total:
            best_brand, best_total, best_reasons = index, total, reasons
    if best_brand is None or best_total < thresholds.suspicious:
        verdict = UNRELATED
    elif best_total >= thresholds.impersonation:
        verdict = IMPERSONATION
    else:
        verdict = SUSPICIOUS
    english, lao = split(best_reasons or [NO_RESEMBLANCE])
    brand_id = tables.brands[best_brand].brand.id if best_brand is not None and verdict != UNRELATED else None
    return Score(candidate.id, brand_id, best_total if best_brand is not None else 0, verdict, english, lao)


def domain_verdict(tables: BrandTables, model: DomainModel, candidate: Candidate, signals: dict[int, Signals]) -> Score:
    """The calibrated verdict: per brand, the fitted probability of its features; the most
    probable brand wins, the first in the registry on a tie (so the answer never depends
    on the order signals were found in, nor on hashing)."""
    thresholds = tables.rules.thresholds
    best: tuple[int, float, int, Reason | None] | None = None  # (shown, p, brand, the rule's reason)
    for index in sorted(signals):
        sig = signals[index]
        if sig.best() <= 0:
            continue
        p = model.probability(features(tables, sig))
        shown = model.display(p, thresholds.suspicious, thresholds.impersonation)
        rule = None
        if sig.capped() and shown >= thresholds.impersonation:
            shown, rule = thresholds.impersonation - 1, NOT_ENOUGH_ALONE
        elif shown < thresholds.suspicious and whole_name_lookalike(sig):
            shown, rule = thresholds.suspicious, WHOLE_NAME_LOOKALIKE
        if best is None or shown > best[0] or (shown == best[0] and p > best[1]):
            best = (shown, p, index, rule)
    if best is None:
        return no_resemblance(candidate.id)
    shown, _, index, rule = best
    sig = signals[index]
    reasons = sig.reasons() + ([rule] if rule else [])
    english, lao = split(reasons)
    if shown < thresholds.suspicious:
        return Score(candidate.id, None, shown, UNRELATED, english, lao)
    verdict = IMPERSONATION if shown >= thresholds.impersonation else SUSPICIOUS
    return Score(candidate.id, tables.brands[index].brand.id, shown, verdict, english, lao)
