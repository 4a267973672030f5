"""Running things by hand: the demo web on its own (for `make run`), and `make env`, which gives
a shell the same Airflow home and monitor database as `make run`."""

from __future__ import annotations

import json
import shlex
import signal
import subprocess
import sys
import time
import urllib.request

from tests.conftest import ROOT


def test_the_demo_web_serves_on_its_own_and_writes_its_settings(tmp_path):
    env_file = tmp_path / "demo-web.env"
    server = subprocess.Popen([sys.executable, "-m", "monitor.demo", "--serve", "--env-file", str(env_file)],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        deadline = time.monotonic() + 600  # a hang guard: the wait is on the file (or the server's end)
        while not env_file.exists() and server.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert server.poll() is None, "the demo web stopped before writing its settings"
        settings = dict(shlex.split(line)[0].split("=", 1) for line in env_file.read_text().splitlines())
        assert settings["MONITOR_ALLOW_PRIVATE_NETWORKS"] == "1" and "MONITOR_DATABASE_URL" not in settings
        query = urllib.request.quote('"Lao Airlines"')
        with urllib.request.urlopen(f"{settings['MONITOR_SEARXNG_URL']}/search?q={query}&format=json", timeout=300) as r:
            assert json.load(r)["results"], "the demo SearXNG answers"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(300)
    assert not env_file.exists()  # stopped cleanly: `make run` no longer points at it


def test_make_env_exports_the_homes_of_make_run(tmp_path):
    """Both databases on make run's embedded PostgreSQL (its socket under var/postgres); the
    api-server on loopback; after `make demo`, the demo's database."""
    import os

    clean = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "MONITOR_"))}

    def exports() -> dict[str, str]:
        out = subprocess.run(["make", "-s", "env", f"VAR={tmp_path}"], cwd=ROOT, env=clean, capture_output=True,
                             text=True, check=True).stdout
        return dict(shlex.split(line.removeprefix("export "))[0].split("=", 1) for line in out.splitlines())

    settings = exports()
    assert {"AIRFLOW__CORE__DAGS_FOLDER", "MONITOR_BRANDS_FILE", "AIRFLOW__CORE__LAZY_LOAD_PLUGINS"} <= set(settings)
    assert settings["AIRFLOW_HOME"] == f"{tmp_path}/airflow"
    socket = f"?host={tmp_path}/postgres"
    assert settings["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] == f"postgresql+psycopg2://postgres@/airflow{socket}"
    assert settings["MONITOR_DATABASE_URL"] == f"postgresql+psycopg://postgres@/monitor{socket}"
    assert settings["AIRFLOW__API__HOST"] == "127.0.0.1" and settings["MONITOR_PUBLIC_URL"] == "http://127.0.0.1:8080/"
    (tmp_path / "demo").mkdir()
    (tmp_path / "demo" / "monitor-database").write_text("demo\n")
    assert exports()["MONITOR_DATABASE_URL"] == f"postgresql+psycopg://postgres@/demo{socket}"


def test_the_demos_owner_links_point_at_make_run_signed_with_its_key(tmp_path, monkeypatch):
    """The demo's emails used to carry no links (no MONITOR_PUBLIC_URL). Now they point at make
    run's UI, with make run's secret, and make run shows the demo's database afterwards."""
    from monitor import local
    from monitor.demo import __main__ as demo
    from monitor.demo.dns import DemoDns
    from monitor.demo.web import DemoWeb
    from monitor.demo.whois import DemoWhois

    monkeypatch.setattr(demo, "VAR", tmp_path)
    monkeypatch.setattr(demo, "DEMO", tmp_path / "demo")
    (tmp_path / "demo").mkdir()
    with DemoWeb() as web, DemoDns({}) as dns_server, DemoWhois({}) as whois:
        settings = demo.demo_environment(web, dns_server, whois, local.database_url(tmp_path, local.DEMO_DB))
    run = local.run_environment(tmp_path, environ={})
    assert settings["MONITOR_PUBLIC_URL"] == run["MONITOR_PUBLIC_URL"] == "http://127.0.0.1:8080/"
    assert settings["MONITOR_SECRET_KEY"] == run["MONITOR_SECRET_KEY"] and len(run["MONITOR_SECRET_KEY"]) >= 32
    local.demo_marker(tmp_path).write_text("demo\n")
    assert local.run_environment(tmp_path, environ={})["MONITOR_DATABASE_URL"] == settings["MONITOR_DATABASE_URL"]
    # the demo web's env file (make demo-web, read by make run) leaves these to make run
    assert set(demo.RUN_OWN) >= {"MONITOR_PUBLIC_URL", "MONITOR_SECRET_KEY", "MONITOR_DATABASE_URL"}


def test_the_demo_prints_the_first_owner_link_of_its_digests(tmp_path):
    from email.message import EmailMessage

    from monitor.demo.__main__ import owner_link

    message = EmailMessage()
    message["Subject"] = "digest"
    message.set_content("Yes, this is fake: http://127.0.0.1:8080/monitor/act/57/confirmed?t=abc.def\n")
    (tmp_path / "a.eml").write_bytes(message.as_bytes())
    assert owner_link(tmp_path) == ("a.eml", "http://127.0.0.1:8080/monitor/act/57/confirmed?t=abc.def")
