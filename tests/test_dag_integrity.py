"""Every DAG file: imports cleanly, fast, with no network or database access at parse time,
and carries tags, retries and documentation."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.airflow

DAG_FILES = sorted((ROOT / "dags").glob("*.py"))
# At parse time a DAG file imports the wiring and the light configuration modules only; the
# steps (scoring, fetching, storage, email, takedowns) are imported inside the tasks.
TASK_TIME_MODULES = ("monitor.pipeline", "monitor.store", "monitor.fetch", "monitor.notify", "monitor.takedown",
                     "monitor.detection.scoring", "monitor.detection.enrich", "monitor.enrichment", "monitor.run_context",
                     "monitor.cli")

# Parse each file in a fresh interpreter where sockets and database engines are booby-trapped:
# a DAG file that touches either at parse time fails this test.
PARSE_PROBE = r"""
import json, socket, sys, time
def refuse(*args, **kwargs):
    raise RuntimeError("network or database access while parsing a DAG file")
socket.socket.connect = refuse
socket.create_connection = refuse
import sqlalchemy
from airflow.dag_processing.dagbag import DagBag
sqlalchemy.create_engine = refuse
started = time.perf_counter()
bag = DagBag(dag_folder=sys.argv[1], bundle_name="probe")
elapsed = time.perf_counter() - started
print(json.dumps({
    "errors": {k: str(v) for k, v in bag.import_errors.items()},
    "seconds": elapsed,
    "file_seconds": [s.duration.total_seconds() if hasattr(s.duration, "total_seconds") else float(s.duration) for s in bag.dagbag_stats],
    "monitor_modules": sorted(m for m in sys.modules if m.startswith("monitor.")),
    "dags": {dag_id: {
        "tags": sorted(dag.tags), "doc": bool(dag.doc_md), "catchup": dag.catchup,
        "max_active_runs": dag.max_active_runs, "timetable": type(dag.timetable).__name__,
        "retries": {t.task_id: t.retries for t in dag.tasks},
    } for dag_id, dag in bag.dags.items()},
}))
"""


@pytest.fixture(scope="module", params=DAG_FILES, ids=lambda p: p.name)
def parsed(request):
    result = subprocess.run([sys.executable, "-c", PARSE_PROBE, str(request.param)], capture_output=True, text=True,
                            cwd=ROOT, check=False)
    assert result.returncode == 0, result.stderr[-3000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def test_no_import_errors(parsed):
    assert parsed["errors"] == {}
    assert parsed["dags"], "the file defines no DAG"


def test_parse_time_under_one_second(parsed):
    assert parsed["file_seconds"] and max(parsed["file_seconds"]) < 1.0, parsed["file_seconds"]


def test_heavy_imports_stay_inside_tasks(parsed):
    assert "monitor.airflow_dags" in parsed["monitor_modules"]
    heavy = [m for m in parsed["monitor_modules"] if m.startswith(TASK_TIME_MODULES)]
    assert heavy == [], heavy


def test_tags_retries_and_docs(parsed):
    for dag_id, dag in parsed["dags"].items():
        assert "impersonation-monitor" in dag["tags"], dag_id
        assert dag["doc"], dag_id
        # every task retries, but a summary whose failure is the run's verdict
        assert all(retries >= 1 for task, retries in dag["retries"].items() if task != "summary"), dag["retries"]


def test_brand_monitor_schedule():
    probe = subprocess.run([sys.executable, "-c", PARSE_PROBE, str(ROOT / "dags" / "brand_monitor.py")],
                           capture_output=True, text=True, cwd=ROOT, check=True)
    dag = json.loads(probe.stdout.strip().splitlines()[-1])["dags"]["brand_monitor"]
    assert dag["timetable"] == "CronDataIntervalTimetable"
    assert dag["catchup"] is False and dag["max_active_runs"] == 1
    assert set(dag["retries"]) == {"plan", "window", "collect", "score", "store", "takedowns", "alert",
                                    "summary"}


def test_lookalike_domains_runs_daily_on_dns():
    probe = subprocess.run([sys.executable, "-c", PARSE_PROBE, str(ROOT / "dags" / "lookalike_domains.py")],
                           capture_output=True, text=True, cwd=ROOT, check=True)
    dag = json.loads(probe.stdout.strip().splitlines()[-1])["dags"]["lookalike_domains"]
    assert dag["timetable"] == "CronDataIntervalTimetable" and "dns" in dag["tags"]


def test_takedown_followup_runs_daily():
    probe = subprocess.run([sys.executable, "-c", PARSE_PROBE, str(ROOT / "dags" / "takedown_followup.py")],
                           capture_output=True, text=True, cwd=ROOT, check=True)
    dag = json.loads(probe.stdout.strip().splitlines()[-1])["dags"]["takedown_followup"]
    assert dag["timetable"] == "CronTriggerTimetable" and dag["max_active_runs"] == 1
    assert set(dag["retries"]) == {"plan", "recheck", "act"}
