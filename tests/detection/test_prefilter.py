"""The prefilter (Scorer.might_resemble) never drops what score() flags, and score()'s own
shortcut (a host with no piece of any key is unrelated at once) never changes a verdict.

Generated lookalikes of every brand key (typos, swaps, lookalike letters and sequences,
hyphens, extra words, keys split across labels) under multi-label public suffixes (.com.la,
.co.uk, .com.br), as subdomains of unrelated domains and on shared hosts, as host names and
as URLs; for the shipped registry, the six global brands of the real-world data, and a
registry of short and hyphenated official names."""

from __future__ import annotations

import os
import string
from pathlib import Path
from unittest import mock

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from monitor.detection.models import FLAGGED_VERDICTS, Candidate
from monitor.detection.prefilter import HostPrefilter
from monitor.detection.rules import load_rules
from monitor.detection.scoring import Scorer
from monitor.registry import load_registry, parse_registry

GLOBAL_BRANDS = Path(__file__).resolve().parents[2] / "bench" / "data" / "global_brands_aliases.yaml"
# Official names with no key of their own once the separators are gone ('t-mo', 'ab-cd'), and
# one whose every piece holds a lookalike sequence's letter ('madewell': 'rn', 'vv', 'cl').
SHORT_NAMES = """
brands:
  - id: tmo
    name: T Mo
    official: {domains: [t-mo.com]}
    owners: [{name: Test, email: tmo@example.org}]
    verified: {confirmed: false}
  - id: abcd
    name: A B C D
    official: {domains: [ab-cd.com]}
    owners: [{name: Test, email: abcd@example.org}]
    verified: {confirmed: false}
  - id: madewell
    name: Madewell
    official: {domains: [madewell.com]}
    owners: [{name: Test, email: madewell@example.org}]
    verified: {confirmed: false}
"""

EXAMPLES = int(os.environ.get("MONITOR_PREFILTER_EXAMPLES", "600"))
SUFFIXES = ["com", "la", "com.la", "co.uk", "com.br", "net", "top", "xyz", "online", "co.jp"]
SHARED = ["blogspot.com", "workers.dev", "github.io", "square.site", "webflow.io", "pages.dev"]
LOOKALIKE = {"o": "0", "l": "1", "i": "í", "a": "а", "e": "3", "m": "rn", "w": "vv", "d": "cl"}
WORDS = ["login", "pay", "secure", "promo", "deal", "hu", "user", "my", "your", "account", "x", "2026", "shop"]
letters = st.sampled_from(string.ascii_lowercase + string.digits)


@st.composite
def mutated(draw, key: str) -> str:
    text = key
    for _ in range(draw(st.integers(0, 2))):
        if not text:
            break
        op = draw(st.sampled_from(["omit", "insert", "replace", "swap", "lookalike", "hyphen", "double", "dot",
                                   "dot-www"]))
        i = draw(st.integers(0, max(0, len(text) - 1)))
        if op == "omit" and len(text) > 3:
            text = text[:i] + text[i + 1:]
        elif op == "insert":
            text = text[:i] + draw(letters) + text[i:]
        elif op == "replace":
            text = text[:i] + draw(letters) + text[i + 1:]
        elif op == "swap" and i + 1 < len(text):
            text = text[:i] + text[i + 1] + text[i] + text[i + 2:]
        elif op == "lookalike" and text[i] in LOOKALIKE:
            text = text[:i] + LOOKALIKE[text[i]] + text[i + 1:]
        elif op == "hyphen" and 0 < i < len(text):
            text = text[:i] + "-" + text[i:]
        elif op == "double":
            text = text[:i] + text[i] + text[i:]
        elif op == "dot" and 0 < i < len(text) and "." not in text[i - 1:i + 1]:
            text = text[:i] + "." + text[i:]  # the key split across labels: 'lao.airlines'
        elif op == "dot-www" and 0 < i < len(text) and "." not in text[i - 1:i + 1]:
            text = text[:i] + ".www." + text[i:]  # with a label the scorer skips: 'lao.www.airlines'
    return text.strip("-.").replace("-.", ".").replace(".-", ".") or key


@st.composite
def lookalike_hosts(draw, registry) -> str:
    brand = draw(st.sampled_from(registry.brands))
    keys = [d.split(".")[0] for d in brand.official.domains] + [a.handle for a in brand.official.accounts if a.handle]
    keys += ["".join(ch for ch in n.lower() if ch.isalnum()) for n in (brand.name, *brand.aliases)]
    key = draw(st.sampled_from([k for k in keys if k]))
    label = draw(mutated(key))
    before = draw(st.lists(st.sampled_from(WORDS), max_size=2))
    after = draw(st.lists(st.sampled_from(WORDS), max_size=2))
    joiner = draw(st.sampled_from(["", "-"]))
    label = joiner.join([*before, label, *after])
    place = draw(st.sampled_from(["registrable", "subdomain", "shared", "chain"]))
    suffix = draw(st.sampled_from(SUFFIXES))
    other = draw(st.text(alphabet=string.ascii_lowercase, min_size=3, max_size=9))
    if place == "registrable":
        host = f"{label}.{suffix}"
    elif place == "subdomain":
        host = f"{label}.{other}.{suffix}"
    elif place == "shared":
        host = f"{label}.{draw(st.sampled_from(SHARED))}"
    else:
        host = f"{label}.{draw(st.sampled_from(SUFFIXES))}.{other}.{suffix}"
    if draw(st.booleans()):
        host = draw(st.sampled_from(["www.", "pay.", "deal.", "m."])) + host
    return host


def _check(scorer, host: str) -> None:
    candidate = Candidate(kind="domain", domain=host)
    with mock.patch.object(HostPrefilter, "surely_unrelated", lambda self, host: False):
        reference = scorer.score(candidate)  # every lookup, no shortcut
    result = scorer.score(candidate)
    assert result.to_dict() == reference.to_dict(), (host, result, reference)
    if reference.verdict in FLAGGED_VERDICTS:
        assert scorer.might_resemble(host), (host, reference)
        assert scorer.might_resemble(f"https://{host}/login"), (host, reference)


def _property(scorer, registry, *examples: str):
    @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(lookalike_hosts(registry))
    def check(host):
        _check(scorer, host)

    for host in examples:
        check = example(host)(check)
    check()


def test_prefilter_passes_every_flagged_lookalike(scorer, registry):
    _property(scorer, registry,
              # the misses: the prefilter kept '.com.la' and measured the whole host
              "laoposz.com.la", "pay.lopost.top", "deal.laopos.la",
              "laoairlines.com.verify-account.click", "user-laotel.info",
              # a key split across labels, one of them skipped: no piece left whole
              "lao.www.airlines.com", "tholak.m.hong.net")


def test_prefilter_and_shortcut_hold_for_global_brands():
    registry = load_registry(GLOBAL_BRANDS)
    _property(Scorer(registry, load_rules()), registry,
              # a label before a suffix-like one is looked up with one edit more than the pieces cover
              "axpplye.com.evil.top", "aqpplxe.co.uk.x.com", "clould.com.evil.top", "my.promo.apypla.om.shop.co.jp")


def test_prefilter_and_shortcut_hold_for_short_and_hyphenated_names():
    registry = parse_registry(SHORT_NAMES)
    _property(Scorer(registry, load_rules()), registry,
              "t-mo.com.verify.top", "ab-cd.com.evil.top", "login.ab-cd.com.verify.top",  # no key of their own
              "rna.m.clevv.m.ell.com")  # 'madewell' split across labels, with lookalike sequences


def test_prefilter_drops_plain_names(scorer):
    for host in ("bluegarden.com", "riverhouse-market.net", "coffee.example.org", "sun-moon.co.uk"):
        assert not scorer.might_resemble(host), host


def test_the_shortcut_reads_past_a_two_label_public_suffix(scorer):
    # the short labels of 'co.uk' are the suffix, not labels after the name: the shortcut decides
    for host in ("bluegarden.co.uk", "www.riverhouse.com.au", "cdn.static.example.co.jp"):
        assert scorer.prefilter.surely_unrelated(host), host
    # a short label that starts a public suffix after a label ('amzone|co.jp|<x>') means a
    # lookup with one edit more: the prefilter runs it, and lets the host through
    assert not scorer.prefilter.surely_unrelated("laopst.co.jp.verify-parcel.top")
    assert scorer.score(Candidate(kind="domain", domain="laopst.co.jp.verify-parcel.top")).verdict != "unrelated"
