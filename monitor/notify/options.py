"""What queueing a run's digests needs to know, in one record: the same for every brand of
the run. Built once by the caller (pipeline.alert, from the settings and the run); the claim,
compose and enqueue steps each read what they need from it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from monitor.notify.message import ActionLink
from monitor.registry import Brand

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from monitor.notify.owners import CampaignDraft

# The default byte budget of one owners' email (MONITOR_MAX_EMAIL_BYTES's default).
DEFAULT_MAX_BYTES = 10_000_000


class ActionLinks(Protocol):
    """An item's signed one-click links for its owners; pure (signing, no I/O)."""

    def __call__(self, brand: Brand, finding_id: int, has_draft: bool, /) -> tuple[ActionLink, ...]: ...


class CampaignDrafts(Protocol):
    """The campaign requests sent with these findings' drafts (monitor.takedown.campaign,
    handed in because notify never imports takedown); reads the database."""

    def __call__(self, session: Session, finding_ids: list[int], /) -> list[CampaignDraft]: ...


@dataclass(frozen=True)
class DigestOptions:
    """mail_from: the sender; now: the queue time (in each email's Date and dedup key);
    min_score: the lowest score alerted; run_id and window: the run, named in the digest;
    produced_by: the DAG of the run (brand_monitor, lookalike_domains), which titles the
    digest; recipients: when given, replace every brand's owners (staging); max_bytes: the
    budget of one email (a larger digest is summarised or split, further drafts wait for
    the next run); action_links: None, the email says whom to ask instead; campaign_drafts:
    None, the drafts go without their campaigns' requests."""

    mail_from: str
    now: dt.datetime
    min_score: int
    run_id: str | None = None
    window: str | None = None
    produced_by: str | None = None
    recipients: tuple[str, ...] = ()
    max_bytes: int = DEFAULT_MAX_BYTES
    action_links: ActionLinks | None = None
    campaign_drafts: CampaignDrafts | None = None
