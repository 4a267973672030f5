"""The run's summary, on plain records: the table of collections, its totals, and the lines
about abandoned collections, takedown drafts and alerts."""

from __future__ import annotations

from monitor.collectors.base import ALL_BRANDS
from monitor.run_records import (
    AlertFailure,
    AlertReport,
    Canary,
    CollectionStatus,
    DigestQueued,
    DraftFailure,
    DraftsReport,
    ReturnedFindings,
    Stored,
)
from monitor.summary import run_report_lines, summarize


def stored(brand: str, source: str = "searxng", *, errors: tuple[str, ...] = (), **counts) -> Stored:
    status = CollectionStatus.FAILED if errors else CollectionStatus.OK
    return Stored(brand, source, 1, status, errors, False, 3, **counts)


def test_the_table_names_shared_feeds_shows_a_missing_canary_and_sums_the_collections():
    table = summarize([stored(ALL_BRANDS, "openphish", candidates=4, flagged=2, new=1, updated=1),
                       stored("laopost", candidates=3, flagged=1, new=1, canary=Canary.MISSING)], None)
    lines = table.splitlines()
    assert lines[0].split() == ["source", "brand", "status", "canary", "queries", "candidates", "flagged", "new",
                                "updated", "error"]
    assert lines[1].split() == ["openphish", "all", "brands", "ok", "n/a", "3", "4", "2", "1", "1", "-"]
    assert lines[2].split() == ["searxng", "laopost", "ok", "MISSING", "3", "3", "1", "1", "0", "-"]
    assert lines[3] == "total: 7 candidates, 3 flagged, 2 new findings, 1 updated, 0 failed collections"
    assert lines[4].endswith("official identity): searxng/laopost")


def test_each_steps_errors_are_joined_in_order_and_a_long_error_is_cut():
    both = stored("laopost", errors=("2 of 3 queries failed: HTTP 500", "1 findings could not be stored: x"))
    assert "2 of 3 queries failed: HTTP 500; 1 findings could not be stored: x" in summarize([both], None)
    long = stored("laopost", errors=("e" * 200,))
    row = summarize([long], None).splitlines()[1]
    assert row.endswith("e" * 117 + "...") and "e" * 118 not in row
    assert "1 failed collections" in summarize([long], None)


def test_drafts_and_alerts_lines():
    drafts = DraftsReport(drafted=(11, 12), failed=(DraftFailure(7, "no abuse contact"),))
    alerts = AlertReport("smtp://mail", 45,
                         queued=(DigestQueued("laopost", 1, 3, ("o@example.org",), 2, 2, (1,)),
                                 DigestQueued("tholakhong", None, 0, ("o@example.org",), 1, 4, ())),
                         sent=2, dead=(AlertFailure(5, "550 no such user"),), returned=(ReturnedFindings(5, 3),),
                         failed=(AlertFailure(6, "451 later"),))
    assert run_report_lines(alerts, drafts, ["searxng/laopost (collection run 9)"]) == [
        "abandoned: 1 collections of earlier runs were still 'running' (their worker died) and are now marked "
        "abandoned: searxng/laopost (collection run 9)",
        "takedowns: 2 drafted, 1 failed",
        "  draft for finding 7 failed: no abuse contact",
        "alerts: 1 digests queued (3 findings), 2 takedown-draft emails (3 drafts), 2 sent, 1 pending retry, "
        "1 dead-lettered (via smtp://mail)",
        "  DEAD alert 5: 550 no such user (3 findings back in the queue for the next run; "
        "`monitor alerts retry 5` sends it now)",
        "  PENDING alert 6 (will be retried): 451 later"]


def test_a_skipped_step_says_why_and_a_missing_report_says_nothing():
    assert run_report_lines(AlertReport(None, None, skipped="dry run: no digest queued or sent"),
                            DraftsReport(skipped="dry run: no takedown drafted")) == [
        "takedowns: dry run: no takedown drafted", "alerts: dry run: no digest queued or sent"]
    assert run_report_lines(None, None) == []
