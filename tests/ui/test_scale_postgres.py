"""Every page of the Findings app on a real PostgreSQL holding 100,000 recent findings (with a
sighting each, and takedown drafts): each answers 200, in time and memory that do not grow
with the findings. The all-brands overview used to bind one parameter per recent finding
(`IN (...)`) and failed past 65,535 ("number of parameters must be between 0 and 65535").

The figures (seconds and peak Python memory per page) are printed and written to
var/scale-postgres.txt; the bounds asserted are generous (a busy machine must not fail them),
the figures are what to read."""

from __future__ import annotations

import datetime as dt
import time
import tracemalloc

import pytest
from sqlalchemy import insert, select

from monitor.store.db import factory_for, upgrade
from monitor.store.models import CollectionRun, Finding, Sighting, Takedown
from tests.conftest import BRANDS_FILE, ROOT, _postgres_database

pytestmark = [pytest.mark.airflow, pytest.mark.postgres]

FINDINGS = 100_000
TAKEDOWNS = 3_000
BRANDS = ("lao-airlines", "lao-telecom", "laotian-times", "laopost")
SOURCES = ("searxng", "crtsh", "openphish", "urlhaus")
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
# Generous: the pages answer in well under 2 s on an idle machine (see the printed figures).
SECONDS_BOUND = 30.0
MEMORY_BOUND = 64 * 2**20  # peak Python memory of one request


@pytest.fixture(scope="module")
def big_database():
    generator = _postgres_database()
    url = next(generator)
    upgrade(url)
    engine = factory_for(url)().get_bind()
    with engine.begin() as connection:
        run_id = connection.execute(insert(CollectionRun).values(
            source="searxng", brand_id="laopost", dag_run_id="scheduled__x", dag_id="brand_monitor",
            run_type="scheduled", started_at=NOW, finished_at=NOW, status="ok").returning(CollectionRun.id)).scalar()
        for start in range(0, FINDINGS, 10_000):
            rows = []
            for i in range(start, start + 10_000):
                seen = NOW - dt.timedelta(minutes=(i * 7) % (29 * 24 * 60))
                rows.append({"brand_id": BRANDS[i % 4], "canonical_key": f"domain:lookalike-{i}.example",
                             "kind": "domain", "platform": None, "url": f"https://lookalike-{i}.example/login",
                             "label": f"lookalike-{i}.example", "score": 50 + i % 50,
                             "verdict": "impersonation" if i % 3 else "suspicious",
                             "reasons": ["looks like the brand"], "candidate": {"domain": f"lookalike-{i}.example"},
                             "status": ("alerted", "new", "confirmed", "false_positive", "taken_down")[i % 5],
                             "first_seen": seen, "last_seen": seen, "alerted_at": seen})
            connection.execute(insert(Finding), rows)
        ids = list(connection.scalars(select(Finding.id).order_by(Finding.id)))
        for start in range(0, len(ids), 20_000):
            connection.execute(insert(Sighting), [
                {"finding_id": f, "collection_run_id": run_id, "source": SOURCES[f % 4], "query": "q",
                 "url": None, "seen_at": NOW - dt.timedelta(minutes=f % 1000)} for f in ids[start:start + 20_000]])
        connection.execute(insert(Takedown), [
            {"finding_id": f, "brand_id": BRANDS[n % 4], "round": 1, "status": ("drafted", "sent", "resolved")[n % 3],
             "addressing": {"route": "registrar", "to": [["Registrar", "abuse@registrar.example"]]}, "gaps": [],
             "subject": f"Takedown request {n}", "message_id": f"<t{n}@x>", "message": "Subject: x\r\n\r\nbody",
             "captured_at": NOW - dt.timedelta(days=20), "drafted_at": NOW - dt.timedelta(days=20),
             "hours_first_seen_to_down": float(n % 97) if n % 3 == 2 else None}
            for n, f in enumerate(ids[:TAKEDOWNS])])
    yield url, ids
    try:
        next(generator)
    except StopIteration:
        pass


@pytest.fixture(scope="module")
def big_client(big_database, auth_manager, tokens):
    from fastapi import FastAPI
    from fastapi.testclient import TestClient

    from monitor.settings import Settings
    from monitor.ui.app import create_app

    url, _ = big_database
    settings = Settings(database_url=url, brands_file=BRANDS_FILE, secret_key="scale-test-secret-0123456789",
                        public_url="http://testserver/")
    root = FastAPI()
    root.mount("/monitor", create_app(settings))
    with TestClient(root, base_url="http://testserver", follow_redirects=False) as client:
        client.cookies.set("_token", tokens["admin"])
        yield client


def test_every_page_answers_with_100000_findings_on_postgresql(big_client, big_database):
    _, ids = big_database
    last, taken = ids[-1], ids[0]
    pages = ["/monitor/findings", "/monitor/findings?page=3999", "/monitor/findings?sort=score&order=asc",
             "/monitor/findings?q=lookalike-9999", "/monitor/findings?source=crtsh&brand=laopost",
             "/monitor/findings?status=confirmed&tier=suspicious&from=2000-01-01&to=2999-12-31",
             f"/monitor/findings/F{last}", f"/monitor/findings/F{taken}", "/monitor/brands", "/monitor/brands/laopost",
             "/monitor/sources", "/monitor/api/findings", "/monitor/api/findings?per_page=200&page=400",
             f"/monitor/api/findings/F{taken}", "/monitor/takedowns/T1.eml"]
    figures = []
    big_client.get("/monitor/findings")  # the first request loads settings, the registry and the engine
    for path in pages:
        tracemalloc.start()
        started = time.perf_counter()
        response = big_client.get(path)
        seconds = time.perf_counter() - started
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        figures.append((path, response.status_code, seconds, peak))
    report = "\n".join(f"{s:6.2f} s  {p / 2**20:6.1f} MiB  {code}  {path}" for path, code, s, p in figures)
    print(f"\n{FINDINGS} findings on PostgreSQL, per page:\n{report}")
    (ROOT / "var").mkdir(exist_ok=True)
    (ROOT / "var" / "scale-postgres.txt").write_text(report + "\n", "utf-8")
    assert [(path, code) for path, code, _, _ in figures if code != 200] == []
    assert [(path, s) for path, _, s, _ in figures if s > SECONDS_BOUND] == []
    assert [(path, p) for path, _, _, p in figures if p > MEMORY_BOUND] == []
    overview = big_client.get("/monitor/brands").text
    assert f"{FINDINGS} findings" in overview
