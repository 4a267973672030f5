"""The owners' signed action links (no Airflow login: the link is the authority). Opening one
shows a confirmation page and changes nothing (mail scanners open links); only its form's POST
records the action. Refusals are pages that say why, in English and Lao."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy.orm import Session

from monitor.clock import display_time
from monitor.ui import links, lookups, owner_text, views
from monitor.ui.context import AppContext
from monitor.ui.deps import Context, DbSession, FormText
from monitor.ui.grants import checked_grant
from monitor.ui.guards import check_post
from monitor.ui.marks import apply_mark
from monitor.ui.pages import page
from monitor.ui.routes.downloads import thumbnail_response

router = APIRouter(prefix="/act")

_REFUSED_STATUS = {"expired": 410, "off": 404, "unavailable": 503}  # by LinkError.reason; else 403


def _said(context: AppContext, request: Request, said: owner_text.OwnerMessage,
          status_code: int = 200) -> HTMLResponse:
    return page(context, request, "owner_message.html.j2", status_code=status_code, said=said)


def _refused(context: AppContext, request: Request, exc: links.LinkError) -> HTMLResponse:
    return _said(context, request, owner_text.refused(exc.reason, str(exc)), _REFUSED_STATUS.get(exc.reason, 403))


def _already(context: AppContext, request: Request, action: str, mark: views.MarkView, mine: bool) -> HTMLResponse:
    return _said(context, request, owner_text.already(links.OWNER_ACTIONS[action], action,
                                                      display_time(mark.marked_at), None if mine else mark.actor))


def _recorded_elsewhere(context: AppContext, request: Request, session: Session, found: views.OwnerView,
                        finding_id: int, action: str) -> HTMLResponse | None:
    """The page for an action someone else already recorded (or the finding already shows), if so."""
    already = (found.row.status == action if action != "sent"
               else found.takedown_status in ("sent", "resolved"))
    if not already:
        return None
    mark = views.recorded_mark(session, finding_id, action, None)
    if mark is not None:
        return _already(context, request, action, mark, False)
    return _said(context, request, owner_text.already_shown(links.OWNER_ACTIONS[action], action))


@router.get("/{finding_ref}/{action}", response_class=HTMLResponse)
def owner_confirm(request: Request, finding_ref: str, action: str, context: Context, session: DbSession,
                  t: str = "") -> HTMLResponse:
    """What a mail scanner or an owner gets by opening a link: a page, nothing changed."""
    finding_id = lookups.finding_id(finding_ref)
    try:
        grant = checked_grant(context, session, t, finding_id, action)
    except links.LinkError as exc:
        return _refused(context, request, exc)
    found = views.owner_view(session, finding_id)
    if found is None:
        return _said(context, request, owner_text.not_found(), 404)
    mine = views.recorded_mark(session, finding_id, action, grant.email)
    if mine is not None:
        return _already(context, request, action, mine, True)
    return page(context, request, "owner_confirm.html.j2", o=found, row=found.row, grant=grant, token=t,
                label=links.OWNER_ACTIONS[action], label_lo=owner_text.ACTIONS_LO[action],
                thumbnail=f"{quote(action)}/thumbnail.png?t={quote(t, safe='')}" if found.has_screenshot
                else None, no_draft=action == "sent" and found.takedown_status is None)


@router.get("/{finding_ref}/{action}/thumbnail.png")
def owner_thumbnail(finding_ref: str, action: str, context: Context, session: DbSession,
                    t: str = "") -> Response:
    """The screenshot thumbnail the confirmation page shows, behind the same signed link."""
    finding_id = lookups.finding_id(finding_ref)
    try:
        checked_grant(context, session, t, finding_id, action)
    except links.LinkError as exc:
        raise HTTPException(410 if exc.reason == "expired" else 403, str(exc)) from None
    return thumbnail_response(session, finding_id)


@router.post("/{finding_ref}/{action}", response_class=HTMLResponse)
def owner_act(request: Request, finding_ref: str, action: str, context: Context, session: DbSession,
              t: FormText = "", note: FormText = "") -> HTMLResponse:
    finding_id = lookups.finding_id(finding_ref)
    try:
        grant = checked_grant(context, session, t, finding_id, action)
    except links.LinkError as exc:
        return _refused(context, request, exc)
    check_post(context, request, None, None)
    found = views.owner_view(session, finding_id)
    if found is None:
        return _said(context, request, owner_text.not_found(), 404)
    mine = views.recorded_mark(session, finding_id, action, grant.email)
    if mine is not None:  # a second press of the same link
        return _already(context, request, action, mine, True)
    elsewhere = _recorded_elsewhere(context, request, session, found, finding_id, action)
    if elsewhere is not None:
        return elsewhere
    words = links.OWNER_ACTIONS[action]
    try:
        apply_mark(context, finding_id, action, note or f"from the owner's email ({words})", grant.email)
    except ValueError as exc:
        return _said(context, request, owner_text.nothing_changed(str(exc)), 409)
    return _said(context, request, owner_text.recorded(words, action, found.row.identity, grant.email))
