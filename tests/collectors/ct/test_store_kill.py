"""The DAG's step on the local log: candidates scored and stored as findings with the cursor
in one transaction; a kill -9 in the middle of a batch, then a rerun: no entry lost, none
stored twice. The kill happens while the log holds an answer (an event, not a sleep)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading

import pytest
from sqlalchemy import func, select

from monitor.demo.ctlog import LocalCtServer, LocalLog, idna_name
from monitor.store.db import factory_for, upgrade
from monitor.store.models import CollectionRun, CtLogCursor, Finding, Sighting
from tests.collectors.ct.conftest import fill
from tests.conftest import ROOT

# index -> name: one in the first stored batch (0-1023), two in later ones
LOOKALIKES = {10: "laoairlnes.la", 1500: "laotel-topup.la", 2900: "ໄປສະນີລາວ.ລາວ"}
SIZE = 3000


def make_log(certs, static: bool) -> LocalLog:
    log = LocalLog("kill", certs, static=static)
    position = 0
    for index, name in sorted(LOOKALIKES.items()):
        fill(log, index - position)
        log.add([name], precert=True)
        position = index + 1
    fill(log, SIZE - position, prefix="tail")
    log.faults.max_batch = 256  # four get-entries answers (or four tiles) make one stored batch of 1,024
    return log


def environment(tmp_path, server: LocalCtServer, url: str) -> dict[str, str]:
    return {**{k: v for k, v in os.environ.items() if not k.startswith("MONITOR_")},
            "MONITOR_DATABASE_URL": url, "MONITOR_CT_LOG_LIST_URL": server.list_url,
            "MONITOR_STATE_DIR": str(tmp_path / "state"), "MONITOR_CT_BACKLOG": "100000",
            "MONITOR_ENRICH_MIN_SCORE": "101",  # no page fetches: this test is about the log
            "MONITOR_BRANDS_FILE": str(ROOT / "config" / "brands.yaml")}


READ_ALL = ("from monitor.collectors.ct.run import collect_log, plan_logs\n"
            "from monitor.settings import Settings\n"
            "settings = Settings.from_env()\n"
            "for log in plan_logs(settings):\n"
            "    print(collect_log(settings, log))\n")


def state(url: str) -> tuple[int, dict[str, int]]:
    """(the cursor, sightings per finding domain)."""
    with factory_for(url)() as session:
        cursor = session.scalars(select(CtLogCursor.next_index)).one()
        rows = session.execute(select(Finding.candidate, func.count(Sighting.id)).join(Sighting)
                               .group_by(Finding.id)).all()
        return cursor, {candidate["domain"]: count for candidate, count in rows}


@pytest.mark.parametrize("static", [False, True], ids=["rfc6962", "tiles"])
def test_kill_9_mid_batch_then_rerun_loses_nothing_and_stores_nothing_twice(tmp_path, certs, static):
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    upgrade(url)
    log = make_log(certs, static)
    log.faults.hold, log.faults.hold_after = threading.Event(), 5  # the 2nd answer of the 2nd batch hangs
    with LocalCtServer([log]) as server:
        env = environment(tmp_path, server, url)
        process = subprocess.Popen([sys.executable, "-c", READ_ALL], env=env, cwd=ROOT,
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            assert log.faults.held.wait(120), process.stderr.read().decode() if process.poll() is not None else "?"
            os.kill(process.pid, signal.SIGKILL)
            process.wait(30)
        finally:
            if process.poll() is None:
                process.kill()
            log.faults.hold.set()
        assert process.returncode == -signal.SIGKILL
        cursor, seen = state(url)
        assert (cursor, seen) == (1024, {"laoairlnes.la": 1})  # the first batch, whole; nothing of the second

        log.faults.hold = None
        rerun = subprocess.run([sys.executable, "-c", READ_ALL], env=env, cwd=ROOT, capture_output=True, text=True,
                               timeout=300)
        assert rerun.returncode == 0, rerun.stderr
    cursor, seen = state(url)
    assert cursor == SIZE
    assert seen == {idna_name(name): 1 for name in LOOKALIKES.values()}  # each found, each sighted once
    with factory_for(url)() as session:
        runs = session.scalars(select(CollectionRun).order_by(CollectionRun.id)).all()
        assert [(r.source, r.status) for r in runs] == [("ct", "running"), ("ct", "ok")]  # the killed one: abandoned later
        assert runs[1].findings_new == 2 and runs[1].candidates == 2
