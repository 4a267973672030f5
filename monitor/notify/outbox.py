"""The alert outbox: digests are queued in the same transaction that marks their findings
alerted, then sent. A send that fails stays pending with its error and is retried by later
runs with backoff; after the last attempt it is dead-lettered. A crash between sending and
recording it re-sends at most once, with the same Message-ID. A dead-lettered alert returns
its findings and drafts to 'not yet delivered', so that nothing is marked alerted that was
never delivered."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from email.message import EmailMessage

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from monitor.notify.claim import claim_digest
from monitor.notify.compose import ComposedDigest, ComposedEmail, compose_digest
from monitor.notify.mailer import SendError, Transport
from monitor.notify.options import DigestOptions
from monitor.registry import Brand
from monitor.store.db import matched_rows
from monitor.store.models import Alert, Finding, Takedown
from monitor.store.repo import mark_alerted, mark_delivered

RETRY_BACKOFF = dt.timedelta(minutes=5)
MAX_BACKOFF = dt.timedelta(hours=6)


@dataclass
class QueuedDigest:
    brand_id: str
    alert_id: int | None  # None when only takedown drafts were queued; the first part's else
    findings: int
    recipients: list[str]
    drafts: int = 0
    drafts_alert_id: int | None = None
    part_alert_ids: list[int] = field(default_factory=list)  # every email of the digest, in order


def alert_recipients(brand: Brand, recipients: tuple[str, ...]) -> list[str]:
    """Whom an owners' email goes to: the override (staging) when given, else the brand's owners."""
    return list(recipients) or brand.recipients


def new_alert(message: EmailMessage, dedup_key: str, kind: str, brand: Brand, recipients: tuple[str, ...],
              now: dt.datetime, run_id: str | None) -> Alert:
    """The outbox row of one email, pending and due now."""
    return Alert(dedup_key=dedup_key, kind=kind, brand_id=brand.id, recipients=alert_recipients(brand, recipients),
                 subject=str(message["Subject"]), message_id=str(message["Message-ID"]),
                 message=message.as_string(), status="pending", attempts=0, created_at=now,
                 next_attempt_at=now, dag_run_id=run_id)


def _enqueue(session: Session, brand: Brand, email: ComposedEmail, options: DigestOptions) -> Alert:
    alert = new_alert(email.message, email.dedup_key, email.kind, brand, options.recipients, options.now,
                      options.run_id)
    session.add(alert)
    session.flush()
    return alert


def enqueue_digest(session: Session, brand: Brand, composed: ComposedDigest, options: DigestOptions) -> QueuedDigest:
    """The enqueue step: the composed emails into the outbox, their findings marked alerted and
    their drafts delivered, in the caller's transaction (RuntimeError: another run took some
    of them meanwhile; roll back)."""
    parts = []
    for email in composed.parts:  # first: sent before the drafts they announce
        alert = _enqueue(session, brand, email, options)
        mark_alerted(session, list(email.carries), alert.id, options.now)
        parts.append(alert)
    drafts_alert = None
    if composed.drafts is not None:
        drafts_alert = _enqueue(session, brand, composed.drafts, options)
        mark_delivered(session, list(composed.drafts.carries), drafts_alert.id)
    return QueuedDigest(brand.id, parts[0].id if parts else None, composed.findings,
                        alert_recipients(brand, options.recipients),
                        len(composed.drafts.carries) if composed.drafts else 0,
                        drafts_alert.id if drafts_alert else None, [a.id for a in parts])


def queue_digest(session: Session, brand: Brand, options: DigestOptions) -> QueuedDigest | None:
    """Queue one digest of the brand's new findings (if any) and one email with its new
    takedown drafts (if any), in the caller's transaction: claim, compose, enqueue. None when
    there is nothing to deliver."""
    claimed = claim_digest(session, brand, options)
    if claimed is None:
        return None
    return enqueue_digest(session, brand, compose_digest(brand, claimed, options), options)


def queue_digests(factory: sessionmaker[Session], brands: list[Brand], options: DigestOptions) -> list[QueuedDigest]:
    """queue_digest for each brand, each in its own transaction."""
    queued = []
    for brand in brands:
        with factory() as session:
            try:
                digest = queue_digest(session, brand, options)
                session.commit()
            except (IntegrityError, RuntimeError):
                # A concurrent run queued these findings first: nothing to do here.
                session.rollback()
                continue
            if digest:
                queued.append(digest)
    return queued


def release_dead_alert(session: Session, alert_id: int) -> int:
    """A dead-lettered alert delivered nothing: its findings are 'not yet delivered' again
    (status new), so that the next run alerts them, and its takedown drafts wait for the next
    drafts email. Findings an owner marked meanwhile keep their mark. A finding keeps pointing
    at the dead alert until another alert carries it, so that `monitor alerts retry` can take
    back what is still undelivered. Returns how many findings were returned."""
    returned = matched_rows(session.execute(
        update(Finding).where(Finding.alert_id == alert_id, Finding.status == "alerted")
        .values(status="new", alerted_at=None).execution_options(synchronize_session=False)))
    session.execute(update(Takedown).where(Takedown.delivered_alert_id == alert_id)
                    .values(delivered_alert_id=None).execution_options(synchronize_session=False))
    return returned


@dataclass
class SendReport:
    sent: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    dead: list[tuple[int, str]] = field(default_factory=list)
    returned: list[tuple[int, int]] = field(default_factory=list)  # (dead alert, findings made new again)


SEND_LEASE = dt.timedelta(minutes=10)


def _claim(factory: sessionmaker[Session], now: dt.datetime, brand_ids: list[str] | None,
           skip: list[int]) -> int | None:
    """Claim the next due alert for this sender: an UPDATE that only one sender can win
    (SQLite has no SKIP LOCKED). The claim pushes the alert's next attempt a lease ahead,
    so a sender that dies mid-send leaves it to be retried, at most once more."""
    while True:
        with factory() as session:
            query = (select(Alert.id).where(Alert.status == "pending", Alert.next_attempt_at <= now)
                     .order_by(Alert.id).limit(1))
            if brand_ids is not None:
                query = query.where(Alert.brand_id.in_(brand_ids))
            if skip:
                query = query.where(Alert.id.not_in(skip))
            alert_id = session.scalar(query)
            if alert_id is None:
                return None
            won = matched_rows(session.execute(
                update(Alert)
                .where(Alert.id == alert_id, Alert.status == "pending", Alert.next_attempt_at <= now)
                .values(next_attempt_at=now + SEND_LEASE, attempts=Alert.attempts + 1)
                .execution_options(synchronize_session=False))) == 1
            session.commit()
        if won:
            return alert_id
        skip = [*skip, alert_id]  # another sender has it


def _alert(session: Session, alert_id: int) -> Alert:
    """A claimed alert (claimed alerts are never deleted while a sender holds them)."""
    alert = session.get(Alert, alert_id)
    if alert is None:
        raise LookupError(f"alert {alert_id} is gone")
    return alert


def send_pending(factory: sessionmaker[Session], transport: Transport, *, sender: str, max_attempts: int,
                 now: dt.datetime, brand_ids: list[str] | None = None) -> SendReport:
    """Send every pending alert that is due, each claimed, sent, then recorded."""
    report = SendReport()
    handled: list[int] = []
    while (alert_id := _claim(factory, now, brand_ids, handled)) is not None:
        handled.append(alert_id)
        with factory() as session:
            alert = _alert(session, alert_id)
            message, recipients, message_id = alert.message, list(alert.recipients), alert.message_id
        error = warning = None
        try:
            warning = transport.send(message.encode("utf-8"), sender, recipients, message_id)
        except SendError as exc:
            error = str(exc)
        except Exception as exc:  # noqa: BLE001 - one broken alert must not block the queue
            error = f"{type(exc).__name__}: {exc}"
        with factory() as session:
            alert = _alert(session, alert_id)
            if error is None:
                alert.status, alert.sent_at, alert.last_error = "sent", now, warning
                report.sent.append(alert.id)
            else:
                alert.last_error = error[:2000]
                if alert.attempts >= max_attempts:
                    alert.status = "dead"
                    returned = release_dead_alert(session, alert.id)
                    report.dead.append((alert.id, alert.last_error))
                    report.returned.append((alert.id, returned))
                else:
                    alert.next_attempt_at = now + min(RETRY_BACKOFF * 2 ** (alert.attempts - 1), MAX_BACKOFF)
                    report.failed.append((alert.id, alert.last_error))
            session.commit()
    return report
