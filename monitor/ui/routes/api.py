"""The JSON API: findings and campaigns, and marking a finding (Airflow login or bearer token)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import JSONResponse

from monitor.ui import api_json, campaign_views, lookups, params, views
from monitor.ui.deps import ApiCaller, Context, DbSession
from monitor.ui.guards import check_editor
from monitor.ui.marks import MarkBody, apply_mark

router = APIRouter(prefix="/api")


@router.get("/findings")
def api_findings(request: Request, context: Context, _: ApiCaller, session: DbSession) -> JSONResponse:
    names = context.brand_names(views.brand_ids(session))
    f = lookups.finding_filter(request.query_params, names)
    found = views.find(session, f)
    urls = views.raw_urls(session, [r.id for r in found.rows])
    return JSONResponse(api_json.finding_page(found, f, urls, names))


@router.get("/findings/{finding_ref}")
def api_finding(finding_ref: str, context: Context, _: ApiCaller, session: DbSession) -> JSONResponse:
    finding_id = lookups.finding_id(finding_ref)
    found = views.detail(session, finding_id)
    raw_url = views.raw_urls(session, [finding_id]).get(finding_id)
    campaign = campaign_views.finding_campaign(session, finding_id) if found else None
    if found is None:
        raise HTTPException(404, f"finding {params.finding_ref(finding_id)} does not exist")
    return JSONResponse({**api_json.finding_detail(found, raw_url, context.brand_names()),
                         "campaign": api_json.finding_campaign(campaign)})


@router.get("/campaigns")
def api_campaigns(request: Request, context: Context, _: ApiCaller, session: DbSession) -> JSONResponse:
    f = lookups.campaign_filter(context, session, request.query_params)
    total, rows = campaign_views.page(session, f)
    return JSONResponse(api_json.campaign_page(total, f, rows))


@router.get("/campaigns/{campaign_ref}")
def api_campaign(campaign_ref: str, _: ApiCaller, session: DbSession) -> JSONResponse:
    return JSONResponse(api_json.campaign_detail(lookups.campaign_or_404(session, campaign_ref)))


@router.post("/findings/{finding_ref}/marks")
def api_mark(request: Request, finding_ref: str, body: MarkBody, context: Context, caller: ApiCaller,
             session: DbSession) -> JSONResponse:
    finding_id = lookups.finding_id(finding_ref)
    check_editor(context, request, caller, request.headers.get("x-csrf-token"))
    try:
        outcome = apply_mark(context, finding_id, body.mark, body.note, f"ui:{caller.name}")
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None
    except ValueError as exc:
        raise HTTPException(409 if body.mark in views.UI_MARKS else 400, str(exc)) from None
    # read back after the mark's own transaction committed; this session has read nothing yet
    found = views.detail(session, finding_id)
    assert found is not None  # it was just marked
    raw_url = views.raw_urls(session, [finding_id]).get(finding_id)
    return JSONResponse({"outcome": outcome, "finding": api_json.finding_detail(found, raw_url, context.brand_names())})
