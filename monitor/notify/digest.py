"""Alert digests: one email per brand per run, rendered from findings. Pure: no DB, no SMTP.

Scraped text (titles, names, reasons quoting them) only ever goes into the body, where the
HTML is autoescaped and URLs are defanged; headers are built from the registry and counts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from email.message import EmailMessage

from monitor.clock import display_time
from monitor.detection.domains import defang
from monitor.detection.models import IMPERSONATION
from monitor.notify.message import header_text, owner_message, render_pair
from monitor.registry import Brand


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


def digest_dedup_key(brand_id: str, ids: list[int], queued_at: dt.datetime, kind: str = "digest") -> str:
    """The outbox key of one email: its kind, brand, the rows it carries and when it was queued."""
    joined = ",".join(str(i) for i in sorted(ids))
    digest = hashlib.sha256(f"{joined}@{queued_at.isoformat()}".encode()).hexdigest()[:32]
    return f"{kind}:{brand_id}:{digest}"


def _context(brand: Brand, items: list[DigestItem], window: str | None, run_id: str | None,
             drafts_subject: str | None = None) -> dict:
    def view(item: DigestItem) -> dict:
        return {
            "label": item.label,
            "kind": item.kind,
            "platform": item.platform,
            "url_defanged": defang(item.url) if item.url else None,
            "score": item.score,
            "reasons": item.reasons,
            "first_seen": display_time(item.first_seen),
            "imitates": item.imitates,
            "takedown_id": item.takedown_id,
        }

    ordered = sorted(items, key=lambda i: (-i.score, i.label))
    impersonations = [view(i) for i in ordered if i.verdict == IMPERSONATION]
    suspicious = [view(i) for i in ordered if i.verdict != IMPERSONATION]
    return {
        "brand": brand,
        "counts": {"impersonation": len(impersonations), "suspicious": len(suspicious)},
        "sections": [{"title": "Likely impersonations", "entries": impersonations},
                     {"title": "Suspicious: worth a look", "entries": suspicious}],
        "window": window,
        "run_id": run_id,
        "drafts_subject": drafts_subject,
    }


def digest_subject(brand: Brand, items: list[DigestItem]) -> str:
    impersonations = sum(1 for i in items if i.verdict == IMPERSONATION)
    suspicious = len(items) - impersonations
    parts = []
    if impersonations:
        parts.append(f"{impersonations} impersonation{'s' if impersonations != 1 else ''}")
    if suspicious:
        parts.append(f"{suspicious} suspicious")
    return header_text(f"[impersonation-monitor] {brand.name}: {', '.join(parts) or 'no new findings'}")


def build_digest(brand: Brand, items: list[DigestItem], *, mail_from: str, dedup_key: str,
                 now: dt.datetime, window: str | None = None, run_id: str | None = None,
                 recipients: tuple[str, ...] = (), drafts_subject: str | None = None) -> EmailMessage:
    """recipients, when given, replace the brand's owners (MONITOR_ALERT_RECIPIENTS_OVERRIDE);
    drafts_subject names the email of this run that carries the takedown drafts."""
    text, html = render_pair("digest", _context(brand, items, window, run_id, drafts_subject))
    return owner_message(brand, subject=digest_subject(brand, items), text=text, html=html, mail_from=mail_from,
                         dedup_key=dedup_key, now=now, recipients=recipients)
