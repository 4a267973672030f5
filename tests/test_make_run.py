"""`make run` as an analyst uses it: Airflow on the embedded PostgreSQL, and the README's backfill
typed in a second shell while the scheduler runs (on SQLite this locked the database and killed
the scheduler, and on a paused DAG the backfill's runs stayed queued)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import urllib.request

import pytest
from sqlalchemy import create_engine, text

from monitor.demo.web import DemoWeb
from monitor.local import database_url
from tests.conftest import ROOT, free_port

pytestmark = pytest.mark.airflow
HANG_GUARD = 1200  # seconds: a hung run, not a speed target (about 3 minutes alone on 2 busy cores)


def _clean_environment() -> dict[str, str]:
    """The environment of a new shell: none of the test session's Airflow or monitor settings."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "MONITOR_"))}


def _wait(what: str, done, deadline: float, process: subprocess.Popen, log) -> object:
    """Poll until done() is truthy; fail at once if make run stopped, or at the hang guard."""
    while True:
        result = done()
        if result:
            return result
        if process.poll() is not None:
            pytest.fail(f"make run stopped (exit {process.returncode}) while waiting for {what}:\n{log.read_text()[-4000:]}")
        if time.monotonic() > deadline:
            pytest.fail(f"hang guard: {what} not reached; make run's output ends:\n{log.read_text()[-4000:]}")
        time.sleep(2)


def _listening(pid: int) -> set[tuple[str, int]]:
    """The TCP addresses that a process and all its children listen on."""
    import psutil

    root = psutil.Process(pid)
    found = set()
    for process in [root, *root.children(recursive=True)]:
        try:
            found |= {(c.laddr.ip, c.laddr.port) for c in process.net_connections(kind="inet")
                      if c.status == psutil.CONN_LISTEN}
        except psutil.NoSuchProcess:
            pass
    return found


def _api_up(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v2/monitor/health", timeout=5) as response:
            return response.status == 200
    except OSError:
        return False


def test_the_readme_backfill_from_a_second_shell_runs_while_the_scheduler_stays_alive(tmp_path):
    deadline = time.monotonic() + HANG_GUARD
    var, port = tmp_path / "var", free_port()
    make = ["make", "-s", f"VAR={var}", f"RUN_PORT={port}"]
    log = tmp_path / "make-run.log"
    with DemoWeb() as web:
        env = _clean_environment() | web.source_environment() | {
            "MONITOR_SOURCES": "searxng", "MONITOR_TAKEDOWNS_PER_RUN": "0",
            # log servers on ports of their own (another Airflow on this machine may hold 8793)
            "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT": str(free_port()),
            "AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT": str(free_port()),
        }
        with log.open("w") as out:
            make_run = subprocess.Popen([*make, "run"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT,
                                        start_new_session=True)
        try:
            _wait("the api-server", lambda: _api_up(port), deadline, make_run, log)
            _wait("make run's banner", lambda: "Airflow is ready" in log.read_text(), deadline, make_run, log)
            assert f"listening on 127.0.0.1:{port}" in log.read_text()
            # the api-server and the log server (task and triggerer logs), on loopback only
            ports = {port, int(env["AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT"]),
                     int(env["AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT"])}

            def all_listening():
                found = _listening(make_run.pid)
                return found if ports <= {p for _, p in found} else None

            listening = _wait("the log server", all_listening, deadline, make_run, log)
            assert {ip for ip, _ in listening} == {"127.0.0.1"}, listening

            # the README, as written: a second shell with the homes of make run
            shell = subprocess.run(
                ["bash", "-c", f'eval "$({" ".join(make)} env)" && airflow dags unpause brand_monitor && '
                 "airflow backfill create --dag-id brand_monitor "
                 "--from-date 2026-11-01T00:00:00 --to-date 2026-11-01T02:00:00"],
                cwd=ROOT, env=_clean_environment(), capture_output=True, text=True, check=False,
                timeout=max(deadline - time.monotonic(), 1))  # the hang guard
            assert shell.returncode == 0, shell.stdout[-3000:] + shell.stderr[-3000:]

            engine = create_engine(database_url(var, "airflow"))

            def runs():
                with engine.connect() as connection:
                    return connection.execute(text("SELECT run_id, run_type, state FROM dag_run "
                                                   "WHERE dag_id = 'brand_monitor'")).all()

            def all_finished():
                found = runs()
                backfills = [r for r in found if r.run_type == "backfill"]
                return len(backfills) == 3 and all(r.state in ("success", "failed") for r in found) and found

            finished = _wait("the backfill's runs to finish", all_finished, deadline, make_run, log)
            assert all(r.state == "success" for r in finished), finished
            assert {r.run_id for r in finished if r.run_type == "backfill"} == {
                f"backfill__2026-11-01T0{h}:00:00+00:00" for h in (1, 2, 3)}
            # unpausing started the hourly schedule: the latest interval ran too
            assert any(r.run_type == "scheduled" for r in finished)

            # the scheduler is still alive: make run is up, and the scheduler job keeps heartbeating
            with engine.connect() as connection:
                beat = connection.execute(text(
                    "SELECT state, now() - latest_heartbeat < interval '60 seconds' FROM job "
                    "WHERE job_type = 'SchedulerJob' ORDER BY id DESC LIMIT 1")).one()
            engine.dispose()
            assert make_run.poll() is None and tuple(beat) == ("running", True), beat
            assert "database is locked" not in log.read_text()
        finally:
            os.killpg(make_run.pid, signal.SIGTERM)
            make_run.wait(120)
    # make itself exits at once; its python stops the components, then PostgreSQL
    while (var / "postgres" / "postmaster.pid").exists() and time.monotonic() < deadline:
        time.sleep(1)
    assert "stopping Airflow, then PostgreSQL" in log.read_text()
    assert not (var / "postgres" / "postmaster.pid").exists(), "make run stops its PostgreSQL"
