"""Which logs to read: the public v3 log list (MONITOR_CT_LOG_LIST_URL), cached for a day.

Only logs whose state is usable or qualified and whose temporal interval covers now are read:
a retired or read-only log gets no new certificates, and a log for certificates expiring in
2028 gets them too, so it is read as long as its interval has not ended. RFC 6962 logs are
under operators[].logs[] (url), static-CT logs under operators[].tiled_logs[]
(monitoring_url, and submission_url, whose schema-less form is the checkpoint's origin).

The list is configuration: the logs it names are endpoints the operator chose by choosing
the list, trusted like it (monitor.fetch.http: trust_configured)."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from monitor.clock import utcnow
from monitor.collectors.base import LayoutChanged, load_json
from monitor.collectors.ct.signatures import log_id
from monitor.detection.domains import is_http_url
from monitor.fetch.feeds import private_directory
from monitor.records import Record

if TYPE_CHECKING:
    from monitor.fetch.http import Fetcher

READ_STATES = ("usable", "qualified")
LIST_MAX_BYTES = 10_000_000  # the public list is about 100 kB
LIST_CACHE_FOR = dt.timedelta(days=1)
RFC6962, STATIC = "rfc6962", "static"


@dataclass(frozen=True)
class CtLog(Record):
    """One log to read, as the list describes it (JSON-friendly: it travels as an XCom)."""

    log_id: str  # base64 of SHA-256(key): the cursor's key
    description: str
    key: str  # base64 SubjectPublicKeyInfo DER
    url: str  # RFC 6962: the log's base URL; static: the monitoring prefix; ends with '/'
    api: str  # rfc6962 or static
    origin: str = ""  # static: the checkpoint's origin line (submission prefix, no scheme, no trailing '/')

    @property
    def key_der(self) -> bytes:
        return base64.b64decode(self.key)

    @property
    def label(self) -> str:
        return f"{self.description} ({'tiles' if self.api == STATIC else 'RFC 6962'})"


def _time(value: Any) -> dt.datetime | None:
    if not isinstance(value, str):
        return None
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)


def _current(entry: dict[str, Any], now: dt.datetime) -> bool:
    state = entry.get("state")
    if not isinstance(state, dict) or not any(s in state for s in READ_STATES):
        return False
    interval = entry.get("temporal_interval")
    if interval is None:
        return True  # a log for every expiry date
    if not isinstance(interval, dict):
        return False
    start, end = _time(interval.get("start_inclusive")), _time(interval.get("end_exclusive"))
    return start is not None and end is not None and start <= now < end


def _log(entry: dict[str, Any], api: str) -> CtLog | None:
    """One list entry as a CtLog, or None when it lacks what reading it needs."""
    key = entry.get("key")
    url = entry.get("monitoring_url" if api == STATIC else "url")
    if not isinstance(key, str) or not isinstance(url, str) or not is_http_url(url, schemes=("https", "http")):
        return None
    try:
        key_der = base64.b64decode(key, validate=True)
    except (binascii.Error, ValueError):
        return None
    stated = entry.get("log_id")
    computed = base64.b64encode(log_id(key_der)).decode()
    if isinstance(stated, str) and stated != computed:
        return None  # the list contradicts itself: read nothing rather than the wrong key
    origin = ""
    if api == STATIC:
        submission = entry.get("submission_url")
        if not isinstance(submission, str) or not is_http_url(submission):
            return None
        origin = submission.split("://", 1)[1].rstrip("/")
    description = entry.get("description")
    description = description.strip()[:200] if isinstance(description, str) and description.strip() else computed
    return CtLog(computed, description, key, url if url.endswith("/") else url + "/", api, origin)


def parse_log_list(raw: bytes, now: dt.datetime) -> list[CtLog]:
    """The logs to read now from a v3 log list. Pure. LayoutChanged when it is no log list."""
    data = load_json(raw, "the CT log list")
    operators = data.get("operators") if isinstance(data, dict) else None
    if not isinstance(operators, list):
        raise LayoutChanged("the CT log list has no operators[]")
    logs: dict[str, CtLog] = {}
    for operator in operators:
        if not isinstance(operator, dict):
            continue
        for field, api in (("logs", RFC6962), ("tiled_logs", STATIC)):
            entries = operator.get(field) or []
            for entry in entries if isinstance(entries, list) else []:
                if isinstance(entry, dict) and _current(entry, now) and (log := _log(entry, api)):
                    logs.setdefault(log.log_id, log)
    return list(logs.values())


def load_log_list(url: str, fetcher: Fetcher, cache_dir: Path, *, now: dt.datetime | None = None) -> list[CtLog]:
    """The logs of the list at url, downloaded at most once a day (a cached copy is used when
    the download fails; none and a failed download raise FetchError)."""
    from monitor.fetch.http import FetchError

    now = now or utcnow()
    private_directory(cache_dir)
    path = cache_dir / (hashlib.sha256(url.encode()).hexdigest()[:24] + ".json")
    fresh = path.exists() and now.timestamp() - path.stat().st_mtime < LIST_CACHE_FOR.total_seconds()
    if not fresh:
        try:
            body = fetcher.get(url, max_bytes=LIST_MAX_BYTES, trust_configured=True).body
            parse_log_list(body, now)  # a broken list never replaces a good one
            partial = path.with_suffix(f".{os.getpid()}.part")
            partial.write_bytes(body)
            partial.replace(path)
        except (FetchError, LayoutChanged):
            if not path.exists():
                raise
    return parse_log_list(path.read_bytes(), now)
