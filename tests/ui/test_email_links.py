"""A signed link taken from a real digest (queued by the pipeline, delivered through a real
SMTP server), opened and confirmed on the plugin's page, marks its finding as the owner; a
tampered copy of it changes nothing."""

from __future__ import annotations

import re
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, update

from monitor.store.db import factory_for
from monitor.store.models import Finding, StatusMark, Takedown
from tests.conftest import parse_message


@pytest.fixture
def digest_links(ui_settings, smtp_sink):
    """Every finding of the database made new again, and one pipeline alert run over it."""
    import dataclasses

    from monitor import pipeline

    with factory_for(ui_settings.database_url)() as session:
        session.execute(update(Finding).values(status="new", alert_id=None, alerted_at=None))
        session.execute(update(Takedown).values(delivered_alert_id=None))
        session.commit()
    settings = dataclasses.replace(ui_settings, mail_from="monitor@example.org")
    pipeline.alert(settings, {"brands": ["laopost"]}, pipeline.RunInfo("manual__links", "manual", None, None,
                                                                      "brand_monitor"), smtp_url=smtp_sink.url)
    messages = [parse_message(m["data"]) for m in smtp_sink.messages]
    [digest] = [m for m in messages if "findings from" in m["Subject"]]
    drafts = [m for m in messages if "to review" in m["Subject"]]
    text = digest.get_body(("plain",)).get_content()
    html = digest.get_body(("html",)).get_content()
    return text, html, [m.get_body(("plain",)).get_content() for m in drafts]


def test_a_link_from_a_digest_opened_and_confirmed_marks_the_finding(digest_links, owner_client, ui_settings):
    text, html, drafts = digest_links
    # the drafts email carries them too, with "I reported it" (and its Lao) for each draft
    assert drafts and all("I reported it / ຂ້ອຍໄດ້ລາຍງານແລ້ວ: http://monitor.example.test/monitor/act/" in d
                          for d in drafts)
    links = re.findall(r"Not a fake / ບໍ່ແມ່ນຂອງປອມ: "
                       r"(http://monitor\.example\.test/monitor/act/(\d+)/false-positive\?t=\S+)", text)
    assert links, text
    url, finding_id = links[0][0], int(links[0][1])
    assert f'href="{url}"' in html.replace("&amp;", "&")  # the HTML part carries the same live link
    assert "Yes, this is fake / ແມ່ນແລ້ວ, ອັນນີ້ແມ່ນຂອງປອມ: " in text and "It is gone / ມັນຖືກລຶບອອກແລ້ວ: " in text
    # each button of the HTML part gives its words in English and in Lao
    for english, lao in (("Yes, this is fake", "ແມ່ນແລ້ວ, ອັນນີ້ແມ່ນຂອງປອມ"), ("Not a fake", "ບໍ່ແມ່ນຂອງປອມ"),
                         ("It is gone", "ມັນຖືກລຶບອອກແລ້ວ")):
        assert f'{english}<br><span lang="lo">{lao}</span></a>' in html
    path = f"{urlsplit(url).path}?{urlsplit(url).query}"

    page = owner_client.get(path)
    assert page.status_code == 200 and "Nothing has been recorded yet" in page.text
    with factory_for(ui_settings.database_url)() as session:
        assert session.get(Finding, finding_id).status == "alerted"
    token = re.search(r'name="t" value="([^"]+)"', page.text).group(1)

    tampered = token[:-3] + ("AAA" if not token.endswith("AAA") else "BBB")
    refused = owner_client.post(urlsplit(url).path + f"?t={tampered}", data={"t": tampered},
                                headers={"origin": "http://monitor.example.test", "referer": url})
    assert "not valid" in refused.text
    with factory_for(ui_settings.database_url)() as session:
        assert session.get(Finding, finding_id).status == "alerted"

    done = owner_client.post(path, data={"t": token}, headers={"origin": "http://monitor.example.test",
                                                                "referer": url})
    assert done.status_code == 200 and "Recorded" in done.text
    with factory_for(ui_settings.database_url)() as session:
        assert session.get(Finding, finding_id).status == "false_positive"
        [mark] = session.scalars(select(StatusMark).where(StatusMark.subject_id == finding_id))
        assert mark.actor == "laopost@example.org"  # the owner the digest went to


def test_without_a_public_url_the_digest_says_whom_to_ask(ui_settings, smtp_sink):
    import dataclasses

    from monitor import pipeline

    with factory_for(ui_settings.database_url)() as session:
        session.execute(update(Finding).values(status="new", alert_id=None, alerted_at=None))
        session.commit()
    settings = dataclasses.replace(ui_settings, public_url=None)
    pipeline.alert(settings, {"brands": ["laopost"]}, pipeline.RunInfo("manual__nolinks", "manual", None, None),
                   smtp_url=smtp_sink.url)
    text = "\n".join(parse_message(m["data"]).get_body(("plain",)).get_content() for m in smtp_sink.messages)
    assert "/monitor/act/" not in text and "ask the monitor's operator" in text
