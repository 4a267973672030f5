"""One position per log in the monitor database (table ct_log_cursors).

A cursor moves only inside the transaction that stores the findings of the entries it moves
past (or, for `monitor collect`, after they are written out): a run killed at any point
re-reads from the last committed position, so no entry is skipped and none is stored twice.
The move is compare-and-set on the position read at the start: two readers of one log (a
DAG run and a CLI run) cannot both move it over the same entries."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import update
from sqlalchemy.orm import Session

from monitor.collectors.ct.loglist import CtLog
from monitor.store.db import matched_rows
from monitor.store.models import CtLogCursor


class CursorMoved(RuntimeError):
    """Another reader moved this log's cursor meanwhile: this batch is not stored."""


def get_cursor(session: Session, log_id: str) -> CtLogCursor | None:
    return session.get(CtLogCursor, log_id)


def start_cursor(session: Session, log: CtLog, *, tree_size: int, backlog: int, now: dt.datetime) -> CtLogCursor:
    """A new log's cursor: at its current size (no history download), or backlog entries before."""
    cursor = CtLogCursor(log_id=log.log_id, description=log.description, url=log.url,
                         next_index=max(0, tree_size - backlog), tree_size=tree_size, last_error=None, updated_at=now)
    session.add(cursor)
    session.flush()
    return cursor


def advance(session: Session, log_id: str, *, expected: int, next_index: int, tree_size: int,
            now: dt.datetime, error: str | None = None) -> None:
    """Move the cursor from expected to next_index, in the caller's transaction; CursorMoved if
    it is no longer at expected."""
    moved = session.execute(update(CtLogCursor).where(CtLogCursor.log_id == log_id,
                                                      CtLogCursor.next_index == expected)
                            .values(next_index=next_index, tree_size=tree_size, last_error=error, updated_at=now))
    if matched_rows(moved) != 1:
        raise CursorMoved(f"the cursor of log {log_id} is no longer at {expected}: another reader moved it")


def record_error(session: Session, log_id: str, error: str | None, now: dt.datetime) -> None:
    session.execute(update(CtLogCursor).where(CtLogCursor.log_id == log_id)
                    .values(last_error=error, updated_at=now))
