"""The alert outbox: digests are queued in the same transaction that marks their findings
alerted, then sent. A send that fails stays pending with its error and is retried by later
runs with backoff; after the last attempt it is dead-lettered. A crash between sending and
recording it re-sends at most once, with the same Message-ID. A dead-lettered alert returns
its findings and drafts to 'not yet delivered', so that nothing is marked alerted that was
never delivered."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from monitor.campaigns.store import campaign_lines
from monitor.notify.digest import DigestItem, DigestPart, build_digest, digest_dedup_key, fit_digest
from monitor.notify.mailer import SendError, Transport
from monitor.notify.owners import CampaignDraft, DraftSummary, build_drafts_email
from monitor.registry import Brand
from monitor.store.db import as_utc
from monitor.store.models import Alert, Finding, Takedown
from monitor.store.repo import (
    claim_new_findings,
    claim_undelivered_takedowns,
    latest_takedown_ids,
    mark_alerted,
    mark_delivered,
)

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


def screenshot_thumbnails(session: Session, takedown_ids: list[int]) -> dict[int, bytes]:
    """Thumbnails of the screenshots of some takedown drafts (those that have one), by draft id."""
    from monitor.notify.thumbnail import thumbnail

    out: dict[int, bytes] = {}
    for takedown_id in takedown_ids:  # one screenshot in memory at a time
        png = session.scalar(select(Takedown.screenshot).where(Takedown.id == takedown_id))
        small = thumbnail(png)
        if small:
            out[takedown_id] = small
    return out


def draft_summary(takedown: Takedown, actions: tuple[tuple[str, str], ...] = ()) -> DraftSummary:
    return DraftSummary(takedown.id, takedown.finding.label, takedown.evidence_url, takedown.addressing,
                        tuple(takedown.gaps), takedown.message.encode("ascii"), actions)


def _drafts_alert(session: Session, brand: Brand, *, mail_from: str, now: dt.datetime, run_id: str | None,
                  recipients: tuple[str, ...], max_bytes: int,
                  action_links: Callable[[Brand, int, bool], tuple[tuple[str, str], ...]] | None = None,
                  campaign_drafts: Callable[[Session, list[int]], list[CampaignDraft]] | None = None,
                  ) -> tuple[Alert | None, list[Takedown]]:
    """The email carrying the brand's takedown drafts not yet delivered (None when there are
    none), up to max_bytes of drafts (the rest wait for the next run: mail servers refuse
    large messages). The caller adds it and marks the drafts delivered, in its transaction."""
    takedowns, size = [], 0
    for takedown in claim_undelivered_takedowns(session, brand.id):
        size += len(takedown.message)
        if takedowns and size > max_bytes:
            break
        takedowns.append(takedown)
    if not takedowns:
        return None, []
    drafts = [draft_summary(t, action_links(brand, t.finding_id, True) if action_links else ()) for t in takedowns]
    dedup_key = digest_dedup_key(brand.id, [t.id for t in takedowns], now, kind="takedowns")
    campaigns = tuple(campaign_drafts(session, [t.finding_id for t in takedowns])) if campaign_drafts else ()
    message = build_drafts_email(brand, drafts, mail_from=mail_from, dedup_key=dedup_key, now=now,
                                 recipients=recipients, campaigns=campaigns)
    return new_alert(message, dedup_key, "takedowns", brand, recipients, now, run_id), takedowns


def new_alert(message, dedup_key: str, kind: str, brand: Brand, recipients: tuple[str, ...], now: dt.datetime,
           run_id: str | None) -> Alert:
    return Alert(dedup_key=dedup_key, kind=kind, brand_id=brand.id, recipients=list(recipients) or brand.recipients,
                 subject=str(message["Subject"]), message_id=str(message["Message-ID"]),
                 message=message.as_string(), status="pending", attempts=0, created_at=now,
                 next_attempt_at=now, dag_run_id=run_id)


def queue_digest(session: Session, brand: Brand, *, min_score: int, mail_from: str, now: dt.datetime,
                 window: str | None, run_id: str | None, recipients: tuple[str, ...] = (),
                 drafts_max_bytes: int = 10_000_000, max_bytes: int | None = None,
                 produced_by: str | None = None,
                 action_links: Callable[[Brand, int, bool], tuple[tuple[str, str], ...]] | None = None,
                 campaign_drafts: Callable[[Session, list[int]], list[CampaignDraft]] | None = None,
                 ) -> QueuedDigest | None:
    """Queue one digest of the brand's new findings (if any) and mark them alerted, and one
    email with its new takedown drafts (if any) and mark them delivered, in the caller's
    transaction. The digest names the drafts email; the drafts email refers to the digest.
    Every email stays within max_bytes (default drafts_max_bytes): a large digest lists its
    top findings and attaches them all as CSV, or is split into numbered parts, each part an
    alert of its own with its findings. produced_by: the DAG whose run this is
    (brand_monitor, lookalike_domains), which titles the digest. action_links(brand, finding id,
    has a draft) gives an item's signed one-click links (words, URL); None: the email says whom
    to ask instead."""
    budget = max_bytes if max_bytes is not None else drafts_max_bytes
    findings = claim_new_findings(session, brand.id, min_score=min_score)
    drafts_alert, takedowns = _drafts_alert(session, brand, mail_from=mail_from, now=now, run_id=run_id,
                                            recipients=recipients, max_bytes=budget, action_links=action_links,
                                            campaign_drafts=campaign_drafts)
    if not findings and drafts_alert is None:
        return None
    parts: list[Alert] = []
    if findings:
        drafted = latest_takedown_ids(session, [f.id for f in findings])
        thumbnails = screenshot_thumbnails(session, list(drafted.values()))
        campaigns = campaign_lines(session, [f.id for f in findings])
        items = [DigestItem(f.id, f.label, f.kind, f.platform, f.url, f.score, f.verdict, tuple(f.reasons),
                            as_utc(f.first_seen), brand.imitated_identities(f.kind, f.platform), drafted.get(f.id),
                            action_links(brand, f.id, f.id in drafted) if action_links else (),
                            reasons_lo=tuple(str(r) for r in f.reasons_lo or ()),
                            thumbnail=thumbnails.get(drafted.get(f.id)), campaign=campaigns.get(f.id))
                 for f in findings]

        def render(chosen: list[DigestItem], part: DigestPart):
            # The queue time is part of the key: a finding marked 'new' again is a new digest.
            key = digest_dedup_key(brand.id, [i.finding_id for i in chosen], now)
            return build_digest(brand, chosen, mail_from=mail_from, dedup_key=key, now=now, window=window,
                                run_id=run_id, recipients=recipients, produced_by=produced_by, part=part,
                                drafts_subject=drafts_alert.subject if drafts_alert else None)

        for chosen, message in fit_digest(items, render, budget):
            key = digest_dedup_key(brand.id, [i.finding_id for i in chosen], now)
            digest = new_alert(message, key, "digest", brand, recipients, now, run_id)
            session.add(digest)  # first: sent before the drafts it announces
            session.flush()
            mark_alerted(session, [i.finding_id for i in chosen], digest.id, now)
            parts.append(digest)
    if drafts_alert is not None:
        session.add(drafts_alert)
        session.flush()
        mark_delivered(session, [t.id for t in takedowns], drafts_alert.id)
    first = parts[0] if parts else drafts_alert
    return QueuedDigest(brand.id, parts[0].id if parts else None, len(findings), list(first.recipients),
                        len(takedowns), drafts_alert.id if drafts_alert else None, [a.id for a in parts])


def queue_digests(factory: sessionmaker[Session], brands: list[Brand], **kwargs) -> list[QueuedDigest]:
    """queue_digest for each brand, each in its own transaction (see its keyword arguments,
    produced_by among them)."""
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


def release_dead_alert(session: Session, alert_id: int) -> int:
    """A dead-lettered alert delivered nothing: its findings are 'not yet delivered' again
    (status new), so that the next run alerts them, and its takedown drafts wait for the next
    drafts email. Findings an owner marked meanwhile keep their mark. A finding keeps pointing
    at the dead alert until another alert carries it, so that `monitor alerts retry` can take
    back what is still undelivered. Returns how many findings were returned."""
    returned = session.execute(
        update(Finding).where(Finding.alert_id == alert_id, Finding.status == "alerted")
        .values(status="new", alerted_at=None).execution_options(synchronize_session=False)
    ).rowcount
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
            won = session.execute(
                update(Alert)
                .where(Alert.id == alert_id, Alert.status == "pending", Alert.next_attempt_at <= now)
                .values(next_attempt_at=now + SEND_LEASE, attempts=Alert.attempts + 1)
                .execution_options(synchronize_session=False)
            ).rowcount == 1
            session.commit()
        if won:
            return alert_id
        skip = [*skip, alert_id]  # another sender has it


def send_pending(factory: sessionmaker[Session], transport: Transport, *, sender: str, max_attempts: int,
                 now: dt.datetime, brand_ids: list[str] | None = None) -> SendReport:
    """Send every pending alert that is due, each claimed, sent, then recorded."""
    report = SendReport()
    handled: list[int] = []
    while (alert_id := _claim(factory, now, brand_ids, handled)) is not None:
        handled.append(alert_id)
        with factory() as session:
            alert = session.get(Alert, alert_id)
            message, recipients, message_id = alert.message, list(alert.recipients), alert.message_id
        error = warning = None
        try:
            warning = transport.send(message.encode("utf-8"), sender, recipients, message_id)
        except SendError as exc:
            error = str(exc)
        except Exception as exc:  # noqa: BLE001 - one broken alert must not block the queue
            error = f"{type(exc).__name__}: {exc}"
        with factory() as session:
            alert = session.get(Alert, alert_id)
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
