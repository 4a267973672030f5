"""A campaign's takedown requests: one per recipient, listing every live member that recipient
can act on, with each member's evidence hashes and the artefacts they share."""

from __future__ import annotations

import datetime as dt
import email
from email import policy

from monitor.campaigns.store import refresh
from monitor.cli import main
from monitor.store.db import factory_for
from monitor.store.models import Finding, Takedown
from monitor.takedown.campaign import campaign_requests
from tests.campaigns.test_store import _store
from tests.conftest import BRANDS_FILE

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
REGISTRAR = {"route": "domain", "name": "Example Registrar", "to": [["Example Registrar abuse", "abuse@registrar.example"]],
             "cc": [], "form": None}
META = {"route": "platform", "name": "Meta (Facebook)", "to": [],
        "form": "https://www.facebook.com/help/contact/295309487309948"}


def _draft(session, finding_id: int, addressing: dict, n: int, **over) -> Takedown:
    takedown = Takedown(finding_id=finding_id, brand_id="x", addressing=addressing, gaps=[], subject="s",
                        message_id=f"<m{n}@x>", message="", html=b"<html></html>", html_sha256=f"{n:064x}",
                        screenshot_sha256=f"{n + 100:064x}", captured_at=T0, drafted_at=T0, **over)
    session.add(takedown)
    session.flush()
    return takedown


def _ring(session):
    text = "Pay BCEL 0101200012345670, call 020 5555 1234"
    ids = {name: _store(session, brand, key, text) for name, brand, key in (
        ("air", "lao-airlines", "lao-air-refund.top"), ("tel", "lao-telecom", "laotel-bonus.xyz"),
        ("post", "laopost", "facebook:laopost.fee"), ("pat", "laopatthana", "facebook:laopatthana.draw"),
        ("gone", "laopost", "laopost-old.top"), ("nodraft", "lao-airlines", "lao-air-new.top"),
        ("unknown", "lao-telecom", "laotel-x.top"))}
    campaign = refresh(session, list(ids.values()), exclude=frozenset(), now=T0).created[0]
    _draft(session, ids["air"], REGISTRAR, 1)
    _draft(session, ids["tel"], REGISTRAR, 2)
    _draft(session, ids["post"], META, 3)
    _draft(session, ids["pat"], META, 4)
    _draft(session, ids["gone"], REGISTRAR, 5, taken_down_at=T0)
    _draft(session, ids["unknown"], {"route": "unknown", "name": "the platform", "to": [], "form": None}, 6)
    session.get(Finding, ids["gone"]).status = "taken_down"
    session.flush()
    return campaign, ids


def test_one_request_per_recipient_with_its_live_members_and_their_evidence(session_factory):
    with session_factory() as session:
        campaign, ids = _ring(session)
        requests, unaddressed = campaign_requests(session, campaign, mail_from="monitor@example.org", now=T0)
    by_recipient = {r.recipient.name: (r, m) for r, m in requests}
    assert set(by_recipient) == {"Example Registrar", "Meta (Facebook)"}
    registrar, message = by_recipient["Example Registrar"]
    assert [m.finding_id for m in registrar.members] == [ids["air"], ids["tel"]]  # not the taken-down one
    assert message["To"] == "Example Registrar abuse <abuse@registrar.example>"
    assert message["X-Monitor-Campaign"] == f"C{campaign}" and message["X-Unsent"] == "1"
    body = message.get_content()
    assert f"{1:064x}" in body and f"{2:064x}" in body and f"{101:064x}" in body  # page and screenshot hashes
    assert f"{5:064x}" not in body and f"{3:064x}" not in body
    assert "phone +856 20 55 551 234: shown by 1, 2" in body and "bank account 0101200012345670: shown by 1, 2" in body
    meta, meta_message = by_recipient["Meta (Facebook)"]
    assert [m.finding_id for m in meta.members] == [ids["post"], ids["pat"]]
    assert meta_message["To"] is None and "facebook.com/help/contact" in meta_message["X-Takedown-Form"]
    assert "ready to paste" in meta_message.get_content()
    assert {m.finding_id for m in unaddressed} == {ids["nodraft"], ids["unknown"]}


def test_cli_writes_the_requests(migrated_url, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("MONITOR_DATABASE_URL", migrated_url)
    monkeypatch.setenv("MONITOR_BRANDS_FILE", str(BRANDS_FILE))
    with factory_for(migrated_url)() as session:
        campaign, ids = _ring(session)
        session.commit()
    assert main(["campaigns", "drafts", f"C{campaign}", "--out", str(tmp_path / "drafts")]) == 0
    out, err = capsys.readouterr()
    files = sorted((tmp_path / "drafts").glob("*.eml"))
    assert len(files) == 2 and "abuse@registrar.example" in out and f"F{ids['nodraft']}: no one known" in err
    parsed = [email.message_from_bytes(f.read_bytes(), policy=policy.default) for f in files]
    assert {p["X-Monitor-Findings"] for p in parsed} == {f"F{ids['air']} F{ids['tel']}", f"F{ids['post']} F{ids['pat']}"}
