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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from monitor.detection import segment
from monitor.detection.normalize import ASCII_FLAT
from monitor.detection.rules import Thresholds

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


# ------------------------------------------------------------------ features

# the digits of the lookalike table, read as the letters they stand for
_DIGIT_LETTERS = {code: letter for code, letter in ASCII_FLAT.items() if chr(code).isdigit()}
_NEW_GENERIC_EXCEPT = frozenset({"com", "net", "org", "edu", "gov", "mil", "int"})


def suffix_kind(suffix: str) -> str:
    """'cc' (a country code), 'legacy' (com, net, org...) or 'generic' (the new ones)."""
    tld = suffix.rpartition(".")[2]
    if tld.isascii() and len(tld) == 2:
        return "cc"
    if tld in _NEW_GENERIC_EXCEPT:
        return "legacy"
    return "generic"


def extra_kind(others: Iterable[str], technical: frozenset[str] = frozenset()) -> str:
    """What the letters around a brand key are: 'none', 'number', 'technical' (an operator's
    naming: 'outlook|addin', 'office|ci'), 'words' (every piece a dictionary word, as in
    another company's name: 'office|depot') or 'unknown' (some piece no reader knows:
    'amazon-grertrk', a hash, a misspelling)."""
    pieces = [w for w in others if w]
    if not pieces:
        return "none"
    letters = [w for w in pieces if not w.isdigit()]
    if not letters:
        return "number"
    if any(w in technical for w in letters):
        return "technical"
    if all(len(w) >= 3 and segment.is_word(w, -7.5) for w in letters):
        return "words"
    return "unknown"


def disguised_word(piece: str) -> bool:
    """A word written with a digit for a letter ('0nline', 'l0gin'): no honest name does."""
    if piece.isalpha() or not any(c.isalpha() for c in piece) or len(piece) < 4:
        return False
    read = piece.translate(_DIGIT_LETTERS)
    return read.isalpha() and segment.is_word(read, -7.5)


def domain_features(identity: Iterable[str], modifiers: Iterable[str], facts: Mapping[str, float],
                    capped: bool, corroborated: bool, rules_total: int, thresholds: Thresholds) -> dict[str, float]:
    """One brand's evidence on a host as the model's features (all 0/1 or small counts).

    ``identity``: the features of its identity signals, the strongest first; ``modifiers``:
    the features of its modifiers (each lure word's kind); ``facts``: what the strongest
    match says about its surroundings (``match_facts`` in the scorer)."""
    # the rules' own total, 0 at their review threshold and 1 at their takedown threshold
    span = max(1, thresholds.impersonation - thresholds.suspicious)
    out: dict[str, float] = {"rules_total": (rules_total - thresholds.suspicious) / span}
    identity = list(identity)
    if identity:
        out[f"top:{identity[0]}"] = 1.0
        for name in identity[1:]:
            if name != identity[0]:
                out[f"also:{name}"] = 1.0
    for name in modifiers:
        out[name] = min(2.0, out.get(name, 0.0) + 1.0)
    for name, value in facts.items():
        if value:
            out[name] = float(value)
    if capped:
        out["capped"] = 1.0
    if corroborated:
        out["corroborated"] = 1.0
    return out
