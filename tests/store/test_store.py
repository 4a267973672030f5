"""The findings store on SQLite and PostgreSQL: migrations, upserts, marks."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from monitor.store.db import as_utc, make_engine
from monitor.store.models import Base, CollectionRun, Finding, Sighting, StatusMark, Takedown
from monitor.store.repo import (
    FindingInput,
    list_findings,
    list_takedowns,
    mark_finding,
    mark_takedown,
    marks_of,
    record_check,
    record_relaunch,
    record_reminder,
    record_taken_down,
    start_collection_run,
    upsert_findings,
)

T0 = dt.datetime(2026, 11, 1, 10, 0, tzinfo=dt.UTC)


def _finding(key: str = "facebook:laoairlines.promo", score: int = 90, **over) -> FindingInput:
    values = dict(brand_id="lao-airlines", canonical_key=key, kind="account", platform="facebook",
                  url=f"https://www.facebook.com/{key.split(':')[-1]}", label=key, score=score,
                  verdict="impersonation", reasons=["because"], candidate={"kind": "account"}, source="searxng",
                  query='"Lao Airlines"')
    values.update(over)
    return FindingInput(**values)


def test_migrations_create_exactly_the_models(migrated_url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(migrated_url)
    with engine.connect() as connection:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        assert compare_metadata(context, Base.metadata) == []
        assert context.get_current_revision() is not None
    engine.dispose()


def test_upgrade_is_repeatable(migrated_url):
    from monitor.store.db import current_revision, upgrade

    before = current_revision(migrated_url)
    upgrade(migrated_url)
    assert current_revision(migrated_url) == before


def test_repeated_run_adds_sightings_not_findings(session_factory):
    with session_factory() as session:
        run_a = start_collection_run(session, source="searxng", brand_id="lao-airlines", window_start=None,
                                     window_end=None, dag_run_id="r1", run_type="scheduled", now=T0)
        report = upsert_findings(session, [_finding(), _finding("domain:laoairlines-deal.com", kind="domain")],
                               collection_run_id=run_a, now=T0)
        assert (report.new, report.updated, report.errors) == (2, 0, [])
        session.commit()
    later = T0 + dt.timedelta(hours=1)
    with session_factory() as session:
        run_b = start_collection_run(session, source="searxng", brand_id="lao-airlines", window_start=None,
                                     window_end=None, dag_run_id="r1", run_type="scheduled", now=later)
        report = upsert_findings(session, [_finding(score=95)], collection_run_id=run_b, now=later)
        assert (report.new, report.updated, report.errors) == (0, 1, [])
        session.commit()
    with session_factory() as session:
        assert session.scalar(select(func.count()).select_from(Finding)) == 2
        assert session.scalar(select(func.count()).select_from(Sighting)) == 3
        assert session.scalar(select(func.count()).select_from(CollectionRun)) == 2
        finding = session.scalars(select(Finding).where(Finding.canonical_key == "facebook:laoairlines.promo")).one()
        assert (as_utc(finding.first_seen), as_utc(finding.last_seen), finding.score) == (T0, later, 95)
        assert finding.status == "new"


def test_marks_survive_later_sightings(session_factory):
    with session_factory() as session:
        upsert_findings(session, [_finding()], collection_run_id=None, now=T0)
        session.commit()
        finding_id = session.scalars(select(Finding.id)).one()
        mark_finding(session, finding_id, "false-positive", note="partner page", actor="cli:analyst", now=T0)
        session.commit()
    with session_factory() as session:
        upsert_findings(session, [_finding(score=99)], collection_run_id=None, now=T0 + dt.timedelta(days=1))
        session.commit()
        finding = session.get(Finding, finding_id)
        assert finding.status == "false_positive" and finding.status_note == "partner page"
        assert [f.id for f in list_findings(session, status="false-positive")] == [finding_id]
        with pytest.raises(ValueError, match="unknown mark 'maybe'"):
            mark_finding(session, finding_id, "maybe", note=None, actor="cli", now=T0)
        with pytest.raises(LookupError, match="finding 999 does not exist"):
            mark_finding(session, 999, "confirmed", note=None, actor="cli", now=T0)


def test_same_key_for_two_brands_is_two_findings(session_factory):
    with session_factory() as session:
        upsert_findings(session, [_finding("domain:lao-news.com"),
                                  _finding("domain:lao-news.com", brand_id="laopatthana")], collection_run_id=None, now=T0)
        session.commit()
        assert session.scalar(select(func.count()).select_from(Finding)) == 2


def _takedown(session, finding_id: int, now: dt.datetime) -> Takedown:
    takedown = Takedown(finding_id=finding_id, brand_id="lao-airlines", addressing={}, gaps=[], subject="s",
                        message_id="<m@x>", message="m", captured_at=now, drafted_at=now)
    session.add(takedown)
    session.flush()
    return takedown


def test_every_mark_is_kept_as_history_with_who_when_and_note(session_factory):
    """A note given with one mark survives the next mark (it used to be overwritten)."""
    with session_factory() as session:
        upsert_findings(session, [_finding()], collection_run_id=None, now=T0)
        finding_id = session.scalars(select(Finding.id)).one()
        takedown_id = _takedown(session, finding_id, T0).id
        mark_takedown(session, takedown_id, "sent", note="case 1234", actor="cli:analyst", now=T0)
        mark_takedown(session, takedown_id, "resolved", note=None, actor="owner@laoairlines.com",
                      now=T0 + dt.timedelta(hours=1))
        mark_finding(session, finding_id, "confirmed", note="fake giveaway", actor="ui:admin", now=T0)
        mark_finding(session, finding_id, "reopen", note=None, actor="ui:admin", now=T0 + dt.timedelta(hours=2))
        session.commit()
        history = [(m.status, m.note, m.actor) for m in marks_of(session, "takedown", takedown_id)]
        assert history == [("sent", "case 1234", "cli:analyst"), ("resolved", None, "owner@laoairlines.com")]
        assert [(m.status, m.note) for m in marks_of(session, "finding", finding_id)] == [
            ("confirmed", "fake giveaway"), ("new", None)]  # reopen: back to new, as it was never alerted
        with pytest.raises(ValueError, match="takedown .* is resolved"):
            mark_takedown(session, takedown_id, "sent", note=None, actor="cli", now=T0)
        with pytest.raises(ValueError, match="unknown status 'gone'"):
            list_takedowns(session, status="gone")


def test_followup_status_changes_are_named_and_recorded(session_factory):
    with session_factory() as session:
        upsert_findings(session, [_finding()], collection_run_id=None, now=T0)
        finding = session.scalars(select(Finding)).one()
        takedown = _takedown(session, finding.id, T0 + dt.timedelta(hours=2))
        record_check(takedown, "gone", "HTTP 404", T0 + dt.timedelta(hours=12))
        assert takedown.last_check == "gone: HTTP 404"
        hours_seen, hours_draft = record_taken_down(takedown, T0 + dt.timedelta(hours=12))
        assert (hours_seen, hours_draft) == (12.0, 10.0)
        assert (takedown.status, finding.status) == ("resolved", "taken_down")
        record_reminder(takedown, T0 + dt.timedelta(days=8))
        assert as_utc(takedown.reminder_sent_at) == T0 + dt.timedelta(days=8)
        record_relaunch(takedown, T0 + dt.timedelta(days=9))
        assert finding.status == "alerted" and "relaunched" in finding.status_note
        session.commit()
        assert [(m.subject, m.status, m.actor) for m in session.scalars(select(StatusMark).order_by(StatusMark.id))] == [
            ("takedown", "resolved", "takedown_followup"), ("finding", "taken_down", "takedown_followup"),
            ("finding", "alerted", "takedown_followup")]


def test_the_lao_reasons_are_stored_one_for_one_and_refreshed(session_factory):
    from monitor.ui.views import lao_reasons

    with session_factory() as session:
        upsert_findings(session, [_finding(reasons=["looks like Laopost", "asks for a card"],
                                       reasons_lo=["ຄ້າຍຄື ໄປສະນີລາວ", "ຂໍບັດ"])], collection_run_id=None, now=T0)
        session.commit()
        finding = session.scalars(select(Finding)).one()
        assert finding.reasons_lo == ["ຄ້າຍຄື ໄປສະນີລາວ", "ຂໍບັດ"]
        # a later sighting with no Lao (an old producer): the English is shown in its place
        upsert_findings(session, [_finding(reasons=["looks like Laopost"])], collection_run_id=None,
                        now=T0 + dt.timedelta(hours=1))
        session.commit()
        session.refresh(finding)
        assert finding.reasons_lo is None
        assert lao_reasons(finding.reasons, finding.reasons_lo) == ["looks like Laopost"]
    assert lao_reasons(["a", "b"], ["ກ", ""]) == ["ກ", "b"]
