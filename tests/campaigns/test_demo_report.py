"""`make demo` prints the campaigns: the demo web's ring, over one pipeline run (tests/ui/filldb),
is one campaign of its four members, across four brands; the template look-alikes are in none."""

from __future__ import annotations

from tests.ui.filldb import fill


def test_the_demo_prints_its_ring_as_one_campaign(tmp_path, capsys, monkeypatch):
    from monitor.demo import __main__ as demo

    monkeypatch.setattr(demo, "DEMO", tmp_path)
    url = f"sqlite:///{tmp_path / 'monitor.db'}"
    fill(url, tmp_path)
    capsys.readouterr()
    demo.report_campaigns({"MONITOR_DATABASE_URL": url})
    out = capsys.readouterr().out
    assert "Campaigns (1)" in out and "C1: 4 findings, 4 brands (lao-airlines, lao-telecom, laopatthana, laopost)" in out
    for member in ("laoairlines-refund.top", "laotel-bonus10gb.xyz", "laopost.customs.la", "laopatthana.luckydraw"):
        assert member in out
    assert "weekly" not in out  # the template look-alikes stay apart
    assert "strong phone +856 20 55 551 234" in out and "strong bank account 010120001234567001" in out
    assert "strong payment QR code" in out
