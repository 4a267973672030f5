"""The CT steps the DAG (ct_monitor) and the CLI (`monitor collect --source ct`) call.

- plan_logs: the logs of the configured list, to read now;
- collect_log: read one log from its cursor; each batch's candidates are scored
  (monitor.pipeline.score, as every source's) and stored, and the cursor moved, in one
  transaction; one collection run per log records it for Source health;
- collect_to_file: read every log once and write the candidates; positions move once written;
- summarize_logs / check_logs: the run's table, and a failed run when every log failed."""

from __future__ import annotations

import json
import logging
import os
import time
from collections.abc import Callable
from typing import IO

from sqlalchemy.orm import Session, sessionmaker

from monitor.clock import utcnow
from monitor.collectors.base import ALL_BRANDS
from monitor.collectors.ct.batches import Batch, LogRead, Sink, read_log
from monitor.collectors.ct.cursors import advance
from monitor.collectors.ct.loglist import CtLog, load_log_list
from monitor.collectors.ct.reader import reader_for
from monitor.fetch.hostgate import HostGate
from monitor.fetch.http import Fetcher
from monitor.fetch.policy import trusted_origins
from monitor.settings import Settings
from monitor.store.db import factory_for

log = logging.getLogger(__name__)

SOURCE = "ct"
# Between two requests to one log: logs serve tiles from a CDN and ask monitors for no more
# than a few requests a second; a full run of 100,000 entries is about 400 tiles.
CT_MIN_DELAY = 0.1
ERROR_COOLDOWN = 300.0  # after a log kept answering 5xx through the fetcher's retries


def ct_fetcher(settings: Settings, factory: sessionmaker[Session], *, sleep: Callable[[float], None] = time.sleep) -> Fetcher:
    """The fetcher CT reads with: the monitor's own (address filter, deadlines, caps, 429
    Retry-After and 5xx retries with backoff), with a shorter per-host delay than for pages,
    and cool-downs kept in the database (factory) so that they hold across runs and workers."""
    return Fetcher(settings, session_factory=factory, sleep=sleep,
                   gate=HostGate(factory, min_delay=CT_MIN_DELAY, sleep=sleep))


def trust_logs(fetcher: Fetcher, logs: list[CtLog]) -> None:
    """The logs the configured list names are configuration too (like the list's own URL):
    their exact origins join the fetcher's trusted ones. Nothing a log answers is fetched."""
    fetcher.trusted = fetcher.trusted | trusted_origins([ct_log.url for ct_log in logs])


def plan_logs(settings: Settings, fetcher: Fetcher | None = None) -> list[CtLog]:
    fetcher = fetcher or ct_fetcher(settings, factory_for(settings.database_url))
    return load_log_list(settings.source_urls[SOURCE], fetcher, settings.state_dir / "ct")


def _read(settings: Settings, ct_log: CtLog, fetcher: Fetcher, factory: sessionmaker[Session], sink: Sink) -> LogRead:
    from monitor.detection.rules import load_rules
    from monitor.detection.scoring import Scorer
    from monitor.registry import load_registry

    cooling = fetcher.gate.cooling(log_key(ct_log))
    if cooling is not None:
        return LogRead(ct_log.log_id, ct_log.label, status="failed", error=str(cooling))
    scorer = Scorer(load_registry(settings.brands_file), load_rules(settings.rules_file))
    trust_logs(fetcher, [ct_log])
    result = read_log(ct_log, reader_for(ct_log, fetcher), factory, scorer.might_resemble, sink,
                      backlog=settings.ct_backlog, max_entries=settings.ct_max_entries,
                      budget_seconds=settings.collect_budget_seconds)
    if result.status == "failed" and _server_error(result.error):
        # 5xx through every retry: skip this log for a while, not the others its server may
        # hold (Google's and Cloudflare's logs share an origin each). A 429 is the server's
        # rate limit: the fetcher cools the whole origin down.
        fetcher.gate.cool_down(log_key(ct_log), ERROR_COOLDOWN, "HTTP 5xx")
    return result


def log_key(ct_log: CtLog) -> str:
    """The key of one log's own cool-down in the host gate's table (beside origins' keys)."""
    return f"ct-log:{ct_log.log_id}"


def _server_error(error: str | None) -> bool:
    return error is not None and any(f"HTTP {code}" in error for code in range(500, 600) if code != 503)


# ---------------------------------------------------------------- the DAG's step

def run_brand_id(ct_log: CtLog) -> str:
    """The brand column of a log's collection runs: every brand ('*', a feed) and which log.
    Source health shows the last run per source and brand, so each log keeps a row of its own
    and one failing log is not hidden by another's success."""
    return f"{ALL_BRANDS} {ct_log.label}"[:80]


def collect_log(settings: Settings, ct_log: CtLog, *, run_id: str | None = None, run_type: str = "cli",
                dag_id: str | None = None, fetcher: Fetcher | None = None) -> LogRead:
    """Read one log from its cursor; score and store each batch's candidates and move the cursor
    in one transaction. Never raises for the log's faults: they are in the result and on the
    collection run (Source health)."""
    from monitor import pipeline
    from monitor.store.repo import finish_collection_run, start_collection_run, upsert_findings

    # One registry and scorer for every batch, built at the first (a bad registry fails the
    # log's read, as any fault of the read does).
    context = pipeline.RunContext(settings)
    factory = factory_for(settings.database_url)
    with factory() as session:
        run = start_collection_run(session, source=SOURCE, brand_id=run_brand_id(ct_log), window_start=None,
                                   window_end=None,
                                   dag_run_id=run_id, run_type=run_type, now=utcnow(), dag_id=dag_id)
        session.commit()
    errors: list[str] = []

    def store(batch: Batch) -> tuple[int, int, int]:
        collected = pipeline.Collected(
            collection_run_id=run, brand=ALL_BRANDS, source=SOURCE, status=pipeline.CollectionStatus.OK, errors=(),
            layout_changed=False, queries=1, candidates=tuple(pipeline.Found(c, where) for c, where in batch.candidates))
        scored = pipeline.score(context, collected)
        if scored.error:
            errors.append(scored.error)
        items = list(scored.flagged)
        now = utcnow()
        with factory() as session:  # findings and the cursor: both or neither
            report = upsert_findings(session, items, collection_run_id=run, now=now)
            errors.extend(report.errors[:1])
            advance(session, ct_log.log_id, expected=batch.start, next_index=batch.next_index,
                    tree_size=batch.tree_size, now=now)
            session.commit()
        return len(items), report.new, report.updated

    try:
        result = _read(settings, ct_log, fetcher or ct_fetcher(settings, factory), factory, store)
    except Exception as exc:  # a broken reader must not take the other logs down
        log.exception("CT log %s failed", ct_log.label)
        result = LogRead(ct_log.log_id, ct_log.label, status="failed", error=f"{type(exc).__name__}: {exc}")
    result.collection_run_id = run
    error = "; ".join(filter(None, [f"{ct_log.label}: {result.error}" if result.error else None, *errors[:2]]))
    with factory() as session:
        finish_collection_run(session, run, now=utcnow(), status=result.status, queries=1, canary="n/a",
                              candidates=result.candidates, flagged=result.flagged, findings_new=result.new,
                              findings_updated=result.updated, error=error or None,
                              layout_changed="layout" in (result.error or "").lower())
        session.commit()
    return result


# ---------------------------------------------------------------- the CLI's step

def collect_to_file(settings: Settings, output: IO[str], *, fetcher: Fetcher | None = None,
                    logs: list[CtLog] | None = None) -> list[LogRead]:
    """Read every listed log once from its cursor and write the candidates that pass the
    prefilter (JSON Lines); a batch's positions move once its lines are written and synced."""
    factory = factory_for(settings.database_url)
    fetcher = fetcher or ct_fetcher(settings, factory)
    results = []
    for ct_log in logs if logs is not None else plan_logs(settings, fetcher):
        def write(batch: Batch, ct_log: CtLog = ct_log) -> tuple[int, int, int]:
            for candidate, where in batch.candidates:
                output.write(json.dumps({**candidate.to_dict(), "query": where}, ensure_ascii=False) + "\n")
            output.flush()
            try:
                os.fsync(output.fileno())
            except (OSError, ValueError, AttributeError):
                pass  # a pipe or a terminal: flushed is all there is
            with factory() as session:
                advance(session, ct_log.log_id, expected=batch.start, next_index=batch.next_index,
                        tree_size=batch.tree_size, now=utcnow())
                session.commit()
            return 0, 0, 0

        results.append(_read(settings, ct_log, fetcher, factory, write))
    return results


# ---------------------------------------------------------------- summary

def summarize_logs(results: list[LogRead]) -> str:
    """A plain-text table of one run over the logs. Pure."""
    header = ("log", "status", "from", "to", "tree size", "entries", "bad", "candidates", "flagged", "new", "error")
    rows = [header] + [(r.label, r.status, str(r.start), str(r.next_index), str(r.tree_size), str(r.entries),
                        str(r.bad_entries), str(r.candidates), str(r.flagged), str(r.new),
                        (r.error or "-")[:160]) for r in sorted(results, key=lambda r: r.label)]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header) - 1)]
    lines = ["  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row[:-1])) + "  " + row[-1] for row in rows]
    lines.append(f"total: {len(results)} logs, {sum(r.entries for r in results)} entries "
                 f"({sum(r.entry_bytes for r in results)} bytes), {sum(r.candidates for r in results)} candidates, "
                 f"{sum(r.flagged for r in results)} flagged, {sum(r.new for r in results)} new findings, "
                 f"{sum(1 for r in results if r.status == 'failed')} logs failed")
    return "\n".join(lines)


def check_logs(results: list[LogRead]) -> None:
    """Fail the run when it read no log at all."""
    from monitor.pipeline import RunVerdict

    if not results:
        raise RunVerdict("no CT log to read: the log list names none usable now")
    if all(r.status == "failed" for r in results):
        raise RunVerdict(f"all {len(results)} CT logs failed; first error: {results[0].error}")
