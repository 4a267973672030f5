"""brand_monitor run for real with dag.test(): a local SearXNG-format server, a real SMTP
server (aiosmtpd) and a SQLite monitor database, in a throw-away Airflow home."""

from __future__ import annotations

import copy

import pytest
from sqlalchemy import func, select
from werkzeug import Response

from tests.conftest import BRANDS_FILE, FIXTURES, ROOT, parse_message

pytestmark = pytest.mark.airflow

PAYLOADS = {
    '"Lao Airlines"': "lao_airlines.json",
    'site:facebook.com "Lao Airlines"': "site_facebook_lao_airlines.json",
    'site:t.me "Laopost"': "site_telegram_laopost.json",
}
WINDOW = {"window_start": "2026-11-28T10:00:00+00:00", "window_end": "2026-11-28T11:00:00+00:00"}


@pytest.fixture(scope="module")
def brand_monitor_dag(airflow_db):
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(ROOT / "dags"), bundle_name="dags-folder")
    assert bag.import_errors == {}
    return bag.dags["brand_monitor"]


@pytest.fixture
def searxng(httpserver):
    """SearXNG's JSON API from saved payloads; Tholakhong's queries fail with HTTP 500."""
    requests = []

    def handler(request):
        query = request.args.get("q", "")
        requests.append(query)
        if "Tholakhong" in query:
            return Response("upstream engines failed", status=500, content_type="text/plain")
        name = PAYLOADS.get(query, "no_results.json")
        return Response((FIXTURES / "searxng" / name).read_bytes(), content_type="application/json")

    httpserver.expect_request("/search").respond_with_handler(handler)
    httpserver.expect_request("/robots.txt").respond_with_data("not found", status=404)
    httpserver.expect_request("/", headers={"Host": "laoairlines-booking.top"}).respond_with_data(
        '<html><head><title>Lao Airlines - Online booking</title></head><body><form>'
        '<input name="cardnumber"><input type="password" name="pin"></form></body></html>', content_type="text/html")
    httpserver.requests_seen = requests
    return httpserver


@pytest.fixture
def monitor_env(monkeypatch, tmp_path, searxng, smtp_sink):
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    monkeypatch.setenv("MONITOR_DATABASE_URL", url)
    monkeypatch.setenv("MONITOR_BRANDS_FILE", str(BRANDS_FILE))
    monkeypatch.setenv("MONITOR_SEARXNG_URL", searxng.url_for("/").rstrip("/"))
    monkeypatch.setenv("MONITOR_ALLOW_PRIVATE_NETWORKS", "1")
    monkeypatch.setenv("MONITOR_EXTRA_PORTS", str(searxng.port))
    monkeypatch.setenv("MONITOR_HOST_MIN_DELAY_MS", "0")
    monkeypatch.setenv("MONITOR_HTTP_BACKOFF_MS", "0")
    monkeypatch.setenv("MONITOR_SOURCES", "searxng")
    monkeypatch.setenv("MONITOR_TAKEDOWNS_PER_RUN", "0")  # drafting is tested in test_takedown*.py
    # every site the results link to is served by the local server (page enrichment)
    monkeypatch.setenv("MONITOR_HTTP_RESOLVE", f"*=127.0.0.1:{searxng.port}")
    monkeypatch.setenv("MONITOR_MAIL_FROM", "monitor@example.org")
    monkeypatch.setenv("MONITOR_OUTBOX_DIR", str(tmp_path / "outbox"))
    monkeypatch.setenv("AIRFLOW_CONN_SMTP_DEFAULT",
                       f"smtp://127.0.0.1:{smtp_sink.port}?disable_ssl=true&disable_tls=true")
    from monitor.store.db import upgrade

    upgrade(url)
    return url


def _session(url):
    from monitor.store.db import make_engine, session_factory

    return session_factory(make_engine(url))()


def test_run_stores_findings_and_mails_one_digest_per_brand_once(brand_monitor_dag, monitor_env, smtp_sink, searxng):
    from monitor.store.models import Alert, CollectionRun, Finding, Sighting

    run = brand_monitor_dag.test(run_conf=WINDOW)
    assert run.state == "success"
    with _session(monitor_env) as session:
        findings = {(f.brand_id, f.canonical_key): f for f in session.scalars(select(Finding))}
        runs = list(session.scalars(select(CollectionRun)))
    assert set(findings) == {
        ("lao-airlines", "facebook:laoairlines.promo2026"),
        ("lao-airlines", "facebook:id:100089123456"),
        ("lao-airlines", "domain:laoairlines-booking.top"),
        ("laopost", "telegram:laopost_parcel"),
    }
    assert all(f.status == "alerted" for f in findings.values())
    # one collection per brand; Tholakhong's failed without failing the run
    assert len(runs) == 6
    failed = [r for r in runs if r.status == "failed"]
    assert [r.brand_id for r in failed] == ["tholakhong"] and "HTTP 500" in failed[0].error
    assert all(str(r.window_start).startswith("2026-11-28 10:00") for r in runs)
    assert {(r.dag_id, r.dag_run_id) for r in runs} == {("brand_monitor", run.run_id)}  # the UI links to it

    assert len(smtp_sink.messages) == 2
    by_recipient = {tuple(m["to"]): parse_message(m["data"]) for m in smtp_sink.messages}
    airlines = by_recipient[("lao-airlines@example.org",)]
    assert airlines["Subject"].strip() == \
        "[impersonation-monitor] Lao Airlines, findings from the hourly search: 3 impersonations"
    text = airlines.get_body(("plain",)).get_content()
    assert "hxxps://laoairlines-booking[.]top/" in text and "Imitates:   facebook: laoairlines" in text
    assert "laoairlines.promo2026" in text and "Reuters" not in text
    assert "new findings from the hourly search" in text  # titled by the DAG that produced it
    assert "the page asks for a payment card number" in text  # enriched from the page itself
    laopost = by_recipient[("laopost@example.org",)]
    assert "telegram: laopost_parcel" in laopost.get_body(("plain",)).get_content()

    # the same window again: sightings, no new findings, no new mail
    again = brand_monitor_dag.test(run_conf=WINDOW)
    assert again.state == "success"
    assert len(smtp_sink.messages) == 2
    with _session(monitor_env) as session:
        assert session.scalar(select(func.count()).select_from(Finding)) == 4
        assert session.scalar(select(func.count()).select_from(Sighting)) == 8
        assert session.scalar(select(func.count()).select_from(Alert)) == 2


def test_run_fails_only_when_every_source_failed(brand_monitor_dag, monitor_env, monkeypatch, smtp_sink):
    from monitor.store.models import CollectionRun

    monkeypatch.setenv("MONITOR_SEARXNG_URL", "http://127.0.0.1:9")  # nothing listens on the discard port
    monkeypatch.setenv("MONITOR_EXTRA_PORTS", "9")
    run = brand_monitor_dag.test(run_conf={**WINDOW, "brands": ["laopost", "tholakhong"]})
    assert run.state == "failed"
    with _session(monitor_env) as session:
        runs = list(session.scalars(select(CollectionRun)))
    assert sorted(r.brand_id for r in runs) == ["laopost", "tholakhong"]
    assert all(r.status == "failed" for r in runs), [r.error for r in runs]
    assert all("Connection refused" in r.error or "cooling down" in r.error for r in runs), [r.error for r in runs]
    assert smtp_sink.messages == []


def test_lookalike_domains_reports_registered_permutations_only(airflow_db, monitor_env, smtp_sink, monkeypatch):
    from airflow.dag_processing.dagbag import DagBag

    from monitor.demo.dns import DemoDns
    from monitor.store.models import CollectionRun, Finding

    dag = DagBag(dag_folder=str(ROOT / "dags"), bundle_name="dags-folder").dags["lookalike_domains"]
    registered = {"laotel.com": "203.0.113.10", "laotell.com": "203.0.113.11", "xn--lotel-9qa.com": "203.0.113.12"}
    with DemoDns(registered, failing={"laote1.com"}) as dns_server:
        monkeypatch.setenv("MONITOR_DNS_NAMESERVER", dns_server.nameserver)
        run = dag.test(run_conf={**WINDOW, "brands": ["lao-telecom"]})
    assert run.state == "success"
    with _session(monitor_env) as session:
        keys = sorted(f.canonical_key for f in session.scalars(select(Finding)))
        [collection] = list(session.scalars(select(CollectionRun)))
    assert keys == ["domain:laotell.com", "domain:lãotel.com"]
    assert collection.source == "permutations" and collection.canary == "ok"
    assert "laote1.com" not in " ".join(keys)  # SERVFAIL is unknown, not registered
    assert len(smtp_sink.messages) == 1 and smtp_sink.messages[0]["to"] == ["lao-telecom@example.org"]


def test_a_typo_in_the_brands_param_is_refused_when_the_run_is_triggered(brand_monitor_dag):
    """The trigger form offers the registry's brands and sources as choices; a typo is refused
    before any task runs (it used to fail after three retries of plan, ~9 minutes)."""
    from airflow.sdk.exceptions import ParamValidationError

    params = copy.deepcopy(brand_monitor_dag.params)
    schema = params.get_param("brands").schema
    assert "lao-airlines" in schema["items"]["enum"] and "null" in schema["type"]
    assert "searxng" in params.get_param("sources").schema["items"]["enum"]
    with pytest.raises(ParamValidationError, match="'lao-airline' is not one of"):
        params["brands"] = ["lao-airline"]
    params["brands"] = ["lao-airlines"]
    assert params.validate()["brands"] == ["lao-airlines"]


def test_a_broken_registry_fails_the_run_at_once_without_retries(brand_monitor_dag, monitor_env, monkeypatch,
                                                                 tmp_path, smtp_sink):
    broken = tmp_path / "brands.yaml"
    broken.write_text("brands:\n  - id: lao-airlines\n    name: Lao Airlines\n    owners: []\n", "utf-8")
    monkeypatch.setenv("MONITOR_BRANDS_FILE", str(broken))
    run = brand_monitor_dag.test(run_conf=WINDOW)
    assert run.state == "failed"  # at once: every task below ran once (no retry, no retry delay)
    states = {ti.task_id: ti for ti in run.get_task_instances()}
    assert states["plan"].state == "failed" and states["plan"].try_number == 1
    assert states["summary"].state == "failed"  # the run's verdict: nothing was collected
    assert states["alert"].state == "failed" and states["alert"].try_number == 1
    assert smtp_sink.messages == []


def test_a_malformed_window_is_refused_by_the_trigger_form_naming_the_field(brand_monitor_dag):
    """'2026-13-01 25:00' used to be accepted, fail `window` and make `alert` crash into retries."""
    from airflow.sdk.exceptions import ParamValidationError

    params = copy.deepcopy(brand_monitor_dag.params)
    schema = params.get_param("window_start").schema
    assert schema["format"] == "date-time"  # the form's date and time picker
    for bad in ("2026-13-01 25:00", "2026-11-01", "yesterday", "2026-11-01T24:00:00", "2026-11-31T00:00:00+25:00"):
        with pytest.raises(ParamValidationError, match="window_start"):
            params["window_start"] = bad
    for good in ("2026-11-01T00:00:00+00:00", "2026-11-01T00:00", "2026-11-01 06:30:00Z", "2026-11-01T00:00:00.000Z",
                 "2026-11-01T07:00:00+0700"):
        params["window_start"] = good
        assert params.validate()["window_start"] == good


def test_a_failed_window_fails_the_run_at_once_and_alert_neither_crashes_nor_retries(brand_monitor_dag, monitor_env,
                                                                                     smtp_sink):
    """A date the form's pattern lets through but no calendar has: `window` fails once, with the
    field named; `alert` says there was nothing to alert; the run ends failed."""
    run = brand_monitor_dag.test(run_conf={"window_start": "2026-02-30T00:00:00+00:00"})
    assert run.state == "failed"
    states = {ti.task_id: ti for ti in run.get_task_instances()}
    assert states["window"].state == "failed" and states["window"].try_number == 1
    assert states["alert"].state == "success" and states["alert"].try_number == 1
    assert states["summary"].state == "failed"
    assert smtp_sink.messages == []


def test_the_trigger_form_speaks_in_words_with_an_example_in_each_free_text_field(brand_monitor_dag):
    params = brand_monitor_dag.params
    for name in params:
        schema = params.get_param(name).schema
        assert schema.get("title") and schema["title"] != name and "_" not in schema["title"], name
        types = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if "string" in types or "integer" in types or "array" in types:
            assert "e.g. " in params.get_param(name).description, name
    backfill = params.get_param("send_backfill_alerts").description
    assert backfill.startswith("For backfill runs only") and "Scheduled and manual runs always email" in backfill
    assert "Unpause brand_monitor on trigger" in brand_monitor_dag.doc_md
    assert "starts the hourly schedule" in brand_monitor_dag.doc_md
