"""The production topology, proven without Docker: api-server, scheduler, dag-processor and
two Celery workers as processes, PostgreSQL for Airflow's metadata and the monitor
database, Redis as broker (this machine's servers), triggered through the REST API."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import func, select

from monitor.demo.web import DemoWeb
from tests.conftest import postgres_url

pytestmark = pytest.mark.distributed
REDIS_URL = os.environ.get("MONITOR_TEST_REDIS_URL")
HANG_GUARD = 1200  # seconds per test


@pytest.fixture(scope="module")
def topology(tmp_path_factory):
    if not REDIS_URL:
        if os.environ.get("CI"):
            pytest.fail("MONITOR_TEST_REDIS_URL must be set in CI")
        pytest.skip("needs MONITOR_TEST_REDIS_URL (Redis, the Celery broker)")
    from aiosmtpd.controller import Controller

    from tests.conftest import SmtpSink, free_port
    from tests.distributed import Topology

    sink = SmtpSink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port)
    controller.start()
    try:
        with DemoWeb() as web, Topology(postgres_url(), REDIS_URL, web, sink.port, tmp_path_factory.mktemp("topology")) as topo:
            topo.sink = sink
            topo.unpause("brand_monitor")
            yield topo
    finally:
        controller.stop()


@pytest.fixture(autouse=True)
def hang_guard(request):
    """One generous limit per test on everything it waits for (it waits on states, not on a
    time per step): a guard against a hung topology, not a speed target (bench/run_bench.py
    measures speed). Each test takes about 2 minutes alone on 2 cores, several times that busy."""
    if "topology" in request.fixturenames:
        request.getfixturevalue("topology").guard(HANG_GUARD)


def _counts(topology):
    from monitor.store.models import Alert, Finding

    engine = topology.monitor_engine()
    with engine.connect() as connection:
        findings = connection.execute(select(Finding.brand_id, Finding.canonical_key)).all()
        alerts = connection.execute(select(func.count()).select_from(Alert)).scalar()
    engine.dispose()
    return findings, alerts


def test_runs_on_celery_workers_store_findings_and_mail_each_brand_once(topology):
    # Unpausing lets the scheduler start the latest hourly interval (every brand); a manual
    # run for two brands overlaps it.
    run_id = topology.trigger("brand_monitor", {"brands": ["laopost", "lao-telecom"]})
    assert topology.wait_for_run("brand_monitor", run_id) == "success"
    runs = topology.wait_for_all_runs("brand_monitor", expected=2)  # the scheduled run and this one
    assert all(run["state"] == "success" for run in runs)
    assert any(run["run_type"] == "scheduled" for run in runs)
    instances = topology.task_instances("brand_monitor", run_id)
    assert len([ti for ti in instances if ti["task_id"] == "collect"]) == 2
    executed = {name: topology.logs[name].read_text().count("execute_workload") for name in ("worker1", "worker2")}
    assert all(count > 0 for count in executed.values()), executed  # both Celery workers took tasks
    findings, alerts = _counts(topology)
    assert len(findings) == len(set(findings)) and len({b for b, _ in findings}) == 6
    assert alerts == 6
    recipients = sorted(m["to"][0] for m in topology.sink.messages)
    assert recipients == sorted(f"{brand}@example.org" for brand in
                                ("lao-airlines", "lao-telecom", "laotian-times", "laopost", "tholakhong", "laopatthana"))


def test_overlapping_runs_and_a_backfill_duplicate_nothing(topology):
    import datetime as dt

    before_findings, before_alerts = _counts(topology)
    runs_before = topology.runs("brand_monitor")
    messages_before = len(topology.sink.messages)
    for _ in range(2):
        topology.trigger("brand_monitor", {})
    now = dt.datetime.now(dt.UTC).replace(minute=0, second=0, microsecond=0)
    # three past hours: the intervals starting 4, 3 and 2 hours ago (the last one already ran)
    topology.backfill("brand_monitor", (now - dt.timedelta(hours=4)).isoformat(), (now - dt.timedelta(hours=2)).isoformat(),
                      {"send_backfill_alerts": True})
    runs = topology.wait_for_all_runs("brand_monitor", expected=len(runs_before) + 2 + 3)
    assert all(run["state"] == "success" for run in runs), [(r["dag_run_id"], r["state"]) for r in runs]
    assert sum(1 for run in runs if run["run_type"] == "backfill") == 3
    findings, alerts = _counts(topology)
    assert sorted(findings) == sorted(before_findings) and len(findings) == len(set(findings))
    assert alerts == before_alerts and len(topology.sink.messages) == messages_before
