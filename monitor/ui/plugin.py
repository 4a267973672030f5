"""The Airflow plugin: the Findings app mounted on the api-server under /monitor, and a
"Findings" entry in the Airflow navigation (an iframe of that app). Registered through the
`airflow.plugins` entry point (pyproject.toml), so every deployment that installs the
package loads it; with AIRFLOW__CORE__LAZY_LOAD_PLUGINS=False it loads when the api-server
starts."""

from __future__ import annotations

from airflow.plugins_manager import AirflowPlugin

from monitor.ui.app import create_app
from monitor.ui.links import PLUGIN_PREFIX

URL_PREFIX = f"/{PLUGIN_PREFIX}"


class FindingsPlugin(AirflowPlugin):
    name = "impersonation_monitor"
    fastapi_apps = [{"app": create_app(), "url_prefix": URL_PREFIX, "name": "impersonation-monitor findings"}]  # noqa: RUF012 - Airflow's plugin attribute
    external_views = [{  # noqa: RUF012 - Airflow's plugin attribute
        "name": "Findings",
        "href": f"{URL_PREFIX}/findings",
        "url_route": "findings",
        "destination": "nav",
        "nav_top_level": True,
    }]
