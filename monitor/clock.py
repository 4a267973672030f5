"""The clock, in one place: the current time in UTC, and how a time is shown to people."""

from __future__ import annotations

import datetime as dt

DISPLAY_FORMAT = "%Y-%m-%d %H:%M UTC"


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def display_time(value: dt.datetime | None) -> str:
    """A time as owners and ops read it (UTC, to the minute); '-' for none."""
    if value is None:
        return "-"
    if value.tzinfo is None:  # SQLite hands back naive datetimes; every stored time is UTC
        value = value.replace(tzinfo=dt.UTC)
    return value.astimezone(dt.UTC).strftime(DISPLAY_FORMAT)
