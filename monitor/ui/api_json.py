"""The JSON API's bodies, from the view models. Pure."""

from __future__ import annotations

import datetime as dt
from typing import Any

from monitor.campaigns import describe
from monitor.ui import campaign_views, params, views
from monitor.ui.brands import BrandName


def _iso(value: dt.datetime | None) -> str | None:
    return value.isoformat() if value else None


def finding_row(row: views.FindingRow, raw_url: str | None = None,
                names: dict[str, BrandName] | None = None) -> dict[str, Any]:
    name = (names or {}).get(row.brand)
    return {"id": row.id, "ref": params.finding_ref(row.id), "brand": row.brand,
            "brand_name": name.name if name else row.brand, "brand_name_lo": name.name_lo if name else None, "kind": row.kind, "identity": row.identity, "url": raw_url,
            "url_defanged": row.url, "platform": row.platform, "score": row.score, "verdict": row.verdict,
            "status": row.status, "first_seen": row.first_seen.isoformat(), "last_seen": row.last_seen.isoformat(),
            "takedown": row.takedown, "takedown_ref": params.takedown_ref(row.takedown_id) if row.takedown_id else None}


def finding_page(page: views.FindingPage, f: views.FindingFilter, raw_urls: dict[int, str | None],
                 names: dict[str, BrandName]) -> dict[str, Any]:
    return {"total": page.total, "page": f.page, "per_page": f.per_page, "pages": page.pages,
            "filter": f.as_dict(),
            "findings": [finding_row(r, raw_urls.get(r.id), names) for r in page.rows]}


def finding_detail(d: views.FindingDetail, raw_url: str | None, names: dict[str, BrandName]) -> dict[str, Any]:
    return {
        **finding_row(d.row, raw_url, names), "reasons_lo": d.reasons_lo, "reasons": d.reasons, "status_note": d.status_note,
        "alerted_at": _iso(d.alerted_at), "actions": d.actions,
        "sightings": [{"source": s.source, "query": s.query, "seen_at": _iso(s.seen_at), "url_defanged": s.url,
                       "dag_id": s.dag_id, "dag_run_id": s.dag_run_id} for s in d.sightings],
        "takedowns": [{"id": t.id, "ref": params.takedown_ref(t.id), "round": t.round, "state": t.state, "status": t.status, "route": t.route,
                       "addressed_to": t.addressed_to, "recipients": t.recipients, "form_defanged": t.form,
                       "parties": t.parties, "gaps": t.gaps, "evidence_url_defanged": t.evidence_url,
                       "http_status": t.http_status, "page_title": t.page_title, "resolved_ip": t.resolved_ip,
                       "html_sha256": t.html_sha256, "screenshot_sha256": t.screenshot_sha256,
                       "drafted_at": _iso(t.drafted_at), "owner_sent_at": _iso(t.owner_sent_at),
                       "taken_down_at": _iso(t.taken_down_at)} for t in d.takedowns],
        "marks": [{"subject": m.subject, "subject_id": m.subject_id, "status": m.status, "actor": m.actor,
                   "note": m.note, "marked_at": _iso(m.marked_at)} for m in d.marks],
    }


def finding_campaign(campaign: tuple[int, str] | None) -> dict[str, Any] | None:
    """The campaign a finding belongs to (its id and summary), if any."""
    if campaign is None:
        return None
    return {"id": campaign[0], "ref": describe.campaign_ref(campaign[0]), "summary": campaign[1]}


def campaign_page(total: int, f: campaign_views.CampaignFilter,
                  rows: list[campaign_views.CampaignView]) -> dict[str, Any]:
    return {"total": total, "page": f.page, "per_page": f.per_page,
            "campaigns": [campaign_views.as_json(c) for c in rows]}


def campaign_detail(found: campaign_views.CampaignDetail) -> dict[str, Any]:
    return {**campaign_views.as_json(found.campaign), "asked": found.asked,
            "summary": campaign_views.line_of(found.campaign),
            "requests": [{"recipient": r.recipient, "where": r.where, "findings": list(r.members)}
                         for r in found.requests],
            "unaddressed": list(found.unaddressed)}
