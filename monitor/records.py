"""Records that travel between steps (Airflow XComs, JSON), and the one place they become
JSON and come back.

`to_json` and `from_json` convert any frozen dataclass of the pipeline by its type hints:
nested records, enums, tuples, lists, `X | None`, `dict[str, ...]`. A `Candidate` crosses in
its own JSON shape (`Candidate.to_dict`, read back by `candidate_from_dict`, which validates
it). Keys a record does not know are ignored (a record written by an older task); a missing
field, a wrong type or an unknown enum value is a `RecordError` naming the field's path.

`Record` is the older mixin (as_dict / from_dict, no type checks) kept for the records of
the CT, follow-up and store modules."""

from __future__ import annotations

import dataclasses
import enum
import functools
import types
import typing
from dataclasses import asdict, fields
from typing import Any, Self, TypeVar

from monitor.detection.models import Candidate, CandidateError, candidate_from_dict

T = TypeVar("T")


class RecordError(ValueError):
    """A JSON value that is not the record it should be: which field, and what is wrong."""


class Record:
    """Mix into a dataclass: as_dict() and from_dict(), which ignores keys it does not know
    (a record written by an older task)."""

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)  # type: ignore[call-overload]  # a mixin: the subclass is the dataclass

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Self:
        names = {f.name for f in fields(cls)}  # type: ignore[arg-type]  # a mixin: the subclass is the dataclass
        return cls(**{k: v for k, v in data.items() if k in names})


# ---------------------------------------------------------------- to JSON

def to_json(value: Any) -> Any:
    """A record (or a value inside one) as plain JSON values: dicts, lists, str, int, float,
    bool, None."""
    if isinstance(value, Candidate):
        return value.to_dict()
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_json(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (list, tuple)):
        return [to_json(v) for v in value]
    if isinstance(value, dict):
        return {str(k): to_json(v) for k, v in value.items()}
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    raise RecordError(f"{type(value).__name__} has no JSON form")


# ---------------------------------------------------------------- from JSON

def from_json(cls: type[T], data: Any) -> T:
    """The record of type cls that data (decoded JSON) describes, or RecordError."""
    return _decode(cls, data, cls.__name__)


@functools.cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _kind(value: Any) -> str:
    return "null" if value is None else type(value).__name__


def _decode(hint: Any, data: Any, path: str) -> Any:
    if hint is Any:
        return data
    if hint is Candidate:
        try:
            return candidate_from_dict(data)
        except CandidateError as exc:
            raise RecordError(f"{path}: {exc}") from None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return _decode_union(hint, data, path)
    if origin in (list, tuple):
        args = typing.get_args(hint)
        if args[1:] not in ((), (Ellipsis,)):
            raise RecordError(f"{path}: {hint} is not a type records carry (a tuple is tuple[X, ...])")
        if not isinstance(data, list):
            raise RecordError(f"{path}: expected a list, got {_kind(data)}")
        item = args[0] if args else Any
        decoded = [_decode(item, v, f"{path}[{i}]") for i, v in enumerate(data)]
        return tuple(decoded) if origin is tuple else decoded
    if origin is dict:
        if not isinstance(data, dict):
            raise RecordError(f"{path}: expected an object, got {_kind(data)}")
        value_hint = typing.get_args(hint)[1] if typing.get_args(hint) else Any
        return {str(k): _decode(value_hint, v, f"{path}.{k}") for k, v in data.items()}
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        return _decode_record(hint, data, path)
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        try:
            return hint(data)
        except ValueError:
            known = ", ".join(repr(m.value) for m in hint)
            raise RecordError(f"{path}: {data!r} is not one of {known}") from None
    return _decode_plain(hint, data, path)


def _decode_union(hint: Any, data: Any, path: str) -> Any:
    options = typing.get_args(hint)
    if data is None and type(None) in options:
        return None
    errors = []
    for option in options:
        if option is type(None):
            continue
        try:
            return _decode(option, data, path)
        except RecordError as exc:
            errors.append(str(exc))
    raise RecordError(errors[0] if len(errors) == 1 else f"{path}: {_kind(data)} fits none of {hint}")


def _decode_record(cls: type, data: Any, path: str) -> Any:
    if not isinstance(data, dict):
        raise RecordError(f"{path}: expected an object, got {_kind(data)}")
    hints = _hints(cls)
    values = {}
    for f in fields(cls):
        if f.name not in data:
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
                raise RecordError(f"{path}.{f.name}: missing")
            continue
        values[f.name] = _decode(hints[f.name], data[f.name], f"{path}.{f.name}")
    return cls(**values)


def _decode_plain(hint: Any, data: Any, path: str) -> Any:
    if hint is type(None) or hint is None:
        if data is not None:
            raise RecordError(f"{path}: expected null, got {_kind(data)}")
        return None
    if hint is float:
        ok = isinstance(data, (int, float)) and not isinstance(data, bool)
    elif hint is int:
        ok = isinstance(data, int) and not isinstance(data, bool)
    elif hint in (str, bool):
        ok = isinstance(data, hint)
    else:
        raise RecordError(f"{path}: {hint!r} is not a type records carry")
    if not ok:
        raise RecordError(f"{path}: expected {hint.__name__}, got {_kind(data)}")
    return data
