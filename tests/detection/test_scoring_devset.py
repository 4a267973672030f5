"""The scorer on the labeled dev set (a copy of shared/data/candidates-dev.jsonl)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from monitor.detection.models import FLAGGED_VERDICTS, candidate_from_dict
from tests.conftest import DATA, load_jsonl

# A held-out set with the same schema can be checked with the same assertions:
# MONITOR_HELDOUT=path/to/set.jsonl pytest tests/test_scoring_devset.py
SETS = [DATA / "candidates-dev.jsonl"] + ([Path(os.environ["MONITOR_HELDOUT"])] if os.environ.get("MONITOR_HELDOUT") else [])


@pytest.fixture(scope="module", params=SETS, ids=lambda p: p.name)
def scored(request, scorer):
    items = load_jsonl(request.param)
    return [(item, scorer.score(candidate_from_dict(item))) for item in items]


def test_recall_of_impersonations(scored):
    positives = [(item, score) for item, score in scored if item["label"] == "impersonation"]
    assert positives
    caught = [item["id"] for item, score in positives if score.verdict in FLAGGED_VERDICTS]
    missed = [(item["id"], score.verdict, score.reasons) for item, score in positives if score.verdict not in FLAGGED_VERDICTS]
    assert len(caught) / len(positives) >= 0.95, missed


def test_precision(scored):
    flagged = [(item, score) for item, score in scored if score.verdict in FLAGGED_VERDICTS]
    wrong = [(item["id"], item["label"], score.reasons) for item, score in flagged if item["label"] != "impersonation"]
    assert flagged
    assert 1 - len(wrong) / len(flagged) >= 0.95, wrong


def test_every_official_identity_is_official(scored):
    officials = [(item, score) for item, score in scored if item["label"] == "official"]
    assert officials
    for item, score in officials:
        assert score.verdict == "official", (item, score)
        assert score.brand == item["brand"]


def test_flagged_impersonations_name_the_right_brand(scored):
    for item, score in scored:
        if item["label"] == "impersonation" and score.verdict in FLAGGED_VERDICTS:
            assert score.brand == item["brand"], (item, score)


def test_benign_items_name_no_brand(scored):
    for item, score in scored:
        if item["label"] == "benign":
            assert score.verdict == "unrelated" and score.brand is None, (item, score)


def test_every_score_explains_itself(scored):
    for _, score in scored:
        assert score.reasons and all(isinstance(r, str) and r for r in score.reasons)
        assert 0 <= score.score <= 100
