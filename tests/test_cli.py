"""`monitor findings | takedown | alerts` and the database checks of every command, against a
real database (SQLite and PostgreSQL) and a real SMTP server: what an analyst sees in a shell."""

from __future__ import annotations

import datetime as dt

import pytest

from monitor.cli import main
from monitor.store.repo import FindingInput, upsert_findings
from tests.conftest import BRANDS_FILE, free_port

NOW = dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.UTC)
HOSTILE_TITLE = "Lao Airlines \x1b]0;pwned\x07\x1b[2J promo \u202egnp.exe"


def _seed(session_factory, *items: tuple[str, str]) -> list[int]:
    with session_factory() as session:
        upsert_findings(session, [FindingInput(
            brand_id=brand, canonical_key=f"facebook:{handle}", kind="account", platform="facebook",
            url=f"https://www.facebook.com/{handle}", label=label, score=90, verdict="impersonation",
            reasons=[f"the name '{label}' copies the brand"], candidate={"kind": "account"}, source="searxng",
            query='"Lao Airlines"') for brand, handle, label in
            [(b, h, HOSTILE_TITLE if h == "hostile" else h) for b, h in items]], collection_run_id=None, now=NOW)
        session.commit()
        from sqlalchemy import select

        from monitor.store.models import Finding
        return list(session.scalars(select(Finding.id).order_by(Finding.id)))


@pytest.fixture
def cli_env(monkeypatch, migrated_url, tmp_path):
    monkeypatch.setenv("MONITOR_DATABASE_URL", migrated_url)
    monkeypatch.setenv("MONITOR_BRANDS_FILE", str(BRANDS_FILE))
    monkeypatch.setenv("MONITOR_OUTBOX_DIR", str(tmp_path / "outbox"))
    return migrated_url


def test_findings_list_show_and_mark_keep_history_and_escape_the_terminal(cli_env, session_factory, capsys):
    hostile, plain = _seed(session_factory, ("lao-airlines", "hostile"), ("laopost", "laopost.promo"))
    assert main(["findings", "list"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split()[:4] == ["id", "brand", "verdict", "score"]
    assert "https://www.facebook.com/laopost.promo" in out
    assert "\x1b" not in out and "\u202e" not in out and "\x07" not in out
    assert "\\x1b]0;pwned\\x07" in out and "\\u202e" in out

    assert main(["findings", "mark", str(hostile), "confirmed", "--note", "case 1234"]) == 0
    assert capsys.readouterr().out == f"finding F{hostile} marked confirmed\n"
    # the id as people read it (F26) is accepted as well as the bare number
    assert main(["findings", "mark", f"F{hostile}", "false-positive", "--note", "partner campaign"]) == 0
    capsys.readouterr()
    assert main(["findings", "show", f"f{hostile}"]) == 0
    shown = capsys.readouterr().out
    assert shown.startswith(f"Finding F{hostile}: ")
    assert "\x1b" not in shown
    assert "first seen  2026-11-29 09:00 UTC" in shown and "status      false-positive (partner campaign)" in shown
    assert "Sightings (1):" in shown and "2026-11-29 09:00 UTC  searxng" in shown
    history = shown[shown.index("History (2):"):]
    assert "confirmed" in history and "case 1234" in history and "partner campaign" in history
    assert "by cli" in history

    assert main(["findings", "list", "--status", "false-positive"]) == 0
    listed = capsys.readouterr().out.splitlines()[1:]
    assert [line.split()[0] for line in listed] == [f"F{hostile}"]
    assert main(["findings", "list", "--status", "false_positive_or_not"]) == 2
    assert "unknown status" in capsys.readouterr().err
    # the other finding was left as it was, and is listed under its own status
    assert main(["findings", "list", "--status", "new"]) == 0
    assert [line.split()[0] for line in capsys.readouterr().out.splitlines()[1:]] == [f"F{plain}"]


def test_a_reference_of_the_wrong_kind_is_refused_by_the_parser(cli_env, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["findings", "show", "T3"])
    assert exit_.value.code == 2 and "expected a finding such as F26 (or 26)" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_:
        main(["takedown", "show", "١٢"])
    assert exit_.value.code == 2 and "expected a takedown such as T26" in capsys.readouterr().err


def test_an_unknown_brand_in_a_filter_is_an_error(cli_env, session_factory, capsys):
    _seed(session_factory, ("laopost", "laopost.promo"))
    assert main(["findings", "list", "--brand", "lao-airline"]) == 2
    assert "unknown brand 'lao-airline' (known: lao-airlines" in capsys.readouterr().err
    assert main(["takedown", "list", "--brand", "laopst"]) == 2
    assert "unknown brand 'laopst'" in capsys.readouterr().err


def test_an_outage_longer_than_the_attempts_then_a_retry_delivers_each_alert_once(cli_env, session_factory,
                                                                                   monkeypatch, smtp_sink, capsys):
    from monitor import pipeline
    from monitor.settings import Settings

    _seed(session_factory, ("laopost", "laopost.promo"), ("lao-airlines", "laoairlines.gift"))
    monkeypatch.setenv("MONITOR_MAX_SEND_ATTEMPTS", "2")
    down = f"smtp://127.0.0.1:{free_port()}"  # nothing listens: the SMTP server is down
    run = pipeline.RunInfo("manual__outage", "manual", None, None)
    first = pipeline.alert(Settings.from_env(), {}, run, smtp_url=down)
    assert len(first.queued) == 2 and first.sent == 0 and len(first.failed) == 2
    # the outage outlasts the attempts: the next try (when due) dead-letters both
    from monitor.notify.mailer import make_transport
    from monitor.notify.outbox import send_pending
    from monitor.store.db import factory_for

    later = dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)
    report = send_pending(factory_for(cli_env), make_transport(down, None), sender="m@x", max_attempts=2, now=later)
    assert len(report.dead) == 2

    assert main(["alerts", "list", "--dead"]) == 0
    dead_ids = [int(line.split()[0]) for line in capsys.readouterr().out.splitlines()[1:]]
    assert len(dead_ids) == 2
    assert main(["alerts", "retry"]) == 2  # neither an id nor --all
    assert "--all" in capsys.readouterr().err
    assert main(["alerts", "retry", "999999"]) == 2
    assert "is not dead-lettered" in capsys.readouterr().err

    monkeypatch.setenv("MONITOR_SMTP_URL", smtp_sink.url)  # the server is back
    assert main(["alerts", "retry", str(dead_ids[0])]) == 0
    assert main(["alerts", "retry", "--all"]) == 0
    assert main(["alerts", "retry", "--all"]) == 0  # nothing left to retry
    assert "0 alerts requeued" in capsys.readouterr().out
    assert len(smtp_sink.messages) == 2
    assert len({m["data"] for m in smtp_sink.messages}) == 2
    # and the next scheduled run has nothing left to deliver for these findings
    again = pipeline.alert(Settings.from_env(), {}, pipeline.RunInfo("scheduled__next", "scheduled", None, None),
                           smtp_url=smtp_sink.url)
    assert again.queued == () and len(smtp_sink.messages) == 2


def test_the_database_is_checked_before_any_command(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("MONITOR_BRANDS_FILE", str(BRANDS_FILE))
    # an unmigrated database: what to do, not a traceback
    monkeypatch.setenv("MONITOR_DATABASE_URL", f"sqlite:///{tmp_path / 'other.db'}")
    for command in (["findings", "list"], ["takedown", "list"], ["alerts", "list"], ["run", "--dry-run"]):
        assert main(command) == 2, command
        err = capsys.readouterr().err
        assert "not migrated" in err and "run `monitor db upgrade`" in err and "Traceback" not in err
    # an unreachable server: where, without the password
    monkeypatch.setenv("MONITOR_DATABASE_URL", f"postgresql+psycopg://monitor:s3cret@127.0.0.1:{free_port()}/monitor")
    assert main(["findings", "list"]) == 2
    err = capsys.readouterr().err
    assert "cannot reach the database at 127.0.0.1" in err and "s3cret" not in err
    # the embedded default is created and migrated on first use
    monkeypatch.delenv("MONITOR_DATABASE_URL")
    monkeypatch.chdir(tmp_path)
    assert main(["findings", "list"]) == 0
    assert (tmp_path / "var" / "monitor.db").is_file()
