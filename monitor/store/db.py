"""Engine, sessions and migrations for the monitor database (SQLite or PostgreSQL)."""

from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any, overload

from sqlalchemy import CursorResult, Engine, Result, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import ConnectionPoolEntry

if TYPE_CHECKING:
    from alembic.config import Config


@overload
def as_utc(value: dt.datetime) -> dt.datetime: ...


@overload
def as_utc(value: None) -> None: ...


@overload
def as_utc(value: dt.datetime | None) -> dt.datetime | None: ...


def as_utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite hands timezone-aware columns back naive: they were stored as UTC."""
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def matched_rows(result: Result[*tuple[Any, ...]]) -> int:
    """The rows an UPDATE or DELETE matched. Session.execute says it returns a Result; for
    such a statement it is a CursorResult, which has the count (SQLAlchemy's own advice)."""
    if not isinstance(result, CursorResult):
        raise TypeError(f"no row count in a {type(result).__name__}: not an UPDATE or DELETE")
    return result.rowcount


def make_engine(url: str) -> Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        # Several Airflow task processes write at once: wait for the lock instead of failing.
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.close()

        return engine
    return create_engine(url, pool_pre_ping=True)


def session_factory(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(engine, expire_on_commit=False)


def factory_for(url: str) -> sessionmaker[Session]:
    """Sessions on the database at url (Settings.database_url)."""
    return session_factory(make_engine(url))


def alembic_config(url: str) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(resources.files("monitor.store") / "migrations"))
    # '%' must be doubled for ConfigParser interpolation (passwords may contain it)
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


def upgrade(url: str, revision: str = "head") -> None:
    """Apply migrations up to revision (`monitor db upgrade`)."""
    from alembic import command

    engine = make_engine(url)  # creates the SQLite directory if needed
    engine.dispose()
    command.upgrade(alembic_config(url), revision)


def current_revision(url: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    finally:
        engine.dispose()


class DatabaseNotReady(RuntimeError):
    """The monitor database cannot be used as it is; the message says what to do."""


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    if head is None:  # the package ships its migrations: cannot happen but in a broken install
        raise RuntimeError("no migrations in monitor.store.migrations")
    return head


def masked_url(url: str) -> str:
    """The URL without its password, for messages."""
    return make_url(url).render_as_string(hide_password=True)


def ready_factory(url: str, *, migrate: bool = False) -> sessionmaker[Session]:
    """Sessions on a database that is reachable and migrated to head. migrate: bring it there
    first (the embedded SQLite default, created on first use). Otherwise DatabaseNotReady
    with what to do, instead of a driver's traceback."""
    from sqlalchemy.exc import DBAPIError, OperationalError

    parsed = make_url(url)
    where = parsed.host or parsed.database or url
    head = head_revision()
    try:
        revision = current_revision(url)
        if migrate and revision != head:
            upgrade(url)
            revision = current_revision(url)
    except (OperationalError, DBAPIError) as exc:
        raise DatabaseNotReady(f"cannot reach the database at {where} ({type(exc.orig or exc).__name__})") from None
    if revision != head:
        raise DatabaseNotReady(f"database {masked_url(url)} not migrated (at {revision or 'no revision'}, "
                               f"needs {head}): run `monitor db upgrade`")
    return factory_for(url)
