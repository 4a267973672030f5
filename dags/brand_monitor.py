"""Airflow DAG brand_monitor: collect, score, store and alert, every hour."""

from __future__ import annotations

from monitor.airflow_dags import build_monitor_dag, parse_settings

DOC = """
### brand_monitor

Every run collects candidates for each protected brand (`config/brands.yaml`) from each
configured source (`MONITOR_SOURCES`: search APIs, crt.sh, newly registered domains,
phishing feeds, listing pages, RSS) over the run's **data interval**, scores them against
the official registry, stores new and updated **findings** in the monitor database, and
emails each brand's owners **one digest** of what is new. Nothing is alerted twice; findings
marked false positive (`monitor findings mark ID false-positive`) are never alerted again.

**Tasks**: `plan` (validates the registry and Params; a bad one fails the run at once) →
`window` → `collect` / `score` / `store` (one mapped task instance per brand and source,
labelled `brand · source`; fetching tasks run in the `monitor_fetch` pool) → `takedowns`
(drafts a takedown request for each new impersonation: evidence, abuse contacts; nothing is
sent to third parties) → `alert` (queues and sends each brand's digest and drafts email
through the outbox) → `summary` (a table per source with canaries, errors, abandoned
collections and pending alerts). The run ends failed when nothing was collected or every
source failed; one broken source shows as an error in the table, not a failed run.

**Findings**: the *Findings* page in the navigation lists, filters and marks them; so does
`monitor findings list|show|mark` in a shell.

**Paused or not**: a new DAG is paused. A paused DAG runs nothing, not even a backfill's
or a triggered run (they wait, *queued*). Unpausing it (the toggle, `airflow dags unpause
brand_monitor`, or the checkbox **Unpause brand_monitor on trigger** of the Trigger form,
ticked by default, and of the Backfill form) **starts the hourly schedule**: the latest hour runs at once, then one run every
hour against the configured sources, until it is paused again.

**Re-running**
- *Ad-hoc run*: **Trigger** (the form offers the Params in words): Brands, Sources
  (choices; empty: all), Alert threshold, Dry run (no email), Window start / Window end (a
  date and time picker, ISO 8601 such as `2026-11-01T00:00:00+00:00`; default: the data
  interval, or the last `MONITOR_LOOKBACK_HOURS` hours). A malformed date is refused by the
  form; a date no calendar has (`2026-02-30`) fails `window` at once, and the run ends failed
  with nothing alerted.
- *Backfill*: **Trigger → Backfill** in the UI, or in a shell with the same homes
  (`eval "$(make -s env)"`): `airflow dags unpause brand_monitor`, then `airflow backfill
  create --dag-id brand_monitor --from-date 2026-11-01T00:00:00 --to-date
  2026-11-01T05:00:00` (one run per hour). Past windows are re-collected and findings
  recorded; no email is sent unless *Email from a backfill* (`send_backfill_alerts`) is true,
  and nothing already alerted is alerted again.
- *Retry a failed task*: **Clear** the task instance; writes are idempotent upserts.

Failure emails go to `MONITOR_OPS_EMAIL` when it is set (SmtpNotifier, `smtp_default`).
"""

build_monitor_dag(dag_id="brand_monitor", schedule=parse_settings().schedule, doc_md=DOC, sources=[],
                  tags=["brand-protection"])
