"""The owners' drafts email carries the requests of the campaigns its drafts belong to: one
per recipient, listing the ring's live members together (named in the email, in English and
Lao, and attached ready to send)."""

from __future__ import annotations

import email
import functools
from email import policy

from monitor.notify.options import DigestOptions
from monitor.notify.outbox import queue_digest
from monitor.registry import load_registry
from monitor.store.models import Alert
from monitor.takedown.campaign import drafts_for_findings
from tests.campaigns.test_takedown import T0, _ring
from tests.conftest import BRANDS_FILE


def _parts(message: email.message.EmailMessage) -> tuple[str, dict[str, email.message.EmailMessage]]:
    text = next(p for p in message.walk() if p.get_content_type() == "text/plain" and not p.get_filename())
    # stored emails are attached as message/rfc822: the part holds the message itself
    attached = {p.get_filename(): p.get_payload()[0] for p in message.iter_attachments()
                if p.get_content_type() == "message/rfc822"}
    return text.get_content(), attached


def test_the_drafts_email_attaches_the_campaigns_requests(session_factory):
    registry = load_registry(BRANDS_FILE)
    with session_factory() as session:
        campaign, ids = _ring(session)
        # the ring's drafts belong to their findings' brands
        from sqlalchemy import select

        from monitor.store.models import Finding, Takedown

        for takedown in session.scalars(select(Takedown)):
            takedown.brand_id = session.get(Finding, takedown.finding_id).brand_id
            takedown.message = f"Subject: draft T{takedown.id}\r\n\r\nbody\r\n"
        session.flush()
        drafts = functools.partial(drafts_for_findings, mail_from="monitor@example.org", now=T0)
        options = DigestOptions(mail_from="monitor@example.org", now=T0, min_score=0, run_id="manual__t",
                                campaign_drafts=drafts)
        queued = queue_digest(session, registry.brand("lao-airlines"), options)
        session.flush()
        alert = session.get(Alert, queued.drafts_alert_id)
        message = email.message_from_string(alert.message, policy=policy.default)
    text, attached = _parts(message)
    # Lao Airlines' draft is of the ring's member at the registrar, with Lao Telecom's: one request lists
    # both. The ring's request to Meta lists two other brands' pages: it goes to their owners.
    requests = {name: m for name, m in attached.items() if name.startswith(f"campaign-C{campaign}-")}
    assert len(requests) == 1
    (name, request), = requests.items()
    assert request["To"] == "Example Registrar abuse <abuse@registrar.example>"
    assert request["X-Monitor-Findings"] == f"F{ids['air']} F{ids['tel']}"
    assert f"Campaign C{campaign} to Example Registrar: 2 pages (F{ids['air']}, F{ids['tel']}), {name}" in text
    assert "ແຄມເປນ" in text


def test_without_a_campaign_the_drafts_email_is_as_before(session_factory):
    from tests.campaigns.test_store import _store
    from tests.campaigns.test_takedown import REGISTRAR, _draft

    registry = load_registry(BRANDS_FILE)
    with session_factory() as session:
        lone = _store(session, "lao-airlines", "lao-air-alone.top", "nothing shared here")
        takedown = _draft(session, lone, REGISTRAR, 9)
        takedown.brand_id, takedown.message = "lao-airlines", "Subject: draft\r\n\r\nbody\r\n"
        session.flush()
        drafts = functools.partial(drafts_for_findings, mail_from="monitor@example.org", now=T0)
        options = DigestOptions(mail_from="monitor@example.org", now=T0, min_score=0, run_id="manual__t",
                                campaign_drafts=drafts)
        queued = queue_digest(session, registry.brand("lao-airlines"), options)
        message = email.message_from_string(session.get(Alert, queued.drafts_alert_id).message, policy=policy.default)
    text, attached = _parts(message)
    assert list(attached) == [f"takedown-T{takedown.id}.eml"] and "Campaign" not in text
