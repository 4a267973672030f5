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
        deadline = time.monotonic() + 60
        while not env_file.exists() and time.monotonic() < deadline:
            time.sleep(0.2)
        settings = dict(shlex.split(line)[0].split("=", 1) for line in env_file.read_text().splitlines())
        assert settings["MONITOR_ALLOW_PRIVATE_NETWORKS"] == "1" and "MONITOR_DATABASE_URL" not in settings
        query = urllib.request.quote('"Lao Airlines"')
        with urllib.request.urlopen(f"{settings['MONITOR_SEARXNG_URL']}/search?q={query}&format=json", timeout=10) as r:
            assert json.load(r)["results"], "the demo SearXNG answers"
    finally:
        server.send_signal(signal.SIGTERM)
        server.wait(20)
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
