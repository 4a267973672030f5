"""The demo's printout names findings and takedowns as everywhere else (F26, T24)."""

from __future__ import annotations

import datetime as dt

import pytest

from monitor.store.repo import FindingInput, upsert_findings


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_the_demo_report_prefixes_finding_ids(session_factory, migrated_url, tmp_path, capsys, monkeypatch):
    from monitor.demo import __main__ as demo

    monkeypatch.setattr(demo, "DEMO", tmp_path)  # the draft copies go there, not to var/demo

    with session_factory() as session:
        upsert_findings(session, [FindingInput(
            brand_id="laopost", canonical_key="domain:laopost-fee.com", kind="domain", platform=None,
            url="https://laopost-fee.com/", label="laopost-fee.com", score=91, verdict="impersonation",
            reasons=["domain 'laopost-fee.com' adds 'fee'"], candidate={"kind": "domain"}, source="nrd",
            query=None)], collection_run_id=None, now=dt.datetime(2026, 12, 1, tzinfo=dt.UTC))
        session.commit()
    outbox = tmp_path / "outbox"
    outbox.mkdir()
    demo.report({"MONITOR_DATABASE_URL": migrated_url, "MONITOR_OUTBOX_DIR": str(outbox)})
    out = capsys.readouterr().out
    assert "   F1  91 impersonation" in out
    assert "[  1]" not in out
