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


def test_make_env_exports_the_homes_of_make_run():
    exports = subprocess.run(["make", "-s", "env"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    names = {line.split("=", 1)[0].removeprefix("export ") for line in exports.splitlines()}
    assert {"AIRFLOW_HOME", "AIRFLOW__CORE__DAGS_FOLDER", "MONITOR_DATABASE_URL", "MONITOR_BRANDS_FILE",
            "AIRFLOW__CORE__LAZY_LOAD_PLUGINS"} <= names
    assert f"export AIRFLOW_HOME={ROOT}/var/airflow" in exports
