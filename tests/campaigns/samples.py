"""Samples the campaign tests share: a payment QR code as an image, real-format texts."""

from __future__ import annotations

import io

import numpy as np
import zxingcpp
from PIL import Image

from monitor.campaigns.payments import emv_payload

# A LAO QR-like (EMVCo) payment code for one BCEL account: the merchant field (38) carries the
# scheme's id and the account; 54 is the amount, which changes from one code to the next.
RING_ACCOUNT = "010120001234567001"


def payment_code(amount: str = "50000", account: str = RING_ACCOUNT) -> str:
    merchant = "0016A005266284662577" + f"01{len(account):02d}{account}" + "0203001"
    return emv_payload([("00", "01"), ("01", "12"), ("38", merchant), ("53", "418"), ("54", amount),
                        ("58", "LA"), ("59", "LAO PROMO SHOP"), ("60", "VIENTIANE")])


def qr_png(payload: str, *, scale: int = 4, canvas: tuple[int, int] | None = None) -> bytes:
    """A PNG of the QR code, alone or pasted on a larger white canvas (a page's screenshot)."""
    code = Image.fromarray(np.asarray(zxingcpp.write_barcode_to_image(
        zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode), scale=scale))).convert("RGB")
    if canvas:
        page = Image.new("RGB", canvas, "white")
        page.paste(code, (canvas[0] // 3, canvas[1] // 3))
        code = page
    out = io.BytesIO()
    code.save(out, "PNG")
    return out.getvalue()
