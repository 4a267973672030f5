"""Follow-up of takedown drafts (the takedown_followup DAG): re-check each page with an open
draft, and each page taken down within the watch period, then

- gone (HTTP 404/410, the domain NXDOMAIN, the platform's "not available" page): mark the
  finding taken down, with the hours from first seen and from the draft;
- live past MONITOR_TAKEDOWN_REMINDER_DAYS after the draft: remind the owner, once;
- live again after it was taken down: a new alert ("relaunched"), with a new draft.

Each event is recorded in the transaction that queues the owner's email, so a run repeated
sends nothing twice. `classify` and `decide` are pure; the rest is I/O."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.clock import utcnow
from monitor.records import Record
from monitor.registry import Registry
from monitor.settings import Settings
from monitor.store.db import as_utc, factory_for
from monitor.store.models import Finding, Takedown
from monitor.store.repo import record_check
from monitor.takedown.channels import load_channels_for, route

log = logging.getLogger(__name__)
GONE_STATUSES = (404, 410)


# ------------------------------------------------------------------ pure

def classify(*, status: int | None, error: str | None, text: str, unavailable: tuple[str, ...],
             dns: str | None = None, status_when_drafted: int | None = None,
             resolved_when_drafted: bool = True) -> tuple[str, str]:
    """(gone | live | unknown, what was seen). A page that cannot be checked is 'unknown':
    never taken for gone; nor is a page that was already missing when its draft was made
    (a 404 then and now, or a domain that never resolved, was not taken down since)."""
    if dns == "nxdomain":
        if not resolved_when_drafted:
            return "unknown", "NXDOMAIN, as when the draft was made"
        return "gone", "the domain no longer exists (NXDOMAIN)"
    if status in GONE_STATUSES:
        if status_when_drafted in GONE_STATUSES:
            return "unknown", f"HTTP {status}, as when the draft was made"
        return "gone", f"HTTP {status}"
    if error:
        return "unknown", error
    lowered = text.casefold()
    for marker in unavailable:
        if marker.casefold() in lowered:
            return "gone", f"the platform shows {marker!r}"
    return "live", f"HTTP {status}"


@dataclass(frozen=True)
class TakedownState:
    status: str
    drafted_at: dt.datetime
    taken_down_at: dt.datetime | None
    reminder_sent_at: dt.datetime | None
    relaunched_at: dt.datetime | None

    @classmethod
    def of(cls, takedown: Takedown) -> TakedownState:
        return cls(takedown.status, as_utc(takedown.drafted_at), as_utc(takedown.taken_down_at),
                   as_utc(takedown.reminder_sent_at), as_utc(takedown.relaunched_at))


def decide(state: TakedownState, seen: str, *, now: dt.datetime, reminder_days: int) -> str | None:
    """The event a check means: taken_down, reminder, relaunched, or None."""
    if state.relaunched_at is not None:
        return None  # its relaunch has a round of its own
    if state.taken_down_at is not None:
        return "relaunched" if seen == "live" else None
    if seen == "gone":
        return "taken_down"
    if seen == "live" and state.status != "resolved" and state.reminder_sent_at is None \
            and now - state.drafted_at >= dt.timedelta(days=reminder_days):
        return "reminder"
    return None


# ------------------------------------------------------------------ I/O


@dataclass(frozen=True)
class FollowupItem(Record):
    takedown_id: int
    brand_id: str
    url: str | None

    @property
    def label(self) -> str:
        """The mapped task's label in the Airflow UI: brand and page."""
        url = self.url or "-"
        return f"{self.brand_id} · {url if len(url) <= 80 else url[:77] + '...'}"


@dataclass(frozen=True)
class Check(Record):
    """What one re-check saw: gone, live or unknown, and the detail in words."""

    takedown_id: int
    seen: str
    detail: str


@dataclass(frozen=True)
class Event:
    """A check that means something: taken_down, reminder or relaunched."""

    kind: str
    check: Check
    brand_id: str
    finding_id: int
    round: int


def plan_followup(settings: Settings, *, now: dt.datetime | None = None) -> list[FollowupItem]:
    """Takedowns to re-check: open ones, and ones taken down within the watch period."""
    now = now or utcnow()
    since = now - dt.timedelta(days=settings.relaunch_watch_days)
    with factory_for(settings.database_url)() as session:
        query = (select(Takedown.id, Takedown.brand_id, Takedown.evidence_url)
                 .join(Finding, Finding.id == Takedown.finding_id).where(
                     Takedown.relaunched_at.is_(None), Finding.status != "false_positive",
                     or_(Takedown.status != "resolved", Takedown.taken_down_at >= since))
                 .order_by(Takedown.id))
        return [FollowupItem(*row) for row in session.execute(query)]


def recheck(settings: Settings, takedown_id: int) -> Check:
    """Look at one takedown's page now."""
    from monitor.detection.pages import parse_page
    from monitor.fetch.dns import Dns
    from monitor.fetch.http import HTML_TYPES, Fetcher, FetchError

    factory = factory_for(settings.database_url)
    directory = load_channels_for(settings)
    with factory() as session:
        takedown = session.get(Takedown, takedown_id)
        if takedown is None:
            return Check(takedown_id, "unknown", "no such takedown")
        finding = takedown.finding
        url, platform = takedown.evidence_url, finding.platform
        domain = (finding.candidate or {}).get("domain")
        status_when_drafted, resolved_when_drafted = takedown.http_status, takedown.resolved_ip is not None
        drafted_html = takedown.html
    if not url:
        return Check(takedown_id, "unknown", "no URL to check")
    where = route(directory, platform=platform, url=url, domain=domain)
    fetcher = Fetcher(settings, session_factory=factory)
    dns_status = None
    if where.kind == "domain" and where.host:
        dns_status = Dns(settings.dns_nameserver).resolve(where.host).status
    status, error, text = None, None, ""
    if dns_status != "nxdomain":
        try:
            result = fetcher.get(url, accept=HTML_TYPES, max_bytes=settings.evidence_max_bytes, robots=True,
                                 trust_configured=False)  # a URL from data: never an operator endpoint
            status = result.status
            info = parse_page(result.body, result.url)
            text = " ".join(t for t in (info.title, info.text) if t)
        except FetchError as exc:
            status, error = exc.status, str(exc)
    markers = directory.unavailable_text(where.key if where.kind == "platform" else None)
    if drafted_html:  # a phrase the page showed while it was up says nothing about it being gone
        drafted = parse_page(drafted_html, url)
        drafted_text = " ".join(t for t in (drafted.title, drafted.text) if t)
        markers = tuple(m for m in markers if m.casefold() not in drafted_text.casefold())
    seen, detail = classify(status=status, error=error, text=text, unavailable=markers,
                            dns=dns_status, status_when_drafted=status_when_drafted,
                            resolved_when_drafted=resolved_when_drafted)
    return Check(takedown_id, seen, detail)


def act(settings: Settings, checks: list[Check], *, smtp_url: str | None, run_id: str | None,
        now: dt.datetime | None = None) -> dict[str, Any]:
    """Turn the checks into events, one email per brand with any, and send."""
    from monitor.notify.mailer import make_transport
    from monitor.notify.outbox import send_pending
    from monitor.registry import load_registry
    from monitor.takedown.drafting import Drafter

    now = now or utcnow()
    factory = factory_for(settings.database_url)
    registry = load_registry(settings.brands_file)
    events: list[Event] = []
    with factory() as session:
        for check in checks:
            takedown = session.get(Takedown, check.takedown_id)
            if takedown is None:
                continue
            kind = decide(TakedownState.of(takedown), check.seen, now=now, reminder_days=settings.takedown_reminder_days)
            record_check(takedown, check.seen, check.detail, now)
            if kind:
                events.append(Event(kind, check, takedown.brand_id, takedown.finding_id, takedown.round))
        session.commit()
    # New drafts for relaunched pages: fetched and looked up before the transaction below.
    relaunch_drafts: dict[int, int] = {}
    relaunches = [e for e in events if e.kind == "relaunched" and e.brand_id in registry.ids]
    if relaunches:
        drafter = Drafter(settings, factory)
        for event in relaunches:
            with factory() as session:
                relaunched = session.get(Takedown, event.check.takedown_id)
                if relaunched is None:  # gone with its finding since the check (_queue skips it too)
                    continue
                finding = relaunched.finding
                session.expunge(finding)
            try:
                new_id = drafter.draft(registry.brand(event.brand_id), finding, round_=event.round + 1)
            except Exception:  # the relaunch is still alerted, without a draft
                log.exception("new draft for relaunched finding %s failed", event.finding_id)
                new_id = None
            if new_id is None:  # drafted by an earlier, interrupted run
                with factory() as session:
                    new_id = session.scalar(select(Takedown.id).where(
                        Takedown.finding_id == event.finding_id, Takedown.round == event.round + 1))
            if new_id is not None:
                relaunch_drafts[event.check.takedown_id] = new_id
    report = _queue(settings, factory, registry, events, relaunch_drafts, now=now, run_id=run_id)
    transport = make_transport(smtp_url or settings.smtp_url, settings.outbox_dir)
    sent = send_pending(factory, transport, sender=settings.mail_from, max_attempts=settings.max_send_attempts,
                        now=now)
    report.update({"checked": len(checks), "sent": len(sent.sent), "transport": transport.description,
                   "failed": [{"alert_id": i, "error": e} for i, e in sent.failed + sent.dead]})
    return report


def _queue(settings: Settings, factory: sessionmaker[Session], registry: Registry, events: list[Event],
           relaunch_drafts: dict[int, int], *, now: dt.datetime, run_id: str | None) -> dict[str, Any]:
    from sqlalchemy.exc import IntegrityError

    from monitor.notify.claim import draft_summary
    from monitor.notify.digest import digest_dedup_key
    from monitor.notify.outbox import new_alert
    from monitor.notify.owners import FollowUpEvent, build_followup_email
    from monitor.store.repo import mark_delivered, record_relaunch, record_reminder, record_taken_down

    report: dict[str, Any] = {"taken_down": [], "reminders": [], "relaunched": [], "emails": []}
    for brand_id in sorted({e.brand_id for e in events}):
        if brand_id not in registry.ids:
            log.warning("brand %s is no longer in the registry: its takedowns are not followed up", brand_id)
            continue
        brand = registry.brand(brand_id)
        with factory() as session:
            shown, drafts = [], []
            for event in sorted(events, key=lambda e: e.check.takedown_id):
                if event.brand_id != brand_id:
                    continue
                takedown = session.get(Takedown, event.check.takedown_id, with_for_update=True)
                if takedown is None or decide(TakedownState.of(takedown), event.check.seen, now=now,
                                              reminder_days=settings.takedown_reminder_days) != event.kind:
                    continue  # gone with its finding, or another run recorded it meanwhile
                email_event = FollowUpEvent(event.kind, takedown.id, takedown.finding.label, takedown.evidence_url,
                                            event.check.detail, as_utc(takedown.drafted_at), takedown.status)
                if event.kind == "taken_down":
                    hours_seen, hours_draft = record_taken_down(takedown, now)
                    email_event = dataclasses.replace(email_event, hours_first_seen=hours_seen,
                                                      hours_draft=hours_draft)
                    report["taken_down"].append(takedown.id)
                elif event.kind == "reminder":
                    record_reminder(takedown, now)
                    report["reminders"].append(takedown.id)
                else:
                    record_relaunch(takedown, now)
                    report["relaunched"].append(takedown.id)
                    # locked: brand_monitor's alert step skips it meanwhile (SKIP LOCKED)
                    new = session.get(Takedown, relaunch_drafts[takedown.id], with_for_update=True) \
                        if takedown.id in relaunch_drafts else None
                    if new is not None and new.delivered_alert_id is None:
                        drafts.append(new)
                shown.append(email_event)
            if not shown:
                session.rollback()
                continue
            summaries = [draft_summary(t) for t in drafts]
            dedup_key = digest_dedup_key(brand_id, [e.takedown_id for e in shown], now, kind="followup")
            message = build_followup_email(brand, shown, summaries, mail_from=settings.mail_from, dedup_key=dedup_key,
                                           now=now, reminder_days=settings.takedown_reminder_days,
                                           recipients=settings.alert_recipients_override)
            alert = new_alert(message, dedup_key, "followup", brand, settings.alert_recipients_override, now, run_id)
            session.add(alert)
            session.flush()
            try:
                if drafts:
                    mark_delivered(session, [d.id for d in drafts], alert.id)
                session.commit()
            except (IntegrityError, RuntimeError):
                # another run delivered or recorded these meanwhile: the next run sees the rest
                session.rollback()
                continue
            report["emails"].append({"brand": brand_id, "alert_id": alert.id, "events": len(shown),
                                     "drafts": len(drafts)})
    return report


def summarize_followup(report: dict[str, Any]) -> str:
    lines = [f"takedown follow-up: {report.get('checked', 0)} checked, {len(report.get('taken_down', []))} taken down, "
             f"{len(report.get('reminders', []))} reminders, {len(report.get('relaunched', []))} relaunched; "
             f"{len(report.get('emails', []))} emails queued, {report.get('sent', 0)} sent "
             f"(via {report.get('transport')})"]
    for failed in report.get("failed", []):
        lines.append(f"  alert {failed['alert_id']} not sent: {failed['error']}")
    return "\n".join(lines)
