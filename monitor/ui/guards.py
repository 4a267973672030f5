"""The checks of a POST: it comes from our own origin, a cookie-authorised one carries the
session's CSRF token, and a change to findings needs edit access. 403 otherwise.

Called from the routes' bodies, not as dependencies: they run after FastAPI has read the
request's body, so the answers keep their order (a malformed body 422, then 404, then 403)."""

from __future__ import annotations

from urllib.parse import urlsplit

from fastapi import HTTPException, Request, status

from monitor.ui.auth import FINDINGS_DAG, Caller
from monitor.ui.context import AppContext
from monitor.ui.security import csrf_ok, same_origin


def allowed_hosts(context: AppContext, request: Request) -> list[str]:
    """The hosts a POST may come from: this request's, and MONITOR_PUBLIC_URL's."""
    hosts = [request.headers.get("host", "")]
    if context.settings.public_url:
        hosts.append(urlsplit(context.settings.public_url).netloc)
    return hosts


def check_post(context: AppContext, request: Request, caller: Caller | None, presented_csrf: str | None) -> None:
    """A cookie-authorised (or signed-link, caller None) POST must come from our own origin,
    and a cookie-authorised one must carry the session's CSRF token."""
    if caller is not None and caller.via == "bearer":
        return  # browsers never add an Authorization header on their own
    if not same_origin(request.headers.get("origin"), request.headers.get("referer"),
                       allowed_hosts(context, request)):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "cross-site request refused (Origin/Referer)")
    if caller is not None and not csrf_ok(context.csrf_secret, caller.credential, presented_csrf):
        raise HTTPException(status.HTTP_403_FORBIDDEN, "missing or wrong CSRF token; reload the page")


def check_editor(context: AppContext, request: Request, caller: Caller, presented_csrf: str | None) -> None:
    """A caller's POST that changes findings: check_post, then edit access to the findings' DAG."""
    check_post(context, request, caller, presented_csrf)
    if not context.auth.may(caller, "PUT"):
        raise HTTPException(403, f"{caller.name} may not change findings (needs edit access to the "
                                 f"{FINDINGS_DAG} DAG)")
