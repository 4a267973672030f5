"""The model's features of one brand's evidence on a host: named, explainable, 0/1 or
small counts (the identity signals by kind, the modifiers, what the letters around the key
are, the suffix, the shared host), and the rules' hand-weighted total they start from. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from monitor.detection import segment
from monitor.detection.labels import extras_around
from monitor.detection.names import ordinary_key
from monitor.detection.normalize import ASCII_FLAT
from monitor.detection.prefilter import TOKEN_SPLIT_RE
from monitor.detection.rules import Thresholds
from monitor.detection.signals import Signals

if TYPE_CHECKING:
    from monitor.detection.evidence.hosts import HostView
    from monitor.detection.labels import Match
    from monitor.detection.tables import BrandTables

# Host signals that are a lookalike of the whole official name (at least `suspicious`)
WHOLE_NAME_LOOKALIKES = frozenset({"domain_typo", "domain_typo_far", "domain_homoglyph", "domain_split",
                                   "domain_official_typo_other_reading"})

# the digits of the lookalike table, read as the letters they stand for
_DIGIT_LETTERS = {code: letter for code, letter in ASCII_FLAT.items() if chr(code).isdigit()}
_NEW_GENERIC_EXCEPT = frozenset({"com", "net", "org", "edu", "gov", "mil", "int"})


@dataclass(frozen=True, slots=True)
class DomainEvidence:
    """One brand's evidence on a host: the model's features, whether the strongest signal
    can accuse on its own (capped: it cannot), and whether it is a lookalike of the whole
    official name (at least suspicious)."""

    brand: int  # index in the registry
    features: dict[str, float]
    capped: bool
    whole_name_lookalike: bool


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


def match_facts(tables: BrandTables, view: HostView, position: int, match: Match) -> dict[str, float]:
    """What a match's surroundings say, for the model: the letters around the key, where
    the label sits, whether the key is a product name rather than the official label."""
    facts = host_facts(view)
    facts[f"extra_{extra_kind(match.label.other_words(match.start, match.end), tables.technical)}"] = 1.0
    if position < view.identity:
        facts["in_subdomain"] = 1.0
    if match.key.kind == "name":
        facts["key_alias"] = 1.0
    if ordinary_key(match.key):
        facts["key_ordinary"] = 1.0
    raw, window = match.label.raw, match.window
    # a word written with a digit needs a digit beside letters: most labels have none
    if not raw.isalpha() and window in raw and any(disguised_word(piece) for piece in
                                                   TOKEN_SPLIT_RE.split(extras_around(raw, window))):
        facts["extra_disguised"] = 1.0
    return facts


def host_facts(view: HostView) -> dict[str, float]:
    facts = {f"suffix_{suffix_kind(view.suffix)}": 1.0}
    if view.shared is not None:
        facts["shared_host"] = 1.0
    return facts


def features(tables: BrandTables, sig: Signals) -> dict[str, float]:
    ranked = sig.ranked()
    facts: dict[str, float] = {}
    if sig.facts_at is not None:
        view, position, match = sig.facts_at
        facts = host_facts(view) if match is None else match_facts(tables, view, position, match)
    return domain_features([s[4] for s in ranked], [m[2] for m in sig.modifiers], facts,
                           sig.capped(), sig.corroborated(tables.rules.corroboration_min_weight),
                           rules_total(tables, sig), tables.rules.thresholds)


def rules_total(tables: BrandTables, sig: Signals) -> int:
    """The hand-weighted total of the rules (strongest identity signal, corroboration,
    modifiers), 0-100: the prior the fitted weights correct, and what carries a signal
    too rare in the data to fit (a homoglyph of an official domain)."""
    corroboration = tables.rules.weights.corroboration if sig.corroborated(tables.rules.corroboration_min_weight) else 0
    total = sig.best() + corroboration
    return max(0, min(100, total + sum(w for w, _, _ in sig.modifiers)))


def whole_name_lookalike(sig: Signals) -> bool:
    """The strongest signal is a typo, homoglyph or split of the whole official name: the
    classic typosquat, rare in phishing feeds (so the fitted weights barely know it) and
    never an honest name by chance. A rule: at least ``suspicious``."""
    top = max(sig.identity, key=lambda s: s[0])
    return top[4] in WHOLE_NAME_LOOKALIKES or sig.official_plus_letter
