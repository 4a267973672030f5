"""A collector that makes a candidate the scorer would refuse (here: a domain candidate with
neither a domain nor a URL) loses that one candidate, reported with its query, and keeps the
rest; what crosses to the score step then decodes at the XCom edge."""

from __future__ import annotations

from monitor.collectors.base import Query, Window, collect_brand
from monitor.detection.models import Candidate
from monitor.records import from_json, to_json
from monitor.run_records import Collected, CollectionStatus, Found


class _OneBadCandidate:
    name = "one-bad"

    def queries(self, brand):
        return [Query("laopost parcel", brand.id)]

    def fetch(self, query, window):
        return b""

    def parse(self, raw, query, window):
        return [Candidate(kind="domain", domain="laopost-parcel.top"), Candidate(kind="domain"),
                Candidate(kind="page", url="https://laopost-fees.example/pay")]


def test_a_refused_candidate_is_reported_and_the_rest_kept(registry):
    result = collect_brand(_OneBadCandidate(), registry.brand("laopost"), Window(None, None))
    assert [f.candidate.domain or f.candidate.url for f in result.found] == [
        "laopost-parcel.top", "https://laopost-fees.example/pay"]
    assert result.errors == ["'laopost parcel': a candidate was refused: a domain candidate needs 'domain' or 'url'"]
    collected = Collected(collection_run_id=1, brand="laopost", source="one-bad", status=CollectionStatus.OK,
                          errors=tuple(result.errors), layout_changed=False, queries=result.queries,
                          candidates=tuple(Found(f.candidate, f.query) for f in result.found), canary_expected=False)
    assert from_json(Collected, to_json(collected)) == collected
