"""Make takedown drafts for findings: capture the evidence, find who to write to, render the
draft, store it. I/O around the pure parts (monitor.takedown.channels, monitor.takedown.request).

A draft is made once per finding and round (a relaunched page gets a new round); two workers
drafting the same finding store one (the unique constraint decides)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from monitor.clock import utcnow
from monitor.detection.models import IMPERSONATION
from monitor.fetch.http import Fetcher
from monitor.registry import Brand
from monitor.settings import Settings
from monitor.store.db import as_utc
from monitor.store.models import EvidenceImage, Finding, Takedown
from monitor.store.repo import insert_for
from monitor.takedown import screenshot
from monitor.takedown.channels import AbuseDirectory, Route, load_channels_for, route
from monitor.takedown.contacts import ContactFinder
from monitor.takedown.evidence import Evidence, capture, plain_problem
from monitor.takedown.rdap import Registration
from monitor.takedown.request import Addressing, Target, address_channel, address_domain, build_request, templates

log = logging.getLogger(__name__)
DRAFTABLE_STATUSES = ("new", "alerted", "confirmed")


@dataclass
class DraftReport:
    drafted: list[int] = field(default_factory=list)  # takedown ids
    failed: list[tuple[int, str]] = field(default_factory=list)  # (finding id, error)


class Drafter:
    def __init__(self, settings: Settings, factory: sessionmaker[Session], *, directory: AbuseDirectory | None = None,
                 now: Callable[[], dt.datetime] = utcnow):
        self.settings = settings
        self.factory = factory
        self.directory = directory or load_channels_for(settings)
        self.envs = templates(settings.takedown_templates_path)  # checked before any fetching
        self.fetcher = Fetcher(settings, session_factory=factory)
        self.contacts = ContactFinder(settings, factory, self.directory, fetcher=self.fetcher, now=now)
        self.now = now

    def _address(self, where: Route) -> tuple[Addressing, Registration | None, str | None]:
        """(addressing, registration, resolved address) for a route."""
        if where.channel is not None:
            return address_channel(where, where.channel), None, None
        if where.kind not in ("domain", "address") or not where.host:
            return Addressing("unknown", "the platform", gaps=("No URL or host name to find an abuse contact for.",)), \
                None, None
        if where.kind == "address":  # no domain, so no registrar: the network's holder
            holder = self.contacts.network(where.host)
            return address_domain(where.host, None, holder.value, holder.error, where.host,
                                  registrar_applies=False), None, where.host
        registration = self.contacts.registration(where.host)
        resolution = self.contacts.dns.resolve(where.host)
        address = resolution.addresses[0] if resolution.addresses else None
        network = self.contacts.network(address) if address else None
        addressing = address_domain(where.host, registration.value, network.value if network else None,
                                    network.error if network else None, address)
        return addressing, registration.value, address

    def draft(self, brand: Brand, finding: Finding, *, round_: int = 1) -> int | None:
        """Draft a takedown for one finding; the new takedown's id, or None when another
        worker drafted it first."""
        candidate = finding.candidate or {}
        url = finding.url or (f"https://{candidate['domain']}/" if candidate.get("domain") else None)
        where = route(self.directory, platform=finding.platform, url=url, domain=candidate.get("domain"))
        addressing, registration, address = self._address(where)
        now = self.now()
        evidence = capture(self.fetcher, url, max_bytes=self.settings.evidence_max_bytes, now=now) if url else \
            Evidence(url or "", now, error="no URL to fetch")
        if address:  # where the domain resolves; else the address the page came from
            evidence = dataclasses.replace(evidence, ip=address)
        if url and self.settings.screenshots:
            shot = screenshot.capture(url, self.settings, self.fetcher)
            evidence = dataclasses.replace(evidence, screenshot=shot.png, screenshot_sha256=shot.sha256,
                                           screenshot_error=shot.error, screenshot_refused=tuple(shot.refused))
        gaps = list(addressing.gaps)
        if evidence.error:
            # plain words for the abuse desk; the error itself is kept (evidence_error)
            gaps.append(f"The page could not be saved as evidence: {plain_problem(evidence.error, evidence.status)}.")
        addressing = dataclasses.replace(addressing, gaps=tuple(gaps))
        target = Target(finding.id, finding.label, finding.kind, finding.platform, url, finding.score,
                        tuple(finding.reasons), as_utc(finding.first_seen), as_utc(finding.last_seen),
                        tuple(str(r) for r in finding.reasons_lo or ()))
        key = f"takedown:{brand.id}:{finding.id}:{round_}"
        message = build_request(brand, target, brand.imitated_identities(finding.kind, finding.platform), evidence,
                                addressing, registration, envs=self.envs, key=key, now=now)
        values = dict(
            finding_id=finding.id, brand_id=brand.id, round=round_, status="drafted",
            addressing=addressing.to_dict(), gaps=list(addressing.gaps), subject=str(message["Subject"]),
            message_id=str(message["Message-ID"]), message=message.as_bytes().decode("ascii"),
            evidence_url=url, final_url=evidence.final_url, http_status=evidence.status,
            page_title=evidence.title, resolved_ip=evidence.ip, html=evidence.html, html_sha256=evidence.sha256,
            registered=registration.registered[:64] if registration and registration.registered else None,
            evidence_error=evidence.error, screenshot=evidence.screenshot,
            screenshot_sha256=evidence.screenshot_sha256,
            screenshot_error="; ".join(filter(None, [evidence.screenshot_error, *(
                [f"{len(evidence.screenshot_refused)} requests of the page were refused: "
                 + "; ".join(evidence.screenshot_refused[:10])] if evidence.screenshot_refused else [])])) or None,
            captured_at=evidence.captured_at, drafted_at=now)
        with self.factory() as session:
            insert = insert_for(session)
            statement = insert(Takedown).values(**values).on_conflict_do_nothing(
                index_elements=[Takedown.finding_id, Takedown.round]).returning(Takedown.id)
            takedown_id = session.execute(statement).scalar()
            if takedown_id is not None and evidence.images:
                session.execute(insert(EvidenceImage), [
                    {"takedown_id": takedown_id, "role": image.role, "url": image.url, "sha256": image.sha256,
                     "data": image.data} for image in evidence.images])
            session.commit()
        return takedown_id


def findings_to_draft(session: Session, brand_id: str, limit: int) -> list[tuple[Finding, int]]:
    """The brand's likely impersonations without a current draft, oldest first, each with
    the round its draft will be (a relaunched page whose new draft failed gets one here)."""
    current = select(Takedown.finding_id).where(Takedown.relaunched_at.is_(None))
    rounds = (select(Takedown.finding_id, func.max(Takedown.round).label("last"))
              .group_by(Takedown.finding_id).subquery())
    query = (select(Finding, rounds.c.last)
             .outerjoin(rounds, rounds.c.finding_id == Finding.id)
             .where(Finding.brand_id == brand_id, Finding.verdict == IMPERSONATION,
                    Finding.status.in_(DRAFTABLE_STATUSES), Finding.id.not_in(current))
             .order_by(Finding.id).limit(limit))
    return [(finding, (last or 0) + 1) for finding, last in session.execute(query)]


def draft_for_brands(settings: Settings, factory: sessionmaker[Session], brands: list[Brand], *,
                     drafter: Drafter | None = None) -> DraftReport:
    report = DraftReport()
    budget = settings.takedowns_per_run
    if budget <= 0:
        return report
    drafter = drafter or Drafter(settings, factory)
    for brand in brands:
        with factory() as session:
            findings = findings_to_draft(session, brand.id, budget)
            session.expunge_all()
        for finding, round_ in findings:
            try:
                takedown_id = drafter.draft(brand, finding, round_=round_)
            except Exception as exc:  # one bad page must not lose the other drafts
                log.exception("takedown draft for finding %s failed", finding.id)
                report.failed.append((finding.id, f"{type(exc).__name__}: {exc}"))
                continue
            budget -= 1
            if takedown_id is not None:
                report.drafted.append(takedown_id)
        if budget <= 0:
            break
    return report
