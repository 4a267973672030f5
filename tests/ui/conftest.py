"""Shared fixtures of the Findings UI tests: a monitor database filled by the pipeline over the
demo web, Airflow's real SimpleAuthManager with an admin and a viewer, and the plugin app
mounted under /monitor as the api-server mounts it."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

import pytest

from tests.ui.filldb import fill

SECRET = "test-secret-key-0123456789abcdef"
PUBLIC_URL = "http://monitor.example.test/"
USERS = "admin:admin,viewer:viewer"


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: drives headless Chromium against a real Airflow api-server")


@pytest.fixture(scope="module")
def filled_db(tmp_path_factory):
    """(database URL, folder): one pipeline run's findings, drafts and emails."""
    folder = tmp_path_factory.mktemp("ui-db")
    url = f"sqlite:///{folder / 'monitor.db'}"
    fill(url, folder)
    return url, folder


def copy_database(folder: Path, database: Path) -> str:
    """A copy of the filled SQLite database in folder (with its WAL files) at database; its URL."""
    for suffix in ("", "-wal", "-shm"):
        if (folder / f"monitor.db{suffix}").exists():
            shutil.copy(folder / f"monitor.db{suffix}", f"{database}{suffix}")
    return f"sqlite:///{database}"


@pytest.fixture(scope="module")
def auth_manager(airflow_db):
    """Airflow's SimpleAuthManager, initialised as the api-server initialises it."""
    from airflow.api_fastapi.app import init_auth_manager, purge_cached_app

    saved = os.environ.get("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS")
    os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] = USERS
    try:
        yield init_auth_manager()
    finally:
        purge_cached_app()
        if saved is None:
            os.environ.pop("AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS", None)
        else:
            os.environ["AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS"] = saved


@pytest.fixture(scope="module")
def tokens(auth_manager):
    """A JWT per user, as Airflow's login hands them out."""
    from airflow.api_fastapi.auth.managers.simple.user import SimpleAuthManagerUser

    return {role: auth_manager.generate_jwt(SimpleAuthManagerUser(username=role, role=role))
            for role in ("admin", "viewer")}


class Clock:
    def __init__(self, now: dt.datetime):
        self.now = now

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def ui_settings(filled_db, tmp_path):
    """Settings on a copy of the filled database (each test marks its own copy)."""

    from monitor.settings import Settings
    from tests.conftest import BRANDS_FILE

    _, folder = filled_db
    return Settings(database_url=copy_database(folder, tmp_path / "monitor.db"), brands_file=BRANDS_FILE,
                    outbox_dir=tmp_path / "outbox", secret_key=SECRET, public_url=PUBLIC_URL)


@pytest.fixture
def clock():
    return Clock(dt.datetime.now(dt.UTC))


@pytest.fixture
def client(ui_settings, auth_manager, clock):
    """The plugin app mounted under /monitor on a bare FastAPI app, like the api-server does."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from monitor.ui.app import create_app

    root = FastAPI()
    plugin_app = create_app(ui_settings, clock=clock)
    root.mount("/monitor", plugin_app)
    with TestClient(root, base_url="http://testserver", follow_redirects=False) as test_client:
        test_client.plugin_app = plugin_app
        yield test_client


@pytest.fixture
def owner_client(ui_settings, clock):
    """The plugin app with no Airflow login at all: owners have none."""
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from monitor.ui.app import create_app

    root = FastAPI()
    root.mount("/monitor", create_app(ui_settings, clock=clock))
    with TestClient(root, base_url="http://monitor.example.test", follow_redirects=False) as client:
        yield client
