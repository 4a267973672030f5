"""Digests against hostile scraped text and a real SMTP server's limits: one line per
scraped string in the text part, a size bound (aiosmtpd with a data size limit answers 552
past it), a CSV that a spreadsheet cannot run, and a dead-lettered digest that gives its
findings back. Plus what the digest says (#13): finding ids, producer, English and Lao."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from sqlalchemy import select

from monitor.notify.digest import DigestItem, build_digest
from monitor.notify.mailer import SmtpTransport
from monitor.notify.options import DEFAULT_MAX_BYTES, DigestOptions
from monitor.notify.outbox import queue_digests, send_pending
from monitor.store.models import Alert, Finding
from monitor.store.repo import FindingInput, upsert_findings
from tests.conftest import SmtpSink, free_port, parse_message

NOW = dt.datetime(2026, 11, 28, 12, 0, tzinfo=dt.UTC)
SIZE_LIMIT = 120_000


@pytest.fixture
def small_smtp():
    """A real SMTP server that refuses messages over SIZE_LIMIT bytes (552), as a provider's
    10 MB limit does."""
    from aiosmtpd.controller import Controller

    sink = SmtpSink(port=free_port())
    controller = Controller(sink, hostname="127.0.0.1", port=sink.port, data_size_limit=SIZE_LIMIT)
    controller.start()
    try:
        yield sink
    finally:
        controller.stop()


def _seed(session_factory, rows: list[tuple[str, str, str, int]], brand: str = "laopost") -> dict[str, int]:
    """rows: (key, label, verdict, score)."""
    with session_factory() as session:
        upsert_findings(session, [
            FindingInput(brand, key, "page", None, f"https://{key}.example/login", label, score, verdict,
                         [f"page title '{label}' names Laopost", "asks for a payment card"], {}, "searxng", None)
            for key, label, verdict, score in rows], collection_run_id=None, now=NOW)
        session.commit()
        return {f.canonical_key: f.id for f in session.scalars(select(Finding))}


def _send(session_factory, smtp, *, attempts: int = 3, now=NOW):
    return send_pending(session_factory, SmtpTransport.from_url(smtp.url), sender="m@example.org",
                        max_attempts=attempts, now=now)


def _queue(session_factory, registry, now=NOW, max_bytes: int = DEFAULT_MAX_BYTES):
    options = DigestOptions(mail_from="m@example.org", now=now, min_score=45, run_id="r1", max_bytes=max_bytes)
    return queue_digests(session_factory, [registry.brand("laopost")], options)


def _csv_rows(message) -> list[dict[str, str]]:
    files = [p for p in message.iter_attachments() if p.get_content_type() == "text/csv"]
    rows = []
    for part in files:
        rows.extend(csv.DictReader(io.StringIO(part.get_payload(decode=True).decode("utf-8-sig"))))
    return rows


def test_scraped_crlf_and_unicode_line_breaks_stay_on_one_line(session_factory, registry, smtp_sink):
    """#11 item 6 (and 5): a scraped title with CR/LF, U+2028, U+0085 or a bidi override
    cannot fake a line such as 'Bcc: ...' in the digest's text part."""
    hostile = "Laopost parcel\r\nBcc: x@evil.example\u2028To: y@evil.example\u0085\u202eevil"
    ids = _seed(session_factory, [("laopost-fee", hostile, "impersonation", 90)])
    _queue(session_factory, registry)
    assert len(_send(session_factory, smtp_sink).sent) == 1
    message = parse_message(smtp_sink.messages[0]["data"])
    text = message.get_body(("plain",)).get_content()
    lines = text.splitlines()
    assert not any(line.lstrip().startswith(("Bcc:", "To:")) for line in lines)
    assert (f"F{ids['laopost-fee']}: "
            "Laopost parcel Bcc: x@evil.example To: y@evil.example [U+202E]evil") in lines
    assert "\u202e" not in text and "\u2028" not in text
    assert "\u202e" not in message.get_body(("html",)).get_content()


def test_a_digest_too_large_for_the_server_is_summarised_with_a_csv(session_factory, registry, small_smtp):
    """#11 item 10: a digest over the server's limit was answered 552 and dead-lettered, its
    findings left 'alerted' and never delivered. It now fits: the top findings in the body,
    every finding in the attached CSV."""
    rows = [(f"laopost-fee{i:04d}", f"Laopost customs fee {i} " + "x" * 150, "impersonation" if i % 3 else
             "suspicious", 50 + i % 50) for i in range(300)]
    ids = _seed(session_factory, rows)
    queued = _queue(session_factory, registry, max_bytes=SIZE_LIMIT)
    report = _send(session_factory, small_smtp)
    assert report.failed == [] and report.dead == [] and len(report.sent) == len(queued[0].part_alert_ids)
    assert all(len(m["data"]) <= SIZE_LIMIT for m in small_smtp.messages)
    messages = [parse_message(m["data"]) for m in small_smtp.messages]
    listed = [row["finding_id"] for m in messages for row in _csv_rows(m)]
    assert sorted(int(i.removeprefix("F")) for i in listed) == sorted(ids.values())  # every finding delivered once
    first = messages[0]
    text = first.get_body(("plain",)).get_content()
    assert "highest-scoring" in text and ".csv" in text
    # the body lists impersonations before the suspicious ones, top scores first
    impersonations = text.index("Likely impersonations")
    assert impersonations < text.index("\nF") and "Score:      99/100" in text[impersonations:]
    with session_factory() as session:
        assert {f.status for f in session.scalars(select(Finding))} == {"alerted"}


def test_a_digest_too_large_even_as_a_csv_is_split_into_numbered_parts(session_factory, registry, small_smtp):
    rows = [(f"laopost-fee{i:04d}", f"Laopost customs fee {i} " + "y" * 400, "impersonation", 90)
            for i in range(350)]
    ids = _seed(session_factory, rows)
    queued = _queue(session_factory, registry, max_bytes=SIZE_LIMIT)
    parts = queued[0].part_alert_ids
    assert len(parts) > 1
    report = _send(session_factory, small_smtp)
    assert report.dead == [] and len(report.sent) == len(parts)
    messages = [parse_message(m["data"]) for m in small_smtp.messages]
    subjects = [m["Subject"] for m in messages]
    assert all(f"(part {n} of {len(parts)})" in s for n, s in enumerate(subjects, 1))
    assert sorted(int(r["finding_id"].removeprefix("F")) for m in messages for r in _csv_rows(m)) == \
        sorted(ids.values())
    with session_factory() as session:  # each finding points at the part that carried it
        assert {f.alert_id for f in session.scalars(select(Finding))} == set(parts)


def test_csv_cells_cannot_start_a_formula(session_factory, registry, small_smtp):
    labels = ['=HYPERLINK("http://evil.example","Laopost")', "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A9)",
              "\tLaopost tab"]
    rows = [(f"laopost-f{i}", label + " " + "z" * 300, "impersonation", 90) for i, label in enumerate(labels)]
    rows += [(f"laopost-pad{i:04d}", "Laopost padding " + "p" * 300, "suspicious", 60) for i in range(250)]
    _seed(session_factory, rows)
    _queue(session_factory, registry, max_bytes=SIZE_LIMIT)
    assert _send(session_factory, small_smtp).dead == []
    cells = [r["label"] for m in small_smtp.messages for r in _csv_rows(parse_message(m["data"]))]
    assert cells and not any(c.startswith(("=", "+", "-", "@", "\t")) for c in cells)
    assert any(c.startswith("'=HYPERLINK(\"hxxp://evil[.]example\"") for c in cells)
    assert any(c.startswith("'+1+cmd") for c in cells) and any(c.startswith("'@SUM") for c in cells)


def test_a_dead_lettered_digest_gives_its_findings_back(session_factory, registry, smtp_sink):
    """#11 item 10: after the last attempt, the findings are 'not yet delivered' again and
    the next run alerts them."""
    ids = _seed(session_factory, [("laopost-fee1", "Laopost fee", "impersonation", 90)])
    first = _queue(session_factory, registry)
    smtp_sink.refuse = "552 5.3.4 Message size exceeds fixed maximum message size"
    report = _send(session_factory, smtp_sink, attempts=1)
    assert [alert_id for alert_id, _ in report.dead] == [first[0].alert_id]
    assert report.returned == [(first[0].alert_id, 1)]
    with session_factory() as session:
        finding = session.get(Finding, ids["laopost-fee1"])
        # new again; it still names the dead alert so that `monitor alerts retry` can take it back
        assert (finding.status, finding.alerted_at) == ("new", None)
        assert session.get(Alert, first[0].alert_id).status == "dead"
    smtp_sink.refuse = None
    later = NOW + dt.timedelta(hours=1)
    again = _queue(session_factory, registry, now=later)
    assert again[0].findings == 1 and again[0].alert_id != first[0].alert_id
    with session_factory() as session:
        assert session.get(Finding, ids["laopost-fee1"]).alert_id == again[0].alert_id
    assert len(_send(session_factory, smtp_sink, now=later).sent) == 1
    assert "\nF" in parse_message(smtp_sink.messages[0]["data"]).get_body(("plain",)).get_content()


def _item(finding_id: int, verdict: str, score: int) -> DigestItem:
    return DigestItem(finding_id, f"laopost-{finding_id}.com", "domain", None, f"https://laopost-{finding_id}.com/",
                      score, verdict, ("adds a word to the name",), NOW, ("laopost.com",))


def test_digests_show_finding_ids_their_producer_and_lao(registry):
    """#13: every item by its finding id; titled by the run that found it; English and Lao;
    the suspicious ones in their own 'to review' section, after the impersonations."""
    brand = registry.brand("laopost")
    items = [_item(41, "suspicious", 99), _item(7, "impersonation", 80), _item(12, "impersonation", 95)]
    hourly = build_digest(brand, items, mail_from="m@example.org", dedup_key="k1", now=NOW,
                          produced_by="brand_monitor")
    daily = build_digest(brand, items, mail_from="m@example.org", dedup_key="k2", now=NOW,
                         produced_by="lookalike_domains")
    assert hourly["Subject"] == "[impersonation-monitor] Laopost, findings from the hourly search: " \
                                "2 impersonations, 1 suspicious"
    assert daily["Subject"] == "[impersonation-monitor] Laopost, look-alike domains from the daily check: " \
                               "2 impersonations, 1 suspicious"
    text = hourly.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert text.startswith("Laopost: new findings from the hourly search\n")
    assert text.index("F12:") < text.index("F7:") < text.index("To review: suspicious") \
        < text.index("F41:")
    assert "ອາດຈະເປັນການປອມແປງ" in text and "ຄວນກວດສອບ" in text  # Lao headings
    html = hourly.get_body(("html",)).get_content()
    assert "F41:" in html and 'lang="lo"' in html and "overflow-wrap:anywhere" in html


def _png(width: int, height: int) -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, format="PNG")
    return out.getvalue()


def test_a_digest_gives_each_reason_in_lao_too_and_an_inline_thumbnail(registry):
    """Issue 19 items 11 and 14: under each finding its reasons in English and in Lao (the
    English one where no Lao was given), and the screenshot's thumbnail inline, a part related
    to the HTML (cid:), not an attachment; a finding without a screenshot has no image."""
    from dataclasses import replace

    from monitor.notify.thumbnail import thumbnail

    brand = registry.brand("laopost")
    shot = thumbnail(_png(1280, 2400))
    with_lao = replace(_item(7, "impersonation", 95), reasons=("adds a word to the name", "asks for a fee"),
                       reasons_lo=("ເພີ່ມຄຳໃສ່ຊື່", ""), thumbnail=shot, takedown_id=3)
    plain = _item(8, "impersonation", 90)
    message = build_digest(brand, [with_lao, plain], mail_from="m@example.org", dedup_key="k", now=NOW)
    text = message.get_body(("plain",)).get_content()
    assert "ເພີ່ມຄຳໃສ່ຊື່" in text and "Takedown:   draft T3," in text
    html_part = message.get_body(("html",))
    html = html_part.get_content()
    assert html.count('<li>asks for a fee</li>') == 2  # no Lao for it: the English one in its place
    assert '<img src="cid:thumb-F7@impersonation-monitor"' in html and "cid:thumb-F8" not in html
    related = next(p for p in message.walk() if p.get_content_type() == "multipart/related")
    images = [p for p in related.iter_parts() if p.get_content_type() == "image/png"]
    assert [p["Content-ID"] for p in images] == ["<thumb-F7@impersonation-monitor>"]
    assert images[0].get_content() == shot and len(shot) < 20_000
    assert not any(p.get_content_disposition() == "attachment" for p in message.walk())
    import io

    from PIL import Image

    assert Image.open(io.BytesIO(shot)).size == (240, 180)


def test_a_thumbnail_is_made_only_from_a_png_within_limits():
    from monitor.notify.thumbnail import thumbnail

    assert thumbnail(b"<svg onload=alert(1)>") is None
    assert thumbnail(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40) is None  # a PNG signature, no image
    assert thumbnail(None) is None
    assert thumbnail(_png(100, 50)) is not None
