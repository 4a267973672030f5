"""takedown_followup: the daily Airflow DAG that follows up takedown-request drafts.

Re-checks every page with an open draft (and every page taken down within
MONITOR_RELAUNCH_WATCH_DAYS): gone marks the finding taken down, still live after
MONITOR_TAKEDOWN_REMINDER_DAYS reminds the owner once, back after removal is a new alert
("relaunched") with a new draft. Schedule: `MONITOR_FOLLOWUP_SCHEDULE` (default 06:00 UTC
daily). Only wiring: the logic is in monitor.takedown.followup.
"""

from __future__ import annotations

import os
import sys

import pendulum
from airflow.sdk import dag, get_current_context, task

# Airflow puts the dags folder on sys.path; tests and other loaders may not.
if os.path.dirname(os.path.abspath(__file__)) not in sys.path:
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _monitor_dag import _pool, _settings, default_args  # noqa: E402


@dag(
    dag_id="takedown_followup",
    schedule=os.environ.get("MONITOR_FOLLOWUP_SCHEDULE", "0 6 * * *"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["impersonation-monitor", "takedowns"],
    default_args=default_args(),
)
def takedown_followup():
    @task
    def plan() -> list[int]:
        from monitor.takedown.followup import plan_followup

        return plan_followup(_settings())

    @task(map_index_template="{{ map_label }}", pool=_pool())
    def recheck(takedown_id: int) -> dict:
        from monitor.takedown.followup import recheck as recheck_one

        get_current_context()["map_label"] = f"takedown {takedown_id}"
        return recheck_one(_settings(), takedown_id)

    @task(trigger_rule="all_done")
    def act(checks: list[dict]) -> dict:
        import logging

        from airflow.sdk import BaseHook
        from airflow.sdk.exceptions import AirflowNotFoundException

        from monitor.takedown.followup import act as act_on, summarize_followup
        from monitor.notify.mailer import smtp_url_from_connection

        try:
            smtp_url = smtp_url_from_connection(BaseHook.get_connection("smtp_default"))
        except AirflowNotFoundException:
            smtp_url = None
        report = act_on(_settings(), [c for c in checks if c], smtp_url=smtp_url,
                        run_id=get_current_context()["dag_run"].run_id)
        logging.getLogger("airflow.task").info("%s", summarize_followup(report))
        return report

    act(recheck.expand(takedown_id=plan()))


takedown_followup()
