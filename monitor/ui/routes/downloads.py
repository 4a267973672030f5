"""A finding's evidence (the saved page, the screenshot and its thumbnail) and a takedown's
email, as downloads or images that nothing else can be read as (Airflow login)."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException
from fastapi.responses import Response
from sqlalchemy.orm import Session

from monitor.notify.thumbnail import PNG_MAGIC, thumbnail
from monitor.store.models import Takedown
from monitor.ui import lookups, params, views
from monitor.ui.deps import DbSession, PageCaller
from monitor.ui.responses import download, png_image

router = APIRouter()


def thumbnail_response(session: Session, finding_id: int) -> Response:
    """The thumbnail of a finding's latest screenshot (also behind an owner's signed link)."""
    takedown = views.latest_takedown(session, finding_id)
    data = thumbnail(takedown.screenshot) if takedown is not None else None
    if not data:
        raise HTTPException(404, f"finding {params.finding_ref(finding_id)} has no screenshot")
    return png_image(data, cache_control="private, max-age=3600")


@router.get("/findings/{finding_ref}/evidence.html")
def evidence_html(finding_ref: str, _: PageCaller, session: DbSession) -> Response:
    finding_id = lookups.finding_id(finding_ref)
    takedown = views.latest_takedown(session, finding_id)
    data = takedown.html if takedown is not None else None
    if data is None:
        raise HTTPException(404, f"finding {params.finding_ref(finding_id)} has no saved page")
    # never rendered: a download, of a type no browser renders
    return download(data, f"finding-{params.finding_ref(finding_id)}-evidence.html.txt")


@router.get("/findings/{finding_ref}/screenshot.png")
def screenshot(finding_ref: str, _: PageCaller, session: DbSession) -> Response:
    finding_id = lookups.finding_id(finding_ref)
    takedown = views.latest_takedown(session, finding_id)
    data = takedown.screenshot if takedown is not None else None
    if not data:
        raise HTTPException(404, f"finding {params.finding_ref(finding_id)} has no screenshot")
    if not data.startswith(PNG_MAGIC):  # only a real PNG is shown as an image
        return download(data, f"finding-{params.finding_ref(finding_id)}-screenshot.bin")
    return png_image(data, cache_control="no-store")


@router.get("/findings/{finding_ref}/thumbnail.png")
def thumbnail_png(finding_ref: str, _: PageCaller, session: DbSession) -> Response:
    return thumbnail_response(session, lookups.finding_id(finding_ref))


@router.get("/takedowns/{takedown_ref}.eml")
def takedown_eml(takedown_ref: str, _: PageCaller, session: DbSession) -> Response:
    takedown_id = params.reference(takedown_ref, "takedown", params.TAKEDOWN_PREFIX)
    takedown = session.get(Takedown, takedown_id)
    message = takedown.message if takedown is not None else None
    if message is None:
        raise HTTPException(404, f"takedown {takedown_id} does not exist")
    return download(message.encode("utf-8"), f"takedown-{params.takedown_ref(takedown_id)}.eml",
                    "message/rfc822")
