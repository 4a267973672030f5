"""The calibrated verdict against a slow, obvious reference of the same rules.

The reference reads the shipped weights file itself and applies the documented rules one
by one: the logistic probability of each brand's features, its place on the rules' 0-100
scale (piecewise linear through the fitted thresholds), the cap (a capped signal is never a
takedown), the floor (a lookalike of the whole official name is at least suspicious), the
most probable brand winning and the first in the registry on a tie.
"""

from __future__ import annotations

import json
import math
from fractions import Fraction
from importlib import resources

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.detection.models import Candidate
from monitor.detection.rules import load_rules
from monitor.detection.scoring import Scorer
from monitor.detection.verdict import ModelError, load_model, parse_model
from monitor.registry import load_registry
from tests.conftest import BRANDS_FILE

RULES = load_rules()
WEIGHTS = json.loads(resources.files("monitor.detection").joinpath("data", "verdict_weights.json").read_text("utf-8"))


def reference_probability(features: dict[str, float]) -> float:
    z = WEIGHTS["intercept"]
    for name in sorted(features):
        z += WEIGHTS["weights"].get(name, 0.0) * features[name]
    return 1 / (1 + math.exp(-z))


def reference_display(p: float) -> int:
    """Exact arithmetic: the score never reaches a threshold the probability has not."""
    t_sus, t_imp = WEIGHTS["thresholds"]["suspicious"], WEIGHTS["thresholds"]["impersonation"]
    s, i = RULES.thresholds.suspicious, RULES.thresholds.impersonation
    if p >= 1:
        return 100
    if p >= t_imp:
        value = i + (100 - i) * (Fraction(p) - Fraction(t_imp)) / (1 - Fraction(t_imp))
    elif p >= t_sus:
        value = s + (i - s) * (Fraction(p) - Fraction(t_sus)) / (Fraction(t_imp) - Fraction(t_sus))
    else:
        value = s * Fraction(p) / Fraction(t_sus)
    return math.floor(value) if p not in (t_sus, t_imp) else round(value)


def reference_verdict(scorer: Scorer, host: str) -> tuple[str | None, int, str]:
    best = None
    for evidence in scorer.domain_evidence(host):
        p = reference_probability(evidence.features)
        shown = reference_display(p)
        if evidence.capped and shown >= RULES.thresholds.impersonation:
            shown = RULES.thresholds.impersonation - 1
        elif shown < RULES.thresholds.suspicious and evidence.whole_name_lookalike:
            shown = RULES.thresholds.suspicious
        if best is None or (shown, p) > best[:2]:  # the most probable; the first brand keeps a tie
            best = (shown, p, evidence.brand)
    if best is None or best[0] < RULES.thresholds.suspicious:
        return None, best[0] if best else 0, "unrelated"
    verdict = "impersonation" if best[0] >= RULES.thresholds.impersonation else "suspicious"
    return scorer.registry.brands[best[2]].id, best[0], verdict


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer(load_registry(BRANDS_FILE), RULES)


KEYS = ["laoairlines", "laotel", "laotelecom", "laopost", "tholakhong", "laopatthana", "laotiantimes"]
WORDS = ["", "login", "promo", "free", "gift", "shop", "news", "file", "pay", "secure", "api", "dev", "2024",
         "tickets", "bonus", "account", "update", "verify", "support"]
SUFFIXES = ["com", "net", "la", "online", "xyz", "top", "co.uk", "com.la", "workers.dev", "github.io", "cc"]


@st.composite
def hosts(draw) -> str:
    key = draw(st.sampled_from(KEYS))
    # a typo: one letter changed, left out, doubled, swapped, or a lookalike digit
    edit = draw(st.sampled_from(["none", "drop", "double", "swap", "digit", "change"]))
    at = draw(st.integers(0, len(key) - 2))
    if edit == "drop":
        key = key[:at] + key[at + 1:]
    elif edit == "double":
        key = key[:at] + key[at] + key[at:]
    elif edit == "swap":
        key = key[:at] + key[at + 1] + key[at] + key[at + 2:]
    elif edit == "digit":
        key = key.replace("o", "0", 1).replace("l", "1", 1)
    elif edit == "change":
        key = key[:at] + draw(st.sampled_from("aeiouxz")) + key[at + 1:]
    before, after = draw(st.sampled_from(WORDS)), draw(st.sampled_from(WORDS))
    sep = draw(st.sampled_from(["", "-"]))
    label = sep.join(p for p in (before, key, after) if p)
    sub = draw(st.sampled_from(["", "www.", "secure.", "login."]))
    return f"{sub}{label}.{draw(st.sampled_from(SUFFIXES))}"


@settings(max_examples=400, deadline=None)
@given(host=hosts())
def test_the_verdict_is_the_reference_rules_applied_to_the_evidence(scorer, host):
    score = scorer.score(Candidate(kind="domain", domain=host))
    if score.verdict == "official":
        return
    assert (score.brand, score.score, score.verdict) == reference_verdict(scorer, host), score.reasons


@settings(max_examples=2000, deadline=None)
@given(p=st.floats(min_value=0.0, max_value=1.0, allow_nan=False))
def test_the_display_scale_is_monotone_and_keeps_the_thresholds(p):
    model = load_model()
    s, i = RULES.thresholds.suspicious, RULES.thresholds.impersonation
    shown = model.display(p, s, i)
    assert shown == reference_display(p)
    assert (shown >= i) == (p >= model.p_impersonation)
    assert (shown >= s) == (p >= model.p_suspicious)
    assert shown <= model.display(min(1.0, p + 1e-6), s, i)


def test_ties_go_to_the_first_brand_in_the_registry(tmp_path):
    def scorer_for(order: tuple[str, ...]) -> Scorer:
        path = tmp_path / f"{order[0]}.yaml"
        path.write_text("brands:\n" + "".join(
            f"  - id: {slug}\n    name: {slug.capitalize()}\n    official: {{domains: [{slug}.com]}}\n"
            f"    owners: [{{name: Owner, email: owner@example.org}}]\n"
            f"    verified: {{confirmed: false, note: test}}\n" for slug in order), encoding="utf-8")
        return Scorer(load_registry(path), RULES)

    # 'kavoralin-login.com' is one letter from both names: the same evidence for each
    for order in (("kavoraline", "kavoralina"), ("kavoralina", "kavoraline")):
        scorer = scorer_for(order)
        evidence = scorer.domain_evidence("kavoralin-login.com")
        assert len(evidence) == 2 and evidence[0].features == evidence[1].features
        score = scorer.score(Candidate(kind="domain", domain="kavoralin-login.com"))
        assert score.verdict != "unrelated"
        assert score.brand == order[0]


def test_a_broken_weights_file_is_refused_with_the_field_named(tmp_path):
    with pytest.raises(ModelError, match="thresholds"):
        parse_model({"intercept": 0, "weights": {}, "thresholds": {"suspicious": 0.8, "impersonation": 0.2}}, "w.json")
    with pytest.raises(ModelError, match="weights"):
        parse_model({"intercept": 0, "weights": {"a": "x"}, "thresholds": {"suspicious": 0.2,
                                                                          "impersonation": 0.8}}, "w.json")
    bad = tmp_path / "w.json"
    bad.write_text("{\n  nope", encoding="utf-8")
    with pytest.raises(ModelError, match="line 2"):
        load_model(str(bad))


def test_the_verdict_with_many_brands_is_the_reference_one(tmp_path):
    """200 brands made of shared syllables: most hosts resemble several at once, so the
    choice of brand and the tie rule are checked where they matter."""
    from tests.detection.test_determinism import _brands, candidates, registry_yaml

    combos = _brands()
    path = tmp_path / "brands.yaml"
    path.write_text(registry_yaml(combos), encoding="utf-8")
    scorer = Scorer(load_registry(path), RULES)
    checked = flagged = 0
    for item in candidates(combos, count=1500):
        if item["kind"] != "domain" or "domain" not in item:
            continue
        score = scorer.score(Candidate(kind="domain", domain=item["domain"]))
        if score.verdict == "official":
            continue
        assert (score.brand, score.score, score.verdict) == reference_verdict(scorer, item["domain"]), item
        checked += 1
        flagged += score.verdict != "unrelated"
    assert checked > 300 and flagged > 100
