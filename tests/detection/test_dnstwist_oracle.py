"""dnstwist as an independent generator of lookalike domains, and a control set of
ordinary domains made of two common words."""

from __future__ import annotations

import itertools
from collections import Counter

import dnstwist
import pytest

from monitor.detection.models import FLAGGED_VERDICTS, Candidate

COMMON_WORDS = (
    "air line lines post times news hotel travel asia city star sun moon river road king royal green blue red "
    "gold silver best top smart fast easy cheap global local daily media net web shop store market food coffee "
    "tea rice bank money pay card phone mobile data cloud home house garden park school book music photo video "
    "game sport health care world"
).split()


def _permutations(domain: str) -> list[dict]:
    fuzzer = dnstwist.Fuzzer(domain)
    fuzzer.generate()
    return [p for p in fuzzer.permutations() if p["fuzzer"] != "*original"]


@pytest.mark.parametrize("brand_id", ["lao-airlines", "lao-telecom", "laotian-times", "laopost", "tholakhong",
                                      "laopatthana"])
def test_dnstwist_permutations_are_flagged_for_the_right_brand(scorer, registry, brand_id):
    brand = registry.brand(brand_id)
    for domain in brand.official.domains:
        permutations = _permutations(domain)
        assert len(permutations) > 500
        missed = Counter()
        examples = []
        for p in permutations:
            score = scorer.score(Candidate(kind="domain", domain=p["domain"]))
            if score.verdict not in FLAGGED_VERDICTS or score.brand != brand_id:
                missed[p["fuzzer"]] += 1
                examples.append((p["domain"], score.verdict, score.brand))
        rate = 1 - sum(missed.values()) / len(permutations)
        assert rate >= 0.99, (domain, rate, missed, examples[:20])


def test_ordinary_two_word_domains_are_rarely_flagged(scorer):
    domains = []
    for first, second in itertools.permutations(COMMON_WORDS, 2):
        domains.append(f"{first}{second}.com")
        domains.append(f"{first}-{second}.net")
    assert len(domains) >= 1000
    flagged = [d for d in domains if scorer.score(Candidate(kind="domain", domain=d)).verdict != "unrelated"]
    assert len(flagged) / len(domains) <= 0.005, flagged
