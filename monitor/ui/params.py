"""Strict parsing of what a request carries (path segments, query and form values). Pure.

Everything that arrives is hostile: `str.isdigit()` is true for '²' and '١٢' (and int() reads
the second as 12), dates near the end of the calendar overflow when a day is added, a NUL
cannot go into a PostgreSQL string, and a huge integer does not fit a database column. So
numbers are ASCII digits within bounds, dates are YYYY-MM-DD within a plausible range, and
text has no NUL. A value that fails raises BadParameter naming the parameter (a 4xx, never
a 500).

Finding, takedown and campaign references are written F26, T24 and C7 everywhere people read
them; both that form and the bare number are accepted as input.
"""

from __future__ import annotations

import datetime as dt
import re

from monitor.campaigns.describe import CAMPAIGN_PREFIX

MAX_ID = 2**31 - 1  # an INTEGER column on every database we support
EARLIEST_DATE = dt.date(1990, 1, 1)
LATEST_DATE = dt.date(2999, 12, 31)
_DIGITS = re.compile(r"[0-9]{1,12}", re.ASCII)
_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})", re.ASCII)
FINDING_PREFIX = "F"
TAKEDOWN_PREFIX = "T"
_WHAT = {FINDING_PREFIX: "finding", TAKEDOWN_PREFIX: "takedown", CAMPAIGN_PREFIX: "campaign"}


class BadParameter(ValueError):
    """A request value that cannot be used; the message names the parameter."""

    def __init__(self, name: str, message: str):
        super().__init__(message)
        self.name = name


def _shown(raw: str) -> str:
    return repr(raw if len(raw) <= 40 else raw[:40] + "…")


def whole_number(raw: str, name: str, *, low: int, high: int) -> int:
    """ASCII digits only, within [low, high]; BadParameter otherwise."""
    text = raw.strip()
    if not _DIGITS.fullmatch(text):
        raise BadParameter(name, f"{name}={_shown(raw)}: expected a whole number written with the digits 0-9")
    value = int(text)
    if not low <= value <= high:
        raise BadParameter(name, f"{name}={_shown(raw)}: expected a number from {low} to {high}")
    return value


def reference(raw: str, name: str, prefix: str) -> int:
    """A finding (F26), takedown (T24) or campaign (C7) reference, or its bare number; BadParameter
    otherwise."""
    text = raw.strip()
    if text[:1].upper() == prefix:
        text = text[1:]
    what = _WHAT[prefix]
    if not _DIGITS.fullmatch(text) or not 1 <= int(text) <= MAX_ID:
        raise BadParameter(name, f"{name}={_shown(raw)}: expected a {what} such as {prefix}26 (or 26)")
    return int(text)


def finding_ref(finding_id: int) -> str:
    return f"{FINDING_PREFIX}{finding_id}"


def takedown_ref(takedown_id: int) -> str:
    return f"{TAKEDOWN_PREFIX}{takedown_id}"


def calendar_date(raw: str, name: str) -> dt.date | None:
    """YYYY-MM-DD in ASCII digits, between EARLIEST_DATE and LATEST_DATE; '' is None."""
    text = raw.strip()
    if not text:
        return None
    match = _DATE.fullmatch(text)
    example = "expected a date such as 2026-11-28"
    if not match:
        raise BadParameter(name, f"{name}={_shown(raw)}: {example}")
    try:
        value = dt.date(*(int(g) for g in match.groups()))
    except ValueError:
        raise BadParameter(name, f"{name}={_shown(raw)}: {example} (no such day)") from None
    if not EARLIEST_DATE <= value <= LATEST_DATE:
        raise BadParameter(name, f"{name}={_shown(raw)}: a date from {EARLIEST_DATE} to {LATEST_DATE}")
    return value


def text(raw: str | None, name: str, *, limit: int) -> str:
    """Free text, stripped and cut to `limit` characters; BadParameter when it holds a NUL."""
    value = (raw or "").strip()
    if "\x00" in value:
        raise BadParameter(name, f"{name}: a NUL character cannot be searched for or stored")
    return value[:limit]
