"""Airflow DAG ct_monitor: new certificates from the Certificate Transparency logs themselves, every 10 minutes.

Only wiring: each task calls monitor.collectors.ct.run (imported inside the task) or a step of
monitor.pipeline; the shared pieces (settings, retries, pool, SMTP) come from monitor.airflow_dags."""

from __future__ import annotations

import datetime as dt

import pendulum
from airflow.sdk import CronDataIntervalTimetable, Param, dag, get_current_context, task

from monitor.airflow_dags import default_args, fails_at_once, fetch_pool, parse_settings, smtp_url, task_settings

DOC = """
### ct_monitor

Every 10 minutes (`MONITOR_CT_SCHEDULE`), reads the new entries of every Certificate
Transparency log of the configured log list (`MONITOR_CT_LOG_LIST_URL`, default the public
v3 list; only logs usable or qualified now), from each log's stored position: RFC 6962 logs
through `get-sth` / `get-entries`, static-CT logs through their checkpoint and data tiles. Tree
heads and checkpoints are checked with the list's key. Every certificate name goes through the
scorer's prefilter; those that pass are scored and stored as findings, with the log's position,
in one transaction: a killed task re-reads its batch, never skips one.

**Tasks**: `plan` (the logs to read) → `read_log` (one mapped task per log, labelled with the
log's name; at most `MONITOR_CT_MAX_ENTRIES` entries and `MONITOR_COLLECT_BUDGET_SECONDS` per
run; 429 and 5xx back off and cool the log down; a failing log is reported, the others go on)
→ `takedowns` → `alert` (the same digests as every source) → `summary` (a table per log). A
new log starts at its current size unless `MONITOR_CT_BACKLOG` says how many entries back.
"""

settings = parse_settings()


@dag(
    dag_id="ct_monitor",
    schedule=CronDataIntervalTimetable(settings.ct_schedule, timezone="UTC"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,  # positions, not windows: a missed run is read by the next one
    max_active_runs=1,  # one reader per log at a time
    doc_md=DOC,
    tags=["impersonation-monitor", "brand-protection", "ct"],
    default_args=default_args(settings),
    params={"dry_run": Param(False, type="boolean", title="Dry run (no email)",
                             description="Read, score and store, but send no email.")},
)
def ct_monitor() -> None:
    pool = fetch_pool(settings)

    @task
    def plan() -> list[dict]:
        from monitor.collectors.ct.run import plan_logs

        return [ct_log.as_dict() for ct_log in plan_logs(task_settings())]

    # A log's own faults are in its result, not raised; a task timeout beyond the time budget
    # covers a batch stuck in scoring.
    @task(map_index_template="{{ map_label }}", pool=pool, multiple_outputs=False,
          execution_timeout=dt.timedelta(seconds=settings.collect_budget_seconds + 900))
    def read_log(ct_log: dict) -> dict:
        from monitor.collectors.ct.loglist import CtLog
        from monitor.collectors.ct.run import collect_log

        context = get_current_context()
        log = CtLog.from_dict(ct_log)
        context["map_label"] = log.label
        run = context["dag_run"]
        return collect_log(task_settings(), log, run_id=run.run_id, dag_id="ct_monitor",
                           run_type=getattr(run.run_type, "value", str(run.run_type))).as_dict()

    @task(trigger_rule="all_done", pool=pool, multiple_outputs=False)
    def takedowns(reads: list[dict]) -> dict:
        from monitor.pipeline import draft_takedowns

        list(reads)  # wait for every log; drafts are made for what the database holds
        with fails_at_once():
            return draft_takedowns(task_settings(), dict(get_current_context()["params"]))

    @task(trigger_rule="all_done", multiple_outputs=False)
    def alert(reads: list[dict], drafts: dict) -> dict:
        from monitor.pipeline import RunInfo
        from monitor.pipeline import alert as alert_run

        list(reads)
        context = get_current_context()
        run = context["dag_run"]
        info = RunInfo(run.run_id, getattr(run.run_type, "value", str(run.run_type)), None, None, "ct_monitor")
        with fails_at_once():
            return alert_run(task_settings(), dict(context["params"]), info, smtp_url=smtp_url())

    @task(trigger_rule="all_done", retries=0, multiple_outputs=False)  # its failure is the run's verdict
    def summary(reads: list[dict], report: dict, drafts: dict) -> dict:
        import logging

        from monitor.collectors.ct.batches import LogRead
        from monitor.collectors.ct.run import check_logs, summarize_logs
        from monitor.pipeline import close_abandoned_collections, summarize

        results = [LogRead.from_dict(r) for r in reads if r]  # a failed task leaves no XCom
        abandoned = close_abandoned_collections(task_settings())
        # pipeline.summarize's lines after its (per-source, here empty) table: takedowns, alerts, abandoned runs
        tail = summarize([], report or {}, drafts or {}, abandoned).splitlines()[2:]
        logging.getLogger("airflow.task").info("ct_monitor summary\n%s\n%s", summarize_logs(results), "\n".join(tail))
        with fails_at_once():
            check_logs(results)
        return {"logs": len(results), "failed": sum(1 for r in results if r.status == "failed"),
                "entries": sum(r.entries for r in results), "new": sum(r.new for r in results)}

    reads = read_log.expand(ct_log=plan())
    drafts = takedowns(reads)
    summary(reads, alert(reads, drafts), drafts)


ct_monitor()
