"""A real Airflow api-server for the browser test: a fresh AIRFLOW_HOME, `airflow db migrate`,
SimpleAuthManager with an admin and a viewer whose passwords we set (its passwords file is
plain JSON, {"user": "password"}, read at start; users missing from it get generated ones),
and the plugin loaded at start from the package's entry point.

`python -m tests.ui.apiserver [DB]` starts one by hand on the database DB (default the one
`python -m tests.ui.filldb` makes) and prints its address and passwords."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.conftest import BRANDS_FILE, ROOT, free_port

PASSWORDS = {"admin": "admin-password", "viewer": "viewer-password"}
VENV_BIN = Path(sys.executable).parent


class ApiServer:
    def __init__(self, home: Path, database_url: str, *, secret_key: str, port: int | None = None,
                 brands_file: Path = BRANDS_FILE):
        self.home = home
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = home / "api-server.log"
        passwords = home / "passwords.json"
        home.mkdir(parents=True, exist_ok=True)
        passwords.write_text(json.dumps(PASSWORDS), "utf-8")
        base = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "MONITOR_"))}
        self.env = base | {
            "AIRFLOW_HOME": str(home),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
            "AIRFLOW__CORE__AUTH_MANAGER":
                "airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS": "admin:admin,viewer:viewer",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE": str(passwords),
            "AIRFLOW__CORE__LAZY_LOAD_PLUGINS": "False",
            "AIRFLOW__API__SECRET_KEY": "api-secret-for-tests-0123456789",
            "AIRFLOW__API_AUTH__JWT_SECRET": "jwt-secret-for-tests-0123456789abcdef0123456789abcdef0123456789ab",
            "AIRFLOW__API__BASE_URL": self.url,
            "MONITOR_DATABASE_URL": database_url,
            "MONITOR_BRANDS_FILE": str(brands_file),
            # the takedown templates and channels stay the project's when the registry is a copy
            "MONITOR_TAKEDOWN_TEMPLATES": str(ROOT / "config" / "takedown"),
            "MONITOR_ABUSE_CHANNELS_FILE": str(ROOT / "config" / "abuse_channels.yaml"),
            "MONITOR_SECRET_KEY": secret_key,
            "MONITOR_PUBLIC_URL": self.url + "/",
        }
        self.process: subprocess.Popen | None = None

    def migrate(self) -> None:
        with self.log.open("a") as out:
            subprocess.run([str(VENV_BIN / "airflow"), "db", "migrate"], env=self.env, stdout=out,
                           stderr=subprocess.STDOUT, check=True, timeout=300)

    def start(self, timeout: float = 180) -> None:
        out = self.log.open("a")
        self.process = subprocess.Popen([str(VENV_BIN / "airflow"), "api-server", "--host", "127.0.0.1", "--port",
                                         str(self.port), "--workers", "1"], env=self.env, stdout=out,
                                        stderr=subprocess.STDOUT, start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"api-server exited with {self.process.returncode}; see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/api/v2/monitor/health", timeout=2):
                    return
            except (urllib.error.URLError, OSError):
                time.sleep(1)
        self.stop()
        raise RuntimeError(f"api-server did not answer in {timeout:.0f}s; see {self.log}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)  # its own session: uvicorn and its workers
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
        self.process = None

    def __enter__(self) -> ApiServer:
        self.migrate()
        self.start()
        return self

    def __exit__(self, *exc) -> None:
        self.stop()


if __name__ == "__main__":
    database = Path(sys.argv[1] if len(sys.argv) > 1 else "var/ui-demo/monitor.db").resolve()
    server = ApiServer(Path("var/ui-demo/airflow").resolve(), f"sqlite:///{database}",
                       secret_key="dev-secret-key-0123456789abcdef", port=int(os.environ.get("PORT", "0")) or None)
    with server:
        print(f"api-server on {server.url} (log {server.log}); users {PASSWORDS}; Ctrl-C stops it", flush=True)
        try:
            server.process.wait()
        except KeyboardInterrupt:
            pass
