"""Reads and writes of the monitor database. Writes are idempotent upserts keyed on the
tables' unique constraints, so a run repeated, retried or backfilled adds sightings but
never duplicate findings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, object_session

from monitor.detection.models import FLAGGED_VERDICTS, Candidate, candidate_from_dict
from monitor.records import Record
from monitor.store.db import as_utc, matched_rows
from monitor.store.models import (
    ALERT_STATUSES,
    FINDING_STATUSES,
    TAKEDOWN_STATUSES,
    Alert,
    CollectionRun,
    Finding,
    Sighting,
    StatusMark,
    Takedown,
)

# The marks a person can set (CLI, Findings page, owners' email links), in the one spelling
# people see; reopen puts a finding back to where the monitor had it (alerted, or new).
FINDING_MARKS = ("confirmed", "false-positive", "taken-down", "reopen")
TAKEDOWN_MARKS = ("sent", "resolved")


def shown_status(status: str) -> str:
    """A status as people read and type it: 'false_positive' -> 'false-positive'."""
    return status.replace("_", "-")


def stored_status(shown: str, statuses: tuple[str, ...]) -> str:
    """The stored form of a status people typed; ValueError naming the choices."""
    status = shown.replace("-", "_")
    if status not in statuses:
        raise ValueError(f"unknown status {shown!r} (one of: {', '.join(shown_status(s) for s in statuses)})")
    return status


@dataclass(frozen=True)
class FindingInput(Record):
    brand_id: str
    canonical_key: str
    kind: str
    platform: str | None
    url: str | None
    label: str
    score: int
    verdict: str
    reasons: list[str]
    candidate: dict[str, Any]
    source: str
    query: str | None
    # The reasons in Lao, one for one with `reasons` (Score.reasons_lo); None from producers
    # that predate them (an old XCom), [] when the scorer gave none.
    reasons_lo: list[str] | None = None


def insert_for(session: Session) -> Callable[..., Any]:  # the dialect's insert construct
    """The dialect's INSERT, which has ON CONFLICT (SQLite and PostgreSQL)."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects import postgresql

        return postgresql.insert
    if dialect == "sqlite":
        from sqlalchemy.dialects import sqlite

        return sqlite.insert
    raise RuntimeError(f"unsupported database {dialect!r}")  # pragma: no cover - only these two


def start_collection_run(session: Session, *, source: str, brand_id: str, window_start: dt.datetime | None,
                         window_end: dt.datetime | None, dag_run_id: str | None, run_type: str,
                         now: dt.datetime, dag_id: str | None = None) -> int:
    run = CollectionRun(source=source, brand_id=brand_id, window_start=window_start, window_end=window_end,
                        dag_run_id=dag_run_id, dag_id=dag_id, run_type=run_type, started_at=now, status="running",
                        queries=0, candidates=0, flagged=0, findings_new=0, findings_updated=0,
                        layout_changed=False)
    session.add(run)
    session.flush()
    return run.id


def finish_collection_run(session: Session, run_id: int, *, now: dt.datetime, **fields: Any) -> None:
    run = session.get(CollectionRun, run_id)
    if run is None:
        raise LookupError(f"collection run {run_id} does not exist")
    for name, value in fields.items():
        setattr(run, name, value)
    run.finished_at = now
    run.duration_seconds = (now - as_utc(run.started_at)).total_seconds()


def abandon_stale_collection_runs(session: Session, *, older_than: dt.timedelta, now: dt.datetime) -> list[CollectionRun]:
    """Collection runs still 'running' long after any collection could have ended: their worker
    was killed mid-way. Marked abandoned, so that they stop reading as running forever."""
    stale = list(session.scalars(select(CollectionRun).where(
        CollectionRun.status == "running", CollectionRun.started_at < now - older_than)
        .order_by(CollectionRun.id).with_for_update(skip_locked=True)))
    for run in stale:
        run.status, run.finished_at = "abandoned", now
        run.error = f"abandoned: still running {now - as_utc(run.started_at)} after it started (its worker died)"
    return stale


def storable(value: Any) -> Any:
    """Scraped text as a database keeps it: no NUL (PostgreSQL's text refuses it), no lone
    surrogates (no encoding takes them), in strings nested anywhere in JSON."""
    if isinstance(value, str):
        return value.replace("\x00", "\ufffd").encode("utf-8", "replace").decode("utf-8")
    if isinstance(value, list | tuple):
        return [storable(v) for v in value]
    if isinstance(value, dict):
        return {storable(k): storable(v) for k, v in value.items()}
    return value


@dataclass
class UpsertReport:
    new: int = 0
    updated: int = 0
    errors: list[str] = field(default_factory=list)  # records that could not be stored, and why


def upsert_findings(session: Session, items: list[FindingInput], *, collection_run_id: int | None,
                    now: dt.datetime) -> UpsertReport:
    """Insert new findings, refresh known ones (status untouched), add a sighting each. Each
    record is cleaned and stored in a savepoint of its own: one the database refuses is
    reported, and the rest of the batch is stored."""
    from sqlalchemy.exc import DBAPIError

    report = UpsertReport()
    for item in items:
        try:
            with session.begin_nested():
                is_new = _upsert_one(session, FindingInput(**storable(item.as_dict())), collection_run_id, now)
        except DBAPIError as exc:
            report.errors.append(f"{storable(item.canonical_key)[:120]!r}: {type(exc.orig or exc).__name__}: "
                                 f"{str(exc.orig or exc).splitlines()[0][:200]}")
            continue
        if is_new:
            report.new += 1
        else:
            report.updated += 1
    session.flush()
    return report


def _upsert_one(session: Session, item: FindingInput, collection_run_id: int | None, now: dt.datetime) -> bool:
    insert = insert_for(session)
    statement = insert(Finding).values(
        brand_id=item.brand_id, canonical_key=item.canonical_key, kind=item.kind, platform=item.platform,
        url=item.url, label=item.label[:600], score=item.score, verdict=item.verdict, reasons=item.reasons,
        reasons_lo=item.reasons_lo or None, candidate=item.candidate, status="new", first_seen=now, last_seen=now,
    )
    statement = statement.on_conflict_do_update(
        index_elements=[Finding.brand_id, Finding.canonical_key],
        set_={
            "last_seen": statement.excluded.last_seen,
            "score": statement.excluded.score,
            "verdict": statement.excluded.verdict,
            "reasons": statement.excluded.reasons,
            "reasons_lo": statement.excluded.reasons_lo,
            "candidate": statement.excluded.candidate,
            "url": func.coalesce(statement.excluded.url, Finding.url),
        },
    ).returning(Finding.id, Finding.first_seen)
    finding_id, first_seen = session.execute(statement).one()
    session.add(Sighting(finding_id=finding_id, collection_run_id=collection_run_id, source=item.source,
                         query=item.query, url=item.url, seen_at=now))
    session.flush()
    return bool(as_utc(first_seen) == now)


def record_mark(session: Session, subject: str, subject_id: int, status: str, *, note: str | None, actor: str,
                now: dt.datetime) -> None:
    """Keep a mark in the history (who, when, what, why)."""
    session.add(StatusMark(subject=subject, subject_id=subject_id, status=status, note=note,
                           actor=actor[:320], marked_at=now))


def mark_finding(session: Session, finding_id: int, mark: str, *, note: str | None, actor: str,
                 now: dt.datetime) -> Finding:
    """A person's verdict on a finding, kept in its history. LookupError: no such finding;
    ValueError: no such mark."""
    if mark not in FINDING_MARKS:
        raise ValueError(f"unknown mark {mark!r} (use one of: {', '.join(FINDING_MARKS)})")
    finding = session.get(Finding, finding_id)
    if finding is None:
        raise LookupError(f"finding {finding_id} does not exist")
    if mark == "reopen":
        status = "alerted" if finding.alerted_at else "new"
    else:
        status = stored_status(mark, FINDING_STATUSES)
    finding.status, finding.status_note, finding.status_changed_at = status, note, now
    record_mark(session, "finding", finding_id, status, note=note, actor=actor, now=now)
    return finding


def marks_of(session: Session, subject: str, subject_id: int) -> list[StatusMark]:
    """The history of a finding's or a takedown's marks, oldest first."""
    return list(session.scalars(select(StatusMark).where(StatusMark.subject == subject,
                                                         StatusMark.subject_id == subject_id)
                                .order_by(StatusMark.marked_at, StatusMark.id)))


def list_findings(session: Session, *, brand_id: str | None = None, status: str | None = None,
                  limit: int = 100) -> list[Finding]:
    query = select(Finding).order_by(Finding.last_seen.desc(), Finding.id.desc()).limit(limit)
    if brand_id:
        query = query.where(Finding.brand_id == brand_id)
    if status:
        query = query.where(Finding.status == stored_status(status, FINDING_STATUSES))
    return list(session.scalars(query))


def claim_new_findings(session: Session, brand_id: str, *, min_score: int) -> list[Finding]:
    """New flagged findings of a brand, locked (PostgreSQL) so that two runs cannot both
    alert them."""
    query = (select(Finding)
             .where(Finding.brand_id == brand_id, Finding.status == "new", Finding.score >= min_score,
                    Finding.verdict.in_(FLAGGED_VERDICTS))
             .order_by(Finding.id)
             .with_for_update(skip_locked=True))
    return list(session.scalars(query))


def mark_alerted(session: Session, finding_ids: list[int], alert_id: int, now: dt.datetime) -> None:
    result = session.execute(
        update(Finding)
        .where(Finding.id.in_(finding_ids), Finding.status == "new")
        .values(status="alerted", alerted_at=now, alert_id=alert_id)
        .execution_options(synchronize_session=False)
    )
    if matched_rows(result) != len(finding_ids):
        # Another run alerted some of them in between: let the caller roll back.
        raise RuntimeError("findings changed status while being alerted")


def claim_undelivered_takedowns(session: Session, brand_id: str) -> list[Takedown]:
    """Drafts not yet sent to the owners, locked (PostgreSQL) so that two runs cannot both
    deliver them."""
    query = (select(Takedown).where(Takedown.brand_id == brand_id, Takedown.delivered_alert_id.is_(None))
             .order_by(Takedown.id).with_for_update(skip_locked=True))
    return list(session.scalars(query))


def mark_delivered(session: Session, takedown_ids: list[int], alert_id: int) -> None:
    result = session.execute(
        update(Takedown).where(Takedown.id.in_(takedown_ids), Takedown.delivered_alert_id.is_(None))
        .values(delivered_alert_id=alert_id).execution_options(synchronize_session=False))
    if matched_rows(result) != len(takedown_ids):
        raise RuntimeError("takedown drafts were delivered by another run meanwhile")


def latest_takedowns(session: Session, finding_ids: list[int]) -> dict[int, Takedown]:
    """finding id -> its latest takedown draft."""
    if not finding_ids:
        return {}
    rows = session.scalars(select(Takedown).where(Takedown.finding_id.in_(finding_ids)).order_by(Takedown.round))
    return {takedown.finding_id: takedown for takedown in rows}


def list_alerts(session: Session, *, status: str | None = None, limit: int = 100) -> list[Alert]:
    query = select(Alert).order_by(Alert.id.desc()).limit(limit)
    if status:
        query = query.where(Alert.status == stored_status(status, ALERT_STATUSES))
    return list(session.scalars(query))


def requeue_dead_alerts(session: Session, alert_ids: list[int] | None, *, now: dt.datetime) -> list[int]:
    """Put dead-lettered alerts (these, or all) back in the outbox with fresh attempts; the
    same message and Message-ID go out, once. A digest takes back the findings it carried that
    are still undelivered; one whose findings all went out in a later digest meanwhile is not
    sent again (it stays dead, saying so). LookupError: an id that is not dead-lettered."""
    query = select(Alert).where(Alert.status == "dead")
    if alert_ids is not None:
        query = query.where(Alert.id.in_(alert_ids))
    alerts = list(session.scalars(query.with_for_update()))
    if alert_ids is not None and len(alerts) != len(set(alert_ids)):
        missing = sorted(set(alert_ids) - {a.id for a in alerts})
        raise LookupError(f"alert {missing[0]} is not dead-lettered (see `monitor alerts list --dead`)")
    requeued = []
    for alert in alerts:
        if alert.kind == "digest":
            taken_back = matched_rows(session.execute(
                update(Finding).where(Finding.alert_id == alert.id, Finding.status == "new")
                .values(status="alerted", alerted_at=now).execution_options(synchronize_session=False)))
            if not taken_back:
                if not (alert.last_error or "").startswith("superseded"):
                    alert.last_error = f"superseded: its findings were delivered since or marked ({alert.last_error})"
                continue
        alert.status, alert.attempts, alert.next_attempt_at = "pending", 0, now
        alert.last_error = f"requeued {now:%Y-%m-%d %H:%M} UTC after: {alert.last_error}"
        requeued.append(alert.id)
    return requeued


def latest_takedown_ids(session: Session, finding_ids: list[int]) -> dict[int, int]:
    """finding id -> its latest takedown draft's id."""
    if not finding_ids:
        return {}
    rows = session.execute(select(Takedown.finding_id, Takedown.id).where(Takedown.finding_id.in_(finding_ids))
                           .order_by(Takedown.round))
    return {finding_id: takedown_id for finding_id, takedown_id in rows}


def mark_takedown(session: Session, takedown_id: int, mark: str, *, note: str | None, actor: str,
                  now: dt.datetime) -> Takedown:
    """The owner sent the draft, or the case is closed; kept in its history."""
    if mark not in TAKEDOWN_MARKS:
        raise ValueError(f"unknown mark {mark!r} (use {' or '.join(TAKEDOWN_MARKS)})")
    takedown = session.get(Takedown, takedown_id)
    if takedown is None:
        raise LookupError(f"takedown {takedown_id} does not exist")
    if takedown.status == "resolved" and mark != "resolved":
        # reopening would put a page taken down long ago back into daily follow-up
        raise ValueError(f"takedown {takedown_id} is resolved"
                         + (" (the page was seen taken down)" if takedown.taken_down_at else "")
                         + "; a page that comes back is alerted as relaunched, with a new draft")
    takedown.status, takedown.status_note = mark, note
    if mark == "sent":
        takedown.owner_sent_at = now
    else:
        takedown.resolved_at = now
    record_mark(session, "takedown", takedown_id, mark, note=note, actor=actor, now=now)
    return takedown


def list_takedowns(session: Session, *, brand_id: str | None = None, status: str | None = None,
                   limit: int = 100) -> list[Takedown]:
    query = select(Takedown).order_by(Takedown.id.desc()).limit(limit)
    if brand_id:
        query = query.where(Takedown.brand_id == brand_id)
    if status:
        query = query.where(Takedown.status == stored_status(status, TAKEDOWN_STATUSES))
    return list(session.scalars(query))


# ---------------------------------------------------------------- follow-up status changes

FOLLOWUP_ACTOR = "takedown_followup"


def record_check(takedown: Takedown, seen: str, detail: str, now: dt.datetime) -> None:
    """What the daily follow-up saw of a takedown's page."""
    takedown.last_checked_at, takedown.last_check = now, f"{seen}: {detail}"[:2000]


def _session_of(row: object) -> Session:
    """The session a loaded row belongs to (the follow-up's rows always have one)."""
    session = object_session(row)
    if session is None:
        raise RuntimeError(f"{type(row).__name__} is not attached to a session")
    return session


def record_taken_down(takedown: Takedown, now: dt.datetime) -> tuple[float, float]:
    """The page is gone: the takedown is resolved and its finding taken down. Returns the
    hours from first seen, and from the draft, to the takedown."""
    finding = takedown.finding
    hours_seen = (now - as_utc(finding.first_seen)).total_seconds() / 3600
    hours_draft = (now - as_utc(takedown.drafted_at)).total_seconds() / 3600
    takedown.taken_down_at, takedown.status, takedown.resolved_at = now, "resolved", now
    takedown.hours_first_seen_to_down, takedown.hours_draft_to_down = hours_seen, hours_draft
    finding.status, finding.status_changed_at = "taken_down", now
    record_mark(_session_of(takedown), "takedown", takedown.id, "resolved", note="the page is gone",
                actor=FOLLOWUP_ACTOR, now=now)
    record_mark(_session_of(takedown), "finding", finding.id, "taken_down", note="the page is gone",
                actor=FOLLOWUP_ACTOR, now=now)
    return hours_seen, hours_draft


def record_reminder(takedown: Takedown, now: dt.datetime) -> None:
    """The owner was reminded once that the page is still live."""
    takedown.reminder_sent_at = now


def record_relaunch(takedown: Takedown, now: dt.datetime) -> None:
    """A page taken down is back: its finding is alerted again (a new round of draft follows)."""
    takedown.relaunched_at = now
    finding = takedown.finding
    finding.status, finding.status_changed_at = "alerted", now
    finding.status_note = f"relaunched {now:%Y-%m-%d}: back after it was taken down"
    record_mark(_session_of(takedown), "finding", finding.id, "alerted", note=finding.status_note,
                actor=FOLLOWUP_ACTOR, now=now)


def enriched_candidate_at(session: Session, url: str) -> Candidate | None:
    """The candidate of a finding at url whose page was enriched in an earlier run (pages are
    fetched once, not again), or None."""
    stored = session.scalars(select(Finding.candidate).where(Finding.url == url).limit(20)).all()
    for data in stored:
        if isinstance(data, dict) and data.get("enriched") is True:
            return candidate_from_dict(data)
    return None
