"""How victims are told to reach the operator: Telegram, WhatsApp and LINE links and IDs, and
e-mail addresses. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from monitor.campaigns.artefacts import Artefact, ArtefactKind
from monitor.campaigns.phones import parse_phone
from monitor.campaigns.text import MAX_PER_KIND, prepare

# t.me/<name> (Telegram names: 5-32 of a-z, 0-9, _; case-insensitive), t.me/+<invite> and
# t.me/joinchat/<invite> (invites are case-sensitive). telegram.me is the same site.
_TELEGRAM_RE = re.compile(
    r"(?:https?://)?(?:www\.)?(?:t|telegram)\.me/(?:(?P<invite>\+|joinchat/)(?P<code>[A-Za-z0-9_-]{10,64})"
    r"|(?P<name>[A-Za-z][A-Za-z0-9_]{3,31}))(?![A-Za-z0-9_])", re.IGNORECASE)
# "Telegram: @name", "TG @name", "ເທເລແກຣມ @name"
_TELEGRAM_AT_RE = re.compile(r"(?:telegram|tg|ເທເລແກຣມ)\s*(?:id)?\s*[:：]?\s*@([A-Za-z][A-Za-z0-9_]{3,31})\b",
                             re.IGNORECASE)
_TELEGRAM_RESERVED = frozenset({"share", "joinchat", "addstickers", "proxy", "socks", "setlanguage", "iv"})
_WHATSAPP_RE = re.compile(r"(?:https?://)?(?:wa\.me/|(?:api|web)\.whatsapp\.com/send/?\?phone=)\+?(\d{6,15})",
                          re.IGNORECASE)
# line.me/ti/p/~<id>, line.me/R/ti/p/@<id> (an official account), "LINE ID: <id>"
_LINE_RE = re.compile(r"line\.me/(?:R/)?ti/p/(?:~|@|%40)?([A-Za-z0-9._-]{3,40})", re.IGNORECASE)
_LINE_ID_RE = re.compile(r"\bline\s*(?:id)?\s*[:：]\s*@?([A-Za-z0-9._-]{3,20})\b", re.IGNORECASE)
_EMAIL_RE = re.compile(r"(?<![A-Za-z0-9._%+-])([A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*"
                       r"\.[A-Za-z]{2,24})(?![A-Za-z0-9-])")


def _bounded(kind: ArtefactKind, values: Iterable[str | None]) -> list[Artefact]:
    found: dict[str, None] = {}
    for value in values:
        if value:
            found[value] = None
            if len(found) >= MAX_PER_KIND:
                break
    return [Artefact(kind, v) for v in found]


def messengers(text: str | None) -> list[Artefact]:
    prepared = prepare(text)

    def telegram() -> Iterator[str]:
        for m in _TELEGRAM_RE.finditer(prepared):
            if m.group("code"):
                yield "+" + m.group("code")  # an invite: its code, as written
            elif m.group("name").lower() not in _TELEGRAM_RESERVED:
                yield "@" + m.group("name").lower()
        for m in _TELEGRAM_AT_RE.finditer(prepared):
            yield "@" + m.group(1).lower()

    def line() -> Iterator[str]:
        for pattern in (_LINE_RE, _LINE_ID_RE):
            for m in pattern.finditer(prepared):
                yield m.group(1).lower()

    whatsapp = _bounded(ArtefactKind.WHATSAPP, (parse_phone("+" + m.group(1)) for m in _WHATSAPP_RE.finditer(prepared)))
    # A WhatsApp number is a phone number too: the page that prints it and the page that links
    # it share the ring's phone.
    return (_bounded(ArtefactKind.TELEGRAM, telegram()) + whatsapp
            + [Artefact(ArtefactKind.PHONE, a.value) for a in whatsapp] + _bounded(ArtefactKind.LINE, line()))


def emails(text: str | None) -> list[Artefact]:
    prepared = prepare(text)
    return _bounded(ArtefactKind.EMAIL, (m.group(1).lower() for m in _EMAIL_RE.finditer(prepared)
                                         if not m.group(1).lower().endswith((".png", ".jpg", ".gif", ".webp", ".svg"))))
