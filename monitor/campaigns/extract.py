"""What one finding yields: every extractor over what the store holds about it (its candidate's
name, bio, title and text; the saved page's markup; its screenshot and inline images), each
artefact with where it was seen. The brand's own identities are left out here, once, so that
nothing downstream can link findings by them. Pure."""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import phonenumbers

from monitor.campaigns.accounts import bank_accounts, ibans
from monitor.campaigns.artefacts import Artefact, ArtefactKind, Found, Seen
from monitor.campaigns.contacts import emails, messengers
from monitor.campaigns.images import ImageRefused, favicon_sha256, read_image
from monitor.campaigns.markup import read_markup
from monitor.campaigns.payments import payment_artefacts
from monitor.campaigns.phones import phones
from monitor.campaigns.trackers import trackers
from monitor.campaigns.wallets import wallets

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Evidence:
    """What the store holds about one finding."""

    url: str | None = None
    name: str | None = None
    bio: str | None = None
    title: str | None = None
    text: str | None = None
    html: bytes | None = None
    screenshot: bytes | None = None
    images: tuple[bytes, ...] = field(default_factory=tuple)  # fetched page images, if any
    favicon: bytes | None = None  # the fetched favicon, when the page does not carry it inline

    @classmethod
    def from_candidate(cls, candidate: dict[str, Any], *, html: bytes | None = None, screenshot: bytes | None = None,
                       favicon: bytes | None = None, images: tuple[bytes, ...] = ()) -> Evidence:
        def text(name: str) -> str | None:
            value = candidate.get(name)
            return value if isinstance(value, str) else None

        return cls(url=text("url"), name=text("name"), bio=text("bio"), title=text("title"), text=text("text"),
                   html=html, screenshot=screenshot, favicon=favicon, images=images)


def _phone_forms(found: list[Artefact]) -> frozenset[str]:
    """The digit strings a phone number is written as (E.164 without '+', national with its 0):
    the same digits next to a bank word are the phone, not an account."""
    forms = set()
    for artefact in found:
        forms.add(artefact.value.lstrip("+"))
        try:
            number = phonenumbers.parse(artefact.value)
        except phonenumbers.NumberParseException:
            continue
        national = str(number.national_number)
        forms.update({national, "0" + national})
    return frozenset(forms)


def text_artefacts(text: str | None) -> list[Artefact]:
    """Every strong kind a text can show."""
    if not text:
        return []
    found_phones = phones(text)
    return (found_phones + bank_accounts(text, exclude=_phone_forms(found_phones)) + ibans(text) + wallets(text)
            + messengers(text) + emails(text) + trackers(text))


def qr_artefacts(payload: str) -> list[Artefact]:
    paid = payment_artefacts(payload)
    return paid if paid else text_artefacts(payload)


def image_artefacts(data: bytes, kind: ArtefactKind) -> list[Found]:
    """A picture's perceptual hash (as `kind`) and what its QR codes say."""
    try:
        reading = read_image(data)
    except ImageRefused as exc:
        log.info("image not read: %s", exc)
        return []
    seen = Seen.SCREENSHOT if kind == ArtefactKind.SCREENSHOT_PHASH else Seen.IMAGE
    out = [Found(Artefact(kind, reading.phash), seen)]
    for payload in reading.qr_payloads:
        out.extend(Found(a, Seen.QR) for a in qr_artefacts(payload))
    return out


def extract(evidence: Evidence, *, exclude: frozenset[Artefact] = frozenset()) -> list[Found]:
    """Everything the finding shows, each artefact once per place, less `exclude` (the brands'
    own identities)."""
    out: list[Found] = []
    favicon = evidence.favicon
    for seen, texts in ((Seen.TEXT, (evidence.url, evidence.title, evidence.text)),
                        (Seen.PROFILE, (evidence.name, evidence.bio))):
        joined = "\n".join(t for t in texts if t)
        out.extend(Found(a, seen) for a in text_artefacts(joined))
    if evidence.html:
        markup = read_markup(evidence.html, evidence.url)
        raw = evidence.html[: 2_000_000].decode("utf-8", "replace")
        out.extend(Found(a, Seen.HTML) for a in trackers(raw))
        if markup.structure:
            out.append(Found(markup.structure, Seen.HTML))
        favicon = markup.favicon_bytes or favicon  # inline, else the one fetched from its URL
        for image in markup.inline_images:
            out.extend(image_artefacts(image, ArtefactKind.IMAGE_PHASH))
    if favicon:
        out.append(Found(favicon_sha256(favicon), Seen.IMAGE))
        out.extend(image_artefacts(favicon, ArtefactKind.FAVICON_PHASH))
    for image in evidence.images:
        out.extend(image_artefacts(image, ArtefactKind.IMAGE_PHASH))
    if evidence.screenshot:
        out.extend(image_artefacts(evidence.screenshot, ArtefactKind.SCREENSHOT_PHASH))
    return _unique(f for f in out if f.artefact not in exclude)


def _unique(found: Iterable[Found]) -> list[Found]:
    return list(dict.fromkeys(found))
