"""A QR code's payload read as what it is: an EMVCo merchant-presented payment code (the format
of LAO QR and of BCEL One's codes), or plain text (a URL, a Telegram link) left to the text
extractors. Pure.

A payment code's amount (tag 54), bill data (62) and CRC (63) change from one code to the next
for one account; the merchant fields (26-51) and the merchant's name and city do not, so the
normalised value keeps only those: two codes for one account, different amounts, are one
artefact."""

from __future__ import annotations

from monitor.campaigns.artefacts import Artefact, ArtefactKind

MAX_PAYLOAD = 4_096  # a QR code holds at most 2,953 bytes; anything longer is no QR payload
_KEPT = {f"{n:02d}" for n in range(26, 52)} | {"52", "53", "58", "59", "60"}
_MERCHANT = {f"{n:02d}" for n in range(26, 52)}


def _tlv(data: str) -> list[tuple[str, str]] | None:
    fields, i = [], 0
    while i < len(data):
        if i + 4 > len(data) or not data[i:i + 4].isdigit():
            return None
        tag, length = data[i:i + 2], int(data[i + 2:i + 4])
        value = data[i + 4:i + 4 + length]
        if len(value) != length:
            return None
        fields.append((tag, value))
        i += 4 + length
    return fields


def crc16_ccitt(data: bytes) -> int:
    """CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF), as EMVCo's QR specification prescribes."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else crc << 1
            crc &= 0xFFFF
    return crc


def emv_fields(payload: str) -> list[tuple[str, str]] | None:
    """The top-level fields of an EMVCo payment code whose CRC holds, else None."""
    if len(payload) > MAX_PAYLOAD or not payload.startswith("000201"):
        return None
    fields = _tlv(payload)
    if not fields or fields[-1][0] != "63" or len(fields[-1][1]) != 4:
        return None
    if f"{crc16_ccitt(payload[:-4].encode('utf-8')):04X}" != fields[-1][1].upper():
        return None
    return fields


def payment_artefacts(payload: str) -> list[Artefact]:
    """The payment code itself (merchant fields only) and the account numbers inside its merchant
    fields: the same account on a page and in a code is one artefact."""
    fields = emv_fields(payload)
    if fields is None:
        return []
    kept = "".join(f"{tag}{len(value):02d}{value}" for tag, value in fields if tag in _KEPT)
    out = [Artefact(ArtefactKind.PAYMENT_QR, kept)]
    for tag, value in fields:
        if tag in _MERCHANT:
            for _sub, sub_value in _tlv(value) or []:
                digits = sub_value.replace("-", "")
                if digits.isdigit() and 8 <= len(digits) <= 20:
                    out.append(Artefact(ArtefactKind.BANK_ACCOUNT, digits))
    return out


def emv_payload(fields: list[tuple[str, str]]) -> str:
    """A payment code made of these fields with its CRC: the demo's and the tests' codes."""
    body = "".join(f"{tag}{len(value):02d}{value}" for tag, value in fields) + "6304"
    return body + f"{crc16_ccitt(body.encode('utf-8')):04X}"
