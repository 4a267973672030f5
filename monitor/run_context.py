"""What every step of a run reads, built once per task (or once per `monitor run`): the
settings, the brand registry, the scoring rules, the scorer and the database's sessions."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING

from monitor.registry import Registry
from monitor.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from monitor.detection.rules import Rules
    from monitor.detection.scoring import Scorer


class BadRequest(ValueError):
    """Params or a registry the run cannot use: fail at once, retrying cannot mend them."""


def load_registry_or_refuse(settings: Settings) -> Registry:
    """The registry, or BadRequest naming the file, line and field."""
    from monitor.registry import RegistryError, load_registry

    try:
        return load_registry(settings.brands_file)
    except RegistryError as exc:
        raise BadRequest(str(exc)) from None


@dataclass(frozen=True)
class RunContext:
    """Each part is built when a step first asks for it, then kept: a step that needs no
    registry (storing, closing abandoned runs) does not read it, and building the scorer is
    the expensive part. A bad registry raises BadRequest where a step first reads it."""

    settings: Settings

    @classmethod
    def of(cls, given: RunContext | Settings) -> RunContext:
        """A step's context: the one its task built, or one built from Settings (a one-off call)."""
        return given if isinstance(given, RunContext) else cls(given)

    @functools.cached_property
    def registry(self) -> Registry:
        return load_registry_or_refuse(self.settings)

    @functools.cached_property
    def rules(self) -> Rules:
        from monitor.detection.rules import load_rules

        return load_rules(self.settings.rules_file)

    @functools.cached_property
    def scorer(self) -> Scorer:
        from monitor.detection.scoring import Scorer

        return Scorer(self.registry, self.rules)

    @functools.cached_property
    def shared_hosting(self) -> frozenset[str]:
        return frozenset(self.rules.shared_hosting)

    @functools.cached_property
    def session_factory(self) -> sessionmaker[Session]:
        from monitor.store.db import factory_for

        return factory_for(self.settings.database_url)
