"""`monitor collect --source ct --output FILE` against the local log: every listed log read
once from its stored position, the candidates that pass the prefilter written, positions
moved once written."""

from __future__ import annotations

import json

import pytest

from monitor.cli import main
from tests.collectors.ct.conftest import fill
from tests.conftest import BRANDS_FILE


@pytest.fixture
def cli_env(monkeypatch, tmp_path, ct_server):
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    from monitor.store.db import upgrade

    upgrade(url)
    for name, value in {"MONITOR_DATABASE_URL": url, "MONITOR_BRANDS_FILE": str(BRANDS_FILE),
                        "MONITOR_CT_LOG_LIST_URL": ct_server.list_url, "MONITOR_STATE_DIR": str(tmp_path / "state"),
                        "MONITOR_HOST_MIN_DELAY_MS": "0"}.items():
        monkeypatch.setenv(name, value)
    return tmp_path


def test_collect_ct_reads_from_the_positions_and_finds_a_typo_crtsh_cannot(cli_env, logs, capsys):
    for log in logs:
        fill(log, 50)
    out = cli_env / "ct.jsonl"
    assert main(["collect", "--source", "ct", "--output", str(out)]) == 0
    assert out.read_text() == ""  # new logs start at their current size: no history download
    assert "2 logs, 0 entries" in capsys.readouterr().err
    for log in logs:
        fill(log, 30, prefix="new")
        log.add(["laoairlnes.la", "*.laoairlnes.la"], precert=True)
    assert main(["collect", "--source", "ct", "--output", str(out)]) == 0
    found = [json.loads(line) for line in out.read_text().splitlines()]
    assert [(f["kind"], f["domain"]) for f in found] == [("domain", "laoairlnes.la")] * 2
    assert "laoairlines" not in found[0]["domain"]  # crt.sh's term query (%laoairlines%) never returns it
    assert found[0]["query"].startswith("CT Local ") and "entry 80" in found[0]["query"]
    assert main(["collect", "--source", "ct", "--output", str(out)]) == 0
    assert out.read_text() == ""  # positions moved: nothing twice


def test_collect_ct_fails_when_every_log_fails(cli_env, logs, capsys):
    for log in logs:
        log.faults.bad_signature = True
    assert main(["collect", "--source", "ct", "--output", str(cli_env / "x.jsonl")]) == 1
    assert "signature" in capsys.readouterr().err


def test_ct_is_not_collected_over_a_window(scorer):
    """brand_monitor and `monitor run` cannot read CT: only its own steps keep the positions."""
    from monitor.collectors.sources import SOURCES, SourceNotConfigured, build_collector
    from monitor.settings import Settings

    assert SOURCES["ct"].scope == "feed" and not SOURCES["ct"].in_brand_monitor
    with pytest.raises(SourceNotConfigured, match="ct_monitor"):
        build_collector("ct", Settings(), None, scorer)


def test_the_log_list_url_setting():
    from monitor.settings import Settings, SettingsError

    assert Settings.from_env({}).source_urls["ct"] == "https://www.gstatic.com/ct/log_list/v3/log_list.json"
    env = {"MONITOR_CT_LOG_LIST_URL": "https://ct.example/list.json", "MONITOR_CT_BACKLOG": "5000"}
    settings = Settings.from_env(env)
    assert (settings.source_urls["ct"], settings.ct_backlog, settings.ct_max_entries) == \
        ("https://ct.example/list.json", 5000, 100_000)
    with pytest.raises(SettingsError, match="MONITOR_CT_LOG_LIST_URL"):
        Settings.from_env({"MONITOR_CT_LOG_LIST_URL": "file:///etc/passwd"})
    with pytest.raises(SettingsError, match="MONITOR_CT_BACKLOG"):
        Settings.from_env({"MONITOR_CT_BACKLOG": "-1"})
