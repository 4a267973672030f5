"""The production topology as processes on this machine (no Docker): a fresh Airflow
metadata database and monitor database on PostgreSQL, Redis as the Celery broker,
api-server, scheduler, dag-processor and Celery workers, all from the same settings the
compose file uses, against the demo web and a local SMTP server. Used by
tests/test_distributed.py and bench/run_bench.py."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import requests
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


class Topology:
    def __init__(self, postgres_url: str, redis_url: str, web, smtp_port: int, workdir: Path,
                 workers: int = 2, executor: str = "CeleryExecutor", extra_env: dict[str, str] | None = None):
        from tests.conftest import free_port

        self.tag = uuid.uuid4().hex[:10]
        server = make_url(postgres_url)  # a host and port, or a Unix socket (?host=/dir) like make run's
        self.admin = create_engine(server.set(drivername="postgresql+psycopg"), isolation_level="AUTOCOMMIT")
        self.airflow_db, self.monitor_db = f"af_{self.tag}", f"mon_{self.tag}"
        self.port = free_port()
        self.workdir = workdir
        self.workers = workers if executor == "CeleryExecutor" else 0
        self.processes: list[subprocess.Popen] = []
        self.logs: dict[str, Path] = {}

        def url(driver: str, database: str) -> str:
            return server.set(drivername=driver, database=database).render_as_string(hide_password=False)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "MONITOR_"))}
        env.update({
            "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}",
            "AIRFLOW_HOME": str(workdir / "airflow"),
            "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
            "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
            "AIRFLOW__CORE__EXECUTOR": executor,
            "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": url("postgresql+psycopg2", self.airflow_db),
            "AIRFLOW__CELERY__BROKER_URL": redis_url,
            "AIRFLOW__CELERY__RESULT_BACKEND": "db+" + url("postgresql", self.airflow_db),
            "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"http://127.0.0.1:{self.port}/execution/",
            "AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS": "True",  # the test is the only client
            "AIRFLOW__API_AUTH__JWT_SECRET": f"secret-{self.tag}",  # shared by every process
            "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",
            "AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL": "5",
            "MONITOR_DATABASE_URL": url("postgresql+psycopg", self.monitor_db),
            "MONITOR_BRANDS_FILE": str(ROOT / "config" / "brands.yaml"),
            "MONITOR_SOURCES": "searxng",
            "MONITOR_TAKEDOWNS_PER_RUN": "0",  # no drafting: it would look up registrars
            "AIRFLOW_CONN_SMTP_DEFAULT": f"smtp://127.0.0.1:{smtp_port}?disable_ssl=true&disable_tls=true",
        })
        env.update(web.source_environment())
        env.update(extra_env or {})
        self.env = env
        self.api = f"http://127.0.0.1:{self.port}/api/v2"

    def _run(self, *command: str) -> None:
        subprocess.run([str(BIN / command[0]), *command[1:]], env=self.env, check=True, capture_output=True)

    def _start(self, name: str, *command: str) -> None:
        log = self.workdir / f"{name}.log"
        self.logs[name] = log
        with log.open("w") as out:
            self.processes.append(subprocess.Popen([str(BIN / "airflow"), *command], env=self.env, stdout=out,
                                                   stderr=subprocess.STDOUT, start_new_session=True))

    def __enter__(self) -> Topology:
        with self.admin.connect() as connection:
            connection.execute(text(f'CREATE DATABASE "{self.airflow_db}"'))
            connection.execute(text(f'CREATE DATABASE "{self.monitor_db}"'))
        try:
            # what airflow-init does in docker-compose.yml
            self._run("airflow", "db", "migrate")
            self._run("monitor", "db", "upgrade")
            self._run("airflow", "pools", "set", "monitor_fetch", "8", "outbound fetching")
            self._start("api-server", "api-server", "--port", str(self.port))
            self._start("scheduler", "scheduler")
            self._start("dag-processor", "dag-processor")
            for number in range(1, self.workers + 1):
                self._start(f"worker{number}", "celery", "worker", "--concurrency", "2",
                            "--celery-hostname", f"worker{number}-{self.tag}@%h")
            if self.deadline == float("inf"):
                self.guard(900)  # start-up: migrations and four processes on a busy machine
            self.wait_for_dag("brand_monitor")
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    # Waiting: on states, never on a fixed time per step. A poll that times out on a busy
    # machine is asked again; only the hang guard (one per test, `guard`) ends a wait.
    deadline = float("inf")
    POLL_TIMEOUT = 60  # seconds for one API answer; a slower one is asked again

    def guard(self, seconds: float) -> None:
        """One generous limit for everything the caller waits on from now: a hung topology
        fails with what it was waiting for, a slow one is waited for."""
        self.deadline = time.monotonic() + seconds

    def _past_guard(self, what: str) -> None:
        """Fail now if a process of the topology has stopped, or when the hang guard is past."""
        for process, (name, log) in zip(self.processes, self.logs.items(), strict=True):
            if process.poll() is not None:
                raise RuntimeError(f"the {name} stopped (exit {process.returncode}) while waiting: {what}\n"
                                   f"{log.read_text(errors='replace')[-3000:]}")
        if time.monotonic() > self.deadline:
            raise TimeoutError(f"hang guard: {what} (logs in {self.workdir})")

    def _get(self, path: str, **params) -> requests.Response:
        """GET from the API, asked again after a timeout or a refused connection."""
        while True:
            try:
                return requests.get(f"{self.api}{path}", params=params, timeout=self.POLL_TIMEOUT)
            except (requests.ConnectionError, requests.Timeout) as exc:
                self._past_guard(f"GET {path}: {exc}")
                time.sleep(2)

    def _send(self, method: str, path: str, body: dict) -> requests.Response:
        """A write to the API; not repeated (it could act twice), but given all the time it needs."""
        response = requests.request(method, f"{self.api}{path}", json=body, timeout=600)
        response.raise_for_status()
        return response

    def wait_for_dag(self, dag_id: str) -> None:
        while True:
            if self._get(f"/dags/{dag_id}").status_code == 200:
                return
            self._past_guard(f"{dag_id} not visible through the API")
            time.sleep(1)

    def unpause(self, dag_id: str) -> None:
        self._send("PATCH", f"/dags/{dag_id}", {"is_paused": False})

    def trigger(self, dag_id: str, conf: dict, logical_date: str | None = None) -> str:
        return self._send("POST", f"/dags/{dag_id}/dagRuns", {"logical_date": logical_date, "conf": conf}
                          ).json()["dag_run_id"]

    def backfill(self, dag_id: str, from_date: str, to_date: str, conf: dict | None = None) -> int:
        return self._send("POST", "/backfills", {
            "dag_id": dag_id, "from_date": from_date, "to_date": to_date, "dag_run_conf": conf or {},
            "reprocess_behavior": "completed", "max_active_runs": 3}).json()["id"]

    def runs(self, dag_id: str) -> list[dict]:
        response = self._get(f"/dags/{dag_id}/dagRuns", limit=100)
        response.raise_for_status()
        return response.json()["dag_runs"]

    def wait_for_all_runs(self, dag_id: str, expected: int = 1) -> list[dict]:
        """Wait until the DAG has at least `expected` runs and none is queued or running."""
        while True:
            runs = self.runs(dag_id)
            if len(runs) >= expected and all(run["state"] in ("success", "failed") for run in runs):
                return runs
            self._past_guard(f"runs of {dag_id} still going: {[(r['dag_run_id'], r['state']) for r in runs]}")
            time.sleep(2)

    def wait_for_run(self, dag_id: str, run_id: str, timeout: float | None = None) -> str:
        if timeout is not None:  # bench/run_bench.py: a guard of its own
            self.guard(timeout)
        while True:
            response = self._get(f"/dags/{dag_id}/dagRuns/{run_id}")
            response.raise_for_status()
            state = response.json()["state"]
            if state in ("success", "failed"):
                return state
            self._past_guard(f"{run_id} still {state}")
            time.sleep(1)

    def task_instances(self, dag_id: str, run_id: str) -> list[dict]:
        """Every task instance of a run (the API pages by 100 at most)."""
        instances: list[dict] = []
        while True:
            response = self._get(f"/dags/{dag_id}/dagRuns/{run_id}/taskInstances", limit=100, offset=len(instances))
            response.raise_for_status()
            page = response.json()
            instances += page["task_instances"]
            if not page["task_instances"] or len(instances) >= page["total_entries"]:
                return instances

    def monitor_engine(self):
        return create_engine(self.env["MONITOR_DATABASE_URL"])

    def __exit__(self, *exc: object) -> None:
        for process in self.processes:
            try:
                os.killpg(process.pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for process in self.processes:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        with self.admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.airflow_db}" WITH (FORCE)'))
            connection.execute(text(f'DROP DATABASE IF EXISTS "{self.monitor_db}" WITH (FORCE)'))
        self.admin.dispose()
