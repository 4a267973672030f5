"""ct_monitor run for real with dag.test(): two local CT logs (one RFC 6962, one static-CT
whose checkpoint is badly signed), a real SMTP server and a SQLite monitor database."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from monitor.demo.ctlog import idna_name
from tests.collectors.ct.conftest import fill
from tests.conftest import BRANDS_FILE, ROOT, parse_message

pytestmark = pytest.mark.airflow


@pytest.fixture(scope="module")
def ct_dag(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags" / "ct_monitor.py"), bundle_name="dags-folder")
    assert bag.import_errors == {}
    return bag.dags["ct_monitor"]


@pytest.fixture
def ct_env(monkeypatch, tmp_path, ct_server, smtp_sink):
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    for name, value in {"MONITOR_DATABASE_URL": url, "MONITOR_BRANDS_FILE": str(BRANDS_FILE),
                        "MONITOR_CT_LOG_LIST_URL": ct_server.list_url, "MONITOR_CT_BACKLOG": "100000",
                        "MONITOR_STATE_DIR": str(tmp_path / "state"), "MONITOR_ENRICH_MIN_SCORE": "101",
                        "MONITOR_TAKEDOWNS_PER_RUN": "0", "MONITOR_MAIL_FROM": "monitor@example.org",
                        "MONITOR_OUTBOX_DIR": str(tmp_path / "outbox"),
                        "AIRFLOW_CONN_SMTP_DEFAULT": f"smtp://127.0.0.1:{smtp_sink.port}?disable_ssl=true"
                                                     f"&disable_tls=true"}.items():
        monkeypatch.setenv(name, value)
    from monitor.store.db import upgrade

    upgrade(url)
    return url


def test_ct_monitor_stores_and_alerts_and_reports_a_failing_log(ct_dag, ct_env, logs, smtp_sink):
    from monitor.store.db import factory_for
    from monitor.store.models import CollectionRun, Finding

    argon, sunlight = logs
    fill(argon, 200)
    argon.add(["laoairlnes.la", "*.laoairlnes.la"], precert=True)
    argon.add(["ໄປສະນີລາວ.ລາວ"])
    fill(argon, 50, prefix="tail")
    fill(sunlight, 10)
    sunlight.faults.bad_signature = True

    run = ct_dag.test()
    assert run.state == "success"  # one log failed, not all
    labels = sorted(ti.rendered_map_index for ti in run.get_task_instances() if ti.task_id == "read_log")
    assert labels == ["Local argon log (RFC 6962)", "Local sunlight log (tiles)"]
    with factory_for(ct_env)() as session:
        findings = {(f.brand_id, f.candidate["domain"]) for f in session.scalars(select(Finding))}
        runs = list(session.scalars(select(CollectionRun).order_by(CollectionRun.id)))
    assert findings == {("lao-airlines", "laoairlnes.la"), ("laopost", idna_name("ໄປສະນີລາວ.ລາວ"))}
    assert sorted((r.source, r.status) for r in runs) == [("ct", "failed"), ("ct", "ok")]
    failed = next(r for r in runs if r.status == "failed")
    assert "Local sunlight log" in failed.error and "signature" in failed.error
    # one row per log on Source health (its last run per source and brand): a failing log is not hidden
    assert sorted(r.brand_id for r in runs) == ["* Local argon log (RFC 6962)", "* Local sunlight log (tiles)"]
    assert {r.canary for r in runs} == {"n/a"}
    recipients = sorted(tuple(m["to"]) for m in smtp_sink.messages)
    assert recipients == [("lao-airlines@example.org",), ("laopost@example.org",)]
    body = parse_message(next(m for m in smtp_sink.messages if "lao-airlines@example.org" in m["to"])["data"])
    assert "laoairlnes" in body.get_body(("plain",)).get_content()
