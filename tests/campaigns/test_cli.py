"""`monitor campaigns list|show`: the campaigns, what links them, and references (C7 or 7)."""

from __future__ import annotations

import datetime as dt

import pytest

from monitor.campaigns.store import refresh
from monitor.cli import main
from monitor.store.db import factory_for
from tests.campaigns.test_store import _store
from tests.conftest import BRANDS_FILE

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)


@pytest.fixture
def ring(migrated_url, monkeypatch, tmp_path):
    monkeypatch.setenv("MONITOR_DATABASE_URL", migrated_url)
    monkeypatch.setenv("MONITOR_BRANDS_FILE", str(BRANDS_FILE))
    monkeypatch.setenv("MONITOR_OUTBOX_DIR", str(tmp_path / "outbox"))
    with factory_for(migrated_url)() as session:
        a = _store(session, "lao-airlines", "lao-air-refund.top", "Pay BCEL 0101200012345670, call 020 5555 1234")
        b = _store(session, "laopost", "laopost-fee.xyz", "ໂທ ໐໒໐ ໕໕໕໕ ໑໒໓໔")
        campaign = refresh(session, [a, b], exclude=frozenset(), now=T0).created[0]
        session.commit()
    return campaign, a, b


def test_list_and_show(ring, capsys):
    campaign, a, b = ring
    assert main(["campaigns", "list"]) == 0
    out, err = capsys.readouterr()
    assert f"C{campaign}" in out and "lao-airlines, laopost" in out and "phone +856 20 55 551 234" in out
    assert "1 campaign" in err
    for ref in (f"C{campaign}", str(campaign)):
        assert main(["campaigns", "show", ref]) == 0
        out, _ = capsys.readouterr()
        assert f"C{campaign}: 2 findings, 2 brands" in out and f"F{a} F{b}" in out and "strong" in out
    assert main(["campaigns", "list", "--brand", "laopost"]) == 0
    assert f"C{campaign}" in capsys.readouterr().out


def test_unknown_campaign_brand_or_reference_is_an_error(ring, capsys):
    assert main(["campaigns", "show", "C999"]) == 2
    assert "campaign C999 does not exist" in capsys.readouterr().err
    assert main(["campaigns", "list", "--brand", "nope"]) == 2
    assert "unknown brand 'nope'" in capsys.readouterr().err
    with pytest.raises(SystemExit):
        main(["campaigns", "show", "F12"])
    assert "expected a campaign such as C26" in capsys.readouterr().err
