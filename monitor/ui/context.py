"""What every route of the Findings app shares, kept on the app's state: the settings (read
once, at the first request), the database's session factory, the brand registry, the
templates, the Airflow auth adapter, the clock and the CSRF secret."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from functools import cached_property

from jinja2 import Environment
from sqlalchemy.orm import Session, sessionmaker
from starlette.requests import HTTPConnection

from monitor.clock import utcnow
from monitor.settings import Settings
from monitor.ui.auth import AirflowAuth
from monitor.ui.brands import BrandName, RegistryReader
from monitor.ui.pages import environment

log = logging.getLogger(__name__)


class AppContext:
    """Settings default to Settings.from_env(), read at the first request (a bad setting then
    fails that request, not the api-server's start)."""

    def __init__(self, settings: Settings | None = None, *, auth: AirflowAuth | None = None,
                 clock: Callable[[], dt.datetime] = utcnow):
        self._settings = settings
        self.auth = auth or AirflowAuth()
        self.clock = clock
        self.templates: Environment = environment()

    @cached_property
    def settings(self) -> Settings:
        return self._settings or Settings.from_env()

    @cached_property
    def sessions(self) -> sessionmaker[Session]:
        from monitor.store.db import factory_for

        return factory_for(self.settings.database_url)

    @cached_property
    def brands(self) -> RegistryReader:
        return RegistryReader(self.settings.brands_file)

    @cached_property
    def csrf_secret(self) -> str:
        secret = self.settings.secret_key or self.auth.fallback_secret()
        if not secret:
            raise RuntimeError("no secret for CSRF tokens: set MONITOR_SECRET_KEY or Airflow's [api] secret_key")
        return secret

    def brand_names(self, extra_ids: Sequence[str] = ()) -> dict[str, BrandName]:
        """The registry's brands by id (names, Lao names); slugs alone if it cannot be read."""
        try:
            return self.brands.names(extra_ids)
        except Exception:  # a page must still show, with slugs
            log.exception("cannot read the brand registry %s", self.settings.brands_file)
            return {b: BrandName(b, b, None) for b in extra_ids}


def context_of(connection: HTTPConnection) -> AppContext:
    """The context of the app a request came to (set by create_app)."""
    return connection.app.state.context
