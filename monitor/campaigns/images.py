"""Screenshots, favicons and page images: their perceptual hashes (`imagehash`'s pHash, 64 bits,
hex) and the QR codes in them (`zxing-cpp`). Pure: bytes in, artefacts out.

Bounded before any decoding: the file's size, then the pixel count its header declares (a
decompression bomb is a small file that declares a huge canvas), then a downscale before the QR
reader and the hash; at most MAX_QR_CODES codes are read from one image."""

from __future__ import annotations

import hashlib
import io
import logging
import warnings
from dataclasses import dataclass

import imagehash
import zxingcpp
from PIL import Image, UnidentifiedImageError

from monitor.campaigns.artefacts import Artefact, ArtefactKind

log = logging.getLogger(__name__)

MAX_IMAGE_BYTES = 10_000_000
# A full-page screenshot of a long page at 1280 px wide is ~1280 x 16,000 = 20 MP.
MAX_PIXELS = 25_000_000
# The QR reader and the hash read a copy at most this many pixels on its long side: a QR code that
# is still readable at 2,000 px is every QR code a person could scan from the page.
WORK_SIDE = 2_000
MAX_QR_CODES = 8


class ImageRefused(ValueError):
    """An image not read: too large, a bomb, or not an image at all."""


@dataclass(frozen=True)
class ImageReading:
    phash: str
    qr_payloads: list[str]


def open_bounded(data: bytes) -> Image.Image:
    """The image, first frame, in RGB or L, at most WORK_SIDE on its long side, or ImageRefused."""
    if len(data) > MAX_IMAGE_BYTES:
        raise ImageRefused(f"{len(data):,} bytes is over the {MAX_IMAGE_BYTES:,}-byte cap")
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image: Image.Image = Image.open(io.BytesIO(data))  # reads the header only
            width, height = image.size
            if width * height > MAX_PIXELS or width <= 0 or height <= 0:
                raise ImageRefused(f"{width} x {height} pixels is over the {MAX_PIXELS:,}-pixel cap")
            image.draft("RGB", (WORK_SIDE, WORK_SIDE))  # JPEG: decode at a smaller scale directly
            image.seek(0)
            image = image.convert("RGB")
    except ImageRefused:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, EOFError, Image.DecompressionBombError,
            Image.DecompressionBombWarning) as exc:
        raise ImageRefused(f"not a readable image: {type(exc).__name__}: {exc}") from None
    image.thumbnail((WORK_SIDE, WORK_SIDE))
    return image


def read_image(data: bytes) -> ImageReading:
    image = open_bounded(data)
    payloads = []
    try:
        for barcode in zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)):
            if barcode.valid and barcode.text:
                payloads.append(barcode.text)
            if len(payloads) >= MAX_QR_CODES:
                break
    except (ValueError, RuntimeError) as exc:  # the reader's own refusals
        log.info("QR reader: %s", exc)
    return ImageReading(str(imagehash.phash(image)), payloads)


def favicon_sha256(data: bytes) -> Artefact:
    return Artefact(ArtefactKind.FAVICON_SHA256, hashlib.sha256(data).hexdigest())


def hamming(a: str, b: str) -> int:
    return (int(a, 16) ^ int(b, 16)).bit_count()
