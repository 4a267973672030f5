"""Every reason comes in Lao too, one for one with the English, written in Lao script."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from monitor.detection.models import Candidate, candidate_from_dict
from monitor.detection.normalize import has_lao
from monitor.detection.rules import load_rules
from monitor.detection.scoring import Scorer
from monitor.registry import load_registry
from tests.conftest import BRANDS_FILE, DATA, load_jsonl
from tests.detection.test_verdict import hosts


@pytest.fixture(scope="module")
def scorer() -> Scorer:
    return Scorer(load_registry(BRANDS_FILE), load_rules())


def _check(score) -> None:
    assert len(score.reasons_lo) == len(score.reasons)
    for english, lao in zip(score.reasons, score.reasons_lo, strict=True):
        assert has_lao(lao), (english, lao)
        assert lao != english


def test_the_dev_set_has_every_reason_in_lao(scorer):
    kinds = set()
    for item in load_jsonl(DATA / "candidates-dev.jsonl"):
        score = scorer.score(candidate_from_dict(item))
        _check(score)
        kinds.add((item["kind"], score.verdict))
    assert {("domain", "impersonation"), ("account", "impersonation"), ("page", "impersonation")} <= kinds


@settings(max_examples=300, deadline=None)
@given(host=hosts())
def test_lookalike_hosts_have_every_reason_in_lao(scorer, host):
    _check(scorer.score(Candidate(kind="domain", domain=host)))


def test_account_and_page_reasons_are_in_lao(scorer):
    cases = [
        Candidate(kind="account", platform="facebook", handle="laoairlines.promo", name="Lao Airlines",
                  bio="free tickets giveaway, like and share"),
        Candidate(kind="account", platform="x", handle="laotelecom_official", name="Lao Telecom"),
        Candidate(kind="account", platform="facebook", handle="laopostfans", name="Laopost fan club"),
        Candidate(kind="page", url="https://example.org/laopost/customs", title="Laopost: pay the customs fee",
                  text="Your parcel is held. Pay the delivery fee", has_password_form=True, has_card_form=True),
        Candidate(kind="domain", domain="laotel.com"),
        Candidate(kind="domain", domain="paypal.example"),
    ]
    for candidate in cases:
        _check(scorer.score(candidate))
