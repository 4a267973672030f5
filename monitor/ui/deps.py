"""The FastAPI dependencies of the routes: the app's context, the caller (an Airflow user who
may read findings) and the database session of a request.

Airflow does not authenticate plugin apps, so every route but the owners' signed links takes
a caller: a page's caller who is not logged in is sent to the login page (LoginRequired), an
API caller gets 401. Declare the caller before the session, so that nobody unauthenticated
reaches the database."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

from fastapi import Depends, Form, HTTPException, Request, status
from sqlalchemy.orm import Session

from monitor.ui.auth import FINDINGS_DAG, Caller
from monitor.ui.context import AppContext, context_of


class LoginRequired(Exception):  # a control-flow signal, not an error
    def __init__(self, url: str):
        self.url = url


async def app_context(request: Request) -> AppContext:
    return context_of(request)


Context = Annotated[AppContext, Depends(app_context)]


async def _reader(request: Request, context: AppContext, *, html: bool) -> Caller:
    try:
        caller = await context.auth.caller(request)
    except HTTPException as exc:
        if html and exc.status_code in (401, 403):
            raise LoginRequired(context.auth.login_url(str(request.url.path)
                                                       + (f"?{request.url.query}" if request.url.query else ""))
                                ) from None
        raise
    if not context.auth.may(caller, "GET"):
        raise HTTPException(status.HTTP_403_FORBIDDEN, f"{caller.name} may not read the {FINDINGS_DAG} DAG")
    return caller


async def page_reader(request: Request, context: Context) -> Caller:
    """The caller of a page, who may read findings; else a redirect to the login page (or 403)."""
    return await _reader(request, context, html=True)


async def api_reader(request: Request, context: Context) -> Caller:
    """The caller of the JSON API, who may read findings; else 401 or 403."""
    return await _reader(request, context, html=False)


def database_session(context: Context) -> Iterator[Session]:
    """One session per request, closed when the route returns (before the answer is sent, as a
    `with` block in the route would)."""
    with context.sessions() as session:
        yield session


PageCaller = Annotated[Caller, Depends(page_reader)]
ApiCaller = Annotated[Caller, Depends(api_reader)]
DbSession = Annotated[Session, Depends(database_session, scope="function")]
FormText = Annotated[str, Form()]
