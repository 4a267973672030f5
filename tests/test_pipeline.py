"""The pipeline steps without Airflow: windows, Params, false positives, backfills, dry runs."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from monitor import pipeline
from monitor.demo.web import DemoWeb
from monitor.records import from_json, to_json
from monitor.run_records import (
    AlertFailure,
    AlertReport,
    CollectionStatus,
    DigestQueued,
)
from monitor.settings import Settings
from monitor.summary import summarize
from tests.conftest import BRANDS_FILE

NOW = dt.datetime(2026, 11, 28, 12, 30, tzinfo=dt.UTC)


def test_window_prefers_params_then_interval_then_lookback():
    interval = ("2026-11-28T11:00:00+00:00", "2026-11-28T12:00:00+00:00")
    start, end = pipeline.resolve_window(*interval, {}, now=NOW, lookback_hours=24)
    assert (start.hour, end.hour) == (11, 12)
    start, end = pipeline.resolve_window(*interval, {"window_start": "2026-11-01T00:00:00Z",
                                                     "window_end": "2026-11-02T00:00:00Z"}, now=NOW, lookback_hours=24)
    assert (start.day, end.day) == (1, 2)
    start, end = pipeline.resolve_window(None, None, {}, now=NOW, lookback_hours=6)
    assert (start, end) == (NOW - dt.timedelta(hours=6), NOW)
    with pytest.raises(ValueError, match="param window_start='yesterday': expected an ISO 8601 date-time"):
        pipeline.resolve_window(None, None, {"window_start": "yesterday"}, now=NOW, lookback_hours=6)
    with pytest.raises(ValueError, match="is not before window_end"):
        pipeline.resolve_window(None, None, {"window_start": "2026-11-02T00:00:00Z", "window_end": "2026-11-01T00:00:00Z"},
                                now=NOW, lookback_hours=6)


def test_plan_validates_params():
    settings = Settings(brands_file=BRANDS_FILE, sources=("searxng",))
    assert len(pipeline.plan(settings, {})) == 6
    assert pipeline.plan(settings, {"brands": ["laopost"]}) == [pipeline.PlanItem("laopost", "searxng")]
    with pytest.raises(pipeline.BadRequest, match="param brands: unknown brand 'lao-air'"):
        pipeline.plan(settings, {"brands": ["lao-air"]})
    with pytest.raises(pipeline.BadRequest, match="param sources: unknown source 'bing'"):
        pipeline.plan(settings, {"sources": ["bing"]})


def _xcom(record):
    """The record as the next Airflow task reads it: JSON text and back."""
    return from_json(type(record), json.loads(json.dumps(to_json(record))))


def _run(settings: Settings, params: dict, run_type: str = "manual") -> tuple[list[pipeline.Stored],
                                                                               pipeline.AlertReport]:
    """The steps as the DAG runs them, each record through the XCom edge."""
    context = pipeline.RunContext(settings)
    run = pipeline.RunInfo(f"{run_type}-{dt.datetime.now().timestamp()}", run_type,
                           "2026-11-28T10:00:00+00:00", "2026-11-28T11:00:00+00:00")
    stored = [_xcom(pipeline.store(context, _xcom(pipeline.score(context, _xcom(pipeline.collect(context, item, _xcom(run)))))))
              for item in map(_xcom, pipeline.plan(context, params))]
    return stored, _xcom(pipeline.alert(context, params, run, smtp_url=None))


@pytest.fixture
def demo_settings(tmp_path, migrated_url):
    with DemoWeb() as web:
        yield Settings(database_url=migrated_url, brands_file=BRANDS_FILE, outbox_dir=tmp_path / "outbox",
                       allow_private_networks=True, source_urls={"searxng": web.url}, host_min_delay=0,
                       sources=("searxng",),
                       extra_ports=(web.port,), resolve_overrides={"*": ("127.0.0.1", web.port)})


def test_false_positive_is_not_alerted_in_the_next_run(demo_settings, session_factory):
    from monitor.store.models import Finding
    from monitor.store.repo import mark_finding

    # first run: record only
    stored, report = _run(demo_settings, {"brands": ["lao-telecom"], "dry_run": True})
    assert report.skipped.startswith("dry run") and not list((demo_settings.outbox_dir).glob("*.eml"))
    assert stored[0].new == 3  # the gift page, the Telegram support account, the ring's bonus page
    with session_factory() as session:
        gift = session.scalars(select(Finding).where(Finding.canonical_key == "facebook:laotelecom.gift")).one()
        mark_finding(session, gift.id, "false-positive", note="campaign run by the brand", actor="test", now=NOW)
        session.commit()
    _, report = _run(demo_settings, {"brands": ["lao-telecom"]})
    assert [q.findings for q in report.queued] == [2]
    [eml] = list(demo_settings.outbox_dir.glob("*.eml"))
    body = eml.read_text("utf-8")
    assert "laotel_support" in body and "laotelecom.gift" not in body
    with session_factory() as session:
        assert session.get(Finding, gift.id).status == "false_positive"


def test_backfill_records_but_does_not_mail_unless_asked(demo_settings, session_factory):
    from monitor.store.models import Alert, Finding

    stored, report = _run(demo_settings, {"brands": ["laopost"]}, run_type="backfill")
    assert stored[0].new == 4 and report.skipped.startswith("backfill run")  # the demo ring's page included
    with session_factory() as session:
        assert session.scalars(select(Alert)).all() == []
        assert {f.status for f in session.scalars(select(Finding))} == {"new"}
    _, report = _run(demo_settings, {"brands": ["laopost"], "send_backfill_alerts": True}, run_type="backfill")
    assert [q.brand for q in report.queued] == ["laopost"] and report.sent == 1
    # a second backfill of the same window alerts nothing again
    _, report = _run(demo_settings, {"brands": ["laopost"], "send_backfill_alerts": True}, run_type="backfill")
    assert report.queued == () and report.sent == 0


def test_summary_table_and_verdict():
    stored = [
        pipeline.Stored("laopost", "searxng", 1, CollectionStatus.OK, (), False, 21, candidates=3, flagged=2, new=2),
        pipeline.Stored("tholakhong", "searxng", 2, CollectionStatus.FAILED, ("7 of 7 queries failed: HTTP 500",),
                        True, 7),
    ]
    report = AlertReport("smtp://x", 45, queued=(DigestQueued("laopost", 1, 2, ("a@example.org",), 0, None, (1,)),),
                         sent=1, dead=(AlertFailure(3, "550 no such user"),))
    table = summarize(stored, report)
    assert "LAYOUT CHANGED: 7 of 7 queries failed" in table
    assert "1 dead-lettered" in table and "DEAD alert 3: 550 no such user" in table
    pipeline.check_run(stored)  # one source working is enough
    with pytest.raises(pipeline.RunVerdict, match="all 1 collections failed"):
        pipeline.check_run([stored[1]])
    with pytest.raises(pipeline.RunVerdict, match="no collection was stored"):
        pipeline.check_run([])


def test_canary_ok_when_the_source_returns_the_official_identity(demo_settings):
    stored, _ = _run(demo_settings, {"brands": ["lao-airlines", "tholakhong"], "dry_run": True})
    assert {s.brand: s.canary for s in stored} == {"lao-airlines": "ok", "tholakhong": "ok"}


def test_canary_missing_is_reported(tmp_path, migrated_url):
    from monitor.demo.web import load_web

    web_data = load_web()
    web_data["pages"] = [p for p in web_data["pages"] if p["url"] != "https://www.facebook.com/tholakhong"]
    with DemoWeb(web_data) as web:
        settings = Settings(database_url=migrated_url, brands_file=BRANDS_FILE, outbox_dir=tmp_path / "outbox",
                            allow_private_networks=True, source_urls={"searxng": web.url}, host_min_delay=0,
                            sources=("searxng",), extra_ports=(web.port,),
                            resolve_overrides={"*": ("127.0.0.1", web.port)})
        stored, report = _run(settings, {"brands": ["tholakhong"], "dry_run": True})
    assert stored[0].canary == "missing"
    assert "canary missing (the source did not return the brand's own official identity): searxng/tholakhong" in \
        summarize(stored, report)


def test_a_collection_killed_mid_way_is_marked_abandoned_by_the_next_run(tmp_path, migrated_url):
    """kill -9 of a worker in the middle of a collection: its run stays 'running'; the next
    run's summary marks it abandoned and says so."""
    import os
    import signal
    import subprocess
    import sys
    import threading
    import time
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    from sqlalchemy import select

    from monitor.store.db import factory_for
    from monitor.store.models import CollectionRun

    release = threading.Event()

    class Hanging(BaseHTTPRequestHandler):
        def do_GET(self):  # http.server's hook name
            release.wait(30)  # answers nothing until the test ends

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Hanging)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    script = (
        "from monitor import pipeline\n"
        "from monitor.settings import Settings\n"
        "s = Settings.from_env()\n"
        "pipeline.collect(s, pipeline.PlanItem('laopost', 'searxng'), "
        "pipeline.RunInfo('manual__killed', 'manual', None, None))\n")
    env = {**os.environ, "MONITOR_DATABASE_URL": migrated_url, "MONITOR_BRANDS_FILE": str(BRANDS_FILE),
           "MONITOR_SEARXNG_URL": f"http://127.0.0.1:{server.server_port}", "MONITOR_ALLOW_PRIVATE_NETWORKS": "1",
           "MONITOR_EXTRA_PORTS": str(server.server_port), "MONITOR_HOST_MIN_DELAY_MS": "0"}
    worker = subprocess.Popen([sys.executable, "-c", script], env=env)
    factory = factory_for(migrated_url)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with factory() as session:
                if session.scalars(select(CollectionRun).where(CollectionRun.status == "running")).first():
                    break
            time.sleep(0.2)
        else:
            pytest.fail("the collection never started")
        os.kill(worker.pid, signal.SIGKILL)
        worker.wait(10)
    finally:
        release.set()
        server.shutdown()
    with factory() as session:
        assert [r.status for r in session.scalars(select(CollectionRun))] == ["running"]
    settings = Settings(database_url=migrated_url, brands_file=BRANDS_FILE)
    assert pipeline.close_abandoned_collections(settings) == []  # a collection may still be running now
    later = dt.datetime.now(dt.UTC) + pipeline.STALE_COLLECTION_AFTER + dt.timedelta(minutes=1)
    abandoned = pipeline.close_abandoned_collections(settings, now=later)
    assert len(abandoned) == 1 and abandoned[0].startswith("searxng/laopost") and "manual__killed" in abandoned[0]
    with factory() as session:
        run = session.scalars(select(CollectionRun)).one()
        assert run.status == "abandoned" and "its worker died" in run.error
    summary = summarize([], None, None, abandoned)
    assert "1 collections of earlier runs were still 'running'" in summary and "searxng/laopost" in summary


def test_pending_alerts_read_as_pending_not_as_zero_failed():
    report = AlertReport("smtp://mail", 45, queued=(DigestQueued("laopost", 1, 3, ("a@example.org",), 0, None, (1,)),),
                         failed=(AlertFailure(1, "SMTP 451 try again later"),))
    summary = summarize([], report)
    assert "0 sent, 1 pending retry, 0 dead-lettered" in summary
    assert "PENDING alert 1 (will be retried): SMTP 451 try again later" in summary
    assert "failed" not in summary.split("alerts:")[1].split("\n")[0]


def test_nul_long_paths_and_lone_surrogates_do_not_lose_the_batch(migrated_url):
    """Scraped records the database would refuse (NUL in a title, a URL path of thousands of
    characters, a lone surrogate) are stored cleaned with a bounded key, with the rest."""
    from sqlalchemy import select

    from monitor.store.db import factory_for
    from monitor.store.models import Finding, Sighting
    from monitor.store.repo import start_collection_run

    settings = Settings(database_url=migrated_url, brands_file=BRANDS_FILE, enrich_min_score=101)
    with factory_for(migrated_url)() as session:
        run_id = start_collection_run(session, source="openphish", brand_id="laopost", window_start=None,
                                      window_end=None, dag_run_id="r", run_type="manual", now=dt.datetime.now(dt.UTC))
        session.commit()
    long_path = "/pay/" + "a" * 3000
    collected = from_json(pipeline.Collected, {
        "collection_run_id": run_id, "brand": "laopost", "source": "openphish", "status": "ok", "errors": [],
        "layout_changed": False, "queries": 1, "candidates": [
            {"candidate": {"id": "nul", "kind": "page", "url": "https://laopost-customs.xyz/fee",
                           "title": "Laopost\x00 customs fee"}, "query": "feed"},
            {"candidate": {"id": "long", "kind": "page", "url": f"https://laopost-parcel.top{long_path}",
                           "title": "Laopost parcel"}, "query": "feed"},
            {"candidate": {"id": "surrogate", "kind": "page", "url": "https://laopost-tracking.xyz/t",
                           "title": "Laopost \ud800 tracking"}, "query": "feed\x00"},
            {"candidate": {"id": "plain", "kind": "domain", "domain": "laopost-delivery.top"}, "query": "feed"}]})
    scored = pipeline.score(settings, collected)
    assert len(scored.flagged) == 4, [f.canonical_key for f in scored.flagged]
    stored = pipeline.store(settings, scored)
    assert (stored.new, stored.error) == (4, None)
    with factory_for(migrated_url)() as session:
        findings = {f.candidate["id"]: f for f in session.scalars(select(Finding))}
        assert set(findings) == {"nul", "long", "surrogate", "plain"}
        assert "\x00" not in findings["nul"].label and "customs fee" in findings["nul"].label
        assert len(findings["long"].canonical_key) <= 500 and "#sha256:" in findings["long"].canonical_key
        assert findings["long"].url.endswith(long_path)  # the full URL is kept
        assert "\x00" not in session.scalars(select(Sighting.query)).first()
    again = pipeline.store(settings, scored)  # the bounded key is stable: the same findings
    assert (again.new, again.updated) == (0, 4)


def test_the_finding_input_carries_the_lao_reasons_one_for_one():
    """pipeline._score_one builds the stored finding from the Score: its Lao reasons go with it."""
    from monitor.detection.models import IMPERSONATION, Candidate, Score

    class Scorer:
        def score(self, candidate):
            return Score(candidate.id, "laopost", 95, IMPERSONATION, ["looks like Laopost", "asks for a fee"],
                         ["ຄ້າຍຄື ໄປສະນີລາວ", "ຂໍຄ່າທຳນຽມ"])

    class NoEnrichment:
        def worth_it(self, candidate, result):
            return False

    collected = pipeline.Collected(source="searxng", brand="laopost", collection_run_id=1,
                                   status=CollectionStatus.OK, errors=(), layout_changed=False, queries=1)
    found = pipeline.Found(Candidate(kind="domain", id="1", domain="laopost-fee.example",
                                     url="https://laopost-fee.example/"), "laopost")
    flagged, official = pipeline._score_one(found, collected, Scorer(), NoEnrichment(), frozenset())
    assert not official
    assert flagged.reasons == ["looks like Laopost", "asks for a fee"]
    assert flagged.reasons_lo == ["ຄ້າຍຄື ໄປສະນີລາວ", "ຂໍຄ່າທຳນຽມ"]
    assert flagged.query == "laopost"
