"""The XCom edge: every record of a run becomes plain JSON and comes back equal (the values
Airflow stores between tasks), and JSON that is not the record it claims to be is refused
with the field's path."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from monitor.detection.models import Candidate
from monitor.records import RecordError, from_json, to_json
from monitor.run_records import (
    AlertFailure,
    AlertReport,
    Canary,
    Collected,
    CollectionStatus,
    DigestQueued,
    DraftFailure,
    DraftsReport,
    Found,
    PlanItem,
    ReturnedFindings,
    RunInfo,
    Scored,
    Stored,
)
from monitor.store.repo import FindingInput

text = st.text(max_size=20)
maybe_text = st.none() | text
count = st.integers(min_value=0, max_value=10**9)
small = st.lists(text, max_size=3)

candidates = st.one_of(
    st.builds(Candidate, kind=st.just("domain"), id=st.none() | text | count, domain=text.filter(bool),
              title=maybe_text, official_links=st.none() | count, enriched=st.none() | st.booleans()),
    st.builds(Candidate, kind=st.just("page"), id=st.none() | text, url=text.filter(bool), text=maybe_text,
              has_password_form=st.none() | st.booleans(), has_card_form=st.none() | st.booleans()),
    st.builds(Candidate, kind=st.just("account"), platform=maybe_text, handle=text.filter(bool), bio=maybe_text))
outcome = {"brand": text, "source": text, "collection_run_id": count, "status": st.sampled_from(CollectionStatus),
           "errors": st.lists(text, max_size=3).map(tuple), "layout_changed": st.booleans(), "queries": count}
finding_inputs = st.builds(
    FindingInput, brand_id=text, canonical_key=text, kind=st.sampled_from(["domain", "page", "account"]),
    platform=maybe_text, url=maybe_text, label=text, score=st.integers(0, 100),
    verdict=st.sampled_from(["impersonation", "suspicious"]), reasons=small,
    candidate=st.dictionaries(text, st.none() | text | count | st.booleans(), max_size=3), source=text,
    query=maybe_text, reasons_lo=st.none() | small)
records = st.one_of(
    st.builds(PlanItem, brand=text, source=text),
    st.builds(RunInfo, run_id=maybe_text, run_type=text, window_start=maybe_text, window_end=maybe_text,
              dag_id=maybe_text),
    st.builds(Collected, **outcome, candidates=st.lists(st.builds(Found, candidates, maybe_text), max_size=3).map(tuple),
              canary_expected=st.booleans()),
    st.builds(Scored, **outcome, candidates=count, flagged=st.lists(finding_inputs, max_size=2).map(tuple),
              canary=st.sampled_from(Canary), enriched=count),
    st.builds(Stored, **outcome, candidates=count, canary=st.sampled_from(Canary), flagged=count, new=count,
              updated=count),
    st.builds(DraftsReport, drafted=st.lists(count, max_size=3).map(tuple),
              failed=st.lists(st.builds(DraftFailure, count, text), max_size=2).map(tuple), skipped=maybe_text),
    st.builds(AlertReport, transport=maybe_text, min_score=st.none() | st.integers(0, 100),
              queued=st.lists(st.builds(DigestQueued, text, st.none() | count, count, small.map(tuple), count,
                                        st.none() | count, st.lists(count, max_size=3).map(tuple)),
                              max_size=2).map(tuple),
              sent=count, failed=st.lists(st.builds(AlertFailure, count, text), max_size=2).map(tuple),
              dead=st.lists(st.builds(AlertFailure, count, text), max_size=2).map(tuple),
              returned=st.lists(st.builds(ReturnedFindings, count, count), max_size=2).map(tuple),
              skipped=maybe_text))


@given(records)
def test_every_record_comes_back_equal_through_json_text(record):
    sent = json.dumps(to_json(record))  # what Airflow stores: JSON text, nothing of Python's
    assert from_json(type(record), json.loads(sent)) == record


def test_enums_cross_as_their_values_and_candidates_in_their_own_shape():
    found = Found(Candidate(kind="domain", id=1, domain="laopost-fee.top"), "laopost fee")
    collected = Collected("laopost", "searxng", 7, CollectionStatus.FAILED, ("HTTP 500",), False, 3,
                          candidates=(found,), canary_expected=True)
    assert to_json(collected) == {
        "brand": "laopost", "source": "searxng", "collection_run_id": 7, "status": "failed", "errors": ["HTTP 500"],
        "layout_changed": False, "queries": 3,
        "candidates": [{"candidate": {"id": 1, "kind": "domain", "domain": "laopost-fee.top"},
                        "query": "laopost fee"}],
        "canary_expected": True}
    assert collected.error == "HTTP 500"


def test_keys_a_record_does_not_know_are_ignored_and_defaults_fill_the_rest():
    assert from_json(PlanItem, {"brand": "laopost", "source": "rss", "added_later": 1}) == PlanItem("laopost", "rss")
    assert from_json(DraftsReport, {"skipped": "dry run"}) == DraftsReport(skipped="dry run")


STORED = {"brand": "laopost", "source": "searxng", "collection_run_id": 1, "status": "ok", "errors": [],
          "layout_changed": False, "queries": 2}


@pytest.mark.parametrize(("cls", "data", "message"), [
    (Stored, ["not", "an", "object"], r"^Stored: expected an object, got list$"),
    (Stored, {k: v for k, v in STORED.items() if k != "status"}, r"^Stored\.status: missing$"),
    (Stored, {**STORED, "status": "exploded"}, r"^Stored\.status: 'exploded' is not one of 'ok', 'failed'$"),
    (Stored, {**STORED, "queries": "2"}, r"^Stored\.queries: expected int, got str$"),
    (Stored, {**STORED, "queries": True}, r"^Stored\.queries: expected int, got bool$"),
    (Stored, {**STORED, "errors": "HTTP 500"}, r"^Stored\.errors: expected a list, got str$"),
    (Stored, {**STORED, "errors": ["ok", 5]}, r"^Stored\.errors\[1\]: expected str, got int$"),
    (Stored, {**STORED, "canary": None}, r"^Stored\.canary: None is not one of 'ok', 'missing', 'n/a'$"),
    (RunInfo, {"run_id": 5, "run_type": "cli", "window_start": None, "window_end": None},
     r"^RunInfo\.run_id: expected str, got int$"),
    (Collected, {**STORED, "candidates": [{"candidate": {"kind": "spaceship"}, "query": None}]},
     r"^Collected\.candidates\[0\]\.candidate: field 'kind': 'spaceship' is not one of"),
    (Collected, {**STORED, "candidates": [{"candidate": {"kind": "page", "title": ["x"]}, "query": None}]},
     r"^Collected\.candidates\[0\]\.candidate: field 'title': expected a string, got list$"),
    (Collected, {**STORED, "candidates": [{"query": "q"}]}, r"^Collected\.candidates\[0\]\.candidate: missing$"),
    (Scored, {**STORED, "flagged": [{"brand_id": "laopost"}]}, r"^Scored\.flagged\[0\]\.canonical_key: missing$"),
    (AlertReport, {"transport": None, "min_score": None, "dead": [{"alert_id": 1, "error": None}]},
     r"^AlertReport\.dead\[0\]\.error: expected str, got null$"),
])
def test_json_that_is_not_the_record_is_refused_with_the_fields_path(cls, data, message):
    with pytest.raises(RecordError, match=message):
        from_json(cls, data)


def test_a_value_with_no_json_form_is_refused():
    with pytest.raises(RecordError, match="object has no JSON form"):
        to_json(PlanItem(object(), "rss"))  # type: ignore[arg-type]  # what a typo in a step would do


json_values = st.recursive(st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | text,
                           lambda inner: st.lists(inner, max_size=3) | st.dictionaries(text, inner, max_size=3),
                           max_leaves=10)


@given(records, st.data())
def test_a_field_replaced_by_any_json_gives_the_record_or_a_record_error(record, data):
    """Whatever an XCom holds instead (a hostile or a corrupt value), the edge answers with a
    record or RecordError: never a TypeError or KeyError from deep inside."""
    sent = to_json(record)
    name = data.draw(st.sampled_from(sorted(sent)))
    sent[name] = data.draw(json_values)
    try:
        got = from_json(type(record), sent)
    except RecordError as exc:
        assert str(exc).startswith(f"{type(record).__name__}.{name}")
    else:
        assert isinstance(got, type(record))


@given(json_values)
def test_any_json_at_all_gives_a_record_or_a_record_error(value):
    for cls in (Collected, Scored, AlertReport):
        try:
            from_json(cls, value)
        except RecordError:
            pass


def test_a_fixed_length_tuple_is_not_a_record_field():
    from dataclasses import dataclass

    @dataclass(frozen=True)
    class Pair:
        both: tuple[int, str]

    with pytest.raises(RecordError, match=r"^Pair\.both: tuple\[int, str\] is not a type records carry"):
        from_json(Pair, {"both": [1, "a"]})
