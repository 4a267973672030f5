"""The findings pages: the list, one finding, and its mark form (Airflow login)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from monitor.ui import campaign_views, lookups, params, views
from monitor.ui.deps import Context, DbSession, FormText, PageCaller
from monitor.ui.guards import check_editor
from monitor.ui.marks import apply_mark
from monitor.ui.pages import page
from monitor.ui.responses import secured

router = APIRouter()


@router.get("/", include_in_schema=False)
def home(request: Request, caller: PageCaller) -> RedirectResponse:
    return secured(RedirectResponse(request.scope.get("root_path", "") + "/findings", status_code=303))


@router.get("/findings", response_class=HTMLResponse)
def findings_page(request: Request, context: Context, caller: PageCaller, session: DbSession) -> HTMLResponse:
    names = context.brand_names(views.brand_ids(session))
    f = lookups.finding_filter(request.query_params, names)
    found = views.find(session, f)
    sources = views.source_names(session)
    shots = views.with_screenshots(session, [r.id for r in found.rows])
    return page(context, request, "findings.html.j2", caller=caller, page=found, f=f, brands=list(names),
                names=names, shots=shots,
                sources=sources, statuses=[views.shown_status(s) for s in views.FINDING_STATUSES],
                tiers=views.TIERS, sorts=list(views.SORTS))


@router.get("/findings/{finding_ref}", response_class=HTMLResponse)
def finding_page(request: Request, finding_ref: str, context: Context, caller: PageCaller,
                 session: DbSession) -> HTMLResponse:
    finding_id = lookups.finding_id(finding_ref)
    found = views.detail(session, finding_id)
    campaign = campaign_views.finding_campaign(session, finding_id) if found else None
    if found is None:
        raise HTTPException(404, f"finding {params.finding_ref(finding_id)} does not exist")
    return page(context, request, "finding.html.j2", caller=caller, d=found, campaign=campaign,
                can_edit=context.auth.may(caller, "PUT"), done=request.query_params.get("done", ""))


@router.post("/findings/{finding_ref}/mark")
def mark_form(request: Request, finding_ref: str, context: Context, caller: PageCaller,
              mark: FormText = "", note: FormText = "", csrf: FormText = "") -> RedirectResponse:
    finding_id = lookups.finding_id(finding_ref)
    check_editor(context, request, caller, csrf)
    try:
        apply_mark(context, finding_id, mark, note, f"ui:{caller.name}")
    except LookupError as exc:
        raise HTTPException(404, str(exc)) from None
    except ValueError as exc:
        raise HTTPException(409, str(exc)) from None
    return secured(RedirectResponse(f"../{params.finding_ref(finding_id)}?done={mark}", status_code=303))
