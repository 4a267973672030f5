"""Reading the local CT log over HTTP through both read APIs, with the monitor's fetcher and a
real (SQLite) monitor database for the cursors: batches, the server's own limit, hostile
answers, 429/5xx, slow answers, signatures, budgets. No sleeping: the fetcher's sleep is a
no-op and held answers are released by events."""

from __future__ import annotations

import datetime as dt
import io
import json
import threading

import pytest

from monitor.collectors.ct.loglist import parse_log_list
from monitor.collectors.ct.run import collect_to_file, trust_logs
from monitor.demo.ctlog import idna_name, log_list
from monitor.store.db import factory_for, upgrade
from monitor.store.models import CtLogCursor
from tests.collectors.ct.conftest import fill

LOOKALIKES = ["laoairlnes.la", "laotel-topup.la", "ໄປສະນີລາວ.ລາວ"]


@pytest.fixture
def settings(tmp_path, ct_server):
    from monitor.settings import Settings

    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    upgrade(url)
    return Settings(database_url=url, source_urls={"ct": ct_server.list_url}, state_dir=tmp_path / "state",
                    http_retries=1, http_deadline=5, ct_backlog=100_000)


def ct_logs(logs):
    return parse_log_list(json.dumps(log_list(logs)).encode(), dt.datetime.now(dt.UTC))


def cursors(settings) -> dict[str, tuple[int, int, str | None]]:
    with factory_for(settings.database_url)() as session:
        return {c.description: (c.next_index, c.tree_size, c.last_error) for c in session.query(CtLogCursor)}


def read(settings, logs, fetcher):
    out = io.StringIO()
    results = collect_to_file(settings, out, fetcher=fetcher, logs=ct_logs(logs))
    found = [json.loads(line) for line in out.getvalue().splitlines()]
    return {r.label.split(" (")[0]: r for r in results}, found


def test_both_apis_read_every_entry_and_find_the_lookalikes(settings, logs, ct_server, ct_fetcher, certs):
    for log in logs:
        fill(log, 300)
        log.add([LOOKALIKES[0], "*." + LOOKALIKES[0]], cn=LOOKALIKES[0])
        log.add([f"host{i}.example.net" for i in range(9_999)] + [LOOKALIKES[1]], precert=True)  # 10,000 SANs
        log.add_der(b"\x30\x82\x00\x10" + b"\x00" * 16)  # malformed DER: one bad entry
        log.add_der(b"\x30" * 2_000_000, precert=True)  # huge: one bad entry
        log.add([LOOKALIKES[2], "www.example.com"], precert=True)
        fill(log, 20, prefix="after")
    logs[0].faults.max_batch = 7  # the server's own limit, smaller than asked
    results, found = read(settings, logs, ct_fetcher)
    for name in ("Local argon log", "Local sunlight log"):
        result = results[name]
        assert (result.status, result.entries, result.bad_entries, result.next_index) == ("ok", 325, 2, 325)
        assert result.error.startswith("2 entries unreadable")
    domains = sorted({f["domain"] for f in found})
    assert domains == sorted(idna_name(n) for n in LOOKALIKES)  # every lookalike, nothing unrelated
    assert len(found) == 6  # each in both logs, once (the wildcard and the CN are the same name)
    get_entries = [p for p in ct_server.requests if "get-entries" in p]
    assert len(get_entries) >= 325 // 7
    assert any("/tile/data/001.p/69" in p for p in ct_server.requests)  # the partial tile at the right edge
    assert {k: v[:2] for k, v in cursors(settings).items()} == {"Local argon log": (325, 325),
                                                                "Local sunlight log": (325, 325)}
    # read again: nothing new, nothing written twice
    results, found = read(settings, logs, ct_fetcher)
    assert found == [] and all(r.entries == 0 for r in results.values())


def test_a_new_log_starts_at_its_current_size_unless_backlog(settings, logs, ct_fetcher):
    for log in logs:
        fill(log, 40)
    results, _ = read(settings.__class__(**{**settings.__dict__, "ct_backlog": 0}), logs, ct_fetcher)
    assert [(r.entries, r.next_index) for r in results.values()] == [(0, 40), (0, 40)]
    for log in logs:
        log.add([LOOKALIKES[0]])
    results, found = read(settings, logs, ct_fetcher)
    assert [r.entries for r in results.values()] == [1, 1] and len(found) == 2


def test_backlog_and_entry_budget(settings, logs, ct_fetcher):
    for log in logs:
        fill(log, 600)
    bounded = settings.__class__(**{**settings.__dict__, "ct_backlog": 500, "ct_max_entries": 300})
    results, _ = read(bounded, logs, ct_fetcher)
    assert [(r.start, r.next_index) for r in results.values()] == [(100, 400), (100, 400)]
    results, _ = read(bounded, logs, ct_fetcher)
    assert [(r.start, r.next_index) for r in results.values()] == [(400, 600), (400, 600)]


def test_fewer_entries_than_asked_are_asked_for_again(settings, logs, ct_fetcher):
    fill(logs[0], 50)
    logs[0].faults.short_answers = 1000  # one entry per answer
    results, _ = read(settings, logs[:1], ct_fetcher)
    assert results["Local argon log"].entries == 50


def test_a_tree_that_shrinks_is_not_read(settings, logs, ct_fetcher):
    for log in logs:
        fill(log, 30)
    read(settings, logs, ct_fetcher)
    for log in logs:
        fill(log, 5, prefix="more")
        log.faults.reported_size = 20
    results, found = read(settings, logs, ct_fetcher)
    assert all(r.status == "failed" and "shrank" in r.error for r in results.values())
    assert found == [] and all(v[0] == 30 and "shrank" in v[2] for v in cursors(settings).values())


def test_a_tile_of_the_wrong_size_stops_before_it(settings, logs, ct_fetcher):
    static = logs[1]
    fill(static, 600)
    static.faults.wrong_tile = 1
    results, _ = read(settings, [static], ct_fetcher)
    result = results["Local sunlight log"]
    assert result.status == "failed" and "data tile 1" in result.error
    assert result.next_index == 256  # the first tile kept; nothing after the bad one skipped
    static.faults.wrong_tile = None
    results, _ = read(settings, [static], ct_fetcher)
    assert (results["Local sunlight log"].start, results["Local sunlight log"].next_index) == (256, 600)


def test_bad_signatures_read_nothing(settings, logs, ct_fetcher):
    for log in logs:
        fill(log, 10)
        log.faults.bad_signature = True
    results, found = read(settings, logs, ct_fetcher)
    assert all(r.status == "failed" and "signature" in r.error for r in results.values()) and found == []


def test_5xx_is_retried_and_429_cools_the_origin_down(settings, logs, ct_server, ct_fetcher):
    for log in logs:
        fill(log, 10)
    logs[1].faults.server_errors = 1  # one retry (http_retries=1, backoff not slept) gets through
    results, _ = read(settings, logs[1:], ct_fetcher)
    assert results["Local sunlight log"].status == "ok" and results["Local sunlight log"].entries == 10
    for log in logs:
        fill(log, 5, prefix="more")
    logs[0].faults.rate_limit = 1
    results, _ = read(settings, logs, ct_fetcher)
    assert results["Local argon log"].status == "failed" and "429" in results["Local argon log"].error
    # The two local logs share one origin, as Google's logs share ct.googleapis.com: its
    # Retry-After holds for both (the fetcher's cool-downs are per origin).
    assert "cooling down" in results["Local sunlight log"].error
    asked = len(ct_server.requests)
    results, _ = read(settings, logs, ct_fetcher)  # still cooling down (Retry-After 120): not even asked
    assert all("cooling down" in r.error for r in results.values()) and len(ct_server.requests) == asked
    assert {k: v[0] for k, v in cursors(settings).items()} == {"Local sunlight log": 10}  # argon: never started


def test_5xx_through_every_retry_cools_that_log_down_not_its_neighbours(settings, logs, ct_server, ct_fetcher):
    for log in logs:
        fill(log, 10)
    logs[1].faults.server_errors = 5  # more than the retries
    results, _ = read(settings, logs[1:], ct_fetcher)
    assert results["Local sunlight log"].status == "failed" and "HTTP 500" in results["Local sunlight log"].error
    asked = len(ct_server.requests)
    results, _ = read(settings, logs[1:], ct_fetcher)
    assert "cooling down" in results["Local sunlight log"].error and len(ct_server.requests) == asked
    # the other log on the same origin (as Google's logs share one) is read as usual
    results, _ = read(settings, logs[:1], ct_fetcher)
    assert results["Local argon log"].status == "ok" and results["Local argon log"].entries == 10


def test_the_log_list_is_cached_for_a_day_and_kept_when_a_download_fails(settings, logs, ct_server, ct_fetcher):
    from monitor.collectors.ct.loglist import load_log_list
    from monitor.fetch.http import FetchError

    cache = settings.state_dir / "ct"
    now = dt.datetime.now(dt.UTC)
    assert len(load_log_list(ct_server.list_url, ct_fetcher, cache, now=now)) == 2
    asked = ct_server.requests.count("/log_list.json")
    assert len(load_log_list(ct_server.list_url, ct_fetcher, cache, now=now)) == 2
    assert ct_server.requests.count("/log_list.json") == asked  # from the cache
    later = now + dt.timedelta(days=2)
    missing = ct_server.url + "/missing.json"
    with pytest.raises(FetchError):  # no copy of that one: nothing to fall back on
        load_log_list(missing, ct_fetcher, cache, now=later)
    with pytest.MonkeyPatch.context() as patch:  # the list's server is down: yesterday's copy is used
        patch.setattr(ct_fetcher, "get", lambda *args, **kwargs: (_ for _ in ()).throw(FetchError("down")))
        assert len(load_log_list(ct_server.list_url, ct_fetcher, cache, now=later)) == 2
    ct_server.logs.clear()  # the list now names no log; the download succeeds and replaces the copy
    assert load_log_list(ct_server.list_url, ct_fetcher, cache, now=later) == []


def test_a_slow_answer_hits_the_deadline_and_keeps_what_came(settings, logs, ct_fetcher):
    from monitor.collectors.ct.run import ct_fetcher as make

    fill(logs[0], 1500)
    logs[0].faults.max_batch = 256  # four answers make a stored batch of 1,024
    logs[0].faults.hold, logs[0].faults.hold_after = threading.Event(), 4  # the 5th answer hangs
    quick = make(settings.__class__(**{**settings.__dict__, "http_deadline": 1}), None, sleep=lambda s: None)
    try:
        results, _ = read(settings, logs[:1], quick)
    finally:
        logs[0].faults.hold.set()
    result = results["Local argon log"]
    assert result.status == "failed" and "within" in result.error
    assert result.next_index == 1024  # the whole first batch; nothing of the second, which hung
    assert result.next_index == cursors(settings)["Local argon log"][0]


def test_only_the_listed_logs_are_trusted(ct_server, ct_fetcher, logs):
    from monitor.fetch.http import FetchError

    trust_logs(ct_fetcher, ct_logs(logs[:1]))
    ct_fetcher.get(logs[0].base_url + "ct/v1/get-sth", trust_configured=True)
    from tests.conftest import free_port

    with pytest.raises(FetchError, match="port|forbidden"):  # another server on loopback, not named by the list
        ct_fetcher.get(f"http://127.0.0.1:{free_port()}/ct/v1/get-sth", trust_configured=True)
    with pytest.raises(FetchError):  # a listed log's URL met in data is not trusted
        ct_fetcher.get(logs[0].base_url + "ct/v1/get-sth")


def test_two_readers_of_one_log_never_store_a_batch_twice(settings, logs, ct_fetcher):
    """A second reader (a CLI run beside the DAG's) that moves the cursor first wins; the other's
    batch is refused, not stored again."""
    from monitor.collectors.ct.batches import read_log
    from monitor.collectors.ct.cursors import advance
    from monitor.collectors.ct.reader import reader_for

    fill(logs[0], 30)
    (log,) = ct_logs(logs[:1])
    trust_logs(ct_fetcher, [log])
    factory = factory_for(settings.database_url)
    stored = []

    def sink(batch):
        if not stored:  # meanwhile, the other reader stores entries 0-29 and moves the cursor
            with factory() as session:
                advance(session, log.log_id, expected=batch.start, next_index=batch.next_index,
                        tree_size=batch.tree_size, now=dt.datetime.now(dt.UTC))
                session.commit()
            stored.append("other")
        with factory() as session:
            advance(session, log.log_id, expected=batch.start, next_index=batch.next_index,
                    tree_size=batch.tree_size, now=dt.datetime.now(dt.UTC))
            session.commit()
        stored.append("mine")
        return 0, 0, 0

    result = read_log(log, reader_for(log, ct_fetcher), factory, lambda name: True, sink, backlog=100)
    assert result.status == "failed" and "another reader" in result.error and stored == ["other"]
    assert cursors(settings)["Local argon log"][0] == 30
    fill(logs[0], 5, prefix="more")
    result = read_log(log, reader_for(log, ct_fetcher), factory, lambda name: True, lambda batch: (0, 0, 0))
    assert result.status == "ok" and cursors(settings)["Local argon log"][2] is None  # the old error is over
