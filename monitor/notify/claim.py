"""The claim step of queueing one brand's digest: lock the brand's new findings and its
undelivered takedown drafts (store.repo), read what the emails show of them (drafts,
thumbnails, campaigns), and hand them on as plain records, so that composing the emails
needs no database. Runs in the caller's transaction, which the enqueue step then ends."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.campaigns.store import campaign_lines
from monitor.notify.digest import DigestItem
from monitor.notify.options import DigestOptions
from monitor.notify.owners import CampaignDraft, DraftSummary
from monitor.registry import Brand
from monitor.store.db import as_utc
from monitor.store.models import Finding, Takedown
from monitor.store.repo import claim_new_findings, claim_undelivered_takedowns, latest_takedown_ids


@dataclass(frozen=True)
class ClaimedDraft:
    finding_id: int  # whose one-click links the draft's entry carries
    summary: DraftSummary  # without links: the compose step adds them


@dataclass(frozen=True)
class ClaimedDigest:
    """One brand's rows to deliver, locked by the caller's transaction: its new findings (as
    digest items, without links: the compose step adds them) and the takedown drafts that fit
    in one email, with the campaign requests that go with them."""

    findings: tuple[DigestItem, ...]
    drafts: tuple[ClaimedDraft, ...]
    campaigns: tuple[CampaignDraft, ...] = ()


def draft_summary(takedown: Takedown) -> DraftSummary:
    """A stored draft as the owners' emails list and attach it (also the follow-up's)."""
    return DraftSummary(takedown.id, takedown.finding.label, takedown.evidence_url, takedown.addressing,
                        tuple(takedown.gaps), takedown.message.encode("ascii"))


def drafts_within(sizes: Iterable[int], max_bytes: int) -> int:
    """How many drafts, in order, one email carries within max_bytes (at least one: the mail
    server then decides); the rest wait for the next run."""
    count, total = 0, 0
    for size in sizes:
        total += size
        if count and total > max_bytes:
            break
        count += 1
    return count


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


def digest_items(session: Session, brand: Brand, findings: list[Finding]) -> tuple[DigestItem, ...]:
    """The findings as the digest shows them: with their latest draft, its thumbnail and their
    campaign."""
    ids = [f.id for f in findings]
    drafted = latest_takedown_ids(session, ids)
    thumbnails = screenshot_thumbnails(session, list(drafted.values()))
    campaigns = campaign_lines(session, ids)
    return tuple(DigestItem(f.id, f.label, f.kind, f.platform, f.url, f.score, f.verdict, tuple(f.reasons),
                            as_utc(f.first_seen), brand.imitated_identities(f.kind, f.platform), drafted.get(f.id),
                            reasons_lo=tuple(str(r) for r in f.reasons_lo or ()),
                            thumbnail=thumbnails.get(drafted[f.id]) if f.id in drafted else None,
                            campaign=campaigns.get(f.id))
                 for f in findings)


def claim_digest(session: Session, brand: Brand, options: DigestOptions) -> ClaimedDigest | None:
    """The brand's rows to deliver now, or None when there are none."""
    findings = claim_new_findings(session, brand.id, min_score=options.min_score)
    undelivered = claim_undelivered_takedowns(session, brand.id)
    takedowns = undelivered[:drafts_within((len(t.message) for t in undelivered), options.max_bytes)]
    campaigns: tuple[CampaignDraft, ...] = ()
    if takedowns and options.campaign_drafts is not None:
        campaigns = tuple(options.campaign_drafts(session, [t.finding_id for t in takedowns]))
    if not findings and not takedowns:
        return None
    return ClaimedDigest(digest_items(session, brand, findings) if findings else (),
                         tuple(ClaimedDraft(t.finding_id, draft_summary(t)) for t in takedowns), campaigns)
