"""Reading one log from its cursor in bounded batches; what a batch found goes to a sink that
stores it and moves the cursor in one step (the DAG stores findings, the CLI writes a file).

Bounds: at most max_entries per run and no new batch after budget_seconds, so one busy log
cannot hold a run; the rest is read next run from the cursor. A tree head that fails its
signature, a tree smaller than one already seen, or an answer that is not the spec's stops
the log with its error: entries already read are kept, none after the stop are skipped."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from sqlalchemy.orm import Session, sessionmaker

from monitor.clock import utcnow
from monitor.collectors.base import LayoutChanged
from monitor.collectors.ct.cursors import CursorMoved, get_cursor, record_error, start_cursor
from monitor.collectors.ct.leaves import LeafEntry
from monitor.collectors.ct.loglist import CtLog
from monitor.collectors.ct.reader import LogReader
from monitor.collectors.ct.signatures import BadSignature
from monitor.detection.models import Candidate
from monitor.fetch.http import FetchError
from monitor.records import Record

BATCH_ENTRIES = 1024  # entries per stored batch (4 data tiles): a crash re-reads at most this many


@dataclass(frozen=True)
class Batch:
    """What one batch of entries gives its sink: the candidates that passed the prefilter (one
    per name, first sighting in the batch), and where the cursor goes once they are kept."""

    log: CtLog
    start: int  # the cursor as read (the sink moves it only from here)
    next_index: int
    tree_size: int
    candidates: list[tuple[Candidate, str]]  # (candidate, where it was seen)


@dataclass
class LogRead(Record):
    """One log read once: positions, counts and the error that stopped it, if any."""

    log_id: str
    label: str
    status: str = "ok"  # ok, failed
    start: int = 0
    next_index: int = 0
    tree_size: int = 0
    entries: int = 0
    bad_entries: int = 0
    names: int = 0
    candidates: int = 0
    flagged: int = 0
    new: int = 0
    updated: int = 0
    entry_bytes: int = 0
    error: str | None = None
    bad_examples: list[str] = field(default_factory=list)
    collection_run_id: int | None = None


Sink = Callable[[Batch], tuple[int, int, int]]  # stores a batch and moves the cursor: (flagged, new, updated)


def filter_entries(entries: Iterable[LeafEntry], resembles: Callable[[str], bool], where: str) -> \
        tuple[list[tuple[Candidate, str]], int]:
    """(candidates of the names that pass the prefilter, names seen). Pure. A name seen again in
    the batch (renewals, precert then cert) is looked at once."""
    seen: set[str] = set()
    found = []
    names = 0
    for entry in entries:
        for name in entry.names:
            names += 1
            if name in seen:
                continue
            seen.add(name)
            if resembles(name):
                found.append((Candidate(kind="domain", id=f"ct:{name}", domain=name),
                              f"CT {where}, entry {entry.index}"))
    return found, names


def read_log(log: CtLog, reader: LogReader, factory: sessionmaker[Session], resembles: Callable[[str], bool], sink: Sink, *,
             backlog: int = 0, max_entries: int = 100_000, budget_seconds: float = 300.0,
             batch_entries: int = BATCH_ENTRIES, clock: Callable[[], float] = time.monotonic) -> LogRead:
    started = clock()
    result = LogRead(log.log_id, log.label)
    try:
        head = reader.tree_head()
    except (FetchError, BadSignature, LayoutChanged) as exc:
        return _failed(result, factory, f"tree head: {exc}")
    with factory() as session:
        cursor = get_cursor(session, log.log_id)
        if cursor is None:  # first seen: from its current size, or MONITOR_CT_BACKLOG entries back
            cursor = start_cursor(session, log, tree_size=head.size, backlog=backlog, now=utcnow())
            session.commit()
        position, seen_size = cursor.next_index, cursor.tree_size
    result.start = result.next_index = position
    result.tree_size = head.size
    if head.size < seen_size or head.size < position:
        return _failed(result, factory, f"the tree shrank: signed size {head.size}, after {seen_size} was seen "
                                        f"and {position} read; not read until it grows back (a log fault to report)")
    end = min(head.size, position + max_entries)
    batch: list[LeafEntry] = []
    batch_start = position

    def flush() -> None:
        nonlocal batch, batch_start
        if not batch:
            return
        next_index = batch[-1].index + 1
        candidates, names = filter_entries(batch, resembles, log.description)
        flagged, new, updated = sink(Batch(log, batch_start, next_index, head.size, candidates))
        result.entries += len(batch)
        result.names += names
        result.candidates += len(candidates)
        result.flagged += flagged
        result.new += new
        result.updated += updated
        result.next_index = batch_start = next_index
        batch = []

    try:
        for entry in reader.entries(position, end, head):
            if entry.index != batch_start + len(batch):  # never trust an answer to be in order
                raise LayoutChanged(f"entry {entry.index} where {batch_start + len(batch)} was expected")
            result.entry_bytes += entry.size
            if entry.error:
                result.bad_entries += 1
                if len(result.bad_examples) < 3:
                    result.bad_examples.append(f"entry {entry.index}: {entry.error[:200]}")
            batch.append(entry)
            if len(batch) >= batch_entries:
                flush()
                if clock() - started >= budget_seconds:
                    break  # the rest next run, from the cursor
        flush()
    except (FetchError, LayoutChanged) as exc:
        try:
            flush()  # the good entries before the stop are kept; the cursor stops at the first one not read
        except CursorMoved as moved:
            return _failed(result, factory, str(moved))
        return _failed(result, factory, f"at entry {result.next_index}: {exc}")
    except CursorMoved as exc:  # another reader of this log got there first: its batch stands, not ours
        return _failed(result, factory, str(exc))
    if result.bad_entries:
        result.error = f"{result.bad_entries} entries unreadable, e.g. {result.bad_examples[0]}"
    with factory() as session:  # the cursor's last error is this read's (none: an earlier one is over)
        record_error(session, result.log_id, result.error, utcnow())
        session.commit()
    return result


def _failed(result: LogRead, factory: sessionmaker[Session], error: str) -> LogRead:
    result.status, result.error = "failed", error
    with factory() as session:
        record_error(session, result.log_id, error, utcnow())
        session.commit()
    return result
