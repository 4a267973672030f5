"""brand_monitor: collect, score, store and alert, every hour. Wiring only: the logic is in
monitor.pipeline, imported inside the tasks so that parsing this file stays fast and touches
no network or database."""

from __future__ import annotations

import datetime as dt
import os

import pendulum
from airflow.sdk import CronDataIntervalTimetable, Param, dag, get_current_context, task

DOC = """
### brand_monitor

Every run collects candidates for each protected brand (`config/brands.yaml`) from each
configured source over the run's **data interval**, scores them against the official
registry, stores new and updated **findings** in the monitor database, and emails each
brand's owners **one digest** of what is new. Nothing is alerted twice; findings marked
false positive (`monitor findings mark ID false-positive`) are never alerted again.

**Tasks**: `plan` (validates the registry and Params) → `window` → `collect` / `score` /
`store` (one mapped instance per brand and source, labelled `brand · source`) → `alert`
(queues and sends digests through the outbox) → `summary` (a table per source; fails only
when *every* source failed, so one broken source shows as an error, not a red run).

**Re-running**
- *Ad-hoc run*: Trigger DAG w/ config. Params: `brands`, `sources` (subsets), `min_score`,
  `dry_run` (no email), `window_start` / `window_end` (ISO 8601; default: the data interval,
  or the last `MONITOR_LOOKBACK_HOURS` hours).
- *Backfill*: `airflow backfill create --dag-id brand_monitor --from-date 2026-11-01T00:00
  --to-date 2026-11-02T00:00`. Past windows are re-collected and findings recorded; no email
  is sent unless `send_backfill_alerts` is true, and nothing already alerted is alerted again.
- *Retry a failed task*: Clear it; writes are idempotent upserts.

Failure emails go to `MONITOR_OPS_EMAIL` when it is set (SmtpNotifier, `smtp_default`).
"""

SCHEDULE = os.environ.get("MONITOR_SCHEDULE", "0 * * * *")


def _failure_callbacks() -> list:
    ops_email = os.environ.get("MONITOR_OPS_EMAIL")
    if not ops_email:
        return []
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    return [SmtpNotifier(to=ops_email, from_email=os.environ.get("MONITOR_MAIL_FROM"),
                         subject="[impersonation-monitor] {{ ti.dag_id }}.{{ ti.task_id }} failed")]


def _settings():
    from monitor.settings import Settings

    return Settings.from_env()


@dag(
    dag_id="brand_monitor",
    schedule=CronDataIntervalTimetable(SCHEDULE, timezone="UTC"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=DOC,
    tags=["impersonation-monitor", "brand-protection"],
    default_args={
        "owner": "brand-protection",
        "retries": 2,
        "retry_delay": dt.timedelta(minutes=1),
        "retry_exponential_backoff": True,
        "max_retry_delay": dt.timedelta(minutes=20),
        "on_failure_callback": _failure_callbacks(),
    },
    params={
        "brands": Param([], type="array", items={"type": "string"}, description="Brand ids; empty: all brands."),
        "sources": Param([], type="array", items={"type": "string"}, description="Source names; empty: all configured."),
        "min_score": Param(None, type=["null", "integer"], minimum=0, maximum=100,
                           description="Alert threshold; empty: MONITOR_ALERT_MIN_SCORE or the rules' suspicious threshold."),
        "dry_run": Param(False, type="boolean", description="Collect, score and store, but send no email."),
        "window_start": Param(None, type=["null", "string"], description="ISO 8601; overrides the data interval."),
        "window_end": Param(None, type=["null", "string"], description="ISO 8601; overrides the data interval."),
        "send_backfill_alerts": Param(False, type="boolean", description="Let backfill runs send digests."),
    },
)
def brand_monitor():
    @task
    def plan() -> list[dict]:
        from monitor.pipeline import plan as plan_items

        return plan_items(_settings(), dict(get_current_context()["params"]))

    @task
    def window() -> dict:
        from monitor.pipeline import RunInfo, resolve_window

        context = get_current_context()
        settings = _settings()
        start, end = resolve_window(context.get("data_interval_start"), context.get("data_interval_end"),
                                    dict(context["params"]), now=pendulum.now("UTC"),
                                    lookback_hours=settings.lookback_hours)
        dag_run = context["dag_run"]
        run_type = getattr(dag_run.run_type, "value", str(dag_run.run_type))
        return RunInfo(dag_run.run_id, run_type, start.isoformat(), end.isoformat()).as_dict()

    @task(map_index_template="{{ map_label }}")
    def collect(item: dict, run: dict) -> dict:
        from monitor.pipeline import RunInfo
        from monitor.pipeline import collect as collect_item

        get_current_context()["map_label"] = f"{item['brand']} · {item['source']}"
        return collect_item(_settings(), item, RunInfo.from_dict(run))

    @task(map_index_template="{{ map_label }}")
    def score(collected: dict) -> dict:
        from monitor.pipeline import score as score_collected

        get_current_context()["map_label"] = f"{collected['brand']} · {collected['source']}"
        return score_collected(_settings(), collected)

    @task(map_index_template="{{ map_label }}")
    def store(scored: dict) -> dict:
        from monitor.pipeline import store as store_scored

        get_current_context()["map_label"] = f"{scored['brand']} · {scored['source']}"
        return store_scored(_settings(), scored)

    @task(trigger_rule="all_done")
    def alert(stored: list[dict], run: dict) -> dict:
        from airflow.sdk import BaseHook
        from airflow.sdk.exceptions import AirflowNotFoundException

        from monitor.mailer import smtp_url_from_connection
        from monitor.pipeline import RunInfo
        from monitor.pipeline import alert as alert_run

        list(stored)  # wait for every store; the digests read the database
        try:
            smtp_url = smtp_url_from_connection(BaseHook.get_connection("smtp_default"))
        except AirflowNotFoundException:
            smtp_url = None
        return alert_run(_settings(), dict(get_current_context()["params"]), RunInfo.from_dict(run),
                         smtp_url=smtp_url)

    # No retries: failing here is a verdict on this run's collections, not a transient error.
    @task(trigger_rule="all_done", retries=0)
    def summary(stored: list[dict], report: dict) -> dict:
        import logging

        from monitor.pipeline import check_sources, summarize

        stored = [s for s in stored if s]  # a failed store leaves no XCom
        logging.getLogger("airflow.task").info("brand_monitor summary\n%s", summarize(stored, report or {}))
        check_sources(stored)
        return {"collections": len(stored), "failed": sum(1 for s in stored if s["status"] == "failed")}

    items = plan()
    run = window()
    stored = store.expand(scored=score.expand(collected=collect.partial(run=run).expand(item=items)))
    summary(stored, alert(stored, run))


brand_monitor()
