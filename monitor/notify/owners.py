"""The owners' emails about takedowns: this run's drafts to review, and the follow-up
(taken down, still live, relaunched). Rendered from templates/drafts.* and followup.*. Pure."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any

from monitor.clock import display_time
from monitor.detection.domains import defang
from monitor.notify.message import ActionLink, Link, action_views, header_text, owner_message, render_pair
from monitor.registry import Brand


@dataclass(frozen=True)
class DraftSummary:
    takedown_id: int
    label: str
    url: str | None
    addressing: dict[str, Any]
    gaps: tuple[str, ...]
    message: bytes  # the draft, as stored
    actions: tuple[ActionLink, ...] = ()  # the owner's one-click links

    @property
    def attachment(self) -> tuple[bytes, str]:
        return self.message, f"takedown-T{self.takedown_id}.eml"


@dataclass(frozen=True)
class CampaignDraft:
    """A campaign's request to one recipient (monitor.takedown.campaign), sent with the drafts
    of its members: one report of the whole ring for the abuse desk."""

    ref: str  # C7
    recipient: str  # who it is addressed to, as the members' drafts name them
    findings: tuple[int, ...]  # the live members it lists
    message: bytes  # the draft, as an email message
    number: int = 1  # its place among the campaign's requests (the attachment's name)

    @property
    def attachment(self) -> tuple[bytes, str]:
        return self.message, f"campaign-{self.ref}-{self.number}.eml"


def drafts_subject(brand: Brand, count: int) -> str:
    noun = "takedown draft" if count == 1 else "takedown drafts"
    return header_text(f"[impersonation-monitor] {brand.name}: {count} {noun} to review")


def _draft_views(drafts: list[DraftSummary]) -> list[dict[str, Any]]:
    # the form is the platform's own page (from the channels file): a live link
    return [{"takedown_id": d.takedown_id, "label": d.label, "url": defang(d.url) if d.url else "-",
             "parties": d.addressing.get("parties") or [],
             "form": Link(d.addressing["form"]) if d.addressing.get("form") else None, "gaps": d.gaps,
             "actions": action_views(d.actions)}
            for d in drafts]


def build_drafts_email(brand: Brand, drafts: list[DraftSummary], *, mail_from: str, dedup_key: str,
                       now: dt.datetime, recipients: tuple[str, ...] = (),
                       campaigns: tuple[CampaignDraft, ...] = ()) -> EmailMessage:
    """One email to the brand's owners with every draft of this run attached, and the
    requests of the campaigns these drafts' findings belong to (one per recipient, the ring's
    members together)."""
    subject = drafts_subject(brand, len(drafts))
    intro = (f"{len(drafts)} takedown request{'s are' if len(drafts) != 1 else ' is'} drafted for "
             f"{brand.name}, addressed to the party that can take each one down, with the evidence "
             f"captured when the draft was made.")
    context = {"title": subject.removeprefix("[impersonation-monitor] "), "intro": intro,
               "drafts": _draft_views(drafts),
               "campaigns": [{"ref": c.ref, "recipient": c.recipient, "findings": ", ".join(f"F{f}" for f in c.findings),
                              "count": len(c.findings), "file": c.attachment[1]} for c in campaigns]}
    text, html = render_pair("drafts", context)
    return owner_message(brand, subject=subject, text=text, html=html, mail_from=mail_from, dedup_key=dedup_key,
                         now=now, recipients=recipients,
                         attachments=[d.attachment for d in drafts] + [c.attachment for c in campaigns])


@dataclass(frozen=True)
class FollowUpEvent:
    kind: str  # taken_down, reminder, relaunched
    takedown_id: int
    label: str
    url: str | None
    detail: str  # what the check saw, in words
    drafted_at: dt.datetime
    status: str  # the takedown's status when the event happened
    hours_first_seen: float | None = None
    hours_draft: float | None = None


def followup_subject(brand: Brand, events: list[FollowUpEvent]) -> str:
    counts = {kind: sum(1 for e in events if e.kind == kind) for kind in ("relaunched", "reminder", "taken_down")}
    parts = [f"{counts['relaunched']} relaunched" if counts["relaunched"] else "",
             f"{counts['reminder']} still live" if counts["reminder"] else "",
             f"{counts['taken_down']} taken down" if counts["taken_down"] else ""]
    return header_text(f"[impersonation-monitor] {brand.name}: takedowns: {', '.join(p for p in parts if p)}")


def build_followup_email(brand: Brand, events: list[FollowUpEvent], drafts: list[DraftSummary], *, mail_from: str,
                         dedup_key: str, now: dt.datetime, reminder_days: int,
                         recipients: tuple[str, ...] = ()) -> EmailMessage:
    def view(e: FollowUpEvent) -> dict[str, Any]:
        hours = ""
        if e.hours_first_seen is not None and e.hours_draft is not None:
            hours = f"{e.hours_first_seen:.0f} h after it was first seen, {e.hours_draft:.0f} h after the draft"
        return {"takedown_id": e.takedown_id, "label": e.label, "url": defang(e.url) if e.url else "-",
                "detail": e.detail, "drafted_at": display_time(e.drafted_at), "status": e.status.replace("_", " "),
                "hours": hours}

    subject = followup_subject(brand, events)
    sections = [
        {"heading": "Relaunched: back after it was taken down",
         "note": "These pages were gone and are live again. This is a new alert; a new draft is attached for each.",
         "events": [view(e) for e in events if e.kind == "relaunched"]},
        {"heading": f"Still live {reminder_days} days after the draft",
         "note": "If you have not sent the draft yet, please do; if you have, consider writing to the host or "
                 "registrar as well, or escalating. This reminder is sent once per draft.",
         "events": [view(e) for e in events if e.kind == "reminder"]},
        {"heading": "Taken down", "note": "These pages are gone; the monitor keeps watching for a relaunch.",
         "events": [view(e) for e in events if e.kind == "taken_down"]},
    ]
    context = {"title": subject.removeprefix("[impersonation-monitor] "), "sections": sections, "drafts": drafts}
    text, html = render_pair("followup", context)
    return owner_message(brand, subject=subject, text=text, html=html, mail_from=mail_from, dedup_key=dedup_key,
                         now=now, recipients=recipients, attachments=[d.attachment for d in drafts])
