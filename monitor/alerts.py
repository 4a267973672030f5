"""Alert digests: one email per brand per run, rendered from findings. Pure: no DB, no SMTP.

Scraped text (titles, names, reasons quoting them) only ever goes into the body, where the
HTML is autoescaped and URLs are defanged; headers are built from the registry and counts.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass, field
from email.message import EmailMessage
from email.policy import SMTP
from email.utils import format_datetime, formataddr

from jinja2 import Environment, PackageLoader, select_autoescape

from monitor.domains import defang
from monitor.registry import Brand

_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]+")


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


def header_text(value: str) -> str:
    """A header value with no line breaks or control characters (no header injection)."""
    return _CONTROL_RE.sub(" ", value).strip()


def message_id_for(dedup_key: str, mail_from: str) -> str:
    """Stable Message-ID: a retried or re-sent alert is recognisably the same message."""
    domain = mail_from.rpartition("@")[2] or "impersonation-monitor.invalid"
    return f"<{hashlib.sha256(dedup_key.encode()).hexdigest()[:40]}@{header_text(domain)}>"


def digest_dedup_key(brand_id: str, ids: list[int], queued_at: dt.datetime, kind: str = "digest") -> str:
    """The outbox key of one email: its kind, brand, the rows it carries and when it was queued."""
    joined = ",".join(str(i) for i in sorted(ids))
    digest = hashlib.sha256(f"{joined}@{queued_at.isoformat()}".encode()).hexdigest()[:32]
    return f"{kind}:{brand_id}:{digest}"


def imitated_identities(brand: Brand, kind: str, platform: str | None) -> tuple[str, ...]:
    """The official identities a finding imitates: same-platform accounts for an account,
    the official domains for a domain or page."""
    if kind == "account":
        same = [f"{a.platform}: {a.handle or a.page_id}" for a in brand.official.accounts if a.platform == platform]
        others = [f"{a.platform}: {a.handle or a.page_id}" for a in brand.official.accounts]
        return tuple(same or others)
    return tuple(brand.official.domains)


_ENV = Environment(loader=PackageLoader("monitor", "templates"), autoescape=select_autoescape(["html", "j2"]),
                   trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
# The text part is not HTML: it must not be escaped.
_TEXT_ENV = Environment(loader=PackageLoader("monitor", "templates"), autoescape=False,
                        trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


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
            "first_seen": item.first_seen.astimezone(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "imitates": item.imitates,
            "takedown_id": item.takedown_id,
        }

    ordered = sorted(items, key=lambda i: (-i.score, i.label))
    impersonations = [view(i) for i in ordered if i.verdict == "impersonation"]
    suspicious = [view(i) for i in ordered if i.verdict != "impersonation"]
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
    impersonations = sum(1 for i in items if i.verdict == "impersonation")
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
    context = _context(brand, items, window, run_id, drafts_subject)
    message = EmailMessage(policy=SMTP)
    message["Subject"] = digest_subject(brand, items)
    message["From"] = formataddr(("impersonation-monitor", header_text(mail_from)))
    message["To"] = (", ".join(header_text(r) for r in recipients) if recipients else
                     ", ".join(formataddr((header_text(o.name), header_text(o.email))) for o in brand.owners))
    message["Date"] = format_datetime(now.astimezone(dt.timezone.utc))
    message["Message-ID"] = message_id_for(dedup_key, mail_from)
    message["X-Monitor-Brand"] = header_text(brand.id)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(_TEXT_ENV.get_template("digest.txt.j2").render(context))
    message.add_alternative(_ENV.get_template("digest.html.j2").render(context), subtype="html")
    return message
