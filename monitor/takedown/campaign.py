"""Takedown requests for a campaign: one per recipient (a platform's desk, a registrar, a host),
listing every live member of the campaign that recipient can act on, with the artefacts the
members share as evidence that one operator runs them all. An abuse desk acts faster on one
report of a ring than on twenty single pages, and sees why the pages belong together.

The addressing comes from each member's own takedown draft (monitor.takedown.drafting), so a
member without a draft, or whose draft found no one to write to, is left out and said so.
Pure: the members, their drafts' addressing and evidence, and the shared artefacts come in as
values; EmailMessages come out. `campaign_requests` reads them from the store."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from monitor.campaigns.describe import campaign_ref, shown
from monitor.clock import display_time
from monitor.notify.message import body_text, header_text, message_id_for, set_addresses
from monitor.notify.owners import CampaignDraft
from monitor.store.db import as_utc

# A member an abuse desk can still act on: neither dismissed nor gone.
GONE_STATUSES = ("false_positive", "taken_down")


@dataclass(frozen=True)
class Member:
    finding_id: int
    brand_id: str
    label: str
    url: str | None
    takedown_id: int | None
    addressing: dict[str, Any]  # the member's draft's: {"to": [[name, email]], "form": ..., "name": ...}
    html_sha256: str | None
    screenshot_sha256: str | None
    captured_at: dt.datetime | None


RecipientKey = tuple[tuple[str, ...], str | None]  # (the To addresses, lower case and sorted; the form)


@dataclass(frozen=True)
class Recipient:
    name: str
    to: tuple[tuple[str, str], ...]
    form: str | None

    @property
    def key(self) -> RecipientKey:
        return (tuple(sorted(email.lower() for _, email in self.to)), self.form)


@dataclass(frozen=True)
class CampaignRequest:
    campaign_id: int
    recipient: Recipient
    members: tuple[Member, ...]
    shared: tuple[tuple[str, str, tuple[int, ...]], ...]  # (kind, value, which of these members show it)


def recipient_of(member: Member) -> Recipient | None:
    """Who can act on a member, from its draft; None when its draft found no one."""
    addressing = member.addressing or {}
    to = tuple((str(name), str(email)) for name, email in addressing.get("to") or [] if email)
    form = addressing.get("form") or None
    if not to and not form:
        return None
    return Recipient(str(addressing.get("name") or (to[0][1] if to else form)), to, form)


def group(campaign_id: int, members: list[Member],
          shared: list[tuple[str, str, tuple[int, ...]]]) -> tuple[list[CampaignRequest], list[Member]]:
    """(one request per recipient, the members no recipient is known for)."""
    by_recipient: dict[RecipientKey, list[Member]] = defaultdict(list)
    recipients: dict[RecipientKey, Recipient] = {}
    unaddressed = []
    for member in sorted(members, key=lambda m: m.finding_id):
        recipient = recipient_of(member)
        if recipient is None:
            unaddressed.append(member)
            continue
        recipients.setdefault(recipient.key, recipient)
        by_recipient[recipient.key].append(member)
    requests = []
    for key, mine in by_recipient.items():
        ids = {m.finding_id for m in mine}
        evidence = tuple((kind, value, tuple(f for f in holders if f in ids)) for kind, value, holders in shared
                         if ids & set(holders))
        requests.append(CampaignRequest(campaign_id, recipients[key], tuple(mine), evidence))
    return requests, unaddressed


def request_text(request: CampaignRequest, all_shared: list[tuple[str, str, tuple[int, ...]]]) -> str:
    ref = campaign_ref(request.campaign_id)
    lines = [
        "Hello,",
        "",
        f"The {len(request.members)} pages and accounts below impersonate brands we protect and are run by one "
        f"operator (our campaign {ref}): they show the same payment and contact details, listed under "
        "'Shared evidence'. Please take them down together.",
        "",
        "Pages and accounts:",
    ]
    for n, member in enumerate(request.members, 1):
        lines.append(f"{n}. {body_text(member.label)} (our finding F{member.finding_id}, brand {member.brand_id})")
        lines.append(f"   URL: {body_text(member.url or '-')}")
        if member.takedown_id:
            lines.append(f"   Evidence captured {display_time(member.captured_at)} (our takedown draft "
                         f"T{member.takedown_id}): page SHA-256 {member.html_sha256 or 'not saved'}, "
                         f"screenshot SHA-256 {member.screenshot_sha256 or 'not taken'}")
    lines += ["", "Shared evidence (each detail and which of the pages above show it):"]
    position = {m.finding_id: n for n, m in enumerate(request.members, 1)}
    for kind, value, holders in request.shared:
        lines.append(f"- {body_text(shown(kind, value))}: shown by {', '.join(str(position[f]) for f in holders)}")
    others = len(all_shared) - len(request.shared)
    if others > 0:
        lines.append(f"  ({others} more shared details link them to other members of the campaign that other "
                     "services host.)")
    lines += ["", "ສະບາຍດີ,", "",
              f"ໜ້າເວັບ ແລະ ບັນຊີ {len(request.members)} ລາຍການຂ້າງເທິງ ປອມແປງເປັນຍີ່ຫໍ້ທີ່ພວກເຮົາປົກປ້ອງ ແລະ "
              f"ດຳເນີນການໂດຍຜູ້ດຽວກັນ (ແຄມເປນ {ref}): ພວກມັນໃຊ້ຂໍ້ມູນການຈ່າຍເງິນ ແລະ ການຕິດຕໍ່ດຽວກັນ. "
              "ກະລຸນາລຶບພວກມັນອອກພ້ອມກັນ.", ""]
    return "\n".join(lines)


def build_campaign_request(request: CampaignRequest, all_shared: list[tuple[str, str, tuple[int, ...]]], *,
                           mail_from: str, now: dt.datetime) -> EmailMessage:
    """The draft, From the monitor's sender, To the recipient (or a web form, named in a header)."""
    message = EmailMessage(policy=SMTP)
    ref = campaign_ref(request.campaign_id)
    message["Subject"] = header_text(f"Impersonation campaign {ref}: {len(request.members)} pages of one operator")
    set_addresses(message, "From", [("", mail_from)])
    if request.recipient.to:
        set_addresses(message, "To", list(request.recipient.to))
    message["Date"] = format_datetime(now.astimezone(dt.UTC))
    key = f"campaign-request:{request.campaign_id}:{'/'.join(request.recipient.key[0]) or request.recipient.form}"
    message["Message-ID"] = message_id_for(key, mail_from)
    message["X-Unsent"] = "1"
    message["X-Monitor-Campaign"] = ref
    message["X-Monitor-Findings"] = " ".join(f"F{m.finding_id}" for m in request.members)
    if request.recipient.form:
        message["X-Takedown-Form"] = header_text(request.recipient.form)
    note = (f"[{request.recipient.name} takes reports through a web form: {request.recipient.form}. The text below is "
            "ready to paste into it.]\n\n") if request.recipient.form and not request.recipient.to else ""
    message.set_content(note + request_text(request, all_shared))
    return message


def campaign_requests(session: Session, campaign_id: int, *, mail_from: str,
                      now: dt.datetime) -> tuple[list[tuple[CampaignRequest, EmailMessage]], list[Member]]:
    """The campaign's requests (with their drafts) and the live members no one is known for."""
    requests, unaddressed, shared = plan_requests(session, campaign_id)
    return [(r, build_campaign_request(r, shared, mail_from=mail_from, now=now)) for r in requests], unaddressed


def plan_requests(session: Session, campaign_id: int) -> tuple[list[CampaignRequest], list[Member],
                                                              list[tuple[str, str, tuple[int, ...]]]]:
    """(one request per recipient, the live members no one is known for, the shared artefacts)."""
    from monitor.campaigns.store import get_campaign
    from monitor.store.models import Finding, Takedown

    view = get_campaign(session, campaign_id)
    if view is None:
        raise LookupError(f"campaign {campaign_ref(campaign_id)} does not exist")
    latest: dict[int, Takedown] = {}
    for drafted in session.scalars(select(Takedown).where(Takedown.finding_id.in_(view.findings))
                                   .order_by(Takedown.round, Takedown.id)):
        latest[drafted.finding_id] = drafted
    members = []
    for finding in session.scalars(select(Finding).where(Finding.id.in_(view.findings)).order_by(Finding.id)):
        takedown = latest.get(finding.id)
        if finding.status in GONE_STATUSES or (takedown is not None and (
                takedown.status == "resolved" or takedown.taken_down_at is not None)):
            continue
        members.append(Member(
            finding.id, finding.brand_id, finding.label, finding.url, takedown.id if takedown else None,
            dict(takedown.addressing or {}) if takedown else {}, takedown.html_sha256 if takedown else None,
            takedown.screenshot_sha256 if takedown else None,
            as_utc(takedown.captured_at) if takedown else None))
    shared = [(a.kind.value, a.value, a.findings) for a in view.shared]
    requests, unaddressed = group(view.id, members, shared)
    return requests, unaddressed, shared


def drafts_for_findings(session: Session, finding_ids: list[int], *, mail_from: str,
                        now: dt.datetime) -> list[CampaignDraft]:
    """For the owners' drafts email: the requests of the campaigns these findings belong to
    that list one of them and at least one other live member (a request of one member is that
    member's own draft; the ring's other requests go to the owners of the brands they list)."""
    from monitor.campaigns.store import campaign_of

    mine, out = set(finding_ids), []
    for campaign_id in sorted(set(campaign_of(session, finding_ids).values())):
        requests, _ = campaign_requests(session, campaign_id, mail_from=mail_from, now=now)
        shared = [(r, m) for r, m in requests
                  if len(r.members) >= 2 and mine & {member.finding_id for member in r.members}]
        for number, (request, message) in enumerate(shared, 1):
            out.append(CampaignDraft(campaign_ref(campaign_id), request.recipient.name,
                                     tuple(m.finding_id for m in request.members), message.as_bytes(), number))
    return out
