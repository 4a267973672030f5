"""How a setting is declared, read and documented. Each field of `Settings` is declared once, with
`setting(...)`: its variable, its kind (how the variable's text becomes a value), its default,
bounds and help. `Settings.from_env` and the README's settings table are derived from these
declarations. Pure: it reads a mapping, never os.environ; a bad value is a SettingsError that
starts with the variable's name."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from monitor.detection.domains import is_http_url
from monitor.secret_strength import MAKE_A_SECRET, secret_problem


class SettingsError(ValueError):
    """A bad setting; the message starts with the variable's name."""

    @property
    def setting(self) -> str | None:
        """The variable the message names (MONITOR_..., AIRFLOW__...), or None."""
        found = _SETTING_NAME.match(str(self))
        return found.group(0) if found else None


_SETTING_NAME = re.compile(r"(?:MONITOR|AIRFLOW)_[A-Z0-9_]*[A-Z0-9]")


class SettingKind(Enum):
    """How a variable's text becomes a value. Unset or empty is the default, unless said."""

    TEXT = "text"  # the text as it is
    PATH = "path"
    FLAG = "flag"  # 1/0, true/false, yes/no, on/off
    WHOLE = "whole"  # a whole number within the bounds
    MILLISECONDS = "milliseconds"  # a whole number of milliseconds within the bounds; the value is in seconds
    CRON = "cron"  # five fields, or @daily, @hourly...; the default is checked too
    HTTP_URL = "http_url"  # an http(s) URL, given a trailing slash (unset: the default as it is)
    PORTS = "ports"  # comma-separated port numbers
    EMAILS = "emails"  # comma-separated email addresses
    EMAIL = "email"  # the first of comma-separated email addresses, or None
    SECRET = "secret"  # a signing secret, refused when weak (secret_strength)
    CUSTOM = "custom"  # its own parser


# A custom parser: (environment, its declaration, its default) -> the value.
Parser = Callable[[Mapping[str, str], "SettingSpec", Any], Any]


@dataclass(frozen=True)
class Variable:
    """A variable as the README's settings table shows it (one row)."""

    env: str
    shown_default: str
    accepts: str
    help: str


@dataclass(frozen=True)
class SettingSpec:
    """One setting's declaration (in the metadata of its Settings field)."""

    env: str  # the variable, MONITOR_...
    kind: SettingKind
    help: str  # its meaning, as the README's table says it
    low: int | None = None  # bounds of WHOLE and MILLISECONDS, both included
    high: int | None = None
    shown_default: str | None = None  # the README's default when it is not the value itself
    parser: Parser | None = None  # for CUSTOM
    accepts: str | None = None  # the README's accepted values when not said by the kind
    also: tuple[Variable, ...] = ()  # further variables its parser reads, each with its own row

    def __post_init__(self) -> None:  # a slip in a declaration fails at import, not at the first read
        if self.kind in (SettingKind.WHOLE, SettingKind.MILLISECONDS) and (self.low is None or self.high is None):
            raise TypeError(f"{self.env}: a number setting needs both bounds")
        if (self.kind is SettingKind.CUSTOM) != (self.parser is not None):
            raise TypeError(f"{self.env}: a parser is for CUSTOM settings, and they need one")


SETTING = "setting"  # the key of a field's SettingSpec in its metadata


def setting(env: str, kind: SettingKind, help: str, *, default: Any = MISSING,
            default_factory: Callable[[], Any] | Any = MISSING, low: int | None = None, high: int | None = None,
            shown_default: str | None = None, parser: Parser | None = None, accepts: str | None = None,
            also: tuple[Variable, ...] = (), repr: bool = True) -> Any:
    """A Settings field declared with its variable (a dataclasses.field carrying a SettingSpec)."""
    spec = SettingSpec(env, kind, help, low, high, shown_default, parser, accepts, also)
    return field(default=default, default_factory=default_factory, repr=repr, metadata={SETTING: spec})


def read_setting(env: Mapping[str, str], spec: SettingSpec, default: Any) -> Any:
    """The value of one setting from the environment, by its kind; SettingsError when bad."""
    raw = env.get(spec.env)
    match spec.kind:
        case SettingKind.TEXT:
            return raw or default
        case SettingKind.PATH:
            return Path(raw) if raw else default
        case SettingKind.FLAG:
            return read_flag(env, spec.env, default)
        case SettingKind.WHOLE:
            return read_whole(env, spec.env, default, _bound(spec.low), _bound(spec.high))
        case SettingKind.MILLISECONDS:
            return read_whole(env, spec.env, round(default * 1000), _bound(spec.low), _bound(spec.high)) / 1000
        case SettingKind.CRON:
            return read_cron(env, spec.env, default)
        case SettingKind.HTTP_URL:
            return read_http_url(env, spec.env, default) if raw else default
        case SettingKind.PORTS:
            return read_ports(env, spec.env)
        case SettingKind.EMAILS:
            return read_emails(env, spec.env)
        case SettingKind.EMAIL:
            return (read_emails(env, spec.env) or (None,))[0]
        case SettingKind.SECRET:
            return read_secret(env, spec.env)
        case SettingKind.CUSTOM:
            assert spec.parser is not None  # checked by SettingSpec
            return spec.parser(env, spec, default)


# What each kind accepts, as the README says it (None: nothing to add).
_ACCEPTS = {
    SettingKind.TEXT: None, SettingKind.PATH: "a path", SettingKind.FLAG: "1/0, true/false, yes/no, on/off",
    SettingKind.CRON: "a cron expression (five fields, or `@daily`, `@hourly`)", SettingKind.HTTP_URL: "an http(s) URL",
    SettingKind.PORTS: "port numbers, comma-separated", SettingKind.EMAILS: "email addresses, comma-separated",
    SettingKind.EMAIL: "an email address", SettingKind.SECRET: "a strong secret", SettingKind.CUSTOM: None,
}


def documented(spec: SettingSpec, default: Any) -> list[Variable]:
    """The README's rows of one setting: its own, then those of the further variables it reads."""
    if spec.shown_default is not None:
        shown = spec.shown_default
    elif default is None or (isinstance(default, tuple | dict) and not default):
        shown = "–"
    elif isinstance(default, bool):
        shown = "`1`" if default else "`0`"
    elif spec.kind is SettingKind.MILLISECONDS:
        shown = f"`{round(default * 1000)}`"
    else:
        shown = f"`{default}`"
    if spec.accepts is not None:
        accepts = spec.accepts
    elif spec.kind in (SettingKind.WHOLE, SettingKind.MILLISECONDS):
        accepts = f"{spec.low} to {spec.high}"
    else:
        accepts = _ACCEPTS[spec.kind] or ""
    return [Variable(spec.env, shown, accepts, spec.help), *spec.also]


def markdown_table(variables: list[Variable]) -> str:
    """The README's settings table (Markdown), one row per variable."""
    lines = ["| variable | default | accepts | meaning |", "|---|---|---|---|"]
    lines += [f"| `{v.env}` | {v.shown_default} | {v.accepts} | {v.help} |" for v in variables]
    return "\n".join(lines) + "\n"


def _bound(value: int | None) -> int:
    assert value is not None  # checked by SettingSpec
    return value


def read_flag(env: Mapping[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise SettingsError(f"{name}={raw!r}: expected 1/0, true/false, yes/no or on/off")


def read_whole(env: Mapping[str, str], name: str, default: Any, low: int, high: int) -> Any:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name}={raw!r}: expected a whole number") from None
    if not low <= value <= high:
        raise SettingsError(f"{name}={raw!r}: expected a number from {low} to {high}")
    return value


def read_ports(env: Mapping[str, str], name: str) -> tuple[int, ...]:
    raw = env.get(name, "")
    ports = []
    for part in (p.strip() for p in raw.split(",")):
        if not part:
            continue
        if not part.isdigit() or not 1 <= int(part) <= 65535:
            raise SettingsError(f"{name}={raw!r}: {part!r} is not a port number")
        ports.append(int(part))
    return tuple(ports)


def read_emails(env: Mapping[str, str], name: str) -> tuple[str, ...]:
    addresses = tuple(a.strip() for a in env.get(name, "").split(",") if a.strip())
    for address in addresses:
        if "@" not in address or not address.isascii() or any(c in address for c in " <>\r\n"):
            raise SettingsError(f"{name}: {address!r} is not an email address")
    return addresses


def read_cron(env: Mapping[str, str], name: str, default: str) -> str:
    value = (env.get(name) or default).strip()
    fields = value.split()
    if not (value.startswith("@") or len(fields) == 5) or any(not f.isprintable() for f in fields):
        raise SettingsError(f"{name}={value!r}: expected a cron expression of five fields (or @daily, @hourly)")
    return value


def read_http_url(env: Mapping[str, str], name: str, default: str, *, slash: bool = True) -> str:
    value = env.get(name) or default
    if not is_http_url(value):
        raise SettingsError(f"{name}={value!r}: expected an http(s) URL")
    return value if value.endswith("/") or not slash else value + "/"


def read_secret(env: Mapping[str, str], name: str) -> str | None:
    value = env.get(name) or None
    if value is not None and (problem := secret_problem(value)) is not None:
        raise SettingsError(f"{name}: {problem}; {MAKE_A_SECRET}")  # never the value itself
    return value
