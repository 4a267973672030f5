"""Takedown drafts, end to end against local servers: an RDAP server answering in RDAP's
JSON format (IANA bootstrap files, a thin registry pointing to its registrar, a thick
registry, an IP network), a WHOIS server for .la, a DNS server, the pages themselves, and a
real SMTP server. Plus the pure parts (routing, RDAP and WHOIS parsing) on plain data."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib

import pytest
from sqlalchemy import select

from monitor.takedown.channels import AbuseChannelsError, load_abuse_channels, parse_abuse_channels, route
from monitor.takedown.rdap import domain_servers, ip_servers, parse_domain, parse_network, related_url
from monitor.takedown.whois import WhoisNotFound, parse_whois
from tests.conftest import BRANDS_FILE, FIXTURES, parse_message
from tests.takedown.conftest import CHANNELS, FINDINGS, NOW, _rdap, seed_findings

# ---------------------------------------------------------------- pure: routing


@pytest.fixture(scope="module")
def directory():
    return load_abuse_channels(CHANNELS)


@pytest.mark.parametrize(("platform", "url", "kind", "key"), [
    ("facebook", "https://www.facebook.com/laoairlines.promo2026", "platform", "facebook"),
    (None, "https://m.facebook.com/profile.php?id=100089123456", "platform", "facebook"),
    (None, "https://www.instagram.com/laopatthananews/", "platform", "instagram"),
    ("telegram", "https://t.me/laotel_support", "platform", "telegram"),
    (None, "https://laopost-parcel.pages.dev/track", "hosting", "pages.dev"),
    (None, "https://laoairlines.blogspot.com/", "hosting", "blogspot.com"),
    (None, "https://sites.google.com/view/laotelecom-gift", "hosting", "sites.google.com"),
    (None, "https://bit.ly/3laopost", "hosting", "bit.ly"),
    (None, "https://laoairlines-bookings.com/", "domain", "laoairlines-bookings.com"),
    (None, "http://185.0.0.1/bins/mips", "address", "185.0.0.1"),
    (None, "http://[2001:db8::1]/login", "address", "2001:db8::1"),
])
def test_route_sends_each_finding_to_the_party_that_can_act(directory, platform, url, kind, key):
    where = route(directory, platform=platform, url=url)
    assert (where.kind, where.key) == (kind, key)
    if kind not in ("domain", "address"):
        assert where.channel.email or where.channel.form


def test_every_channel_names_its_source_and_date(directory):
    channels = [*directory.platforms.values(), *directory.hosting.values()]
    assert {"facebook", "instagram", "tiktok", "x", "telegram", "youtube"} <= set(directory.platforms)
    assert {"blogspot.com", "sites.google.com", "bit.ly", "pages.dev", "workers.dev", "github.io", "vercel.app",
            "netlify.app"} <= set(directory.hosting)
    assert all(c.source.startswith("https://") and c.checked for c in channels)
    assert directory.platforms["telegram"].email == "abuse@telegram.org"
    # Meta's form needs the official page, the impersonating one and the reporter's relation
    assert [a.answer for a in directory.platforms["facebook"].asks_for] == ["official", "target", "relation",
                                                                            "contact"]
    assert directory.hosting["github.io"].asks_for[1].answer is None  # a field the owner fills in
    assert directory.whois_servers["la"] == "whois.nic.la"


@pytest.mark.parametrize(("text", "message"), [
    ("platforms:\n  facebook:\n    name: Meta\n    email: not-an-email\n    source: https://x.example\n"
     "    checked: 2026-11-29\n",
     "abuse.yaml:4: field 'platforms.facebook.email': 'not-an-email' is not an email address (ASCII, name@domain)"),
    ("platforms:\n  facebook:\n    name: Meta\n    source: https://x.example\n    checked: 2026-11-29\n",
     "abuse.yaml:3: field 'platforms.facebook': needs an email or a form (or both)"),
    ("platforms:\n  fb:\n    name: Meta\n    form: https://f.example\n    source: https://x.example\n"
     "    checked: 2026-11-29\n",
     "abuse.yaml:2: field 'platforms': 'fb' is not a platform name the monitor uses (write 'facebook')"),
    ("platforms: {}\nhosting:\n  pages.dev:\n    name: CF\n    form: http://abuse.example\n"
     "    source: https://x.example\n    checked: 2026-11-29\n",
     "abuse.yaml:5: field 'hosting.pages.dev.form': 'http://abuse.example' is not an https:// URL"),
    ("platforms: {}\nplatforms: {}\n", "abuse.yaml:2: field 'platforms': duplicate key 'platforms'"),
])
def test_a_bad_abuse_channels_file_names_file_line_and_field(text, message):
    with pytest.raises(AbuseChannelsError) as error:
        parse_abuse_channels(text, "abuse.yaml")
    assert str(error.value) == message


# ---------------------------------------------------------------- pure: RDAP and WHOIS

def test_bootstrap_picks_the_longest_match():
    dns = {"services": [[["com"], ["https://a.example/com/"]], [["co.uk", "uk"], ["https://b.example/"]]]}
    assert domain_servers(dns, "laoairlines-bookings.com") == ["https://a.example/com/"]
    assert domain_servers(dns, "laoair.co.uk") == ["https://b.example/"]
    assert domain_servers(dns, "laoairlines.la") == []
    ipv4 = {"services": [[["45.0.0.0/8"], ["https://apnic.example/"]], [["45.76.0.0/16"], ["https://x.example/"]]]}
    assert ip_servers(ipv4, "45.76.12.34") == ["https://x.example/"]
    assert ip_servers(ipv4, "45.1.2.3") == ["https://apnic.example/"]


def test_rdap_domain_thin_registry_and_registrar():
    registry = parse_domain(_rdap("verisign-laoairlines-bookings.com.json"), "laoairlines-bookings.com")
    assert (registry.registrar, registry.registrar_iana_id) == ("NameCheap, Inc.", "1068")
    assert registry.abuse_email == "abuse@namecheap.com" and registry.abuse_phone == "+1.6613102107"
    assert registry.registered == "2026-11-21T08:14:02Z"
    assert related_url(_rdap("verisign-laoairlines-bookings.com.json")) == \
        "https://rdap.example/registrar-rdap/domain/LAOAIRLINES-BOOKINGS.COM"
    # the registrar's own record: its registrant's privacy proxy is not the abuse desk
    registrar = parse_domain(_rdap("registrar-laoairlines-bookings.com.json"), "laoairlines-bookings.com")
    assert registrar.abuse_email == "abuse@namecheap.com"


def test_only_plain_mailboxes_become_recipients():
    entity = {"roles": ["abuse"], "vcardArray": ["vcard", [
        ["email", {}, "text", "abuse@registrar.example, evil@attacker.example"],
        ["email", {}, "text", "x>, \"q\" <evil@attacker.example>"],
        ["email", {}, "text", "abuse@例え.jp"],
        ["email", {}, "text", "abuse@registrar.example\r\nBcc: evil@attacker.example"],
        ["email", {}, "text", "mailto:abuse@registrar.example"]]]}
    response = {"objectClassName": "domain", "entities": [{"roles": ["registrar"], "entities": [entity]}]}
    assert parse_domain(response, "x.example").abuse_email == "abuse@registrar.example"
    assert parse_domain({"objectClassName": "domain", "entities": [{"roles": ["registrar"], "entities": [
        {**entity, "vcardArray": ["vcard", entity["vcardArray"][1][:4]]}]}]}, "x.example").abuse_email is None


def test_rdap_ip_network_abuse_contact():
    network = parse_network(_rdap("apnic-45.76.0.0.json"), "45.76.12.34")
    assert (network.name, network.holder, network.cidr, network.country) == \
        ("VULTR-AP", "Vultr Holdings, LLC", "45.76.0.0/16", "SG")
    assert network.abuse_email == "abuse@vultr.com"


def test_whois_fallback_parsing():
    text = (FIXTURES / "whois" / "whois.nic.la-laopatthana-news.la.txt").read_text("utf-8")
    answer = parse_whois(text, "laopatthana-news.la", "whois.nic.la")
    assert (answer.registrar, answer.abuse_email, answer.registered, answer.source) == \
        ("LANIC Registrar", "abuse@nic.la", "2026-11-22T02:11:08Z", "whois")
    with pytest.raises(WhoisNotFound):
        parse_whois('No match for "NOSUCH.LA".\r\n', "nosuch.la", "whois.nic.la")


# ---------------------------------------------------------------- end to end


def _attachments(message):
    return [part.get_content() for part in message.iter_attachments()
            if part.get_content_type() == "message/rfc822"]


def _ascii_headers(raw: bytes) -> bool:
    head = raw.split(b"\r\n\r\n", 1)[0] if b"\r\n\r\n" in raw else raw.split(b"\n\n", 1)[0]
    return all(byte < 128 for byte in head)


def test_drafts_are_addressed_with_evidence_and_delivered_to_owners_only(takedown_env, smtp_sink):
    from monitor import pipeline
    from monitor.settings import Settings
    from monitor.store.db import make_engine, session_factory
    from monitor.store.models import Alert, RegistrationLookup, Takedown

    ids = seed_findings(takedown_env["url"])
    settings = Settings.from_env()
    drafted = pipeline.draft_takedowns(settings, {})
    assert drafted.failed == () and len(drafted.drafted) == len(FINDINGS)
    run = pipeline.RunInfo("manual__test", "manual", None, None)
    report = pipeline.alert(settings, {}, run, smtp_url=smtp_sink.url)
    assert report.failed == () and report.dead == ()

    # Nothing went to a platform, registrar or host: every recipient is an owner.
    owners = {"lao-airlines@example.org", "laopost@example.org", "lao-telecom@example.org", "laopatthana@example.org"}
    assert {rcpt for m in smtp_sink.messages for rcpt in m["to"]} == owners
    assert all(m["data"].isascii() for m in smtp_sink.messages)  # 7-bit on the wire, Lao included

    emails = [parse_message(m["data"]) for m in smtp_sink.messages]
    drafts_mails = [e for e in emails if "takedown draft" in e["Subject"]]
    digests = [e for e in emails if "takedown draft" not in e["Subject"]]
    assert len(drafts_mails) == 4 and len(digests) == 4
    drafts = {}
    for mail in drafts_mails:
        for draft in _attachments(mail):
            drafts[int(draft["X-Monitor-Finding"])] = draft
    assert set(drafts) == set(ids.values())

    # the digest names the drafts email and each finding's draft
    airlines_digest = next(e for e in digests if "Lao Airlines" in e["Subject"])
    airlines_drafts = next(e for e in drafts_mails if "Lao Airlines" in e["Subject"])
    digest_text = airlines_digest.get_body(("plain",)).get_content()
    # #13: at 360 px nothing scrolls sideways (long URLs and hashes wrap); the form is a link
    drafts_html = airlines_drafts.get_body(("html",)).get_content()
    assert "overflow-wrap:anywhere" in drafts_html and 'name="viewport"' in drafts_html
    assert '<a href="https://www.facebook.com/help/contact/295309487309948">' in drafts_html
    assert airlines_drafts["Subject"] in digest_text.replace("\n", " ") or \
        "[impersonation-monitor] Lao Airlines: 2 takedown drafts to review" in digest_text
    with session_factory(make_engine(takedown_env["url"]))() as session:
        takedowns = {t.finding_id: t for t in session.scalars(select(Takedown))}
        for finding_id in (ids["facebook:laoairlines.promo2026"], ids["domain:laoairlines-bookings.com"]):
            assert f"Takedown:   draft T{takedowns[finding_id].id}," in digest_text
        assert all(t.delivered_alert_id is not None and t.status == "drafted" for t in takedowns.values())
        lookups = {r.key: r for r in session.scalars(select(RegistrationLookup))}
        stored_hashes = {t.finding_id: t.html_sha256 for t in takedowns.values()}
        html = {t.finding_id: t.html for t in takedowns.values()}

    # facebook: Meta's impersonation form; no email address to write to
    def plain(message) -> str:
        return message.get_body(("plain",)).get_content().replace("\r\n", "\n")

    facebook = drafts[ids["facebook:laoairlines.promo2026"]]
    assert facebook["To"] is None
    assert facebook["X-Takedown-Form"] == "https://www.facebook.com/help/contact/295309487309948"
    assert facebook["From"].addresses[0].addr_spec == "lao-airlines@example.org"
    assert facebook["Reply-To"].addresses[0].addr_spec == "lao-airlines@example.org"
    assert facebook["Subject"] == "Impersonation of Lao Airlines: hxxps://www[.]facebook[.]com/laoairlines.promo2026"
    text = plain(facebook)
    # the form's fields, with suggested answers (the real URLs: Meta's form refuses defanged ones)
    assert "  - the brand's official Facebook page: https://www.facebook.com/laoairlines\n" in text
    assert "  - the impersonating page or profile: https://www.facebook.com/laoairlines.promo2026\n" in text
    assert "  - your relation to the brand (owner or authorised representative): Lao Airlines brand protection " \
           "(placeholder): the owner or authorised representative of Lao Airlines\n" in text
    assert "  - your contact email: lao-airlines@example.org\n" in text and "facebook: laoairlines" in text
    assert "Page title: ການບິນລາວ ໂປຣໂມຊັ່ນ | Facebook" in text  # Lao survives, in the evidence
    assert "ຮຽນ ທີມງານຮັບແຈ້ງການລະເມີດ ຂອງ Meta (Facebook)" in text  # and in the Lao part

    # a lookalike domain: To the registrar's abuse desk (thin registry -> registrar), Cc the host's
    domain = drafts[ids["domain:laoairlines-bookings.com"]]
    assert [a.addr_spec for a in domain["To"].addresses] == ["abuse@namecheap.com"]
    assert [a.addr_spec for a in domain["Cc"].addresses] == ["abuse@vultr.com"]
    text = domain.get_body(("plain",)).get_content()
    assert "Registrar: NameCheap, Inc." in text and "Domain registered: 2026-11-21T08:14:02Z" in text
    assert "Resolved IP address: 45.76.12.34" in text and "HTTP status: 200" in text
    assert "hxxps://laoairlines-bookings[.]com/" in text
    assert "the page asks for a payment card number" in text
    html_body = domain.get_body(("html",)).get_content()
    assert "<form" not in html_body  # the impersonator's page is attached, never inlined

    # the evidence hash is the attached HTML's, and the stored one's
    for finding_id, draft in drafts.items():
        files = [p for p in draft.iter_attachments() if p.get_content_type() == "application/octet-stream"]
        assert len(files) == 1, finding_id
        attached = files[0].get_content()
        digest = hashlib.sha256(attached).hexdigest()
        assert digest == stored_hashes[finding_id] and attached == html[finding_id]
        assert digest in draft.get_body(("plain",)).get_content()
        assert files[0].get_filename() == f"saved-page-{digest[:12]}.html"

    # a page on a shared hosting service: the service's own channel (Cloudflare's form)
    pages_dev = drafts[ids["domain:laopost-parcel.pages.dev"]]
    assert pages_dev["X-Takedown-Form"] == "https://abuse.cloudflare.com/phishing" and pages_dev["To"] is None
    pages_text = plain(pages_dev)
    assert "  - the URL: hxxps://laopost-parcel[.]pages[.]dev/\n" in pages_text  # a phishing page: defanged
    assert "  - the brand being impersonated: https://laopost.com/\n" in pages_text

    # .la has no RDAP: WHOIS (whois.nic.la, here a local server) gives the registrar; the host's
    # RDAP has no record of the address, and the draft says so
    la = drafts[ids["domain:laopatthana-news.la"]]
    assert [a.addr_spec for a in la["To"].addresses] == ["abuse@nic.la"]
    assert takedown_env["whois"].queries == ["laopatthana-news.la"]
    la_text = la.get_body(("plain",)).get_content()
    assert "We could not find out which hosting provider operates the address 103.1.2.3" in la_text

    # the registry is down: the draft is still made, addressed to the host, with the gap stated
    xyz = drafts[ids["url:laopost-tracking.xyz/track"]]
    assert [a.addr_spec for a in xyz["To"].addresses] == ["abuse@vultr.com"] and xyz["Cc"] is None
    xyz_text = xyz.get_body(("plain",)).get_content()
    assert "We could not find out which registrar laopost-tracking[.]xyz is registered with" in xyz_text
    assert "HTTP 500" not in xyz_text  # the raw error stays in the lookup cache

    # headers are 7-bit (RFC 2047 where needed); the drafts parse back with the email package
    for mail in smtp_sink.messages:
        assert _ascii_headers(mail["data"])
    for draft in drafts.values():
        assert _ascii_headers(draft.as_bytes()) and draft["X-Unsent"] == "1"

    # lookups are cached with their time; failures too, with the error
    assert lookups["domain:laoairlines-bookings.com"].status == "ok"
    assert lookups["domain:laoairlines-bookings.com"].data["abuse_email"] == "abuse@namecheap.com"
    assert lookups["domain:laopost-tracking.xyz"].status == "failed"
    assert "HTTP 500" in lookups["domain:laopost-tracking.xyz"].error
    assert lookups["domain:laopatthana-news.la"].source == "whois whois.nic.la"
    assert lookups["bootstrap:dns"].status == "ok" and lookups["ip:45.76.12.34"].status == "ok"
    assert all(r.looked_up_at is not None for r in lookups.values())

    # a second run drafts nothing new and sends nothing
    sent = len(smtp_sink.messages)
    assert pipeline.draft_takedowns(settings, {}).drafted == ()
    pipeline.alert(settings, {}, run, smtp_url=smtp_sink.url)
    assert len(smtp_sink.messages) == sent
    with session_factory(make_engine(takedown_env["url"]))() as session:
        assert session.query(Alert).count() == 8


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_lookups_are_served_from_the_cache(takedown_env):
    from monitor.settings import Settings
    from monitor.store.db import make_engine, session_factory
    from monitor.takedown.channels import load_abuse_channels
    from monitor.takedown.contacts import ContactFinder

    settings = Settings.from_env()
    factory = session_factory(make_engine(takedown_env["url"]))
    finder = ContactFinder(settings, factory, load_abuse_channels(CHANNELS))
    first = finder.registration("www.laotel-gift.top")
    assert first.value.abuse_email == "abuse@35.cn" and not first.cached
    asked = len(takedown_env["web"].seen)
    again = ContactFinder(settings, factory, load_abuse_channels(CHANNELS)).registration("laotel-gift.top")
    assert again.cached and again.value == first.value and len(takedown_env["web"].seen) == asked
    # a stale answer is asked again
    later = ContactFinder(settings, factory, load_abuse_channels(CHANNELS),
                          now=lambda: dt.datetime.now(dt.UTC) + dt.timedelta(days=8))
    assert not later.registration("laotel-gift.top").cached


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_cli_lists_shows_and_marks_takedowns(takedown_env, tmp_path, capsys):
    from monitor import pipeline
    from monitor.cli import main
    from monitor.settings import Settings

    ids = seed_findings(takedown_env["url"], FINDINGS[:1])
    drafted = pipeline.draft_takedowns(Settings.from_env(), {}).drafted
    assert main(["takedown", "list"]) == 0
    assert "www.facebook.com/laoairlines.promo2026" in capsys.readouterr().out
    eml = tmp_path / "draft.eml"
    assert main(["takedown", "show", str(drafted[0]), "--eml", str(eml)]) == 0
    assert parse_message(eml.read_bytes())["X-Monitor-Finding"] == str(ids["facebook:laoairlines.promo2026"])
    assert main(["takedown", "mark", str(drafted[0]), "sent", "--note", "form submitted"]) == 0
    assert "marked sent" in capsys.readouterr().out
    assert main(["takedown", "mark", str(drafted[0]), "resolved"]) == 0
    capsys.readouterr()
    assert main(["takedown", "mark", str(drafted[0]), "sent"]) == 2  # no reopening by accident
    assert "is resolved" in capsys.readouterr().err
    assert main(["takedown", "mark", str(drafted[0]), "sideways"]) == 2
    assert "unknown mark 'sideways' (use sent or resolved)" in capsys.readouterr().err
    assert main(["takedown", "mark", "999", "sent"]) == 2
    capsys.readouterr()
    assert main(["takedown", "channels"]) == 0
    out = capsys.readouterr().out
    assert "6 platforms, 8 hosting services, 1 WHOIS servers" in out and "abuse@telegram.org" in out
    bad = tmp_path / "channels.yaml"
    bad.write_text("platforms:\n  telegram:\n    name: Telegram\n    email: abuse at telegram\n"
                   "    source: https://telegram.org/faq\n    checked: 2026-11-29\n", "utf-8")
    assert main(["takedown", "channels", "--file", str(bad)]) == 2
    assert capsys.readouterr().err.strip() == (f"monitor: {bad}:4: field 'platforms.telegram.email': 'abuse at telegram' "
                                               "is not an email address (ASCII, name@domain)")


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_bare_address_goes_to_its_network_and_malformed_rdap_is_a_gap(takedown_env):
    from monitor import pipeline
    from monitor.settings import Settings
    from monitor.store.db import make_engine, session_factory
    from monitor.store.models import Takedown
    from monitor.takedown.channels import load_abuse_channels
    from monitor.takedown.contacts import ContactFinder

    port = takedown_env["web"].port
    seed_findings(takedown_env["url"], [("laopost", f"url:127.0.0.1:{port}/login", "page", None,
                                         f"http://127.0.0.1:{port}/login", {"kind": "page"})])
    settings = Settings.from_env()
    assert len(pipeline.draft_takedowns(settings, {}).drafted) == 1
    factory = session_factory(make_engine(takedown_env["url"]))
    with factory() as session:
        takedown = session.scalars(select(Takedown)).one()
        draft = parse_message(takedown.message.encode())
    assert [a.addr_spec for a in draft["To"].addresses] == ["abuse@vultr.com"]
    assert "registrar" not in " ".join(takedown.gaps)  # an address has no registrar to ask
    broken = ContactFinder(settings, factory, load_abuse_channels(CHANNELS)).registration("broken.xyz")
    assert broken.value is None and "broken.xyz: the answer is malformed (TypeError" in broken.error


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_one_owners_email_carries_drafts_up_to_its_size_budget(takedown_env):
    from monitor import pipeline
    from monitor.notify.options import DigestOptions
    from monitor.notify.outbox import queue_digests
    from monitor.registry import load_registry
    from monitor.settings import Settings
    from monitor.store.db import make_engine, session_factory

    seed_findings(takedown_env["url"], FINDINGS[:2])  # two Lao Airlines findings
    settings = Settings.from_env()
    assert len(pipeline.draft_takedowns(settings, {}).drafted) == 2
    factory = session_factory(make_engine(takedown_env["url"]))
    brand = load_registry(BRANDS_FILE).brand("lao-airlines")
    options = DigestOptions(mail_from="m@example.org", now=NOW, min_score=45, max_bytes=1)
    first = queue_digests(factory, [brand], options)
    second = queue_digests(factory, [brand], dataclasses.replace(options, now=NOW + dt.timedelta(hours=1)))
    third = queue_digests(factory, [brand], dataclasses.replace(options, now=NOW + dt.timedelta(hours=2)))
    assert [q.drafts for q in first] == [1] and first[0].findings == 2  # the digest, and one draft
    assert [q.drafts for q in second] == [1] and second[0].alert_id is None  # the other, next run
    assert third == []
