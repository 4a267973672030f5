"""What every email of the monitor shares: safe header text, stable Message-IDs, the owners'
recipients, the template environments, and the one builder of an owners' email. Pure."""

from __future__ import annotations

import datetime as dt
import email as email_package
import hashlib
import re
from email import policy
from email.message import EmailMessage
from email.utils import format_datetime, formataddr

from jinja2 import BaseLoader, Environment, PackageLoader, StrictUndefined, Undefined, select_autoescape

from monitor.registry import Brand

_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]+")
_TEMPLATE_OPTIONS = {"trim_blocks": True, "lstrip_blocks": True, "keep_trailing_newline": True}


def header_text(value: str) -> str:
    """A header value with no line breaks or control characters (no header injection)."""
    return _CONTROL_RE.sub(" ", value).strip()


def message_id_for(dedup_key: str, mail_from: str) -> str:
    """Stable Message-ID: a retried or re-sent alert is recognisably the same message."""
    domain = mail_from.rpartition("@")[2] or "impersonation-monitor.invalid"
    return f"<{hashlib.sha256(dedup_key.encode()).hexdigest()[:40]}@{header_text(domain)}>"


def template_environments(loader: BaseLoader, *, strict: bool = False) -> tuple[Environment, Environment]:
    """(text, HTML) Jinja environments over one loader. Only the HTML one autoescapes: the text
    part is not HTML and must not be escaped. strict: a missing variable is an error."""
    undefined = StrictUndefined if strict else Undefined
    return (Environment(loader=loader, autoescape=False, undefined=undefined, **_TEMPLATE_OPTIONS),
            Environment(loader=loader, autoescape=select_autoescape(["html", "html.j2"]), undefined=undefined,
                        **_TEMPLATE_OPTIONS))


TEXT_TEMPLATES, HTML_TEMPLATES = template_environments(PackageLoader("monitor.notify", "templates"))


def render_pair(name: str, context: dict) -> tuple[str, str]:
    """The text and HTML parts of one of the package's emails (templates/NAME.txt.j2, .html.j2)."""
    return (TEXT_TEMPLATES.get_template(f"{name}.txt.j2").render(context),
            HTML_TEMPLATES.get_template(f"{name}.html.j2").render(context))


def owner_recipients(brand: Brand, override: tuple[str, ...]) -> str:
    """The To header of an owners' email: the brand's owners, or the staging override."""
    return (", ".join(header_text(r) for r in override) if override else
            ", ".join(formataddr((header_text(o.name), header_text(o.email))) for o in brand.owners))


def owner_message(brand: Brand, *, subject: str, text: str, html: str, mail_from: str, dedup_key: str,
                  now: dt.datetime, recipients: tuple[str, ...] = (), references: str | None = None,
                  attachments: list[tuple[bytes, str]] = ()) -> EmailMessage:
    """An email to a brand's owners: text and HTML parts, and stored emails attached as
    message/rfc822 (bytes, filename)."""
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = header_text(subject)
    message["From"] = formataddr(("impersonation-monitor", header_text(mail_from)))
    message["To"] = owner_recipients(brand, recipients)
    message["Date"] = format_datetime(now.astimezone(dt.UTC))
    message["Message-ID"] = message_id_for(dedup_key, mail_from)
    if references:
        message["References"] = references
    message["X-Monitor-Brand"] = header_text(brand.id)
    message["Auto-Submitted"] = "auto-generated"
    message.set_content(text)
    message.add_alternative(html, subtype="html")
    for raw, filename in attachments:
        message.add_attachment(email_package.message_from_bytes(raw, policy=policy.SMTP), filename=filename)
    return message
