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

**Tasks**: `plan` (validates the registry and Params) → `window` → `collect` / `score` /
`store` (one mapped instance per brand and source, labelled `brand · source`; fetching tasks
run in the `monitor_fetch` pool) → `alert` (queues and sends digests through the outbox) →
`summary` (a table per source with canaries and errors; fails only when *every* source
failed, so one broken source shows as an error, not a red run).

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

build_monitor_dag(dag_id="brand_monitor", schedule=parse_settings().schedule, doc_md=DOC, sources=[],
                  tags=["brand-protection"])
