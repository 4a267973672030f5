"""The campaigns pages: the list and one campaign (Airflow login)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from monitor.ui import campaign_views, lookups
from monitor.ui.deps import Context, DbSession, PageCaller
from monitor.ui.pages import page

router = APIRouter()


@router.get("/campaigns", response_class=HTMLResponse)
def campaigns_page(request: Request, context: Context, caller: PageCaller, session: DbSession) -> HTMLResponse:
    f = lookups.campaign_filter(context, session, request.query_params)
    total, rows = campaign_views.page(session, f)
    return page(context, request, "campaigns.html.j2", caller=caller, f=f, total=total, rows=rows,
                headline=campaign_views.headline, pages=max(1, -(-total // f.per_page)))


@router.get("/campaigns/{campaign_ref}", response_class=HTMLResponse)
def campaign_page(request: Request, campaign_ref: str, context: Context, caller: PageCaller,
                  session: DbSession) -> HTMLResponse:
    found = lookups.campaign_or_404(session, campaign_ref)
    return page(context, request, "campaign.html.j2", caller=caller, c=found,
                line=campaign_views.line_of(found.campaign))
