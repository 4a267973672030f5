"""View models of the Campaigns pages and API: read-only, built from monitor.campaigns.store and
the findings' own rows (monitor.ui.views), so a member reads the same here as on Findings."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy.orm import Session

from monitor.campaigns.artefacts import KIND_LABEL
from monitor.campaigns.describe import campaign_ref, shown_value, summary
from monitor.campaigns.store import (
    CampaignView,
    SharedArtefact,
    campaign_of,
    get_campaign,
    list_campaigns,
    strongest,
)
from monitor.ui import params, views
from monitor.ui.views import FindingRow

PER_PAGE, MAX_PER_PAGE = 25, 200


@dataclass(frozen=True)
class CampaignFilter:
    brand: str = ""
    page: int = 1
    per_page: int = PER_PAGE

    @classmethod
    def parse(cls, query: Mapping[str, str]) -> CampaignFilter:
        return cls(brand=params.text(query.get("brand"), "brand", limit=80),
                   page=params.whole_number(query.get("page") or "1", "page", low=1, high=1_000_000),
                   per_page=params.whole_number(query.get("per_page") or str(PER_PAGE), "per_page", low=1,
                                                high=MAX_PER_PAGE))


@dataclass(frozen=True)
class LinkRow:
    """One shared artefact and the members that show it: what links what."""

    kind: str  # words
    value: str  # shown form
    raw: str
    strong: bool
    members: tuple[int, ...]


@dataclass(frozen=True)
class RequestRow:
    """One takedown request of the campaign: who gets it, and which live members it lists."""

    recipient: str
    where: str  # e-mail addresses, or the web form
    members: tuple[int, ...]


@dataclass(frozen=True)
class CampaignDetail:
    campaign: CampaignView
    asked: int  # the id in the address: an absorbed campaign's id shows the campaign it went into
    members: list[FindingRow]
    links: list[LinkRow]
    requests: list[RequestRow]
    unaddressed: tuple[int, ...]  # live members no recipient is known for

    @property
    def ref(self) -> str:
        return campaign_ref(self.campaign.id)


def link_row(artefact: SharedArtefact) -> LinkRow:
    return LinkRow(KIND_LABEL[artefact.kind], shown_value(artefact.kind, artefact.value), artefact.value,
                   artefact.strong, artefact.findings)


def page(session: Session, f: CampaignFilter) -> tuple[int, list[CampaignView]]:
    return list_campaigns(session, brand_id=f.brand or None, limit=f.per_page, offset=(f.page - 1) * f.per_page)


def detail(session: Session, campaign_id: int) -> CampaignDetail | None:
    campaign = get_campaign(session, campaign_id)
    if campaign is None:
        return None
    from monitor.takedown.campaign import plan_requests

    requests, unaddressed, _ = plan_requests(session, campaign.id)
    rows = [RequestRow(r.recipient.name, ", ".join(e for _, e in r.recipient.to) or (r.recipient.form or ""),
                       tuple(m.finding_id for m in r.members)) for r in requests]
    return CampaignDetail(campaign, campaign_id, views.rows_of(session, list(campaign.findings)),
                          [link_row(a) for a in campaign.shared], rows, tuple(m.finding_id for m in unaddressed))


def line_of(view: CampaignView) -> str:
    """The campaign in a line: its size, brands and the strongest artefact its members share."""
    return summary(view.id, view.size, len(view.brands), strongest(view))


def headline(view: CampaignView) -> str:
    """What links a campaign, in a few words: its strongest shared detail."""
    if not view.shared:
        return ""
    first = view.shared[0]
    more = f" and {len(view.shared) - 1} more" if len(view.shared) > 1 else ""
    return f"{KIND_LABEL[first.kind]} {shown_value(first.kind, first.value)}{more}"


def finding_campaign(session: Session, finding_id: int) -> tuple[int, str] | None:
    """(campaign id, its line) of a finding in a campaign."""
    campaign_id = campaign_of(session, [finding_id]).get(finding_id)
    if campaign_id is None:
        return None
    view = get_campaign(session, campaign_id)
    return (view.id, line_of(view)) if view else None


def as_json(view: CampaignView) -> dict:
    return {"id": view.id, "ref": campaign_ref(view.id), "size": view.size, "brands": list(view.brands),
            "first_seen": view.first_seen.isoformat(), "last_seen": view.last_seen.isoformat(),
            "artefacts": [{"kind": a.kind.value, "value": a.value, "strong": a.strong, "findings": list(a.findings)}
                          for a in view.shared],
            "findings": list(view.findings), "merged": list(view.absorbed)}
