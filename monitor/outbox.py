"""The alert outbox: digests are queued in the same transaction that marks their findings
alerted, then sent. A send that fails stays pending with its error and is retried by later
runs with backoff; after the last attempt it is dead-lettered. A crash between sending and
recording it re-sends at most once, with the same Message-ID."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from monitor.alerts import DigestItem, build_digest, digest_dedup_key, imitated_identities
from monitor.mailer import SendError, Transport
from monitor.registry import Brand
from monitor.store.db import as_utc
from monitor.store.models import Alert
from monitor.store.repo import claim_new_findings, mark_alerted

RETRY_BACKOFF = dt.timedelta(minutes=5)
MAX_BACKOFF = dt.timedelta(hours=6)


@dataclass
class QueuedDigest:
    brand_id: str
    alert_id: int
    findings: int
    recipients: list[str]


def queue_digest(session: Session, brand: Brand, *, min_score: int, mail_from: str, now: dt.datetime,
                 window: str | None, run_id: str | None) -> QueuedDigest | None:
    """Queue one digest of the brand's new findings (if any) and mark them alerted, in the
    caller's transaction."""
    findings = claim_new_findings(session, brand.id, min_score=min_score)
    if not findings:
        return None
    items = [DigestItem(f.id, f.label, f.kind, f.platform, f.url, f.score, f.verdict, tuple(f.reasons),
                        as_utc(f.first_seen), imitated_identities(brand, f.kind, f.platform)) for f in findings]
    dedup_key = digest_dedup_key(brand.id, [f.id for f in findings])
    message = build_digest(brand, items, mail_from=mail_from, dedup_key=dedup_key, now=now, window=window,
                           run_id=run_id)
    alert = Alert(dedup_key=dedup_key, kind="digest", brand_id=brand.id, recipients=brand.recipients,
                  subject=str(message["Subject"]), message_id=str(message["Message-ID"]),
                  message=message.as_string(), status="pending", attempts=0, created_at=now,
                  next_attempt_at=now, dag_run_id=run_id)
    session.add(alert)
    session.flush()
    mark_alerted(session, [f.id for f in findings], alert.id, now)
    return QueuedDigest(brand.id, alert.id, len(findings), brand.recipients)


def queue_digests(factory: sessionmaker[Session], brands: list[Brand], **kwargs) -> list[QueuedDigest]:  # noqa: ANN003
    queued = []
    for brand in brands:
        with factory() as session:
            try:
                digest = queue_digest(session, brand, **kwargs)
                session.commit()
            except (IntegrityError, RuntimeError):
                # A concurrent run queued these findings first: nothing to do here.
                session.rollback()
                continue
            if digest:
                queued.append(digest)
    return queued


@dataclass
class SendReport:
    sent: list[int] = field(default_factory=list)
    failed: list[tuple[int, str]] = field(default_factory=list)
    dead: list[tuple[int, str]] = field(default_factory=list)


def send_pending(factory: sessionmaker[Session], transport: Transport, *, sender: str, max_attempts: int,
                 now: dt.datetime, brand_ids: list[str] | None = None) -> SendReport:
    """Send every pending alert that is due, one transaction each."""
    report = SendReport()
    while True:
        with factory() as session:
            query = (select(Alert).where(Alert.status == "pending", Alert.next_attempt_at <= now)
                     .order_by(Alert.id).limit(1).with_for_update(skip_locked=True))
            if brand_ids is not None:
                query = query.where(Alert.brand_id.in_(brand_ids))
            if report.sent or report.failed or report.dead:
                done = [i for i in report.sent] + [i for i, _ in report.failed] + [i for i, _ in report.dead]
                query = query.where(Alert.id.not_in(done))
            alert = session.scalars(query).first()
            if alert is None:
                return report
            alert.attempts += 1
            try:
                transport.send(alert.message.encode("utf-8"), sender, list(alert.recipients), alert.message_id)
            except SendError as exc:
                alert.last_error = str(exc)[:2000]
                if alert.attempts >= max_attempts:
                    alert.status = "dead"
                    report.dead.append((alert.id, alert.last_error))
                else:
                    alert.next_attempt_at = now + min(RETRY_BACKOFF * 2 ** (alert.attempts - 1), MAX_BACKOFF)
                    report.failed.append((alert.id, alert.last_error))
            else:
                alert.status = "sent"
                alert.sent_at = now
                alert.last_error = None
                report.sent.append(alert.id)
            session.commit()
