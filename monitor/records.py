"""Records that travel between steps (Airflow XComs, JSON): small frozen dataclasses that
turn into plain dicts and back, so no step copies another's fields key by key."""

from __future__ import annotations

from dataclasses import asdict, fields
from typing import Any, Self


class Record:
    """Mix into a dataclass: as_dict() and from_dict(), which ignores keys it does not know
    (a record written by an older task)."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]
        return cls(**{k: v for k, v in data.items() if k in names})
