"""Hostile third-party data against the takedown drafts, served by the local internet of
conftest.py: RDAP and WHOIS answers whose names carry address syntax, Unicode line and
bidi controls, RDAP nested hundreds deep, pages that cannot be saved. Each draft is parsed
back with the email package, as a mail client would read it."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from sqlalchemy import select

from tests.conftest import parse_message
from tests.takedown.conftest import NOW

EVIL_REGISTRAR = "Nhà đăng ký <evil@evil.example>\u202e moc.live\u2028Bcc: evil@evil.example"
EVIL_HOLDER = "Évil Registrar: evil@evil.example, \"x\" <evil2@evil.example>\u0085"
EVIL_WHOIS_REGISTRAR = "Évil Registrar: evil@evil.example; <evil3@evil.example>\u2029\u2066x"


def _rdap_domain(domain: str, registrar: str, abuse: str) -> str:
    return json.dumps({
        "objectClassName": "domain", "ldhName": domain,
        "entities": [{"objectClassName": "entity", "roles": ["registrar"],
                      "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", registrar]]],
                      "entities": [{"objectClassName": "entity", "roles": ["abuse"],
                                    "vcardArray": ["vcard", [["version", {}, "text", "4.0"],
                                                             ["fn", {}, "text", registrar],
                                                             ["email", {}, "text", abuse]]]}]}],
        "events": [{"eventAction": "registration", "eventDate": "2026-11-25T00:00:00Z"}]})


def _rdap_network(holder: str, abuse: str) -> str:
    return json.dumps({
        "objectClassName": "ip network", "name": holder, "startAddress": "45.76.20.0", "endAddress": "45.76.20.255",
        "entities": [{"objectClassName": "entity", "roles": ["registrant"],
                      "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", holder]]]},
                     {"objectClassName": "entity", "roles": ["abuse"],
                      "vcardArray": ["vcard", [["version", {}, "text", "4.0"], ["fn", {}, "text", holder],
                                               ["email", {}, "text", abuse]]]}]})


def _seed(url: str, findings: list[tuple]) -> dict[str, int]:
    """findings: (brand, key, kind, platform, url, label, verdict, candidate)."""
    from monitor.store.db import make_engine, session_factory
    from monitor.store.models import Finding
    from monitor.store.repo import FindingInput, upsert_findings

    factory = session_factory(make_engine(url))
    items = [FindingInput(brand, key, kind, platform, url_, label, 92, verdict,
                          [f"the page title '{label}' imitates the brand"], {**candidate, "id": key, "url": url_},
                          "searxng", None)
             for brand, key, kind, platform, url_, label, verdict, candidate in findings]
    with factory() as session:
        upsert_findings(session, items, collection_run_id=None, now=NOW - dt.timedelta(hours=5))
        session.commit()
        return {f.canonical_key: f.id for f in session.scalars(select(Finding))}


def _drafts(url: str) -> dict[int, object]:
    from monitor.store.db import make_engine, session_factory
    from monitor.store.models import Takedown

    with session_factory(make_engine(url))() as session:
        return {t.finding_id: (parse_message(t.message.encode()), t) for t in session.scalars(select(Takedown))}


def _recipients(draft) -> list[str]:
    return [a.addr_spec for header in ("To", "Cc") if draft[header] is not None for a in draft[header].addresses]


def _texts(message) -> str:
    """Every text part of a message, attached messages included, decoded."""
    return "\n".join(part.get_content() for part in message.walk()
                     if part.get_content_maintype() == "text" and not part.is_attachment())


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_hostile_rdap_and_whois_names_never_change_the_recipients(takedown_env):
    """#11 item 4 and 5: the recipients that parse out of To/Cc are exactly the abuse
    mailboxes, whatever the registrar's or network's name holds; the names lose their
    line and bidi controls; nothing raises."""
    from monitor import pipeline
    from monitor.settings import Settings

    web, dns, whois = takedown_env["web"], takedown_env["dns"], takedown_env["whois"]
    web.rdap_answers["/verisign/com/v1/domain/laoairlines-names.com"] = _rdap_domain(
        "laoairlines-names.com", EVIL_REGISTRAR, "abuse@registrar.example")
    web.rdap_answers["/apnic/ip/45.76.20.1"] = _rdap_network(EVIL_HOLDER, "abuse@host.example")
    dns.records["laoairlines-names.com"] = "45.76.20.1"
    dns.records["laoairlines-names.la"] = "45.76.20.1"
    whois.records["laoairlines-names.la"] = (
        f"Domain Name: laoairlines-names.la\nRegistrar: {EVIL_WHOIS_REGISTRAR}\n"
        "Registrar Abuse Contact Email: abuse@whois-registrar.example\nCreation Date: 2026-11-25T00:00:00Z\n")
    web.pages[("laoairlines-names.com", "/")] = ("Lao Airlines", "booking")
    ids = _seed(takedown_env["url"], [
        ("lao-airlines", "domain:laoairlines-names.com", "domain", None, None, "laoairlines-names.com",
         "impersonation", {"kind": "domain", "domain": "laoairlines-names.com"}),
        ("lao-airlines", "domain:laoairlines-names.la", "domain", None, None, "laoairlines-names.la",
         "impersonation", {"kind": "domain", "domain": "laoairlines-names.la"}),
    ])
    drafted = pipeline.draft_takedowns(Settings.from_env(), {})
    assert drafted.failed == () and len(drafted.drafted) == 2
    drafts = _drafts(takedown_env["url"])

    com, _ = drafts[ids["domain:laoairlines-names.com"]]
    assert _recipients(com) == ["abuse@registrar.example", "abuse@host.example"]
    la, _ = drafts[ids["domain:laoairlines-names.la"]]
    assert _recipients(la) == ["abuse@whois-registrar.example", "abuse@host.example"]
    for draft in (com, la):
        names = [a.display_name for h in ("To", "Cc") for a in draft[h].addresses]
        assert all("\u202e" not in n and "\u2028" not in n and "\u0085" not in n and "\u2066" not in n
                   for n in names)
        assert "evil" in " ".join(names)  # the name is kept, as a name
        assert draft["Bcc"] is None and "bcc" not in [k.lower() for k in draft.keys()]
        assert not any(line.startswith("Bcc") for line in draft.get_body(("plain",)).get_content().splitlines())
    # (spaces collapsed: Python keeps the space between two encoded words that RFC 2047 drops)
    assert " ".join(com["To"].addresses[0].display_name.split()) == \
        "Nhà đăng ký <evil@evil.example> moc.live Bcc: evil@evil.example abuse"
    text = com.get_body(("plain",)).get_content()
    assert "\u202e" not in text and "[U+202E]" in text  # bidi made visible in the body
    assert "\u2028" not in text and "\nBcc:" not in text


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_line_separators_in_a_scraped_label_still_give_a_draft(takedown_env):
    """#11 item 5: U+2028/U+2029/U+0085 in scraped text raised 'Header values may not
    contain linefeed' and the finding never got a draft."""
    from monitor import pipeline
    from monitor.settings import Settings

    label = "Lao Airlines\u2028Promo\u2029 \u0085free \u202eskcit\u202c tickets"
    ids = _seed(takedown_env["url"], [
        ("lao-airlines", "facebook:promo", "account", "facebook", None, label, "impersonation",
         {"kind": "account", "platform": "facebook"})])
    drafted = pipeline.draft_takedowns(Settings.from_env(), {})
    assert drafted.failed == () and len(drafted.drafted) == 1
    draft, takedown = _drafts(takedown_env["url"])[ids["facebook:promo"]]
    assert draft["Subject"] == "Impersonation of Lao Airlines: Lao Airlines Promo free skcit tickets"
    for part in ("plain", "html"):
        body = draft.get_body((part,)).get_content()
        assert not any(c in body for c in "\u2028\u2029\u0085\u202e\u202c")
        assert "[U+202E]skcit[U+202C]" in body


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_page_that_could_not_be_saved_leaves_no_live_url(takedown_env, smtp_sink):
    """#11 item 7 and #13: the gap says why in plain words; neither the draft nor the owners'
    drafts email carries the live URL of the impersonating page."""
    from monitor import pipeline
    from monitor.settings import Settings

    takedown_env["dns"].records["laotel-login.top"] = "45.76.12.35"
    takedown_env["web"].rdap_answers["/nic.top/domain/laotel-login.top"] = _rdap_domain(
        "laotel-login.top", "Registrar", "abuse@35.cn")
    ids = _seed(takedown_env["url"], [
        ("lao-telecom", "url:laotel-login.top/otp", "page", None, "https://laotel-login.top/otp?step=2",
         "Lao Telecom OTP", "impersonation", {"kind": "page"})])  # the server answers 404
    settings = Settings.from_env()
    assert len(pipeline.draft_takedowns(settings, {}).drafted) == 1
    draft, takedown = _drafts(takedown_env["url"])[ids["url:laotel-login.top/otp"]]
    assert "HTTP 404" in takedown.evidence_error  # the raw error is kept for us
    assert takedown.gaps[-1] == ("The page could not be saved as evidence: the page answered that it is not "
                                 "there (HTTP 404) when we fetched it.")
    pipeline.alert(settings, {}, pipeline.RunInfo("manual__t", "manual", None, None), smtp_url=smtp_sink.url)
    owners_email = next(parse_message(m["data"]) for m in smtp_sink.messages
                        if "takedown draft" in parse_message(m["data"])["Subject"])
    everything = _texts(owners_email)
    assert "hxxps://laotel-login[.]top/otp?step=2" in everything
    assert "https://laotel-login" not in everything and "laotel-login.top" not in everything


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_rdap_nested_600_deep_is_a_gap_in_the_draft(takedown_env):
    """#11 item 19: a RecursionError escaped and the draft failed on every run."""
    from monitor import pipeline
    from monitor.settings import Settings

    # written out by hand: json.dumps itself cannot nest this deep
    opening = '{"objectClassName": "entity", "roles": ["registrar"], "entities": ['
    nested = opening * 600 + '{"roles": ["abuse"]}' + "]}" * 600
    takedown_env["web"].rdap_answers["/nic.top/domain/laotel-deep.top"] = (
        '{"objectClassName": "domain", "entities": [' + nested + "]}")
    ids = _seed(takedown_env["url"], [
        ("lao-telecom", "domain:laotel-deep.top", "domain", None, None, "laotel-deep.top", "impersonation",
         {"kind": "domain", "domain": "laotel-deep.top"})])
    drafted = pipeline.draft_takedowns(Settings.from_env(), {})
    assert drafted.failed == () and len(drafted.drafted) == 1
    draft, takedown = _drafts(takedown_env["url"])[ids["domain:laotel-deep.top"]]
    assert takedown.gaps[0] == ("We could not find out which registrar laotel-deep[.]top is registered with: the "
                                "registry's public lookup service (RDAP or WHOIS) gave no usable answer when we "
                                "asked.")
    assert "could not find out which registrar" in draft.get_body(("plain",)).get_content()


def test_rdap_entities_deeper_than_the_cap_are_a_format_error():
    from monitor.takedown.rdap import MAX_ENTITY_DEPTH, RdapFormatError, parse_domain

    def nested(depth: int) -> dict:
        entity: dict = {"roles": ["abuse"], "vcardArray": ["vcard", [["email", {}, "text", "abuse@r.example"]]]}
        for _ in range(depth - 1):
            entity = {"roles": ["registrar"], "entities": [entity]}
        return {"objectClassName": "domain", "entities": [entity]}

    assert parse_domain(nested(MAX_ENTITY_DEPTH), "x.example").abuse_email == "abuse@r.example"
    with pytest.raises(RdapFormatError, match="nested more than"):
        parse_domain(nested(MAX_ENTITY_DEPTH + 1), "x.example")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_only_impersonations_get_a_takedown_draft(takedown_env):
    """#13: a suspicious finding goes to a person (the digest), never to a registrar."""
    from monitor import pipeline
    from monitor.settings import Settings

    ids = _seed(takedown_env["url"], [
        ("lao-telecom", "url:laotel-gift.top/claim", "page", None, "https://laotel-gift.top/claim", "Gift",
         "suspicious", {"kind": "page"}),
        ("laopost", "url:laopost-tracking.xyz/track", "page", None, "https://laopost-tracking.xyz/track",
         "Laopost", "impersonation", {"kind": "page"})])
    assert len(pipeline.draft_takedowns(Settings.from_env(), {}).drafted) == 1
    assert set(_drafts(takedown_env["url"])) == {ids["url:laopost-tracking.xyz/track"]}


def test_a_draft_gives_the_reasons_in_lao_and_the_web_form_box_in_both_languages():
    """Issue 19 item 11: the Lao part of a draft lists the Lao reasons (the English one where a
    Lao one is missing), and the box of a web-form channel (Meta's) is in English and Lao."""
    import datetime as dt

    from monitor.registry import load_registry
    from monitor.takedown.evidence import Evidence
    from monitor.takedown.request import Addressing, Target, build_request, templates
    from tests.conftest import BRANDS_FILE, ROOT

    now = dt.datetime(2026, 11, 28, 12, tzinfo=dt.UTC)
    brand = load_registry(BRANDS_FILE).brand("lao-airlines")
    target = Target(26, "facebook.com/laoairlines.promo", "account", "facebook",
                    "https://www.facebook.com/laoairlines.promo", 95, ("uses the brand's name", "offers free tickets"),
                    now, now, ("ໃຊ້ຊື່ຂອງຍີ່ຫໍ້", ""))
    addressing = Addressing("platform", "Meta (Facebook, Instagram)", form="https://www.facebook.com/help/contact/x",
                            asks_for=(("Link to the impersonating account", "target"), ("Why", "reasons")),
                            key="facebook")
    message = build_request(brand, target, ("https://www.facebook.com/laoairlines",),
                            Evidence(url=target.url, captured_at=now, error="not fetched in this test"), addressing,
                            None, envs=templates(ROOT / "config" / "takedown"), key="k", now=now)
    text = message.get_body(("plain",)).get_content()
    lao = text.split("ພາສາລາວ (Lao)")[1]
    assert "ໃຊ້ຊື່ຂອງຍີ່ຫໍ້" in lao and "offers free tickets" in lao and "uses the brand's name" not in lao
    assert "ຮັບການລາຍງານຜ່ານແບບຟອມເທິງເວັບ" in text.split("ພາສາລາວ (Lao)")[0]  # the box, before the letters
    html = message.get_body(("html",)).get_content()
    assert '<p lang="lo" style="background:#fff6d5' in html and "ໃຊ້ຊື່ຂອງຍີ່ຫໍ້" in html
