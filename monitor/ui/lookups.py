"""What a route's path and query string name, checked: a finding's or a campaign's reference
in the path (404 for anything else: no such page) and the list filters, whose brand must be
in the registry or in the database (a 400 naming the parameter, not an empty list)."""

from __future__ import annotations

from collections.abc import Mapping

from fastapi import HTTPException
from sqlalchemy.orm import Session

from monitor.campaigns import describe
from monitor.ui import campaign_views, params, views
from monitor.ui.brands import BrandName
from monitor.ui.context import AppContext


def finding_id(raw: str) -> int:
    """A finding's id from a path segment: F26 or 26."""
    try:
        return params.reference(raw, "finding", params.FINDING_PREFIX)
    except params.BadParameter as exc:
        raise HTTPException(404, f"no such finding: {exc}") from None


def campaign_id(raw: str) -> int:
    """A campaign's id from a path segment: C7 or 7."""
    try:
        return params.reference(raw, "campaign", params.CAMPAIGN_PREFIX)
    except params.BadParameter as exc:
        raise HTTPException(404, f"no such campaign: {exc}") from None


def campaign_or_404(session: Session, campaign_ref: str) -> campaign_views.CampaignDetail:
    """A campaign by its path segment, for its page and the API."""
    campaign = campaign_id(campaign_ref)
    found = campaign_views.detail(session, campaign)
    if found is None:
        raise HTTPException(404, f"campaign {describe.campaign_ref(campaign)} does not exist")
    return found


def _unknown_brand(brand: str, names: Mapping[str, BrandName]) -> params.BadParameter:
    return params.BadParameter("brand", f"brand={brand!r}: not a brand of the registry "
                                        f"(known: {', '.join(names) or 'none'})")


def finding_filter(query: Mapping[str, str], names: Mapping[str, BrandName]) -> views.FindingFilter:
    """The findings filter of a query string (names: the brands of the registry and the database)."""
    f = views.FindingFilter.parse(query)
    if f.brand and f.brand not in names:
        raise _unknown_brand(f.brand, names)
    return f


def campaign_filter(context: AppContext, session: Session, query: Mapping[str, str]) -> campaign_views.CampaignFilter:
    """The campaigns filter of a query string."""
    f = campaign_views.CampaignFilter.parse(query)
    names = context.brand_names(views.brand_ids(session))
    if f.brand and f.brand not in names:
        raise _unknown_brand(f.brand, names)
    return f
