"""The wiring shared by brand_monitor and lookalike_domains: the same tasks, different
schedules and sources. Only wiring: the logic is in monitor.pipeline, imported inside the
tasks so that parsing stays fast and touches no network or database."""

from __future__ import annotations

import datetime as dt
import os

import pendulum
from airflow.sdk import CronDataIntervalTimetable, Param, dag, get_current_context, task

FETCH_POOL = "monitor_fetch"  # outbound fetching; created by `make run` / `make demo` (see README)


def _failure_callbacks() -> list:
    ops_email = os.environ.get("MONITOR_OPS_EMAIL")
    if not ops_email:
        return []
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    return [SmtpNotifier(to=ops_email, from_email=os.environ.get("MONITOR_MAIL_FROM"),
                         subject="[impersonation-monitor] {{ ti.dag_id }}.{{ ti.task_id }} failed")]


def _settings(api_keys: bool = False):
    """Settings from the environment; with api_keys, search API keys from Airflow
    connections where the environment has none (brave_search: password; google_search:
    password, and the engine id in extra 'cx' or login)."""
    from monitor.settings import Settings

    env = dict(os.environ)
    if api_keys:
        from airflow.sdk import BaseHook
        from airflow.sdk.exceptions import AirflowNotFoundException

        for source in ("brave", "google"):
            key_var = f"MONITOR_{source.upper()}_API_KEY"
            if env.get(key_var):
                continue
            try:
                conn = BaseHook.get_connection(f"{source}_search")
            except AirflowNotFoundException:
                continue
            env[key_var] = conn.password or ""
            if source == "google":
                env.setdefault("MONITOR_GOOGLE_CX", str(conn.extra_dejson.get("cx") or conn.login or ""))
    return Settings.from_env(env)


def default_args() -> dict:
    """Every task of every monitor DAG: retried with backoff, failures mailed to ops."""
    return {
        "owner": "brand-protection",
        "retries": 2,
        "retry_delay": dt.timedelta(minutes=1),
        "retry_exponential_backoff": True,
        "max_retry_delay": dt.timedelta(minutes=20),
        "on_failure_callback": _failure_callbacks(),
    }


def _pool() -> str | None:
    # MONITOR_FETCH_POOL=none runs without a pool (dag.test() in a fresh Airflow home).
    name = os.environ.get("MONITOR_FETCH_POOL", FETCH_POOL)
    return None if name.lower() in ("", "none") else name


def build_monitor_dag(*, dag_id: str, schedule: str, doc_md: str, sources: list[str], tags: list[str]):
    @dag(
        dag_id=dag_id,
        schedule=CronDataIntervalTimetable(schedule, timezone="UTC"),
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        max_active_runs=1,
        doc_md=doc_md,
        tags=["impersonation-monitor", *tags],
        default_args=default_args(),
        params={
            "brands": Param([], type="array", items={"type": "string"}, description="Brand ids; empty: all brands."),
            "sources": Param(sources, type="array", items={"type": "string"},
                             description="Source names; empty: MONITOR_SOURCES."),
            "min_score": Param(None, type=["null", "integer"], minimum=0, maximum=100,
                               description="Alert threshold; empty: MONITOR_ALERT_MIN_SCORE or the rules' threshold."),
            "dry_run": Param(False, type="boolean", description="Collect, score and store, but send no email."),
            "window_start": Param(None, type=["null", "string"], description="ISO 8601; overrides the data interval."),
            "window_end": Param(None, type=["null", "string"], description="ISO 8601; overrides the data interval."),
            "send_backfill_alerts": Param(False, type="boolean", description="Let backfill runs send digests."),
        },
    )
    def monitor_dag():
        @task
        def plan() -> list[dict]:
            from monitor.pipeline import plan as plan_items

            return plan_items(_settings(api_keys=True), dict(get_current_context()["params"]))

        @task
        def window() -> dict:
            from monitor.pipeline import RunInfo, resolve_window

            context = get_current_context()
            start, end = resolve_window(context.get("data_interval_start"), context.get("data_interval_end"),
                                        dict(context["params"]), now=pendulum.now("UTC"),
                                        lookback_hours=_settings().lookback_hours)
            dag_run = context["dag_run"]
            run_type = getattr(dag_run.run_type, "value", str(dag_run.run_type))
            return RunInfo(dag_run.run_id, run_type, start.isoformat(), end.isoformat()).as_dict()

        @task(map_index_template="{{ map_label }}", pool=_pool())
        def collect(item: dict, run: dict) -> dict:
            from monitor.pipeline import RunInfo
            from monitor.pipeline import collect as collect_item

            get_current_context()["map_label"] = f"{item['brand']} · {item['source']}"
            return collect_item(_settings(api_keys=item["source"] in ("brave", "google")), item, RunInfo.from_dict(run))

        @task(map_index_template="{{ map_label }}", pool=_pool())
        def score(collected: dict) -> dict:
            from monitor.pipeline import score as score_collected

            get_current_context()["map_label"] = f"{collected['brand']} · {collected['source']}"
            return score_collected(_settings(), collected)

        @task(map_index_template="{{ map_label }}")
        def store(scored: dict) -> dict:
            from monitor.pipeline import store as store_scored

            get_current_context()["map_label"] = f"{scored['brand']} · {scored['source']}"
            return store_scored(_settings(), scored)

        @task(trigger_rule="all_done", pool=_pool())
        def takedowns(stored: list[dict]) -> dict:
            from monitor.pipeline import draft_takedowns

            list(stored)  # wait for every store; drafts are made for what the database holds
            return draft_takedowns(_settings(), dict(get_current_context()["params"]))

        @task(trigger_rule="all_done")
        def alert(stored: list[dict], run: dict, drafts: dict) -> dict:
            from airflow.sdk import BaseHook
            from airflow.sdk.exceptions import AirflowNotFoundException

            from monitor.notify.mailer import smtp_url_from_connection
            from monitor.pipeline import RunInfo
            from monitor.pipeline import alert as alert_run

            # drafts: only to wait for the takedown drafts, which the digests name
            list(stored)  # wait for every store; the digests read the database
            try:
                smtp_url = smtp_url_from_connection(BaseHook.get_connection("smtp_default"))
            except AirflowNotFoundException:
                smtp_url = None
            return alert_run(_settings(), dict(get_current_context()["params"]), RunInfo.from_dict(run),
                             smtp_url=smtp_url)

        # No retries: failing here is a verdict on this run's collections, not a transient error.
        @task(trigger_rule="all_done", retries=0)
        def summary(stored: list[dict], report: dict, drafts: dict) -> dict:
            import logging

            from monitor.pipeline import check_sources, summarize

            stored = [s for s in stored if s]  # a failed store leaves no XCom
            logging.getLogger("airflow.task").info("%s summary\n%s", dag_id,
                                                       summarize(stored, report or {}, drafts or {}))
            check_sources(stored)
            return {"collections": len(stored), "failed": sum(1 for s in stored if s["status"] == "failed")}

        items = plan()
        run = window()
        stored = store.expand(scored=score.expand(collected=collect.partial(run=run).expand(item=items)))
        drafts = takedowns(stored)
        summary(stored, alert(stored, run, drafts), drafts)

    return monitor_dag()
