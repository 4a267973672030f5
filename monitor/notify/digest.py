"""Alert digests: one email per brand per run, rendered from findings, in English and Lao.
Pure: no DB, no SMTP.

Scraped text (titles, names, reasons quoting them) only ever goes into the body, cleaned by
notify.message.body_text (one line, bidi controls shown, links defanged) and autoescaped in
the HTML; headers are built from the registry and counts.

A digest stays within a byte budget (MONITOR_MAX_EMAIL_BYTES: mail servers refuse larger
messages and the alert would be dead-lettered): past it, the body lists the top findings and
the whole list is attached as a CSV; if even that is too large, the findings are split into
numbered parts, each an email of its own (fit_digest).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from typing import Any

from monitor.clock import display_time
from monitor.detection.domains import defang
from monitor.detection.models import IMPERSONATION
from monitor.notify.message import ActionLink, action_views, body_text, header_text, owner_message, render_pair
from monitor.registry import Brand

# What produced a digest, by DAG id: (English, Lao) titles, so that two digests of one day
# are told apart.
PRODUCERS = {
    "brand_monitor": ("new findings from the hourly search", "ສິ່ງທີ່ພົບເຫັນໃໝ່ ຈາກການຄົ້ນຫາທຸກຊົ່ວໂມງ"),
    "lookalike_domains": ("new look-alike domains from the daily check",
                          "ໂດເມນທີ່ຄ້າຍຄືກັນໃໝ່ ຈາກການກວດກາປະຈຳວັນ"),
}
DEFAULT_TITLE = ("new findings", "ສິ່ງທີ່ພົບເຫັນໃໝ່")
SUMMARY_SIZES = (50, 20, 5)  # findings listed in the body when the whole list is attached
CSV_COLUMNS = ("finding_id", "verdict", "score", "kind", "platform", "label", "url_defanged", "first_seen_utc",
               "imitates", "reasons", "takedown_id")
# A spreadsheet runs a cell that starts with one of these as a formula (CSV injection).
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True)
class DigestItem:
    finding_id: int
    label: str
    kind: str
    platform: str | None
    url: str | None
    score: int
    verdict: str
    reasons: tuple[str, ...]
    first_seen: dt.datetime
    imitates: tuple[str, ...] = field(default_factory=tuple)
    takedown_id: int | None = None  # its takedown draft, attached to this run's drafts email
    actions: tuple[ActionLink, ...] = ()  # the owner's one-click links
    reasons_lo: tuple[str, ...] = ()  # one for one with reasons; the English one where a Lao one is missing
    thumbnail: bytes | None = None  # a small PNG of the page's screenshot, an inline related part
    # Its campaign in a line, English and Lao ("part of campaign C7: 6 pages, 3 brands, same phone ..."):
    # the owner learns that one ring made it and others.
    campaign: tuple[str, str] | None = None

    @property
    def reasons_in_lao(self) -> tuple[str, ...]:
        lao = self.reasons_lo
        return tuple(lao[i] if i < len(lao) and lao[i].strip() else r for i, r in enumerate(self.reasons))

    @property
    def thumbnail_cid(self) -> str:
        return f"thumb-F{self.finding_id}@impersonation-monitor"


@dataclass(frozen=True)
class DigestPart:
    """Which slice of the findings one email shows: `shown` of them in the body (None: all)
    with the rest in the attached CSV, and its number when the digest is split."""

    shown: int | None = None
    number: int | None = None
    of: int | None = None


def digest_dedup_key(brand_id: str, ids: list[int], queued_at: dt.datetime, kind: str = "digest") -> str:
    """The outbox key of one email: its kind, brand, the rows it carries and when it was queued."""
    joined = ",".join(str(i) for i in sorted(ids))
    digest = hashlib.sha256(f"{joined}@{queued_at.isoformat()}".encode()).hexdigest()[:32]
    return f"{kind}:{brand_id}:{digest}"


def ranked(items: list[DigestItem]) -> list[DigestItem]:
    """Impersonations first, then by score, then by finding id (stable across runs)."""
    return sorted(items, key=lambda i: (i.verdict != IMPERSONATION, -i.score, i.finding_id))


def titles(produced_by: str | None) -> tuple[str, str]:
    if produced_by is None:
        return DEFAULT_TITLE
    return PRODUCERS.get(produced_by, (f"new findings from {produced_by}", f"ສິ່ງທີ່ພົບເຫັນໃໝ່ ຈາກ {produced_by}"))


def csv_name(brand: Brand, part: DigestPart) -> str:
    suffix = f"-part{part.number}" if part.number else ""
    return f"findings-{brand.id}{suffix}.csv"


def _cell(value: object) -> str:
    text = body_text("" if value is None else str(value))
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def findings_csv(items: list[DigestItem]) -> bytes:
    """Every finding, one row each, safe to open in a spreadsheet: one line per cell, links
    defanged, a cell that would start a formula prefixed with '. UTF-8 with a BOM, so that
    spreadsheets read Lao as Lao."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for i in ranked(items):
        writer.writerow([_cell(v) for v in (
            f"F{i.finding_id}", i.verdict, i.score, i.kind, i.platform, i.label, defang(i.url) if i.url else "",
            i.first_seen.astimezone(dt.UTC).isoformat(timespec="seconds"), "; ".join(i.imitates),
            "; ".join(i.reasons), f"T{i.takedown_id}" if i.takedown_id else "")])
    return out.getvalue().encode("utf-8-sig")


def _context(brand: Brand, items: list[DigestItem], window: str | None, run_id: str | None,
             drafts_subject: str | None, produced_by: str | None, part: DigestPart) -> dict[str, Any]:
    def view(item: DigestItem) -> dict[str, Any]:
        return {
            "finding_id": item.finding_id,
            "ref": f"F{item.finding_id}",
            "takedown_ref": f"T{item.takedown_id}" if item.takedown_id else None,
            "reasons_lo": item.reasons_in_lao,
            "thumbnail_cid": item.thumbnail_cid if item.thumbnail else None,
            "label": item.label,
            "kind": item.kind,
            "platform": item.platform,
            "url_defanged": defang(item.url) if item.url else None,
            "score": item.score,
            "reasons": item.reasons,
            "first_seen": display_time(item.first_seen),
            "imitates": item.imitates,
            "takedown_id": item.takedown_id,
            "actions": action_views(item.actions),
            "campaign": item.campaign,
        }

    ordered = ranked(items)
    listed = ordered if part.shown is None else ordered[:part.shown]
    counts = {"impersonation": sum(1 for i in items if i.verdict == IMPERSONATION)}
    counts["suspicious"] = len(items) - counts["impersonation"]
    english, lao = titles(produced_by)
    number = f" (part {part.number} of {part.of})" if part.number else ""
    return {
        "brand": {"name": brand.name, "id": brand.id},
        "title": f"{brand.name}: {english}{number}",
        "title_lo": f"{brand.name}: {lao}" + (f" (ສ່ວນທີ {part.number} / {part.of})" if part.number else ""),
        "counts": counts,
        "total": len(items),
        "shown": len(listed),
        "attachment": csv_name(brand, part) if part.shown is not None else None,
        "part": {"number": part.number, "of": part.of} if part.number else None,
        "sections": [
            {"title": "Likely impersonations", "title_lo": "ອາດຈະເປັນການປອມແປງ",
             "entries": [view(i) for i in listed if i.verdict == IMPERSONATION]},
            {"title": "To review: suspicious", "title_lo": "ຄວນກວດສອບ: ໜ້າສົງໄສ",
             "entries": [view(i) for i in listed if i.verdict != IMPERSONATION]},
        ],
        "window": window,
        "run_id": run_id,
        "produced_by": produced_by,
        "drafts_subject": drafts_subject,
        "links": any(i.actions for i in listed),
    }


def digest_subject(brand: Brand, items: list[DigestItem], produced_by: str | None = None,
                   part: DigestPart | None = None) -> str:
    impersonations = sum(1 for i in items if i.verdict == IMPERSONATION)
    suspicious = len(items) - impersonations
    parts = []
    if impersonations:
        parts.append(f"{impersonations} impersonation{'s' if impersonations != 1 else ''}")
    if suspicious:
        parts.append(f"{suspicious} suspicious")
    source = f", {titles(produced_by)[0].removeprefix('new ')}" if produced_by else ""
    number = f" (part {part.number} of {part.of})" if part and part.number else ""
    return header_text(f"[impersonation-monitor] {brand.name}{source}: {', '.join(parts) or 'no new findings'}"
                       f"{number}")


def build_digest(brand: Brand, items: list[DigestItem], *, mail_from: str, dedup_key: str,
                 now: dt.datetime, window: str | None = None, run_id: str | None = None,
                 recipients: tuple[str, ...] = (), drafts_subject: str | None = None,
                 produced_by: str | None = None, part: DigestPart | None = None) -> EmailMessage:
    """recipients, when given, replace the brand's owners (MONITOR_ALERT_RECIPIENTS_OVERRIDE);
    drafts_subject names the email of this run that carries the takedown drafts; produced_by
    is the DAG (brand_monitor, lookalike_domains) whose run found them; part says how much
    the body lists (the rest attached as CSV) and which part of a split digest this is."""
    part = part or DigestPart()
    context = _context(brand, items, window, run_id, drafts_subject, produced_by, part)
    text, html = render_pair("digest", context)
    message = owner_message(brand, subject=digest_subject(brand, items, produced_by, part), text=text, html=html,
                            mail_from=mail_from, dedup_key=dedup_key, now=now, recipients=recipients)
    _relate_thumbnails(message, [i for i in items if i.thumbnail and i.thumbnail_cid in html])
    if part.shown is not None:
        message.add_attachment(findings_csv(items), maintype="text", subtype="csv", filename=csv_name(brand, part))
    return message


def _relate_thumbnails(message: EmailMessage, items: list[DigestItem]) -> None:
    """The thumbnails the HTML shows (cid: links) as parts related to it: the HTML part becomes
    multipart/related (html, png, png, ...), inside the multipart/alternative."""
    if not items:
        return
    html_part = next(p for p in message.walk() if p.get_content_type() == "text/html")
    for item in items:
        html_part.add_related(item.thumbnail, maintype="image", subtype="png", cid=f"<{item.thumbnail_cid}>",
                              filename=f"{item.thumbnail_cid.split('@')[0]}.png", disposition="inline")


def message_size(message: EmailMessage) -> int:
    return len(message.as_bytes())


def fit_digest(items: list[DigestItem], render: Callable[[list[DigestItem], DigestPart], EmailMessage],
               max_bytes: int) -> list[tuple[list[DigestItem], EmailMessage]]:
    """The emails of one digest, each within max_bytes: the whole digest; else the top
    findings in the body and all of them attached as CSV; else numbered parts (ranked
    order: part 1 holds the top findings), each summarised the same way. A single finding
    too large for the budget is still sent alone: the server then decides."""
    whole = render(items, DigestPart())
    if message_size(whole) <= max_bytes:
        return [(items, whole)]
    summary = whole
    for shown in SUMMARY_SIZES:
        summary = render(items, DigestPart(shown=shown))
        if message_size(summary) <= max_bytes:
            return [(items, summary)]
    ordered = ranked(items)
    # as many parts as the smallest summary is over budget, plus a margin; more if needed
    count = max(2, math.ceil(message_size(summary) * 1.2 / max_bytes))
    while True:
        size = -(-len(ordered) // count)
        chunks = [ordered[i:i + size] for i in range(0, len(ordered), size)]
        emails = [render(chunk, DigestPart(shown=min(SUMMARY_SIZES[-1], len(chunk)), number=n, of=len(chunks)))
                  for n, chunk in enumerate(chunks, 1)]
        if all(message_size(e) <= max_bytes for e in emails) or size == 1:
            return list(zip(chunks, emails, strict=True))
        count = math.ceil(count * 1.5)
