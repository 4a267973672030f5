"""Owners' one-click links: signing and checking (pure), and the confirmation pages: opening a
link changes nothing, its button marks the finding as the owner; a tampered, expired or
borrowed link changes nothing."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from monitor.settings import Settings, SettingsError
from monitor.store.db import factory_for
from monitor.store.models import Finding, StatusMark, Takedown
from monitor.ui import links

NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
SECRET = "a-secret-for-links-0123456789"
OWNER = "owner@laopost.example"
SETTINGS = Settings(secret_key=SECRET, public_url="https://airflow.example.org/")


def token_of(url: str) -> str:
    return parse_qs(urlsplit(url).query)["t"][0]


def test_action_url_points_at_the_public_address_and_is_signed():
    url = links.action_url(SETTINGS, 12, "false-positive", OWNER, NOW)
    assert url.startswith("https://airflow.example.org/monitor/act/12/false-positive?t=")
    grant = links.verify(SECRET, token_of(url), 12, "false-positive", NOW + dt.timedelta(days=29))
    assert (grant.finding_id, grant.action, grant.email) == (12, "false-positive", OWNER)
    assert grant.expires == NOW + dt.timedelta(days=30)
    assert links.action_url(replace(SETTINGS, action_link_days=2), 12, "sent", OWNER, NOW) != \
        links.action_url(SETTINGS, 12, "sent", OWNER, NOW)


def test_no_links_without_a_public_url_or_a_secret():
    assert links.action_url(replace(SETTINGS, public_url=None), 1, "confirmed", OWNER, NOW) is None
    assert links.action_url(replace(SETTINGS, secret_key=None), 1, "confirmed", OWNER, NOW) is None
    assert "reply to this email" in links.NO_LINKS_SENTENCE
    with pytest.raises(ValueError, match="unknown action 'delete'"):
        links.sign(SECRET, 1, "delete", OWNER, NOW)


def test_settings_read_the_link_variables():
    settings = Settings.from_env({"MONITOR_SECRET_KEY": SECRET, "MONITOR_PUBLIC_URL": "https://a.example",
                                  "MONITOR_ACTION_LINK_DAYS": "7"})
    assert (settings.public_url, settings.action_link_days) == ("https://a.example/", 7)
    assert SECRET not in repr(settings)
    assert Settings.from_env({}).secret_key is None and Settings.from_env({}).action_link_days == 30
    with pytest.raises(SettingsError, match="MONITOR_SECRET_KEY: too short"):
        Settings.from_env({"MONITOR_SECRET_KEY": "short"})
    with pytest.raises(SettingsError, match="MONITOR_PUBLIC_URL='ftp://x': expected an http"):
        Settings.from_env({"MONITOR_PUBLIC_URL": "ftp://x"})


@pytest.mark.parametrize("case", ["payload", "signature", "truncated", "other key", "other finding",
                                  "other action", "expired", "empty"])
def test_a_bad_link_is_refused_with_its_reason(case):
    token = token_of(links.action_url(SETTINGS, 12, "confirmed", OWNER, NOW))
    body, signature = token.split(".")
    forged = links.sign(SECRET, 12, "confirmed", "attacker@evil.example", NOW)
    finding_id, action, now, secret = 12, "confirmed", NOW, SECRET
    if case == "payload":  # another email under the original signature
        token = forged.split(".")[0] + "." + signature
    elif case == "signature":
        token = body + "." + signature[:-2] + ("AA" if signature[-2:] != "AA" else "BB")
    elif case == "truncated":
        token = body
    elif case == "other key":
        secret = "another-secret-0123456789abcdef"
    elif case == "other finding":
        finding_id = 13
    elif case == "other action":
        action = "false-positive"
    elif case == "expired":
        now = NOW + dt.timedelta(days=30, seconds=1)
    else:
        token = ""
    reason = {"payload": "tampered", "signature": "tampered", "truncated": "damaged", "other key": "tampered",
              "other finding": "mismatch", "other action": "mismatch", "expired": "expired", "empty": "damaged"}[case]
    with pytest.raises(links.LinkError) as error:
        links.verify(secret, token, finding_id, action, now)
    assert error.value.reason == reason


# ---------------------------------------------------------------- the owner's pages

def state(settings, finding_id: int) -> tuple[str, list[tuple[str, str, str]]]:
    with factory_for(settings.database_url)() as session:
        status = session.get(Finding, finding_id).status
        marks = [(m.subject, m.status, m.actor) for m in session.scalars(select(StatusMark).order_by(StatusMark.id))]
    return status, marks


def first_finding(settings) -> int:
    with factory_for(settings.database_url)() as session:
        return session.scalars(select(Finding.id).where(Finding.brand_id == "laopost").order_by(Finding.id)).first()


def path_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}"


ORIGIN = {"origin": "http://monitor.example.test"}
LAOPOST_OWNER = "laopost@example.org"  # an owner of laopost in config/brands.yaml


def test_opening_a_link_changes_nothing_and_its_button_marks_as_the_owner(owner_client, ui_settings, clock):
    finding_id = first_finding(ui_settings)
    url = links.action_url(ui_settings, finding_id, "false-positive", LAOPOST_OWNER, clock.now)
    assert url.startswith("http://monitor.example.test/monitor/act/")
    before = state(ui_settings, finding_id)
    for _ in range(3):  # a mail scanner, a preview, the owner
        page = owner_client.get(path_of(url))
        assert page.status_code == 200 and "Not a fake?" in page.text and "Nothing has been recorded yet" in page.text
    assert state(ui_settings, finding_id) == before == ("alerted", [])
    assert "hxxps://" in page.text or "[.]" in page.text  # the finding is shown defanged
    token = re.search(r'name="t" value="([^"]+)"', page.text).group(1)
    assert token == token_of(url)
    # the button: a POST from the page itself
    done = owner_client.post(path_of(url), data={"t": token}, headers=ORIGIN | {"referer": url})
    assert done.status_code == 200 and "Recorded: “Not a fake”" in done.text
    assert state(ui_settings, finding_id) == ("false_positive", [("finding", "false_positive", LAOPOST_OWNER)])
    # pressed again: recorded once
    again = owner_client.post(path_of(url), data={"t": token}, headers=ORIGIN)
    assert "Already recorded" in again.text and len(state(ui_settings, finding_id)[1]) == 1


def test_i_reported_it_marks_the_takedown_sent_with_the_owners_note(owner_client, ui_settings, clock):
    finding_id = first_finding(ui_settings)
    url = links.action_url(ui_settings, finding_id, "sent", LAOPOST_OWNER, clock.now)
    page = owner_client.get(path_of(url))
    assert "I reported it?" in page.text and 'name="note"' in page.text
    owner_client.post(path_of(url), data={"t": token_of(url), "note": "form at the registrar"}, headers=ORIGIN)
    with factory_for(ui_settings.database_url)() as session:
        takedown = session.scalars(select(Takedown).where(Takedown.finding_id == finding_id)).one()
        mark = session.scalars(select(StatusMark).where(StatusMark.subject == "takedown")).one()
    assert takedown.status == "sent" and takedown.owner_sent_at is not None
    assert (mark.actor, mark.note) == (LAOPOST_OWNER, "form at the registrar")
    gone = links.action_url(ui_settings, finding_id, "taken-down", LAOPOST_OWNER, clock.now)
    owner_client.post(path_of(gone), data={"t": token_of(gone)}, headers=ORIGIN)
    assert state(ui_settings, finding_id)[0] == "taken_down"


@pytest.mark.parametrize("case", ["tampered", "expired", "another finding", "another action"])
def test_a_bad_link_gets_a_clear_page_and_changes_nothing(owner_client, ui_settings, clock, case):
    finding_id = first_finding(ui_settings)
    url = links.action_url(ui_settings, finding_id, "confirmed", LAOPOST_OWNER, clock.now)
    path, token = path_of(url).split("?")[0], token_of(url)
    expected = {"tampered": (403, "changed or damaged"), "expired": (410, "This link expired on"),
                "another finding": (403, "belongs to another item"),
                "another action": (403, "belongs to another item")}[case]
    if case == "tampered":
        body, signature = token.split(".")
        other = links.sign(ui_settings.secret_key, finding_id, "confirmed", "me@evil.example",
                           clock.now + dt.timedelta(days=365)).split(".")[0]
        token = f"{other}.{signature}"
    elif case == "expired":
        clock.now += dt.timedelta(days=ui_settings.action_link_days, minutes=1)
    elif case == "another finding":
        path = path.replace(f"/act/{finding_id}/", f"/act/{finding_id + 1}/")
    else:
        path = path.replace("/confirmed", "/false-positive")
    before = state(ui_settings, finding_id), state(ui_settings, finding_id + 1)
    page = owner_client.get(f"{path}?t={token}")
    assert page.status_code == expected[0] and expected[1] in page.text and "<form" not in page.text
    posted = owner_client.post(path, data={"t": token}, headers=ORIGIN)
    assert posted.status_code == expected[0] and expected[1] in posted.text
    assert (state(ui_settings, finding_id), state(ui_settings, finding_id + 1)) == before


def test_the_owners_post_must_come_from_the_page(owner_client, ui_settings, clock):
    finding_id = first_finding(ui_settings)
    url = links.action_url(ui_settings, finding_id, "confirmed", LAOPOST_OWNER, clock.now)
    for headers in ({}, {"origin": "https://evil.example"}, {"origin": "null"}):
        response = owner_client.post(path_of(url), data={"t": token_of(url)}, headers=headers)
        assert response.status_code == 403, headers
    assert owner_client.post(path_of(url).split("?")[0], data={}, headers=ORIGIN).status_code == 403  # no token
    assert state(ui_settings, finding_id) == ("alerted", [])
