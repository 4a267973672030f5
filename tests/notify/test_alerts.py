"""Digest rendering (pure) and the outbox against a real SMTP server."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

from monitor.notify.digest import DigestItem, build_digest, digest_dedup_key
from monitor.notify.mailer import FileTransport, SmtpTransport, smtp_url_from_connection
from monitor.notify.options import DigestOptions
from monitor.notify.outbox import queue_digests, send_pending
from monitor.store.models import Alert, Finding
from monitor.store.repo import FindingInput, upsert_findings
from tests.conftest import parse_message

NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
HOSTILE = "Lao Airlines Promo\r\nBcc: x@example.com\r\n<script>alert(1)</script>"


def _item(label: str = HOSTILE, verdict: str = "impersonation") -> DigestItem:
    return DigestItem(1, label, "page", None, "https://laoairlines-promo.top/win?x=<b>", 97, verdict,
                      (f"page title '{label}' contains the name 'Lao Airlines'",), NOW, ("laoairlines.com",))


def test_scraped_text_cannot_inject_headers_or_markup(registry):
    brand = registry.brand("lao-airlines")
    message = build_digest(brand, [_item(), _item("Other", "suspicious")], mail_from="monitor@example.org",
                           dedup_key="digest:lao-airlines:abc", now=NOW)
    parsed = parse_message(message.as_bytes())
    assert parsed["Bcc"] is None
    assert [k.lower() for k in parsed.keys()].count("bcc") == 0
    assert parsed["Subject"].strip() == "[impersonation-monitor] Lao Airlines: 1 impersonation, 1 suspicious"
    assert parsed["To"] == '"Lao Airlines brand protection (placeholder)" <lao-airlines@example.org>'
    html = parsed.get_body(("html",)).get_content()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<b>" not in html
    text = parsed.get_body(("plain",)).get_content()
    assert "hxxps://laoairlines-promo[.]top/win" in text and "https://laoairlines-promo.top" not in text
    assert text.index("Likely impersonations") < text.index("To review: suspicious")
    assert "Imitates:   laoairlines.com" in text
    # the same dedup key always gives the same Message-ID
    again = build_digest(brand, [_item()], mail_from="monitor@example.org", dedup_key="digest:lao-airlines:abc", now=NOW)
    assert again["Message-ID"] == message["Message-ID"]
    assert all(line.isascii() for line in message.as_string().split("\n\n", 1)[0].splitlines())


def test_smtp_url_from_an_airflow_connection():
    class Conn:
        host, port, login, password = "mail.example.org", 587, "user@x", "p@ss word"
        extra_dejson = {"disable_ssl": "true"}  # noqa: RUF012 - a stand-in for a Connection, never mutated

    assert smtp_url_from_connection(Conn()) == "smtp://user%40x:p%40ss%20word@mail.example.org:587?starttls=1"
    parsed = SmtpTransport.from_url(smtp_url_from_connection(Conn()))
    assert (parsed.username, parsed.password, parsed.starttls, parsed.use_ssl) == ("user@x", "p@ss word", True, False)


def _options(mail_from: str = "m@example.org", run_id: str = "r1") -> DigestOptions:
    return DigestOptions(mail_from=mail_from, now=NOW, min_score=45, run_id=run_id)


def _seed(session_factory, brand_id: str = "laopost", count: int = 2) -> None:
    with session_factory() as session:
        upsert_findings(session, [FindingInput(brand_id, f"domain:laopost-fee{i}.com", "domain", None,
                                               f"https://laopost-fee{i}.com/", f"laopost-fee{i}.com", 88,
                                               "impersonation", ["adds 'fee'"], {}, "searxng", None)
                                  for i in range(count)], collection_run_id=None, now=NOW)
        session.commit()


def test_digest_is_sent_once_with_the_right_recipients(session_factory, registry, smtp_sink):
    _seed(session_factory)
    brands = list(registry.brands)
    queued = queue_digests(session_factory, brands, _options("monitor@example.org"))
    assert [(q.brand_id, q.findings) for q in queued] == [("laopost", 2)]
    report = send_pending(session_factory, SmtpTransport.from_url(smtp_sink.url), sender="monitor@example.org",
                          max_attempts=3, now=NOW)
    assert len(report.sent) == 1 and not report.failed
    assert len(smtp_sink.messages) == 1
    received = smtp_sink.messages[0]
    assert received["to"] == ["laopost@example.org"] and received["from"] == "monitor@example.org"
    assert "laopost-fee0[.]com" in parse_message(received["data"]).get_body(("plain",)).get_content()
    # nothing new: nothing queued, nothing sent
    assert queue_digests(session_factory, brands, _options("monitor@example.org", "r2")) == []
    assert send_pending(session_factory, SmtpTransport.from_url(smtp_sink.url), sender="monitor@example.org",
                        max_attempts=3, now=NOW).sent == []
    assert len(smtp_sink.messages) == 1
    with session_factory() as session:
        assert {f.status for f in session.scalars(select(Finding))} == {"alerted"}


def test_refusing_server_keeps_alert_pending_then_dead_letters(session_factory, registry, smtp_sink):
    _seed(session_factory)
    queue_digests(session_factory, list(registry.brands), _options())
    smtp_sink.refuse = "451 4.3.0 Mailbox temporarily unavailable"
    transport = SmtpTransport.from_url(smtp_sink.url)
    first = send_pending(session_factory, transport, sender="m@example.org", max_attempts=3, now=NOW)
    assert first.sent == [] and len(first.failed) == 1 and "451" in first.failed[0][1]
    with session_factory() as session:
        alert = session.scalars(select(Alert)).one()
        assert (alert.status, alert.attempts) == ("pending", 1)
        assert "Mailbox temporarily unavailable" in alert.last_error
    # not due yet: the backoff holds it back
    assert send_pending(session_factory, transport, sender="m@example.org", max_attempts=3, now=NOW).failed == []
    later = NOW + dt.timedelta(hours=1)
    assert len(send_pending(session_factory, transport, sender="m@example.org", max_attempts=3, now=later).failed) == 1
    much_later = NOW + dt.timedelta(days=1)
    dead = send_pending(session_factory, transport, sender="m@example.org", max_attempts=3, now=much_later)
    assert len(dead.dead) == 1
    with session_factory() as session:
        alert = session.scalars(select(Alert)).one()
        assert (alert.status, alert.attempts) == ("dead", 3)
    smtp_sink.refuse = None
    assert send_pending(session_factory, transport, sender="m@example.org", max_attempts=3,
                        now=much_later + dt.timedelta(days=1)).sent == []
    assert smtp_sink.messages == []


def test_server_down_then_up_delivers_with_the_same_message_id(session_factory, registry, tmp_path, smtp_sink):
    _seed(session_factory)
    queue_digests(session_factory, list(registry.brands), _options())
    from tests.conftest import free_port

    down = SmtpTransport.from_url(f"smtp://127.0.0.1:{free_port()}")
    failed = send_pending(session_factory, down, sender="m@example.org", max_attempts=5, now=NOW)
    assert len(failed.failed) == 1 and "ConnectionRefusedError" in failed.failed[0][1]
    up = send_pending(session_factory, SmtpTransport.from_url(smtp_sink.url), sender="m@example.org",
                      max_attempts=5, now=NOW + dt.timedelta(hours=1))
    assert len(up.sent) == 1
    with session_factory() as session:
        alert = session.scalars(select(Alert)).one()
        assert parse_message(smtp_sink.messages[0]["data"])["Message-ID"] == alert.message_id
        assert alert.status == "sent" and alert.attempts == 2


def test_file_transport_writes_eml(tmp_path, session_factory, registry):
    _seed(session_factory)
    queue_digests(session_factory, list(registry.brands), _options())
    transport = FileTransport(tmp_path / "outbox")
    assert len(send_pending(session_factory, transport, sender="m@example.org", max_attempts=3, now=NOW).sent) == 1
    files = list((tmp_path / "outbox").glob("*.eml"))
    assert len(files) == 1
    assert parse_message(files[0].read_bytes())["Subject"] == "[impersonation-monitor] Laopost: 2 impersonations"


def test_dedup_key_ignores_order():
    assert digest_dedup_key("b", [3, 1, 2], NOW) == digest_dedup_key("b", [1, 2, 3], NOW)
    assert digest_dedup_key("b", [1], NOW) != digest_dedup_key("b", [1], NOW + dt.timedelta(hours=1))


def test_two_senders_at_once_send_each_alert_once(session_factory, registry, smtp_sink):
    """Two alert tasks overlapping (SQLite has no SKIP LOCKED): the claim lets one win."""
    import threading

    _seed(session_factory, "laopost", 1)
    _seed_brand = [b for b in registry.brands if b.id in ("laopost",)]
    queue_digests(session_factory, _seed_brand, _options())
    transport = SmtpTransport.from_url(smtp_sink.url)
    reports = []
    threads = [threading.Thread(target=lambda: reports.append(
        send_pending(session_factory, transport, sender="m@example.org", max_attempts=3, now=NOW))) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sum(len(r.sent) for r in reports) == 1 and len(smtp_sink.messages) == 1


def test_an_alert_that_cannot_be_encoded_is_counted_not_blocking(session_factory, registry, smtp_sink):
    _seed(session_factory, "laopost", 1)
    queue_digests(session_factory, list(registry.brands), _options())
    with session_factory() as session:
        alert = session.scalars(select(Alert)).one()
        alert.recipients = ["sécurité@example.org"]  # as if written by an older version
        session.commit()
    report = send_pending(session_factory, SmtpTransport.from_url(smtp_sink.url), sender="m@example.org",
                          max_attempts=1, now=NOW)
    assert len(report.dead) == 1 and "Unicode" in report.dead[0][1]
