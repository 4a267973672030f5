"""robots.txt for page fetches (protego): fetched once per origin and cached, in the monitor
database when one is given. 4xx means no rules (allow); 5xx, timeouts and network errors
mean "do not fetch" until the next check (fail closed), as RFC 9309 asks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from urllib.parse import urlsplit

from protego import Protego
from sqlalchemy.orm import Session, sessionmaker

from monitor.clock import utcnow
from monitor.store.db import as_utc
from monitor.store.models import RobotsEntry
from monitor.store.repo import insert_for

CACHE_FOR = dt.timedelta(hours=24)
RETRY_FAILURE_AFTER = dt.timedelta(minutes=30)
MAX_ROBOTS_BYTES = 500_000


def origin_of(url: str) -> str:
    """scheme://host[:port], an IPv6 literal kept in its brackets (without them the URL of
    robots.txt would not parse back to the same host)."""
    parts = urlsplit(url)
    default = {"http": 80, "https": 443}.get(parts.scheme)
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    host = (parts.hostname or "").lower()
    return f"{parts.scheme}://{f'[{host}]' if ':' in host else host}{port}"


def decide(status: str, body: str | None, url: str, agent: str) -> bool:
    if status == "allow_all":
        return True
    if status == "deny_all":
        return False
    return Protego.parse(body or "").can_fetch(url, agent)


class RobotsPolicy:
    def __init__(self, fetch_robots: Callable[[str], tuple[int | None, bytes]], agent: str,
                 factory: sessionmaker[Session] | None = None,
                 clock: Callable[[], dt.datetime] = utcnow):
        """fetch_robots(url) -> (HTTP status or None for a network failure, body)."""
        self.fetch_robots = fetch_robots
        self.agent = agent
        self.factory = factory
        self.clock = clock
        self._memory: dict[str, tuple[dt.datetime, str, str | None]] = {}

    def _cached(self, origin: str) -> tuple[dt.datetime, str, str | None] | None:
        if self.factory is None:
            return self._memory.get(origin)
        with self.factory() as session:
            entry = session.get(RobotsEntry, origin)
            return (as_utc(entry.fetched_at), entry.status, entry.body) if entry else None

    def _store(self, origin: str, status: str, body: str | None) -> None:
        now = self.clock()
        if self.factory is None:
            self._memory[origin] = (now, status, body)
            return
        with self.factory() as session:
            insert = insert_for(session)
            statement = insert(RobotsEntry).values(origin=origin, fetched_at=now, status=status, body=body)
            session.execute(statement.on_conflict_do_update(  # two workers may fetch it at once
                index_elements=[RobotsEntry.origin],
                set_={"fetched_at": statement.excluded.fetched_at, "status": statement.excluded.status,
                      "body": statement.excluded.body}))
            session.commit()

    def allowed(self, url: str) -> bool:
        origin = origin_of(url)
        cached = self._cached(origin)
        now = self.clock()
        if cached:
            fetched_at, status, body = cached
            ttl = RETRY_FAILURE_AFTER if status == "deny_all" else CACHE_FOR
            if now - fetched_at < ttl:
                return decide(status, body, url, self.agent)
        code, raw = self.fetch_robots(origin + "/robots.txt")
        if code is None or code >= 500:
            status, body = "deny_all", None
        elif code >= 400:
            status, body = "allow_all", None
        else:
            status, body = "parsed", raw[:MAX_ROBOTS_BYTES].decode("utf-8", errors="replace")
        self._store(origin, status, body)
        return decide(status, body, url, self.agent)
