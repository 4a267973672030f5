"""Campaigns and artefacts in words, the same in the UI, the CLI, digests and drafts. Pure."""

from __future__ import annotations

from monitor.campaigns.artefacts import KIND_LABEL, PHASH_KINDS, ArtefactKind
from monitor.campaigns.phones import display_phone

CAMPAIGN_PREFIX = "C"  # campaigns are written C7 wherever people read them (findings F26, takedowns T24)


def campaign_ref(campaign_id: int) -> str:
    return f"{CAMPAIGN_PREFIX}{campaign_id}"


def shown_value(kind: ArtefactKind | str, value: str) -> str:
    """A value as a person reads it: a phone grouped, a payment code or a hash shortened."""
    kind = ArtefactKind(kind)
    if kind in (ArtefactKind.PHONE, ArtefactKind.WHATSAPP):
        return display_phone(value)
    if kind == ArtefactKind.PAYMENT_QR:
        return f"{value[:28]}… ({len(value)} characters)" if len(value) > 32 else value
    if kind in PHASH_KINDS or kind in (ArtefactKind.FAVICON_SHA256, ArtefactKind.HTML_STRUCTURE):
        return value[:16]
    return value


def shown(kind: ArtefactKind | str, value: str) -> str:
    """'phone +856 20 5555 1234'."""
    return f"{KIND_LABEL[ArtefactKind(kind)]} {shown_value(kind, value)}"


def summary(campaign_id: int, pages: int, brands: int, strongest: tuple[str, str] | None) -> str:
    """'part of campaign C7: 6 pages, 3 brands, same phone +856 20 5555 1234'."""
    words = f"part of campaign {campaign_ref(campaign_id)}: {pages} page{'s' if pages != 1 else ''}, " \
            f"{brands} brand{'s' if brands != 1 else ''}"
    if strongest:
        words += f", same {shown(*strongest)}"
    return words


def summary_lo(campaign_id: int, pages: int, brands: int, strongest: tuple[str, str] | None) -> str:
    """The same line in Lao: 'ສ່ວນໜຶ່ງຂອງແຄມເປນ C7: 6 ໜ້າ, 3 ຍີ່ຫໍ້, ໃຊ້ +856 20 ... ດຽວກັນ'."""
    words = f"ສ່ວນໜຶ່ງຂອງແຄມເປນ {campaign_ref(campaign_id)}: {pages} ໜ້າ, {brands} ຍີ່ຫໍ້"
    if strongest:
        words += f", ໃຊ້ {shown_value(*strongest)} ດຽວກັນ"
    return words
