"""The compose step of queueing one brand's digest: from the claimed records, the emails to
queue, each with its outbox key and the rows it delivers. Pure: no database, no clock (the
queue time is the options' now)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from email.message import EmailMessage

from monitor.notify.claim import ClaimedDigest
from monitor.notify.digest import DigestItem, DigestPart, build_digest, digest_dedup_key, fit_digest
from monitor.notify.options import DigestOptions
from monitor.notify.owners import DraftSummary, build_drafts_email
from monitor.registry import Brand

# The kinds of email queued here: the outbox's Alert.kind, and the first word of their keys.
DIGEST = "digest"
TAKEDOWNS = "takedowns"


@dataclass(frozen=True)
class ComposedEmail:
    kind: str  # DIGEST or TAKEDOWNS
    dedup_key: str
    message: EmailMessage
    carries: tuple[int, ...]  # what it delivers: finding ids (a digest), takedown ids (the drafts)


@dataclass(frozen=True)
class ComposedDigest:
    parts: tuple[ComposedEmail, ...]  # the digest's emails, in order; none without new findings
    drafts: ComposedEmail | None  # the takedown drafts' email; None without drafts

    @property
    def findings(self) -> int:
        return sum(len(part.carries) for part in self.parts)


def _drafts_email(brand: Brand, claimed: ClaimedDigest, options: DigestOptions) -> ComposedEmail:
    links = options.action_links
    drafts: list[DraftSummary] = [replace(d.summary, actions=links(brand, d.finding_id, True)) if links else d.summary
                                  for d in claimed.drafts]
    ids = tuple(d.takedown_id for d in drafts)
    key = digest_dedup_key(brand.id, list(ids), options.now, kind=TAKEDOWNS)
    message = build_drafts_email(brand, drafts, mail_from=options.mail_from, dedup_key=key, now=options.now,
                                 recipients=options.recipients, campaigns=claimed.campaigns)
    return ComposedEmail(TAKEDOWNS, key, message, ids)


def _digest_emails(brand: Brand, claimed: ClaimedDigest, options: DigestOptions,
                   drafts_subject: str | None) -> tuple[ComposedEmail, ...]:
    if not claimed.findings:
        return ()
    links = options.action_links
    items = [replace(i, actions=links(brand, i.finding_id, i.takedown_id is not None)) if links else i
             for i in claimed.findings]

    def key(chosen: list[DigestItem]) -> str:
        # The queue time is part of the key: a finding marked 'new' again is a new digest.
        return digest_dedup_key(brand.id, [i.finding_id for i in chosen], options.now, kind=DIGEST)

    def render(chosen: list[DigestItem], part: DigestPart) -> EmailMessage:
        return build_digest(brand, chosen, mail_from=options.mail_from, dedup_key=key(chosen), now=options.now,
                            window=options.window, run_id=options.run_id, recipients=options.recipients,
                            produced_by=options.produced_by, part=part, drafts_subject=drafts_subject)

    return tuple(ComposedEmail(DIGEST, key(chosen), message, tuple(i.finding_id for i in chosen))
                 for chosen, message in fit_digest(items, render, options.max_bytes))


def compose_digest(brand: Brand, claimed: ClaimedDigest, options: DigestOptions) -> ComposedDigest:
    """The digest of the new findings, within options.max_bytes per email (summarised with a
    CSV, or split into parts), and the email of the takedown drafts, which the digest names."""
    drafts = _drafts_email(brand, claimed, options) if claimed.drafts else None
    drafts_subject = str(drafts.message["Subject"]) if drafts else None
    return ComposedDigest(_digest_emails(brand, claimed, options, drafts_subject), drafts)
