"""What every email of the monitor shares: safe header text, stable Message-IDs, the owners'
recipients, the template environments, and the one builder of an owners' email. Pure."""

from __future__ import annotations

import base64
import datetime as dt
import email as email_package
import hashlib
import re
from collections.abc import Callable, Sequence
from email import policy
from email.headerregistry import Address
from email.message import EmailMessage
from email.utils import format_datetime
from typing import Any

from jinja2 import BaseLoader, Environment, PackageLoader, StrictUndefined, Undefined, select_autoescape

from monitor.detection.domains import defang
from monitor.registry import Brand

# Characters that end a line somewhere: C0 and C1 controls (U+0085 NEL among them), DEL, and
# Unicode's line and paragraph separators. Python's str.splitlines() and the email package
# split on all of them, so any one left in a header raises or fakes a new header line.
_LINE_AND_CONTROL_RE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")
# Bidirectional controls (embeddings, overrides, isolates, marks): they reorder what a reader
# sees, so that 'moc.evil' can display as 'live.com'.
BIDI_CONTROLS = "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
_BIDI_RE = re.compile(f"[{BIDI_CONTROLS}]")
_SPACES_RE = re.compile(r" {2,}")
# A live link in free text (an error message, a reason quoting a page): defanged in bodies.
_URL_IN_TEXT_RE = re.compile(r"\b(?:https?|ftp)://[^\s<>\"']+", re.IGNORECASE)
# Every HTML email: the width of a phone, and long URLs, hashes and addresses broken
# anywhere rather than scrolling sideways (a wrapper div: some clients drop body styles).
VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">'
WRAP_STYLE = ("font-family:sans-serif;color:#222;max-width:820px;padding:0 8px;"
              "overflow-wrap:anywhere;word-break:break-word")
# The Lao words of the owners' one-click buttons, keyed by the English words the links come
# with (monitor.ui.links.OWNER_ACTIONS; the same Lao as the confirmation page's,
# monitor.ui.owner_text.ACTIONS_LO: a test keeps the three in step). Written by a person.
ACTION_WORDS_LO = {
    "Yes, this is fake": "ແມ່ນແລ້ວ, ອັນນີ້ແມ່ນຂອງປອມ",
    "Not a fake": "ບໍ່ແມ່ນຂອງປອມ",
    "I reported it": "ຂ້ອຍໄດ້ລາຍງານແລ້ວ",
    "It is gone": "ມັນຖືກລຶບອອກແລ້ວ",
}


ActionLink = tuple[str, str]  # (words, signed URL): one of the owner's one-click links


def action_views(actions: tuple[ActionLink, ...]) -> list[dict[str, Any]]:
    """An item's one-click links for a template: the words in English and Lao (None where no
    Lao is known), the URL live (signed, on our own server: Link keeps it from being defanged)."""
    return [{"words": words, "words_lo": ACTION_WORDS_LO.get(words), "url": Link(url)} for words, url in actions]


def header_text(value: str) -> str:
    """A header value or display name with no line breaks, control or bidi characters (no
    header injection, no reordered display), on one line."""
    one_line = _LINE_AND_CONTROL_RE.sub(" ", _BIDI_RE.sub("", value))
    return _SPACES_RE.sub(" ", one_line).strip()


class Link(str):
    """A URL in a template context that must stay live (a platform's form, the brand's own
    pages, a form answer the owner copies): body_text cleans it but does not defang it."""


def _visible_bidi(match: re.Match[str]) -> str:
    return f"[U+{ord(match.group(0)):04X}]"


def body_text(value: str) -> str:
    """Outside text as it may appear in a body: one line (no faked lines such as 'Bcc: ...'
    in the text part), bidi controls shown as [U+202E] instead of reordering what follows,
    and links defanged (hxxps://example[.]com) unless the value is a Link."""
    one_line = _LINE_AND_CONTROL_RE.sub(" ", _BIDI_RE.sub(_visible_bidi, value))
    if not isinstance(value, Link):
        one_line = _URL_IN_TEXT_RE.sub(lambda m: defang(m.group(0)), one_line)
    return _SPACES_RE.sub(" ", one_line).strip()


def clean_context(value: Any) -> Any:
    """A template context with body_text applied to every string in it (dicts, lists,
    tuples, dataclass-free plain data); other values as they are. Every template context of
    the monitor goes through it, so no template can forget."""
    if isinstance(value, str):
        return body_text(value)
    if isinstance(value, dict):
        return {key: clean_context(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [clean_context(item) for item in value]
    return value


def message_id_for(dedup_key: str, mail_from: str) -> str:
    """Stable Message-ID: a retried or re-sent alert is recognisably the same message."""
    domain = mail_from.rpartition("@")[2] or "impersonation-monitor.invalid"
    return f"<{hashlib.sha256(dedup_key.encode()).hexdigest()[:40]}@{header_text(domain)}>"


def template_environments(loader: BaseLoader, *, strict: bool = False) -> tuple[Environment, Environment]:
    """(text, HTML) Jinja environments over one loader. Only the HTML one autoescapes: the text
    part is not HTML and must not be escaped. strict: a missing variable is an error."""
    undefined = StrictUndefined if strict else Undefined

    def environment(autoescape: bool | Callable[[str | None], bool]) -> Environment:
        return Environment(loader=loader, autoescape=autoescape, undefined=undefined, trim_blocks=True,
                           lstrip_blocks=True, keep_trailing_newline=True)

    return environment(False), environment(select_autoescape(["html", "html.j2"]))


TEXT_TEMPLATES, HTML_TEMPLATES = template_environments(PackageLoader("monitor.notify", "templates"))


def render_pair(name: str, context: dict[str, Any]) -> tuple[str, str]:
    """The text and HTML parts of one of the package's emails (templates/NAME.txt.j2, .html.j2)."""
    context = {**clean_context(context), "wrap_style": WRAP_STYLE}
    return (TEXT_TEMPLATES.get_template(f"{name}.txt.j2").render(context),
            HTML_TEMPLATES.get_template(f"{name}.html.j2").render(context))


_NAME_MAX_CHARS = 120  # a display name longer than this is cut: it is only a courtesy
_ENCODED_WORD_MAX_BYTES = 45  # base64 of 45 bytes is 60 characters: an encoded word within 75


def _encoded_words(name: str) -> list[str]:
    """The display name as RFC 2047 encoded words (UTF-8, base64), cut between characters.
    Every name is encoded, ASCII included: an encoded word is an atom of [A-Za-z0-9+/=?-]
    only, so nothing in the name ('<', ',', ':', '"', '\\') is read as address syntax."""
    words, chunk = [], b""
    for char in name:
        encoded = char.encode("utf-8")
        if len(chunk) + len(encoded) > _ENCODED_WORD_MAX_BYTES:
            words.append(chunk)
            chunk = b""
        chunk += encoded
    if chunk:
        words.append(chunk)
    return [f"=?utf-8?b?{base64.b64encode(word).decode('ascii')}?=" for word in words]


def _parsed_mailboxes(name: str, value: str) -> list[str] | None:
    try:
        header = policy.default.header_factory(name, value.replace("\r\n", ""))
        return [address.addr_spec for address in header.addresses]
    except (ValueError, IndexError, AttributeError):
        return None


def address_header(name: str, recipients: list[tuple[str, str]]) -> str:
    """The folded value of an address header (To, Cc, From, Reply-To) for (display name,
    mailbox) pairs, every name encoded whole. Written here because the email package's own
    folder (Python 3.11) turns the comma after an encoded name into part of an encoded word
    and drops the quotes of a long quoted name, so that the next address is lost or the
    name's '<evil@x>' becomes the recipient. Checked by parsing it back; when the parse does
    not give exactly the mailboxes, the names are left out. ValueError: not a plain mailbox."""
    mailboxes = []
    for _display, addr in recipients:
        address = Address(addr_spec=header_text(addr))
        if not address.username or not address.domain or not address.addr_spec.isascii():
            raise ValueError(f"{addr!r} is not a mailbox (ASCII name@domain)")
        mailboxes.append(address.addr_spec)
    entries = []
    for (display, _addr), mailbox in zip(recipients, mailboxes, strict=True):
        words = _encoded_words(header_text(display)[:_NAME_MAX_CHARS])
        entries.append("\r\n ".join([*words, f"<{mailbox}>"]))
    value = ",\r\n ".join(entries)
    if _parsed_mailboxes(name, value) != mailboxes:
        value = ",\r\n ".join(mailboxes)
    return value


def set_addresses(message: EmailMessage, name: str, recipients: list[tuple[str, str]]) -> None:
    """Set an address header as address_header folded it (set_raw: the email package keeps
    lines within 78 characters as they are instead of folding them again)."""
    message.set_raw(name, address_header(name, recipients))


def owner_recipients(brand: Brand, override: tuple[str, ...]) -> list[tuple[str, str]]:
    """The To header of an owners' email: the brand's owners, or the staging override."""
    return [("", r) for r in override] if override else [(o.name, o.email) for o in brand.owners]


def owner_message(brand: Brand, *, subject: str, text: str, html: str, mail_from: str, dedup_key: str,
                  now: dt.datetime, recipients: tuple[str, ...] = (), references: str | None = None,
                  attachments: Sequence[tuple[bytes, str]] = ()) -> EmailMessage:
    """An email to a brand's owners: text and HTML parts, and stored emails attached as
    message/rfc822 (bytes, filename)."""
    message = EmailMessage(policy=policy.SMTP)
    message["Subject"] = header_text(subject)
    set_addresses(message, "From", [("impersonation-monitor", mail_from)])
    set_addresses(message, "To", owner_recipients(brand, recipients))
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
