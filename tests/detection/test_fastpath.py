"""The fast path is the same decision, earlier: `monitor score`'s answer for a line is byte for
byte the same whether the prefilter answers it from the raw record or the full path scores it
with no shortcut at all (as rapidfuzz tests its C++ against its Python twin).

Lines: real benign and phishing hosts of bench/data (a seeded sample, under the six Lao brands,
the six global brands and a 1,000-brand registry of popular domains), dnstwist lookalikes of
the shipped brands, and hypothesis-generated raw lines, malformed ones included."""

from __future__ import annotations

import json
import random
import string
from contextlib import contextmanager
from pathlib import Path
from unittest import mock

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from monitor.detection import jsonl
from monitor.detection.prefilter import HostPrefilter, unrelated_line
from monitor.detection.rules import load_rules
from monitor.detection.scoring import Scorer
from monitor.registry import load_registry, parse_registry

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = 2500


@contextmanager
def full_path_only():
    """No raw-record answer and no shortcut inside the scorer: every lookup runs."""
    with mock.patch.object(jsonl, "unrelated_line", lambda scorer, record: None), \
            mock.patch.object(HostPrefilter, "surely_unrelated", lambda self, host: False):
        yield


def both_ways(scorer: Scorer, lines: list[str]) -> tuple[list[tuple[str, bool]], list[tuple[str, bool]]]:
    fast = list(jsonl.score_lines(scorer, lines))
    with full_path_only():
        full = list(jsonl.score_lines(scorer, lines))
    return fast, full


def _lines(hosts: list[str]) -> list[str]:
    return [json.dumps({"id": number, "kind": "domain", "domain": host}) for number, host in enumerate(hosts)]


@pytest.fixture(scope="module")
def real_hosts() -> list[str]:
    import sys

    sys.path.insert(0, str(ROOT))
    from bench import realdata

    rows = realdata.hosts()
    rng = random.Random(11)
    benign = [h for h, label, _ in rows if label == 0]
    phishing = [h for h, label, _ in rows if label == 1]
    return rng.sample(benign, SAMPLE) + rng.sample(phishing, SAMPLE // 5)


@pytest.fixture(scope="module")
def lookalikes(registry) -> list[str]:
    import dnstwist

    out = []
    for brand in registry.brands:
        for domain in brand.official.domains[:1]:
            fuzzer = dnstwist.Fuzzer(domain)
            fuzzer.generate()
            out += [p["domain"] for p in fuzzer.permutations()]
    return random.Random(5).sample(out, min(len(out), 600))


def _registries():
    yield "lao", load_registry(ROOT / "config" / "brands.yaml")
    yield "global", load_registry(ROOT / "bench" / "data" / "global_brands_aliases.yaml")


@pytest.mark.parametrize("name", ["lao", "global"])
def test_real_hosts_get_the_same_answer_both_ways(name, real_hosts, lookalikes):
    registry = dict(_registries())[name]
    scorer = Scorer(registry, load_rules())
    lines = _lines(real_hosts + lookalikes)
    fast, full = both_ways(scorer, lines)
    assert fast == full
    answered = sum(unrelated_line(scorer, json.loads(line)) is not None for line in lines)
    assert answered > len(lines) // 2  # the fast path is taken: most real hosts resemble no brand
    assert any('"verdict": "impersonation"' in out for out, _ in fast)


def test_a_thousand_brands_get_the_same_answer_both_ways(real_hosts):
    import sys

    sys.path.insert(0, str(ROOT))
    from bench import realdata

    text, domains = realdata.popular_registry_yaml(1000)
    scorer = Scorer(parse_registry(text, "<1,000 popular domains>"), load_rules())
    lines = _lines(real_hosts[:1200] + [d.replace("o", "0", 1) for d in domains[:200]])
    fast, full = both_ways(scorer, lines)
    assert fast == full


# ---------------------------------------------------------------- generated raw lines

host_chars = st.sampled_from(string.ascii_lowercase + string.digits + "-.")
hosts = st.one_of(
    st.text(host_chars, min_size=1, max_size=40),
    st.builds(lambda label, count: ".".join([label] * count) + ".com",
              st.text(string.ascii_lowercase, min_size=1, max_size=70), st.integers(1, 8)),
    st.sampled_from(["laoairlines.com", "laoairlines.la", "laoalrlines.com", "lao-airlines.com.verify.top",
                     "laopst.co.jp.verify-parcel.top", "www.laotel.com", "ltc.la.evil.top", "xn--laoairlnes-x9a.com",
                     "example.com", "bluegarden.co.uk", "laoairlines.com.", "LAOAIRLINES.COM", "lao.m.airlines.com",
                     "a..b.com", "-x-.com", "laopost.la", "tholakhong.org", "laotimes.com"]),
    st.text(min_size=0, max_size=20),
)
ids = st.one_of(st.integers(-10**6, 10**20), st.text(max_size=8), st.none(), st.booleans(), st.floats(),
                st.lists(st.integers(), max_size=2), st.dictionaries(st.text(max_size=2), st.integers(), max_size=1))
extra_fields = st.dictionaries(
    st.sampled_from(["url", "handle", "name", "title", "text", "platform", "bio", "enriched", "has_password_form",
                     "official_links", "note", "source", "query"]),
    st.one_of(st.none(), st.text(max_size=10), st.booleans(), st.integers(-2, 3)), max_size=2)


@st.composite
def raw_lines(draw) -> str:
    record = {"kind": draw(st.sampled_from(["domain", "domain", "domain", "account", "page", "Domain", 3]))}
    if draw(st.booleans()):
        record["id"] = draw(ids)
    if draw(st.integers(0, 9)):
        record["domain"] = draw(st.one_of(hosts, st.integers(), st.none()))
    record.update(draw(extra_fields))
    line = json.dumps(record, ensure_ascii=draw(st.booleans()), allow_nan=True)
    damage = draw(st.integers(0, 9))
    if damage == 0:
        line = line[: draw(st.integers(0, len(line)))]  # cut short
    elif damage == 1:
        line = draw(st.sampled_from(["", "   ", "[]", "null", '"laoairlines.com"', '{"kind": "domain", "domain": "\\ud800x.com"}',
                                     '{"kind": "domain", "domain": "la\\u0000oairlines.com"}',
                                     '{"kind": "domain", "domain": "laoairlines.com\\u202e"}', "[" * 5000]))
    return line


@settings(max_examples=500, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(raw_lines(), min_size=1, max_size=6))
@example(['{"kind": "domain", "domain": "example.com", "url": "https://laoairlines-deal.com/x"}'])
@example(['{"kind": "domain", "domain": "example.com", "enriched": "yes"}'])
@example(['{"id": {"a": 1}, "kind": "domain", "domain": "example.com"}'])
@example(['{"id": NaN, "kind": "domain", "domain": "example.com"}', '{"id": "\\u00e9", "kind": "domain", '
          '"domain": "example.com"}'])
@example([json.dumps({"kind": "domain", "domain": "a" * 63 + ".com"}),
          json.dumps({"kind": "domain", "domain": "a" * 64 + ".com"}),
          json.dumps({"kind": "domain", "domain": "x" + ".".join(["ab"] * 83) + ".com"}),  # 253 characters
          json.dumps({"kind": "domain", "domain": "xy" + ".".join(["ab"] * 83) + ".com"})])  # 254  # DNS's lengths: a label of 63, a name of 253, one more
def test_generated_lines_get_the_same_answer_both_ways(scorer, lines):
    fast, full = both_ways(scorer, lines)
    assert fast == full


def test_a_hostile_length_is_refused_at_once_and_quoted_short(scorer):
    """A megabyte of brand names is no host (DNS: 253 characters, 63 a label): refused before
    any matching, its reason quoting the start (before this, matching it took seconds)."""
    line = json.dumps({"id": 1, "kind": "domain", "domain": "laotel" * 100_000 + ".com"})
    out, ok = jsonl.score_line(scorer, line, 1)
    record = json.loads(out)
    assert ok and record["verdict"] == "unrelated" and "longer than a host name can be" in record["reasons"][0]
    assert len(out) < 1000
