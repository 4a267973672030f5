"""Airflow DAG ct_monitor: new certificates from the Certificate Transparency logs themselves, every 10 minutes."""

from __future__ import annotations

from monitor.airflow_dags import build_ct_dag

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

build_ct_dag(doc_md=DOC)
