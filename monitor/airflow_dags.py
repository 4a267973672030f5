"""The Airflow wiring the DAG files call: the one module of the package, with monitor.ui,
that imports Airflow. Only wiring: every task calls a step of monitor.pipeline (or
monitor.takedown.followup), imported inside the task so that parsing a DAG file stays fast
and touches no network or database. The DAG files (dags/) import this installed module, so
no DAG file changes sys.path or imports another's names.

Tasks pass the records of monitor.run_records as plain JSON (monitor.records.to_json and
from_json, here and nowhere else in the steps). Tasks that return a dict say
`multiple_outputs=False`: with an `-> dict` annotation Airflow would otherwise push each key
as an XCom of its own."""

from __future__ import annotations

import contextlib
import datetime as dt
from collections.abc import Generator
from typing import TYPE_CHECKING, Any

import pendulum
from airflow.sdk import CronDataIntervalTimetable, Param, dag, get_current_context, task
from airflow.sdk.exceptions import AirflowFailException

from monitor.collectors.sources import SOURCE_NAMES
from monitor.settings import Settings, SettingsError, settings_with_keys

if TYPE_CHECKING:
    from airflow.sdk import Connection

    from monitor.run_context import RunContext
    from monitor.run_records import AlertReport, DraftsReport


def parse_settings() -> Settings:
    """Settings at parse time (schedules, pool, ops email). A bad value is the DAG file's import
    error, shown in the Airflow UI with the variable's name."""
    return Settings.from_env()


def _connection(conn_id: str) -> Connection | None:
    from airflow.sdk import BaseHook
    from airflow.sdk.exceptions import AirflowNotFoundException

    try:
        return BaseHook.get_connection(conn_id)
    except AirflowNotFoundException:
        return None


def task_settings(sources: list[str] | None = None) -> Settings:
    """Settings inside a task; for the named sources, their keys from Airflow connections where
    the environment has none (the source table says which). A bad setting fails the task at
    once: retrying cannot mend configuration."""
    try:
        return settings_with_keys(sources or [], _connection)
    except SettingsError as exc:
        raise AirflowFailException(f"configuration: {exc}") from None


def task_context(sources: list[str] | None = None) -> RunContext:
    """The run context of a task: its settings (task_settings), and the registry, rules and
    scorer built once for the task."""
    from monitor.run_context import RunContext

    return RunContext(task_settings(sources))


def smtp_url() -> str | None:
    """The `smtp_default` connection as an SMTP URL, when Airflow has one."""
    from monitor.notify.mailer import smtp_url_from_connection

    found = _connection("smtp_default")
    return smtp_url_from_connection(found) if found is not None else None


def failure_callbacks(settings: Settings) -> list:
    if not settings.ops_email:
        return []
    from airflow.providers.smtp.notifications.smtp import SmtpNotifier

    return [SmtpNotifier(to=settings.ops_email, from_email=settings.mail_from,
                         subject="[impersonation-monitor] {{ ti.dag_id }}.{{ ti.task_id }} failed")]


def default_args(settings: Settings) -> dict[str, Any]:
    """Every task of every monitor DAG: retried with backoff, failures mailed to ops."""
    return {
        "owner": "brand-protection",
        "retries": 2,
        "retry_delay": dt.timedelta(minutes=1),
        "retry_exponential_backoff": True,
        "max_retry_delay": dt.timedelta(minutes=20),
        "on_failure_callback": failure_callbacks(settings),
    }


def fetch_pool(settings: Settings) -> str | None:
    # MONITOR_FETCH_POOL=none runs without a pool (dag.test() in a fresh Airflow home).
    return None if settings.fetch_pool.lower() in ("", "none") else settings.fetch_pool


def brand_ids_for_form(settings: Settings) -> list[str]:
    """The brand ids offered in the trigger form. Read leniently here: the registry is
    validated by `plan`, which fails the run with the file, line and field when it is bad."""
    from monitor.registry import brand_ids_in

    return brand_ids_in(settings.brands_file)


@contextlib.contextmanager
def fails_at_once() -> Generator[None, None, None]:
    """Bad Params, a bad registry, or a run that saw nothing: the task fails with the reason,
    without retries (retrying cannot mend them)."""
    from monitor.pipeline import RunVerdict
    from monitor.run_context import BadRequest

    try:
        yield
    except (BadRequest, RunVerdict) as exc:
        raise AirflowFailException(str(exc)) from None


# A date and time as ISO 8601 (what the form's date picker sends, and what an analyst types):
# month 01-12, day 01-31, hour 00-23, optional seconds, fraction and offset. Refused by the form
# (and by the API and CLI) before the run starts; `window` still refuses a day that does not
# exist in its month (2026-02-30), at once and without retries.
ISO_DATE_TIME = (r"^[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|[12][0-9]|3[01])[T ]([01][0-9]|2[0-3]):[0-5][0-9]"
                 r"(:[0-5][0-9](\.[0-9]+)?)?(Z|[+-]([01][0-9]|2[0-3]):?[0-5][0-9])?$")


def window_param(title: str, example: str, what: str) -> Param:
    return Param(None, type=["null", "string"], format="date-time", pattern=ISO_DATE_TIME, title=title,
                 description=f"{what} of the window to collect, in ISO 8601 (UTC unless an offset is given), "
                             f"e.g. {example}. Empty: the run's data interval, or the last MONITOR_LOOKBACK_HOURS "
                             "hours for a manual run.")


def trigger_params(brand_items: dict[str, Any], brand_choices: list[str], sources: list[str]) -> dict[str, Param]:
    """The Params of the trigger form: titles in words, an example in each free-text field."""
    # "empty: all" Params allow null, so the trigger form does not mark them required.
    return {
        "brands": Param([], type=["null", "array"], items=brand_items, examples=brand_choices or None,
                        title="Brands", description="The brands to look for (their ids in brands.yaml, e.g. "
                                                    "lao-airlines). Empty: all brands."),
        "sources": Param(sources, type=["null", "array"], items={"type": "string", "enum": list(SOURCE_NAMES)},
                         examples=list(SOURCE_NAMES), title="Sources",
                         description="The sources to collect from, e.g. searxng. Empty: MONITOR_SOURCES."),
        "min_score": Param(None, type=["null", "integer"], minimum=0, maximum=100, title="Alert threshold (0-100)",
                           description="Findings scoring at least this are emailed, e.g. 60. Empty: "
                                       "MONITOR_ALERT_MIN_SCORE, else the rules' threshold (45)."),
        "dry_run": Param(False, type="boolean", title="Dry run (no email)",
                         description="Collect, score and store, but send no email."),
        "window_start": window_param("Window start", "2026-11-01T00:00:00+00:00", "The start"),
        "window_end": window_param("Window end", "2026-11-01T06:00:00+00:00", "The end"),
        "send_backfill_alerts": Param(False, type="boolean", title="Email from a backfill",
                                      description="For backfill runs only (airflow backfill create, or Trigger "
                                                  "→ Backfill): let them email the digests. Off, a backfill records "
                                                  "its findings and the next scheduled run emails them. Scheduled "
                                                  "and manual runs always email (unless Dry run)."),
    }


def takedowns_task(pool: str | None):  # an Airflow task, as @task makes it
    """The `takedowns` task of the brand and CT DAGs: after every upstream task (whatever they
    returned), draft a takedown for each new impersonation the database holds."""

    @task(task_id="takedowns", trigger_rule="all_done", pool=pool, multiple_outputs=False)
    def takedowns(upstream: list[dict]) -> dict:
        from monitor.pipeline import draft_takedowns
        from monitor.records import to_json

        list(upstream)  # wait for every one of them; drafts are made for what the database holds
        with fails_at_once():
            return to_json(draft_takedowns(task_context(), dict(get_current_context()["params"])))

    return takedowns


def run_reports(alert_xcom: dict | None, drafts_xcom: dict | None) -> tuple[AlertReport | None, DraftsReport | None]:
    """The alert and takedowns tasks' XComs as records; None for a task that failed (no XCom)."""
    from monitor.records import from_json
    from monitor.run_records import AlertReport, DraftsReport

    return (from_json(AlertReport, alert_xcom) if alert_xcom else None,
            from_json(DraftsReport, drafts_xcom) if drafts_xcom else None)


def build_monitor_dag(*, dag_id: str, schedule: str, doc_md: str, sources: list[str], tags: list[str]):
    settings = parse_settings()
    brand_choices = brand_ids_for_form(settings)
    brand_items: dict[str, Any] = {"type": "string"}
    if brand_choices:
        brand_items["enum"] = brand_choices

    @dag(
        dag_id=dag_id,
        schedule=CronDataIntervalTimetable(schedule, timezone="UTC"),
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        max_active_runs=1,
        doc_md=doc_md,
        tags=["impersonation-monitor", *tags],
        default_args=default_args(settings),
        params=trigger_params(brand_items, brand_choices, sources),
    )
    def monitor_dag() -> None:
        pool = fetch_pool(settings)

        @task  # bad Params or a bad registry raise AirflowFailException: no retry
        def plan() -> list[dict]:
            from monitor.pipeline import plan as plan_items
            from monitor.records import to_json

            with fails_at_once():
                return [to_json(item) for item in plan_items(task_context(list(SOURCE_NAMES)),
                                                             dict(get_current_context()["params"]))]

        @task(multiple_outputs=False)
        def window() -> dict:
            from monitor.pipeline import RunInfo, resolve_window
            from monitor.records import to_json

            context = get_current_context()
            with fails_at_once():
                start, end = resolve_window(context.get("data_interval_start"), context.get("data_interval_end"),
                                            dict(context["params"]), now=pendulum.now("UTC"),
                                            lookback_hours=task_settings().lookback_hours)
            dag_run = context["dag_run"]
            run_type = getattr(dag_run.run_type, "value", str(dag_run.run_type))
            return to_json(RunInfo(dag_run.run_id, run_type, start.isoformat(), end.isoformat(), dag_id))

        @task(map_index_template="{{ map_label }}", pool=pool, multiple_outputs=False)
        def collect(item: dict, run: dict) -> dict:
            from monitor.pipeline import PlanItem, RunInfo
            from monitor.pipeline import collect as collect_item
            from monitor.records import from_json, to_json

            planned = from_json(PlanItem, item)
            get_current_context()["map_label"] = planned.label  # type: ignore[typeddict-unknown-key]  # read by map_index_template; not in Context
            return to_json(collect_item(task_context([planned.source]), planned, from_json(RunInfo, run)))

        @task(map_index_template="{{ map_label }}", pool=pool, multiple_outputs=False)
        def score(collected: dict) -> dict:
            from monitor.pipeline import Collected
            from monitor.pipeline import score as score_collected
            from monitor.records import from_json, to_json

            record = from_json(Collected, collected)
            get_current_context()["map_label"] = record.label  # type: ignore[typeddict-unknown-key]  # read by map_index_template; not in Context
            return to_json(score_collected(task_context(), record))

        @task(map_index_template="{{ map_label }}", multiple_outputs=False)
        def store(scored: dict) -> dict:
            from monitor.pipeline import Scored
            from monitor.pipeline import store as store_scored
            from monitor.records import from_json, to_json

            record = from_json(Scored, scored)
            get_current_context()["map_label"] = record.label  # type: ignore[typeddict-unknown-key]  # read by map_index_template; not in Context
            return to_json(store_scored(task_context(), record))

        takedowns = takedowns_task(pool)

        @task(trigger_rule="all_done", multiple_outputs=False)
        def alert(stored: list[dict], run: dict, drafts: dict) -> dict:
            from monitor.pipeline import RunInfo
            from monitor.pipeline import alert as alert_run
            from monitor.records import from_json, to_json
            from monitor.run_records import AlertReport

            # drafts: only to wait for the takedown drafts, which the digests name
            list(stored)  # wait for every store; the digests read the database
            if run is None:  # `window` failed (bad Params): it says why; nothing was collected to alert
                return to_json(AlertReport(transport=None, min_score=None,
                                           skipped="no window (the window task failed: see its log); nothing alerted"))
            with fails_at_once():
                return to_json(alert_run(task_context(), dict(get_current_context()["params"]),
                                         from_json(RunInfo, run), smtp_url=smtp_url()))

        # No retries: failing here is a verdict on this run's collections, not a transient error.
        @task(trigger_rule="all_done", retries=0, multiple_outputs=False)
        def summary(stored: list[dict], report: dict, drafts: dict) -> dict:
            import logging

            from monitor.pipeline import Stored, check_run, close_abandoned_collections
            from monitor.records import from_json
            from monitor.summary import summarize

            records = [from_json(Stored, s) for s in stored if s]  # a failed store leaves no XCom
            abandoned = close_abandoned_collections(task_settings())
            logging.getLogger("airflow.task").info("%s summary\n%s", dag_id,
                                                   summarize(records, *run_reports(report, drafts), abandoned))
            with fails_at_once():
                check_run(records)
            return {"collections": len(records), "failed": sum(1 for s in records if s.status == "failed")}

        items = plan()
        run = window()
        stored = store.expand(scored=score.expand(collected=collect.partial(run=run).expand(item=items)))
        drafts = takedowns(stored)
        summary(stored, alert(stored, run, drafts), drafts)  # type: ignore[arg-type]  # XComArgs, the values at run time

    return monitor_dag()


def build_followup_dag(*, doc_md: str):
    settings = parse_settings()

    @dag(
        dag_id="takedown_followup",
        schedule=settings.followup_schedule,
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,
        max_active_runs=1,
        doc_md=doc_md,
        tags=["impersonation-monitor", "takedowns"],
        default_args=default_args(settings),
    )
    def takedown_followup() -> None:
        @task
        def plan() -> list[dict]:
            from monitor.takedown.followup import plan_followup

            return [item.as_dict() for item in plan_followup(task_settings())]

        @task(map_index_template="{{ map_label }}", pool=fetch_pool(settings), multiple_outputs=False)
        def recheck(item: dict) -> dict:
            from monitor.takedown.followup import FollowupItem
            from monitor.takedown.followup import recheck as recheck_one

            planned = FollowupItem.from_dict(item)
            get_current_context()["map_label"] = planned.label  # type: ignore[typeddict-unknown-key]  # read by map_index_template; not in Context
            return recheck_one(task_settings(), planned.takedown_id).as_dict()

        @task(trigger_rule="all_done", multiple_outputs=False)
        def act(checks: list[dict]) -> dict:
            import logging

            from monitor.takedown.followup import Check, summarize_followup
            from monitor.takedown.followup import act as act_on

            report = act_on(task_settings(), [Check.from_dict(c) for c in checks if c], smtp_url=smtp_url(),
                            run_id=get_current_context()["dag_run"].run_id)
            logging.getLogger("airflow.task").info("%s", summarize_followup(report))
            return report

        act(recheck.expand(item=plan()))  # type: ignore[arg-type]  # an XComArg, the values at run time

    return takedown_followup()


def build_ct_dag(*, doc_md: str):
    """ct_monitor: one mapped task per CT log of the list, then the same drafts, digests and
    summary as every source (dags/ct_monitor.py)."""
    settings = parse_settings()

    @dag(
        dag_id="ct_monitor",
        schedule=CronDataIntervalTimetable(settings.ct_schedule, timezone="UTC"),
        start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
        catchup=False,  # positions, not windows: a missed run is read by the next one
        max_active_runs=1,  # one reader per log at a time
        doc_md=doc_md,
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
            context["map_label"] = log.label  # type: ignore[typeddict-unknown-key]  # read by map_index_template; not in Context
            run = context["dag_run"]
            return collect_log(task_settings(), log, run_id=run.run_id, dag_id="ct_monitor",
                               run_type=getattr(run.run_type, "value", str(run.run_type))).as_dict()

        takedowns = takedowns_task(pool)

        @task(trigger_rule="all_done", multiple_outputs=False)
        def alert(reads: list[dict], drafts: dict) -> dict:
            from monitor.pipeline import RunInfo
            from monitor.pipeline import alert as alert_run
            from monitor.records import to_json

            list(reads)
            context = get_current_context()
            run = context["dag_run"]
            info = RunInfo(run.run_id, getattr(run.run_type, "value", str(run.run_type)), None, None, "ct_monitor")
            with fails_at_once():
                return to_json(alert_run(task_context(), dict(context["params"]), info, smtp_url=smtp_url()))

        @task(trigger_rule="all_done", retries=0, multiple_outputs=False)  # its failure is the run's verdict
        def summary(reads: list[dict], report: dict, drafts: dict) -> dict:
            import logging

            from monitor.collectors.ct.batches import LogRead
            from monitor.collectors.ct.run import check_logs, summarize_logs
            from monitor.pipeline import close_abandoned_collections
            from monitor.summary import run_report_lines

            results = [LogRead.from_dict(r) for r in reads if r]  # a failed task leaves no XCom
            abandoned = close_abandoned_collections(task_settings())
            # summary.summarize's lines after its (per-source, here empty) table: takedowns, alerts, abandoned runs
            tail = run_report_lines(*run_reports(report, drafts), abandoned)
            logging.getLogger("airflow.task").info("ct_monitor summary\n%s\n%s", summarize_logs(results), "\n".join(tail))
            with fails_at_once():
                check_logs(results)
            return {"logs": len(results), "failed": sum(1 for r in results if r.status == "failed"),
                    "entries": sum(r.entries for r in results), "new": sum(r.new for r in results)}

        reads = read_log.expand(ct_log=plan())
        drafts = takedowns(reads)
        summary(reads, alert(reads, drafts), drafts)  # type: ignore[arg-type]  # XComArgs, the values at run time

    return ct_monitor()
