"""The artefact record, the closed set of kinds, and what each kind is worth for linking.

Each fact about a kind is written here once: whether one shared artefact of it is enough to link
two findings (strong), or it is weak and belongs to a family whose members say the same thing."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class ArtefactKind(StrEnum):
    PHONE = "phone"  # E.164
    BANK_ACCOUNT = "bank_account"  # digits only, found near a bank's name
    IBAN = "iban"
    PAYMENT_QR = "payment_qr"  # an EMVCo payment QR's merchant fields (amount, bill and CRC left out)
    BTC_WALLET = "btc_wallet"
    ETH_WALLET = "eth_wallet"  # lower-cased, after its EIP-55 checksum was verified
    TRX_WALLET = "trx_wallet"
    TELEGRAM = "telegram"  # a t.me handle (lower-cased) or invite link
    WHATSAPP = "whatsapp"  # a wa.me number, E.164
    LINE = "line"  # a LINE ID
    EMAIL = "email"
    GOOGLE_ANALYTICS = "google_analytics"  # UA-account or G- measurement ID
    GOOGLE_TAG_MANAGER = "google_tag_manager"
    ADSENSE = "adsense"  # ca-pub-...
    META_PIXEL = "meta_pixel"
    FAVICON_SHA256 = "favicon_sha256"
    FAVICON_PHASH = "favicon_phash"
    SCREENSHOT_PHASH = "screenshot_phash"
    IMAGE_PHASH = "image_phash"  # an image on the page (not the favicon, not the screenshot)
    HTML_STRUCTURE = "html_structure"


class Family(StrEnum):
    """Weak kinds that say the same thing count once between two findings.

    TEMPLATE: the HTML structure, the favicon and the screenshot's look are all what a page
    template (a news theme, a page builder, Facebook's own layout) gives every page built on it:
    two unrelated pages on one template share all of them, so together they are one weak unit.
    IMAGE: a picture placed on the page (a banner, a fake prize photo) is chosen per page; each
    shared one is a unit of its own."""

    TEMPLATE = "template"
    IMAGE = "image"


STRONG_KINDS = frozenset({
    ArtefactKind.PHONE, ArtefactKind.BANK_ACCOUNT, ArtefactKind.IBAN, ArtefactKind.PAYMENT_QR,
    ArtefactKind.BTC_WALLET, ArtefactKind.ETH_WALLET, ArtefactKind.TRX_WALLET,
    ArtefactKind.TELEGRAM, ArtefactKind.WHATSAPP, ArtefactKind.LINE, ArtefactKind.EMAIL,
    ArtefactKind.GOOGLE_ANALYTICS, ArtefactKind.GOOGLE_TAG_MANAGER, ArtefactKind.ADSENSE, ArtefactKind.META_PIXEL,
})
WEAK_FAMILY = {
    ArtefactKind.FAVICON_SHA256: Family.TEMPLATE,
    ArtefactKind.FAVICON_PHASH: Family.TEMPLATE,
    ArtefactKind.SCREENSHOT_PHASH: Family.TEMPLATE,
    ArtefactKind.HTML_STRUCTURE: Family.TEMPLATE,
    ArtefactKind.IMAGE_PHASH: Family.IMAGE,
}
assert STRONG_KINDS.isdisjoint(WEAK_FAMILY) and STRONG_KINDS | set(WEAK_FAMILY) == set(ArtefactKind)

# Perceptual hashes (64-bit pHash, hex) compared within a Hamming distance rather than equal.
PHASH_KINDS = frozenset({ArtefactKind.FAVICON_PHASH, ArtefactKind.SCREENSHOT_PHASH, ArtefactKind.IMAGE_PHASH})

# Words a person reads in the UI, the digest and the drafts.
KIND_LABEL = {
    ArtefactKind.PHONE: "phone", ArtefactKind.BANK_ACCOUNT: "bank account", ArtefactKind.IBAN: "IBAN",
    ArtefactKind.PAYMENT_QR: "payment QR code", ArtefactKind.BTC_WALLET: "Bitcoin wallet",
    ArtefactKind.ETH_WALLET: "Ethereum wallet", ArtefactKind.TRX_WALLET: "TRON wallet",
    ArtefactKind.TELEGRAM: "Telegram", ArtefactKind.WHATSAPP: "WhatsApp", ArtefactKind.LINE: "LINE ID",
    ArtefactKind.EMAIL: "e-mail", ArtefactKind.GOOGLE_ANALYTICS: "Google Analytics ID",
    ArtefactKind.GOOGLE_TAG_MANAGER: "Google Tag Manager ID", ArtefactKind.ADSENSE: "AdSense ID",
    ArtefactKind.META_PIXEL: "Meta pixel", ArtefactKind.FAVICON_SHA256: "favicon",
    ArtefactKind.FAVICON_PHASH: "favicon (look)", ArtefactKind.SCREENSHOT_PHASH: "screenshot (look)",
    ArtefactKind.IMAGE_PHASH: "image", ArtefactKind.HTML_STRUCTURE: "HTML structure",
}
assert set(KIND_LABEL) == set(ArtefactKind)


class Seen(StrEnum):
    """Where a finding showed an artefact."""

    TEXT = "text"  # the page's or post's text, title, search snippet
    PROFILE = "profile"  # a social account's name and bio
    HTML = "html"  # the saved page's markup
    QR = "qr"  # a QR code's payload
    IMAGE = "image"  # a page image or the favicon
    SCREENSHOT = "screenshot"


def is_strong(kind: ArtefactKind) -> bool:
    return kind in STRONG_KINDS


@dataclass(frozen=True, slots=True, order=True)
class Artefact:
    kind: ArtefactKind
    value: str  # normalised: the same artefact written two ways has one value

    def __str__(self) -> str:
        return f"{KIND_LABEL[self.kind]} {self.value}"


@dataclass(frozen=True, slots=True)
class Found:
    """An artefact and where the finding showed it."""

    artefact: Artefact
    seen: Seen
