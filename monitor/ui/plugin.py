"""The Airflow plugin: the Findings app mounted on the api-server under /monitor, and a
"Findings" entry in the Airflow navigation (an iframe of that app). Registered through the
`airflow.plugins` entry point (pyproject.toml), so every deployment that installs the
package loads it; with AIRFLOW__CORE__LAZY_LOAD_PLUGINS=False it loads when the api-server
starts.

The settings the pages need are checked here, when the api-server loads the plugin, not at
the first request: a bad one (a MONITOR_SECRET_KEY too short or too weak, a malformed
number) is one line in the api-server's log, and every page of the plugin is a plain error
page naming the setting (503), never a bare "Internal Server Error"."""

from __future__ import annotations

import logging
from html import escape

from airflow.plugins_manager import AirflowPlugin
from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse

from monitor.fetch.policy import redact
from monitor.settings import Settings, SettingsError
from monitor.ui.app import create_app
from monitor.ui.links import PLUGIN_PREFIX

URL_PREFIX = f"/{PLUGIN_PREFIX}"
log = logging.getLogger(__name__)


def settings_problem(env=None) -> SettingsError | None:
    """The first bad setting of the environment, or None."""
    try:
        Settings.from_env(env)
    except SettingsError as exc:
        return exc
    return None


def public_reason(problem: SettingsError) -> str:
    """What the error page may say: the setting's name, and the reason only when the message
    repeats no value (NAME: reason). A value (NAME='...') stays in the log, for the operator."""
    name = problem.setting or "a MONITOR_ setting"
    text = str(problem)
    if problem.setting and text.startswith(problem.setting + ": "):
        return text
    return f"{name} has a value the monitor cannot use; the api-server's log says why."


def error_app(problem: SettingsError) -> FastAPI:
    """Every route of the plugin answers 503 with a plain page (JSON under api/) that names
    the setting to fix."""
    reason = public_reason(problem)
    app = FastAPI(title="impersonation-monitor findings (settings error)", docs_url=None, redoc_url=None,
                  openapi_url=None)
    page = ("<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Findings: settings error</title>"
            "</head><body><h1>The Findings pages are off until a setting is fixed</h1>"
            f"<p>{escape(reason)}</p><p>Fix it where the api-server's environment is set (for docker compose: "
            "<code>.env</code>), then restart the api-server.</p></body></html>")
    headers = {"Cache-Control": "no-store", "Content-Security-Policy": "default-src 'none'",
               "X-Content-Type-Options": "nosniff"}

    @app.api_route("/{path:path}", methods=["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE"])
    async def _settings_error(request: Request, path: str):
        if path.startswith("api/"):
            return JSONResponse({"detail": reason, "setting": problem.setting}, status_code=503, headers=headers)
        return HTMLResponse(page, status_code=503, headers=headers)

    return app


def plugin_app(env=None) -> FastAPI:
    """The Findings app, or the error app when a setting it needs is bad (logged once)."""
    problem = settings_problem(env)
    if problem is None:
        return create_app()
    log.error("impersonation-monitor: the Findings pages are off until %s is fixed: %s",
              problem.setting or "a setting", redact(str(problem)))
    return error_app(problem)


class FindingsPlugin(AirflowPlugin):
    name = "impersonation_monitor"
    fastapi_apps = [{"app": plugin_app(), "url_prefix": URL_PREFIX, "name": "impersonation-monitor findings"}]  # noqa: RUF012 - Airflow's plugin attribute
    external_views = [{  # noqa: RUF012 - Airflow's plugin attribute
        "name": "Findings",
        "href": f"{URL_PREFIX}/findings",
        "url_route": "findings",
        "destination": "nav",
        "nav_top_level": True,
    }]
