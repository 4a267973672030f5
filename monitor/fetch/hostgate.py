"""Per-host politeness: a minimum delay between fetches of one host, and cool-downs during
which an origin is skipped (not slept on) while the others go on: after it said 429/503,
did not answer, or hit the deadline. Cool-downs are kept per origin (scheme, host, port; the
keys of monitor.fetch.policy.origin_key), the delay per host: a dead port does not darken
another server on the same host, and one machine is still not asked twice at once.

State lives in the monitor database when one is given, so that it holds across Airflow
worker processes; otherwise in this process's memory."""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from monitor.clock import utcnow
from monitor.store.db import as_utc
from monitor.store.models import HostState
from monitor.store.repo import insert_for


class HostCoolingDown(Exception):
    def __init__(self, key: str, until: dt.datetime, reason: str | None):
        super().__init__(f"{key} is cooling down until {until.isoformat(timespec='seconds')}"
                         + (f" ({reason})" if reason else ""))
        self.host, self.until, self.reason = key, until, reason


class HostGate:
    def __init__(self, factory: sessionmaker[Session] | None = None, *, min_delay: float = 1.0,
                 clock: Callable[[], dt.datetime] = utcnow, sleep: Callable[[float], None] = time.sleep):
        self.factory = factory
        self.min_delay = dt.timedelta(seconds=min_delay)
        self.clock = clock
        self.sleep = sleep
        self._memory: dict[str, tuple[dt.datetime, dt.datetime | None, str | None]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _locked_row(session: Session, host: str, now: dt.datetime) -> HostState:
        """The host's row, created if needed and locked: two processes meeting a new host at
        once both insert, so the insert must not fail on the other's row."""
        insert = insert_for(session)
        session.execute(insert(HostState).values(host=host, next_fetch_at=now)
                        .on_conflict_do_nothing(index_elements=[HostState.host]))
        state = session.get(HostState, host, with_for_update=True, populate_existing=True)
        if state is None:  # inserted just above, or by the other process: it is there
            raise RuntimeError(f"host_states has no row for {host} after inserting it")
        return state

    def acquire(self, host: str, origin: str | None = None) -> None:
        """Reserve the host's next fetch slot and wait for it; raise HostCoolingDown if the
        origin (or, for a caller that names none, the host) is cooling down."""
        now = self.clock()
        keys = (origin, host) if origin else (host,)
        if self.factory is None:
            with self._lock:
                for key in keys:
                    _, cooldown, reason = self._memory.get(key, (now, None, None))
                    if cooldown and cooldown > now:
                        raise HostCoolingDown(key, cooldown, reason)
                next_at = self._memory.get(host, (now, None, None))[0]
                slot = max(now, next_at)
                self._memory[host] = (slot + self.min_delay, None, None)
        else:
            with self.factory() as session:
                # read, not locked: a cool-down is written whole by one statement
                origin_state = session.get(HostState, origin) if origin else None
                if origin and origin_state is not None:
                    cooldown = as_utc(origin_state.cooldown_until)
                    if cooldown and cooldown > now:
                        raise HostCoolingDown(origin, cooldown, origin_state.cooldown_reason)
                state = self._locked_row(session, host, now)
                cooldown = as_utc(state.cooldown_until)
                if cooldown and cooldown > now:
                    raise HostCoolingDown(host, cooldown, state.cooldown_reason)
                slot = max(now, as_utc(state.next_fetch_at))
                state.next_fetch_at = slot + self.min_delay
                state.cooldown_until, state.cooldown_reason = None, None
                session.commit()
        wait = (slot - now).total_seconds()
        if wait > 0:
            self.sleep(wait)

    def cooling(self, key: str) -> HostCoolingDown | None:
        """The cool-down key is under now, if any: for a caller that keys its own cool-downs
        (a CT log among others on one origin), checked before it fetches anything."""
        now = self.clock()
        if self.factory is None:
            with self._lock:
                _, until, reason = self._memory.get(key, (now, None, None))
        else:
            with self.factory() as session:
                state = session.get(HostState, key)
                until, reason = (as_utc(state.cooldown_until), state.cooldown_reason) if state else (None, None)
        return HostCoolingDown(key, until, reason) if until and until > now else None

    def cool_down(self, key: str, seconds: float, reason: str) -> dt.datetime:
        """Skip key (an origin key; a host for older callers) for seconds."""
        until = self.clock() + dt.timedelta(seconds=seconds)
        if self.factory is None:
            with self._lock:
                next_at = self._memory.get(key, (until, None, None))[0]
                self._memory[key] = (max(next_at, until), until, reason)
            return until
        with self.factory() as session:
            state = self._locked_row(session, key, until)
            state.cooldown_until, state.cooldown_reason = until, reason
            session.commit()
        return until
