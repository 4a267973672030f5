"""The Campaigns pages and API on the filled database (one pipeline run over the demo web, whose
ring of four pages across four brands is one campaign): list, detail with what links what, the
finding page naming its campaign, the JSON shapes, and references."""

from __future__ import annotations

import pytest

from tests.ui.test_routes import login

pytestmark = pytest.mark.airflow

RING_HOSTS = ("laoairlines-refund.top", "laopost.customs.la", "laotel-bonus10gb.xyz", "laopatthana.luckydraw")


def _ring(client):
    body = client.get("/monitor/api/campaigns").json()
    assert body["total"] == 1, body
    return body["campaigns"][0]


def test_api_lists_the_demo_ring_as_one_campaign_of_its_members_only(client, tokens):
    login(client, tokens, "viewer")
    ring = _ring(client)
    assert set(ring) >= {"id", "size", "brands", "first_seen", "last_seen", "artefacts", "findings"}
    assert ring["size"] == 4 and ring["brands"] == ["lao-airlines", "lao-telecom", "laopatthana", "laopost"]
    shared = {(a["kind"], a["value"]) for a in ring["artefacts"]}
    assert {("phone", "+8562055551234"), ("bank_account", "010120001234567001")} <= shared
    assert any(kind == "payment_qr" for kind, _ in shared)
    members = [client.get(f"/monitor/api/findings/{f}").json() for f in ring["findings"]]
    assert sorted(h for m in members for h in RING_HOSTS if h in m["url"]) == sorted(RING_HOSTS)
    assert all(m["campaign"]["id"] == ring["id"] for m in members)
    detail = client.get(f"/monitor/api/campaigns/C{ring['id']}").json()
    # one request per recipient: the two Facebook members go to Meta's form together
    meta = [r for r in detail["requests"] if r["recipient"].startswith("Meta")]
    assert len(meta) == 1 and len(meta[0]["findings"]) == 2 and "facebook.com/help" in meta[0]["where"]
    listed = sorted(f for r in detail["requests"] for f in r["findings"]) + detail["unaddressed"]
    assert sorted(listed) == sorted(ring["findings"])
    assert detail["findings"] == ring["findings"] and detail["summary"].startswith(f"part of campaign C{ring['id']}: 4 pages, 4 brands")
    # the template look-alikes are findings of their own, in no campaign
    others = client.get("/monitor/api/findings", params={"q": "weekly"}).json()["findings"]
    assert len(others) == 2
    assert all(client.get(f"/monitor/api/findings/{o['id']}").json()["campaign"] is None for o in others)


def test_pages_list_and_detail_say_what_links_what(client, tokens):
    login(client, tokens, "viewer")
    ring = _ring(client)
    listing = client.get("/monitor/campaigns")
    assert listing.status_code == 200 and f"C{ring['id']}" in listing.text and "+856 20 55 551 234" in listing.text  # as libphonenumber groups Lao mobiles
    page = client.get(f"/monitor/campaigns/C{ring['id']}")
    assert page.status_code == 200
    text = page.text
    assert "What links them" in text and "bank account" in text and "010120001234567001" in text
    assert "Takedown requests" in text and "Meta (Facebook)" in text
    for finding in ring["findings"]:
        assert f'href="../findings/F{finding}"' in text
    assert "ໄປສະນີລາວ" in text  # a Lao member's name, as stored
    finding_page = client.get(f"/monitor/findings/F{ring['findings'][0]}").text
    assert f'href="../campaigns/C{ring["id"]}"' in finding_page and "4 pages, 4 brands" in finding_page


def test_campaign_references_and_filters(client, tokens):
    login(client, tokens, "viewer")
    ring = _ring(client)
    for ref in (str(ring["id"]), f"C{ring['id']}", f"c{ring['id']}"):
        assert client.get(f"/monitor/api/campaigns/{ref}").json()["id"] == ring["id"]
    assert client.get("/monitor/api/campaigns/F1").status_code == 404
    assert client.get("/monitor/api/campaigns/999999").status_code == 404
    assert client.get("/monitor/campaigns/999999").status_code == 404
    assert client.get("/monitor/api/campaigns", params={"brand": "laopost"}).json()["total"] == 1
    assert client.get("/monitor/api/campaigns", params={"brand": "tholakhong"}).json()["total"] == 0
    response = client.get("/monitor/api/campaigns", params={"brand": "nope"})
    assert response.status_code == 400 and response.json()["detail"].startswith("brand='nope'")
    response = client.get("/monitor/api/campaigns", params={"page": "²"})
    assert response.status_code == 400 and "page=" in response.json()["detail"]


def test_anonymous_callers_get_no_campaign(client):
    login(client, {}, None)
    assert client.get("/monitor/api/campaigns").status_code == 401
    assert client.get("/monitor/campaigns").status_code in (302, 303, 307)


def test_the_digest_names_the_campaign_of_a_ring_member(filled_db):
    """The pipeline's digests (in the filled database's outbox) carry the campaign line."""
    import email
    from email import policy

    _, folder = filled_db
    lines = []
    for path in sorted((folder / "outbox").glob("*.eml")):
        message = email.message_from_bytes(path.read_bytes(), policy=policy.default)
        if "takedown draft" in str(message["Subject"]):
            continue  # the drafts emails; the digests list the findings
        text = message.get_body(preferencelist=("plain",)).get_content()
        lines += [line.strip() for line in text.splitlines() if "campaign C" in line or "ແຄມເປນ" in line]
    assert any(line.startswith("Campaign:   part of campaign C1: 4 pages, 4 brands, same phone +856 20 55 551 234")
               for line in lines), lines
    assert any("ສ່ວນໜຶ່ງຂອງແຄມເປນ C1: 4 ໜ້າ, 4 ຍີ່ຫໍ້" in line for line in lines), lines
