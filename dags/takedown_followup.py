"""takedown_followup: the daily Airflow DAG that follows up takedown-request drafts.

Re-checks every page with an open draft (and every page taken down within
MONITOR_RELAUNCH_WATCH_DAYS): gone marks the finding taken down, still live after
MONITOR_TAKEDOWN_REMINDER_DAYS reminds the owner once, back after removal is a new alert
("relaunched") with a new draft. Schedule: `MONITOR_FOLLOWUP_SCHEDULE` (default 06:00 UTC
daily). Only wiring: the logic is in monitor.takedown.followup.

Tasks: `plan` (the takedowns to re-check) → `recheck` (one mapped task instance per page,
labelled `brand · URL`; DNS, then the page, robots.txt honoured) → `act` (records taken
down, reminders and relaunches, with a new draft for each relaunch, and emails each brand's
owners once). Marks are kept in each takedown's history, shown on the Findings page.
"""

from __future__ import annotations

from monitor.airflow_dags import build_followup_dag

build_followup_dag(doc_md=__doc__)
