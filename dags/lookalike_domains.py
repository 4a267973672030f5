"""Airflow DAG lookalike_domains: dnstwist permutations of every official domain, checked with DNS, daily.

(Airflow only parses files that mention both "airflow" and "dag": this docstring does.)"""

from __future__ import annotations

from monitor.airflow_dags import build_monitor_dag, parse_settings

DOC = """
### lookalike_domains

Once a day, generates dnstwist permutations of every official domain (typos, omissions,
swaps, homoglyphs, hyphens, other TLD forms) and asks DNS (`MONITOR_DNS_NAMESERVER`, or the
system resolver) which of them exist. NXDOMAIN: not registered. An answer: registered, so
scored and stored like any other candidate and alerted in the brand's digest. SERVFAIL or a
timeout is *unknown*: retried at the end of the run, otherwise left for the next run, never
reported as registered.

Same tasks (`plan`, `window`, `collect`/`score`/`store` per brand, `takedowns`, `alert`,
`summary`), Params and re-running as `brand_monitor`; the `sources` Param defaults to
`permutations`, and its digests are titled as this daily run's. Schedule:
`MONITOR_LOOKALIKE_SCHEDULE` (default 03:00 UTC daily).
"""

build_monitor_dag(dag_id="lookalike_domains", schedule=parse_settings().lookalike_schedule, doc_md=DOC,
                  sources=["permutations"], tags=["brand-protection", "dns"])
