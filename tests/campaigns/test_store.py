"""Campaigns in the database: findings recorded and linked as they arrive, across brands; a merge
keeps the older id and records the merge; the brand's own hotline links nothing; pages that share
only a template stay apart."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import func, select

from monitor.campaigns.artefacts import Artefact, ArtefactKind
from monitor.campaigns.own import registry_artefacts
from monitor.campaigns.store import campaign_of, get_campaign, list_campaigns, refresh
from monitor.store.models import Campaign
from monitor.store.repo import FindingInput, upsert_findings
from tests.campaigns.samples import RING_ACCOUNT

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.UTC)
TEMPLATE = ("<html><head><title>{t}</title></head><body><div class='nav'><a href='/'>Home</a><ul class='menu'>"
            "<li><a>News</a></li></ul></div><div class='main'><article class='post'><h1>{t}</h1><p>{t}</p>"
            "</article></div><footer class='foot'><p>Theme by X</p><span class='c'>c</span></footer></body></html>")


def _store(session, brand: str, key: str, text: str, now=T0) -> int:
    upsert_findings(session, [FindingInput(
        brand_id=brand, canonical_key=key, kind="page", platform=None, url=f"https://{key}/", label=key, score=90,
        verdict="impersonation", reasons=["r"], candidate={"kind": "page", "url": f"https://{key}/", "text": text},
        source="searxng", query=None)], collection_run_id=None, now=now)
    from monitor.store.models import Finding

    return session.scalars(select(Finding.id).where(Finding.canonical_key == key)).one()


def test_a_ring_across_brands_is_one_campaign_and_grows_as_findings_arrive(session_factory):
    with session_factory() as session:
        a = _store(session, "lao-airlines", "lao-air-promo.top", "Pay BCEL 010-12-00-01234567-001, call 020 5555 1234")
        b = _store(session, "laopost", "laopost-fee.xyz", "ໂອນເງິນ BCEL ໐໑໐ ໑໒ ໐໐ ໐໑໒໓໔໕໖໗ ໐໐໑")
        c = _store(session, "unitel", "unitel-gift.top", "Telegram: @unitel_gift, ໂທ 020 5555 1234")
        other = _store(session, "unitel", "unitel-free.top", "call 020 7777 8888")
        report = refresh(session, [a, b, c, other], exclude=frozenset(), now=T0)
        session.commit()
        assert len(report.created) == 1
        campaign = report.created[0]
        assert campaign_of(session, [a, b, c, other]) == {a: campaign, b: campaign, c: campaign}
        view = get_campaign(session, campaign)
        assert view.brands == ("lao-airlines", "laopost", "unitel") and view.size == 3
        shared = {(s.kind, s.value): s.findings for s in view.shared}
        assert shared[(ArtefactKind.BANK_ACCOUNT, RING_ACCOUNT)] == (a, b)
        assert shared[(ArtefactKind.PHONE, "+8562055551234")] == (a, c)
        # a new page with the ring's Telegram joins; refreshing again changes nothing
        d = _store(session, "lao-telecom", "laotel-sim.top", "t.me/unitel_gift", now=T0 + dt.timedelta(hours=1))
        report = refresh(session, [d, a], exclude=frozenset(), now=T0 + dt.timedelta(hours=1))
        assert report.joined == [d] and report.created == []
        assert refresh(session, [a, b, c, d], exclude=frozenset(), now=T0).joined == []
        total, views = list_campaigns(session)
        assert total == 1 and views[0].size == 4 and views[0].last_seen > views[0].first_seen
        assert list_campaigns(session, brand_id="laopost")[0] == 1 and list_campaigns(session, brand_id="x")[0] == 0


def test_a_finding_that_bridges_two_campaigns_merges_them_into_the_older(session_factory):
    with session_factory() as session:
        a = _store(session, "lao-airlines", "a.top", "call 020 5555 1234")
        b = _store(session, "lao-airlines", "b.top", "ໂທ 020 5555 1234")
        older = refresh(session, [a, b], exclude=frozenset(), now=T0).created[0]
        c = _store(session, "laopost", "c.top", "BCEL 0101200012345670")
        d = _store(session, "laopost", "d.top", "BCEL 0101200012345670")
        newer = refresh(session, [c, d], exclude=frozenset(), now=T0).created[0]
        bridge = _store(session, "unitel", "e.top", "020 5555 1234 or BCEL 0101200012345670")
        report = refresh(session, [bridge], exclude=frozenset(), now=T0 + dt.timedelta(days=1))
        session.commit()
        assert older < newer and report.merged == [(newer, older)]
        assert set(campaign_of(session, [a, b, c, d, bridge]).values()) == {older}
        absorbed = session.get(Campaign, newer)
        assert absorbed.merged_into_id == older and absorbed.merged_at is not None
        # the absorbed id still answers, with the campaign it went into
        assert get_campaign(session, newer).id == older and get_campaign(session, older).absorbed == (newer,)
        assert list_campaigns(session)[0] == 1


def test_the_brands_own_hotline_and_account_never_link(session_factory, registry):
    own = frozenset(registry_artefacts(registry) | {Artefact(ArtefactKind.PHONE, "+85621212345"),
                                                   Artefact(ArtefactKind.BANK_ACCOUNT, "0101200099999999")})
    with session_factory() as session:
        a = _store(session, "lao-airlines", "a.top", "Official hotline 021 212 345, BCEL 0101 2000 9999 9999")
        b = _store(session, "lao-airlines", "b.top", "hotline +856 21 212 345; BCEL 0101200099999999")
        assert refresh(session, [a, b], exclude=own, now=T0).created == []
        assert campaign_of(session, [a, b]) == {}


def test_registry_hotlines_are_excluded_by_registry_artefacts(tmp_path):
    from monitor.registry import parse_registry

    registry = parse_registry(
        "brands:\n  - id: x\n    name: X\n    official:\n      domains: [x.com]\n"
        "      hotlines: ['+856 21 212 345']\n      bank_accounts: ['0101 2000 9999 9999']\n"
        "      analytics_ids: [UA-1234567-1]\n"
        "    owners: [{name: a, email: a@b.org}]\n    verified: {confirmed: false}\n")
    assert {Artefact(ArtefactKind.PHONE, "+85621212345"), Artefact(ArtefactKind.BANK_ACCOUNT, "0101200099999999"),
            Artefact(ArtefactKind.GOOGLE_ANALYTICS, "UA-1234567")} <= registry_artefacts(registry)


@pytest.mark.parametrize("field, value, message", [
    ("hotlines", "'1555'", "is not a valid phone number"),
    ("bank_accounts", "'BCEL-12'", "is not a bank account number"),
    ("analytics_ids", "'GTM'", "is not an analytics or pixel ID"),
    ("favicon_sha256", "'abc'", "is not a SHA-256"),
])
def test_registry_identity_fields_are_validated_with_their_place(field, value, message):
    from monitor.registry import RegistryError, parse_registry

    text = (f"brands:\n  - id: x\n    name: X\n    official:\n      domains: [x.com]\n      {field}: [{value}]\n"
            "    owners: [{name: a, email: a@b.org}]\n    verified: {confirmed: false}\n")
    with pytest.raises(RegistryError, match=rf"<brands>:6: brand 'x': field 'official.{field}\[0\]': .*{message}"):
        parse_registry(text)


def test_unrelated_pages_on_one_template_stay_apart(session_factory):
    """Same theme (structure), same default favicon: one weak unit, no link."""
    import base64
    import io

    from PIL import Image

    icon = io.BytesIO()
    Image.new("RGB", (16, 16), "red").save(icon, "PNG")
    head = f"<link rel='icon' href='data:image/png;base64,{base64.b64encode(icon.getvalue()).decode()}'>"
    from monitor.store.models import ArtefactRecord, FindingArtefact, Takedown

    with session_factory() as session:
        ids = []
        for n, title in enumerate(["Noodle shop", "Football club", "Temple fair"]):
            finding_id = _store(session, "laotian-times", f"news{n}.example", title)
            html = TEMPLATE.format(t=title).replace("<head>", "<head>" + head).encode()
            session.add(Takedown(finding_id=finding_id, brand_id="laotian-times", addressing={}, gaps=[], subject="s",
                                 message_id="m", message="", html=html, captured_at=T0, drafted_at=T0))
            ids.append(finding_id)
        session.flush()
        assert refresh(session, ids, exclude=frozenset(), now=T0).created == []
        # they were seen to share the template: the structure and the favicon, on all three
        shared = session.execute(
            select(ArtefactRecord.kind, func.count(FindingArtefact.finding_id))
            .join(FindingArtefact, FindingArtefact.artefact_id == ArtefactRecord.id)
            .where(FindingArtefact.finding_id.in_(ids)).group_by(ArtefactRecord.kind)).all()
        assert {(k, n) for k, n in shared} >= {("html_structure", 3), ("favicon_sha256", 3)}


def test_a_favicon_and_images_fetched_with_the_page_are_read_from_the_store(session_factory):
    """Two pages of one ring, whose favicon and QR picture are behind URLs (saved as evidence
    images with their drafts): the payment QR code links them; the favicon is recorded too."""
    import io

    from PIL import Image

    from monitor.store.models import ArtefactRecord, EvidenceImage, FindingArtefact, Takedown
    from tests.campaigns.samples import payment_code, qr_png

    icon = io.BytesIO()
    Image.new("RGB", (16, 16), "purple").save(icon, "PNG")
    with session_factory() as session:
        ids = []
        for n in range(2):
            finding_id = _store(session, "laopost", f"parcel-fee{n}.example", "Pay the customs fee")
            takedown = Takedown(finding_id=finding_id, brand_id="laopost", addressing={}, gaps=[], subject="s",
                                message_id=f"m{n}", message="", html=b"<html><body>fee</body></html>",
                                captured_at=T0, drafted_at=T0)
            session.add(takedown)
            session.flush()
            for role, data in (("favicon", icon.getvalue()), ("image", qr_png(payment_code(amount=f"{n + 1}0000")))):
                session.add(EvidenceImage(takedown_id=takedown.id, role=role, url=f"https://x/{role}", sha256="0" * 64,
                                          data=data))
            ids.append(finding_id)
        session.flush()
        report = refresh(session, ids, exclude=frozenset(), now=T0)
        assert len(report.created) == 1 and sorted(report.joined) == sorted(ids)
        kinds = set(session.scalars(select(ArtefactRecord.kind).join(
            FindingArtefact, FindingArtefact.artefact_id == ArtefactRecord.id).where(FindingArtefact.finding_id == ids[0])))
        assert {"favicon_sha256", "favicon_phash", "payment_qr"} <= kinds
