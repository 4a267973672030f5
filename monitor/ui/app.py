"""The Findings app: server-rendered pages, a small JSON API and the owners' action pages,
mounted by the plugin on the api-server under /monitor. The HTTP edge: every route takes its
caller from Airflow's auth manager (monitor.ui.deps, monitor.ui.auth), POSTs are checked for
CSRF and origin (monitor.ui.guards), pages read view models (monitor.ui.views) and the one
write goes through monitor.store.repo (monitor.ui.marks).

Routes (relative to the mount point), one router per group in monitor.ui.routes:
  GET  findings, findings/{id}; POST findings/{id}/mark (form: mark, note,
       csrf)                                                           findings (Airflow login)
  GET  findings/{id}/evidence.html, findings/{id}/screenshot.png,
       findings/{id}/thumbnail.png, takedowns/{id}.eml                 downloads (Airflow login)
  GET  campaigns, campaigns/{id}                                       campaigns (Airflow login)
  GET  brands, brands/{brand}, sources                                 overview (Airflow login)
  GET  api/findings, api/findings/{id}, api/campaigns, api/campaigns/{id};
       POST api/findings/{id}/marks                                    api: JSON (Airflow login)
  GET  act/{id}/{action}?t=TOKEN, act/{id}/{action}/thumbnail.png;
       POST act/{id}/{action}                                          owners (signed link)
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from fastapi import FastAPI

from monitor.clock import utcnow
from monitor.settings import Settings
from monitor.ui import errors
from monitor.ui.auth import AirflowAuth
from monitor.ui.context import AppContext
from monitor.ui.routes import api, campaigns, downloads, findings, overview, owners

ROUTERS = (findings.router, downloads.router, campaigns.router, overview.router, api.router, owners.router)


def create_app(settings: Settings | None = None, *, auth: AirflowAuth | None = None,
               clock: Callable[[], dt.datetime] = utcnow) -> FastAPI:
    """The plugin's FastAPI app. Settings default to Settings.from_env(), read at the first
    request (a bad setting then fails that request, not the api-server's start)."""
    app = FastAPI(title="impersonation-monitor findings", docs_url=None, redoc_url=None, openapi_url=None,
                  exception_handlers=errors.HANDLERS)
    app.state.context = AppContext(settings, auth=auth, clock=clock)
    for router in ROUTERS:
        app.include_router(router)
    return app
