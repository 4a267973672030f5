"""Issue #19 item 10: the settings the Findings plugin needs are checked when the api-server
loads it. A MONITOR_SECRET_KEY too short (or too weak) is one clear line in the api-server's
log and a plain error page naming the setting on every route of the plugin, never a bare
"Internal Server Error" at request time."""

from __future__ import annotations

import httpx
import pytest

from monitor.settings import SettingsError
from monitor.ui.plugin import error_app, public_reason, settings_problem


def test_the_problem_is_found_before_any_request():
    assert settings_problem({"MONITOR_SECRET_KEY": "short"}).setting == "MONITOR_SECRET_KEY"
    assert settings_problem({"MONITOR_SECRET_KEY": "0" * 16}).setting == "MONITOR_SECRET_KEY"
    assert settings_problem({"MONITOR_SECRET_KEY": "test-secret-key-0123456789abcdef"}) is None


def test_the_page_names_the_setting_but_repeats_no_value():
    weak = SettingsError("MONITOR_SECRET_KEY: too short (5 characters; at least 16); make one with ...")
    assert public_reason(weak) == str(weak)
    valued = SettingsError("MONITOR_PUBLIC_URL='https://user:pw@x.example': expected an http(s) URL")
    assert "pw" not in public_reason(valued) and "MONITOR_PUBLIC_URL" in public_reason(valued)


def test_every_route_of_the_error_app_is_a_503_page():
    from fastapi.testclient import TestClient

    client = TestClient(error_app(settings_problem({"MONITOR_SECRET_KEY": "<b>" * 6})))
    page = client.get("/findings")
    assert page.status_code == 503 and "MONITOR_SECRET_KEY" in page.text and "<b>" not in page.text
    assert page.headers["content-type"].startswith("text/html")
    api = client.get("/api/findings?brand=x")
    assert api.status_code == 503 and api.json()["setting"] == "MONITOR_SECRET_KEY"
    assert client.post("/findings/1/mark").status_code == 503


@pytest.mark.airflow
def test_a_short_secret_on_a_real_api_server_is_one_log_line_and_a_plain_page(tmp_path, monkeypatch):
    from tests.conftest import ROOT
    from tests.ui.apiserver import PASSWORDS, ApiServer

    monkeypatch.setenv("PYTHONPATH", str(ROOT))  # the api-server loads this checkout's plugin

    with ApiServer(tmp_path / "airflow", f"sqlite:///{tmp_path / 'monitor.db'}", secret_key="short") as api, \
            httpx.Client(base_url=api.url, timeout=60) as http:
        anonymous = http.get("/monitor/findings")
        answer = http.post("/auth/token", json={"username": "admin", "password": PASSWORDS["admin"]})
        http.cookies.set("_token", answer.json()["access_token"])
        pages = [http.get(path) for path in ("/monitor/findings", "/monitor/brands", "/monitor/api/findings")]
        log = api.log.read_text("utf-8", "replace")
    for response in (anonymous, *pages):
        assert response.status_code == 503, (response.request.url, response.status_code, response.text[:300])
        assert "MONITOR_SECRET_KEY: too short" in response.text and "Internal Server Error" not in response.text
    lines = [line for line in log.splitlines() if "Findings pages are off" in line]
    assert lines and all("MONITOR_SECRET_KEY: too short" in line for line in lines), log[-2000:]
    assert len(set(line.split("impersonation-monitor:", 1)[1] for line in lines)) == 1  # one message
    assert "Traceback" not in log


def test_good_settings_mount_the_findings_app():
    from monitor.ui.plugin import plugin_app

    app = plugin_app({"MONITOR_SECRET_KEY": "test-secret-key-0123456789abcdef"})
    assert "findings" in app.title and "settings error" not in app.title
    assert any(getattr(route, "path", "") == "/findings" for route in app.routes)
