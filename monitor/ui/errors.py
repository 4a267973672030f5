"""How the app answers what its routes raise: a login redirect for a page's anonymous
caller, and every HTTP error or bad parameter as JSON under api/ and as a page elsewhere."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from monitor.ui import params
from monitor.ui.context import context_of
from monitor.ui.deps import LoginRequired
from monitor.ui.pages import page
from monitor.ui.responses import secured


def _is_api(request: Request) -> bool:
    return request.url.path.startswith(request.scope.get("root_path", "") + "/api/")


async def login_redirect(request: Request, exc: LoginRequired) -> Response:
    return secured(RedirectResponse(exc.url, status_code=303))


async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers)
    return page(context_of(request), request, "message.html.j2", status_code=exc.status_code,
                title=f"{exc.status_code}", message=str(exc.detail))


async def bad_parameter(request: Request, exc: params.BadParameter) -> Response:
    if _is_api(request):
        return JSONResponse({"detail": str(exc)}, status_code=400)
    return page(context_of(request), request, "message.html.j2", status_code=400, title="Bad filter",
                message=str(exc))


Handler = Callable[[Request, Any], Coroutine[Any, Any, Response]]
HANDLERS: dict[int | type[Exception], Handler] = {LoginRequired: login_redirect, StarletteHTTPException: http_error, params.BadParameter: bad_parameter}
