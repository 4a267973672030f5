"""The overview pages: a brand's (or all brands') findings in charts, and the sources' health
(Airflow login)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse
from sqlalchemy.orm import Session

from monitor.ui import charts, views
from monitor.ui.auth import Caller
from monitor.ui.context import AppContext
from monitor.ui.deps import Context, DbSession, PageCaller
from monitor.ui.pages import page

router = APIRouter()


@router.get("/brands", response_class=HTMLResponse)
def brands_page(request: Request, context: Context, caller: PageCaller, session: DbSession) -> HTMLResponse:
    return _brand(request, context, caller, session, None)


@router.get("/brands/{brand_id}", response_class=HTMLResponse)
def brand_page(request: Request, brand_id: str, context: Context, caller: PageCaller,
               session: DbSession) -> HTMLResponse:
    return _brand(request, context, caller, session, brand_id)


def _brand(request: Request, context: AppContext, caller: Caller, session: Session,
           brand_id: str | None) -> HTMLResponse:
    brands = views.brand_ids(session)
    if brand_id is not None and brand_id not in brands:
        raise HTTPException(404, f"no findings for brand {brand_id!r}")
    o = views.overview(session, brand_id, now=context.clock(), reminder_days=context.settings.takedown_reminder_days)
    per_day = charts.columns(o.per_day, title=f"New findings per day, last {o.days} days")
    by_source = charts.bars(o.by_source, title="New findings by source (first seen by)")
    by_status = charts.bars([(s, n) for s, n in o.by_status if n], title="Findings by status")
    return page(context, request, "brand.html.j2", caller=caller, o=o, brands=brands, per_day=per_day,
                by_source=by_source, by_status=by_status)


@router.get("/sources", response_class=HTMLResponse)
def sources_page(request: Request, context: Context, caller: PageCaller, session: DbSession) -> HTMLResponse:
    health = views.source_health(session, now=context.clock())
    return page(context, request, "sources.html.j2", caller=caller, health=health)
