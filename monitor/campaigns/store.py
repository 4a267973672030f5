"""The campaign tables' reads and writes: record what findings showed, link them (the plan comes
from `linking`), and read campaigns back for the UI, the API, the CLI, digests and drafts."""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import func, insert, or_, select, text, update
from sqlalchemy.orm import Session

from monitor.campaigns.artefacts import PHASH_KINDS, Artefact, ArtefactKind, Found, is_strong
from monitor.campaigns.extract import Evidence, extract
from monitor.campaigns.images import hamming
from monitor.campaigns.linking import link
from monitor.store.db import as_utc
from monitor.store.models import (
    ArtefactRecord,
    Campaign,
    CampaignMember,
    EvidenceImage,
    Finding,
    FindingArtefact,
    Takedown,
)
from monitor.store.repo import insert_for

log = logging.getLogger(__name__)

# Perceptual hashes this close (bits of 64) are one image: a resize or a re-encode moves a
# pHash by a few bits, unrelated pictures sit near 32 (bench/campaign_thresholds.py measures it).
PHASH_MAX_DISTANCE = 6
_KIND_ORDER = {kind: n for n, kind in enumerate(ArtefactKind)}
_CHUNK = 500  # ids per IN (...): well under every database's parameter limit


def _chunks(values: Sequence[int]) -> Iterable[Sequence[int]]:
    for start in range(0, len(values), _CHUNK):
        yield values[start:start + _CHUNK]


# ---------------------------------------------------------------- recording

def _near_phash(session: Session, kind: ArtefactKind, value: str) -> int | None:
    """An artefact of this perceptual-hash kind within PHASH_MAX_DISTANCE, if one exists: it is
    the same picture and keeps its first artefact. Candidates share one of four 16-bit bands
    (pigeonhole: distance <= 3 always shares one; up to 6 shares one most of the time)."""
    bands = [func.substr(ArtefactRecord.value, 1 + 4 * i, 4) == value[4 * i:4 * i + 4] for i in range(4)]
    rows = session.execute(select(ArtefactRecord.id, ArtefactRecord.value)
                           .where(ArtefactRecord.kind == kind.value, or_(*bands)).order_by(ArtefactRecord.id)).all()
    for artefact_id, other in rows:
        if len(other) == len(value) and hamming(other, value) <= PHASH_MAX_DISTANCE:
            return artefact_id
    return None


def artefact_ids(session: Session, artefacts: Iterable[Artefact], now: dt.datetime) -> dict[Artefact, int]:
    """The row id of each artefact, made when new; last_seen moved to now."""
    out: dict[Artefact, int] = {}
    for artefact in dict.fromkeys(artefacts):
        row = session.execute(select(ArtefactRecord.id).where(
            ArtefactRecord.kind == artefact.kind.value, ArtefactRecord.value == artefact.value)).scalar()
        if row is None and artefact.kind in PHASH_KINDS:
            row = _near_phash(session, artefact.kind, artefact.value)
        if row is None:
            # Another worker may add the same artefact at the same moment: the unique constraint
            # decides, and both read the one row.
            insert = insert_for(session)
            session.execute(insert(ArtefactRecord).values(
                kind=artefact.kind.value, value=artefact.value[:1000], first_seen=now, last_seen=now)
                .on_conflict_do_nothing(index_elements=[ArtefactRecord.kind, ArtefactRecord.value]))
            row = session.execute(select(ArtefactRecord.id).where(
                ArtefactRecord.kind == artefact.kind.value, ArtefactRecord.value == artefact.value[:1000])).scalar_one()
        else:
            session.execute(update(ArtefactRecord).where(ArtefactRecord.id == row).values(last_seen=now))
        out[artefact] = row
    return out


def record_found(session: Session, finding_id: int, found: Sequence[Found], now: dt.datetime) -> bool:
    """Add what a finding showed; True when it showed something it had not before."""
    ids = artefact_ids(session, (f.artefact for f in found), now)
    known = {(artefact_id, seen) for artefact_id, seen in session.execute(
        select(FindingArtefact.artefact_id, FindingArtefact.seen).where(FindingArtefact.finding_id == finding_id))}
    new_artefact = False
    known_ids = {a for a, _ in known}
    for item in found:
        key = (ids[item.artefact], item.seen.value)
        if key not in known:
            session.add(FindingArtefact(finding_id=finding_id, artefact_id=key[0], seen=key[1], first_seen=now))
            known.add(key)
            new_artefact |= key[0] not in known_ids
    session.flush()
    return new_artefact


# ---------------------------------------------------------------- linking

@dataclass
class LinkReport:
    joined: list[int] = field(default_factory=list)  # findings that entered a campaign
    created: list[int] = field(default_factory=list)  # campaign ids made
    merged: list[tuple[int, int]] = field(default_factory=list)  # (absorbed, kept)


def link_findings(session: Session, finding_ids: Sequence[int], now: dt.datetime) -> LinkReport:
    """Join, make or merge campaigns for these findings (those whose artefacts changed)."""
    report = LinkReport()
    if not finding_ids:
        return report
    batch: dict[int, set[int]] = defaultdict(set)
    for chunk in _chunks(list(finding_ids)):
        for finding, artefact in session.execute(select(FindingArtefact.finding_id, FindingArtefact.artefact_id)
                                                 .where(FindingArtefact.finding_id.in_(chunk))):
            batch[finding].add(artefact)
    for finding in finding_ids:
        batch.setdefault(finding, set())
    wanted = sorted(set().union(*batch.values()))
    holders: dict[int, set[int]] = defaultdict(set)
    kind_of: dict[int, ArtefactKind] = {}
    for chunk in _chunks(wanted):
        for finding, artefact in session.execute(select(FindingArtefact.finding_id, FindingArtefact.artefact_id)
                                                 .where(FindingArtefact.artefact_id.in_(chunk))):
            holders[artefact].add(finding)
        for artefact, kind in session.execute(select(ArtefactRecord.id, ArtefactRecord.kind)
                                              .where(ArtefactRecord.id.in_(chunk))):
            kind_of[artefact] = ArtefactKind(kind)
    involved = sorted(set(batch) | set().union(*holders.values()) if holders else set(batch))
    campaign_of: dict[int, int] = {}
    for chunk in _chunks(involved):
        campaign_of.update((f, c) for f, c in session.execute(
            select(CampaignMember.finding_id, CampaignMember.campaign_id).where(CampaignMember.finding_id.in_(chunk))))
    plan = link(batch, holders, kind_of, campaign_of)
    for group in plan.groups:
        kept = group.kept
        if kept is None:
            campaign = Campaign(created_at=now)
            session.add(campaign)
            session.flush()
            kept = campaign.id
            report.created.append(kept)
        for absorbed in group.absorbed:
            session.execute(update(CampaignMember).where(CampaignMember.campaign_id == absorbed)
                            .values(campaign_id=kept))
            session.execute(update(Campaign).where(Campaign.id == absorbed).values(merged_into_id=kept, merged_at=now))
            report.merged.append((absorbed, kept))
        joining = sorted(f for f in group.findings if f not in campaign_of)
        if joining:
            session.execute(insert(CampaignMember), [{"finding_id": f, "campaign_id": kept, "joined_at": now}
                                                     for f in joining])
            report.joined.extend(joining)
    session.flush()
    return report


def evidence_of(session: Session, finding: Finding) -> Evidence:
    """The finding's candidate and its latest saved page, screenshot and the pictures the page
    points at (from a takedown draft)."""
    latest = session.execute(select(Takedown.id, Takedown.html, Takedown.screenshot)
                             .where(Takedown.finding_id == finding.id)
                             .order_by(Takedown.round.desc(), Takedown.id.desc()).limit(1)).first()
    if latest is None:
        return Evidence.from_candidate(finding.candidate or {})
    pictures = session.execute(select(EvidenceImage.role, EvidenceImage.data)
                               .where(EvidenceImage.takedown_id == latest.id).order_by(EvidenceImage.id)).all()
    favicon = next((data for role, data in pictures if role == "favicon"), None)
    return Evidence.from_candidate(finding.candidate or {}, html=latest.html, screenshot=latest.screenshot,
                                   favicon=favicon, images=tuple(data for role, data in pictures if role == "image"))


# Linking reads the campaigns of earlier findings and then writes: two workers doing it at once
# could each miss the other's new findings and make two campaigns of one ring. On PostgreSQL a
# transaction-scoped advisory lock makes them take turns (SQLite has one writer anyway).
ADVISORY_LOCK = 24_2026


def refresh(session: Session, finding_ids: Sequence[int], *, exclude: frozenset[Artefact], now: dt.datetime) -> LinkReport:
    """Extract what these findings show now, record it, and link those that showed something new."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": ADVISORY_LOCK})
    changed = []
    for chunk in _chunks(sorted(set(finding_ids))):
        for finding in session.scalars(select(Finding).where(Finding.id.in_(chunk))):
            if record_found(session, finding.id, extract(evidence_of(session, finding), exclude=exclude), now):
                changed.append(finding.id)
    return link_findings(session, changed, now)


# ---------------------------------------------------------------- reading

@dataclass(frozen=True)
class SharedArtefact:
    id: int
    kind: ArtefactKind
    value: str
    findings: tuple[int, ...]  # the members that show it

    @property
    def strong(self) -> bool:
        return is_strong(self.kind)


@dataclass(frozen=True)
class CampaignView:
    id: int
    findings: tuple[int, ...]
    brands: tuple[str, ...]
    first_seen: dt.datetime
    last_seen: dt.datetime
    shared: tuple[SharedArtefact, ...]  # artefacts two or more members show: what links them
    absorbed: tuple[int, ...] = ()  # campaign ids merged into this one

    @property
    def size(self) -> int:
        return len(self.findings)


def _views(session: Session, campaign_ids: Sequence[int]) -> list[CampaignView]:
    members: dict[int, list[tuple[int, str, dt.datetime, dt.datetime]]] = defaultdict(list)
    for chunk in _chunks(list(campaign_ids)):
        for campaign, finding, brand, first, last in session.execute(
                select(CampaignMember.campaign_id, Finding.id, Finding.brand_id, Finding.first_seen, Finding.last_seen)
                .join(Finding, Finding.id == CampaignMember.finding_id)
                .where(CampaignMember.campaign_id.in_(chunk)).order_by(Finding.id)):
            members[campaign].append((finding, brand, first, last))
    finding_ids = sorted(f for rows in members.values() for f, *_ in rows)
    holders: dict[int, set[int]] = defaultdict(set)
    values: dict[int, tuple[str, str]] = {}
    for chunk in _chunks(finding_ids):
        for finding, artefact, kind, value in session.execute(
                select(FindingArtefact.finding_id, ArtefactRecord.id, ArtefactRecord.kind, ArtefactRecord.value)
                .join(ArtefactRecord, ArtefactRecord.id == FindingArtefact.artefact_id)
                .where(FindingArtefact.finding_id.in_(chunk))):
            holders[artefact].add(finding)
            values[artefact] = (kind, value)
    absorbed: dict[int, list[int]] = defaultdict(list)
    for chunk in _chunks(list(campaign_ids)):
        for old, kept in session.execute(select(Campaign.id, Campaign.merged_into_id)
                                         .where(Campaign.merged_into_id.in_(chunk))):
            if kept is not None:  # in_(chunk) matched it: never None
                absorbed[kept].append(old)
    views = []
    for campaign in campaign_ids:
        rows = members.get(campaign)
        if not rows:
            continue
        mine = {f for f, *_ in rows}
        shared = []
        for artefact, holding in holders.items():
            inside = holding & mine
            if len(inside) >= 2:
                kind, value = values[artefact]
                shared.append(SharedArtefact(artefact, ArtefactKind(kind), value, tuple(sorted(inside))))
        # strong first, the most widely shown first, then in the kinds' order (a phone before an account)
        shared.sort(key=lambda a: (not a.strong, -len(a.findings), _KIND_ORDER[a.kind], a.value))
        views.append(CampaignView(
            id=campaign, findings=tuple(f for f, *_ in rows), brands=tuple(sorted({b for _, b, *_ in rows})),
            first_seen=as_utc(min(r[2] for r in rows)), last_seen=as_utc(max(r[3] for r in rows)), shared=tuple(shared),
            absorbed=tuple(sorted(absorbed.get(campaign, ())))))
    return views


def list_campaigns(session: Session, *, brand_id: str | None = None, limit: int = 50,
                   offset: int = 0) -> tuple[int, list[CampaignView]]:
    """Live campaigns (not merged into another), the largest and latest first."""
    size = func.count(CampaignMember.finding_id)
    query = (select(Campaign.id).join(CampaignMember, CampaignMember.campaign_id == Campaign.id)
             .join(Finding, Finding.id == CampaignMember.finding_id)
             .where(Campaign.merged_into_id.is_(None)).group_by(Campaign.id))
    if brand_id:
        query = query.where(Campaign.id.in_(
            select(CampaignMember.campaign_id).join(Finding, Finding.id == CampaignMember.finding_id)
            .where(Finding.brand_id == brand_id)))
    total = session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    ids = session.scalars(query.order_by(size.desc(), func.max(Finding.last_seen).desc(), Campaign.id)
                          .limit(limit).offset(offset)).all()
    return total, _views(session, ids)


def resolve(session: Session, campaign_id: int) -> int | None:
    """The live campaign an id names now (an absorbed one names the campaign it went into)."""
    seen = set()
    current: int | None = campaign_id
    while current is not None and current not in seen:
        seen.add(current)
        row = session.get(Campaign, current)
        if row is None:
            return None
        if row.merged_into_id is None:
            return row.id
        current = row.merged_into_id
    return None


def get_campaign(session: Session, campaign_id: int) -> CampaignView | None:
    live = resolve(session, campaign_id)
    if live is None:
        return None
    views = _views(session, [live])
    return views[0] if views else None


def campaign_of(session: Session, finding_ids: Sequence[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for chunk in _chunks(list(finding_ids)):
        out.update((f, c) for f, c in session.execute(
            select(CampaignMember.finding_id, CampaignMember.campaign_id).where(CampaignMember.finding_id.in_(chunk))))
    return out


def strongest(view: CampaignView) -> tuple[str, str] | None:
    """(kind, value) of the strong artefact most members share, if any."""
    return next(((a.kind.value, a.value) for a in view.shared if a.strong), None)


def campaign_lines(session: Session, finding_ids: Sequence[int]) -> dict[int, tuple[str, str]]:
    """Each finding in a campaign: its campaign in a line, in English and Lao (digests, drafts)."""
    from monitor.campaigns.describe import summary, summary_lo

    member_of = campaign_of(session, finding_ids)
    views = {v.id: v for v in _views(session, sorted(set(member_of.values())))}
    out = {}
    for finding, campaign in member_of.items():
        view = views.get(campaign)
        if view is not None:
            top = strongest(view)
            out[finding] = (summary(view.id, view.size, len(view.brands), top),
                            summary_lo(view.id, view.size, len(view.brands), top))
    return out
