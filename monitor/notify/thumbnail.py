"""A small PNG thumbnail of an evidence screenshot, for digests (an inline related part), the
findings list (a lazy image) and the owners' confirmation page. Pure (bytes in, bytes out).

The screenshot came from a hostile page's rendering, so it is decoded with limits: only a
PNG (by its signature), at most MAX_PIXELS pixels (Pillow's bomb check raises past it),
and the thumbnail is drawn from its top (what a person sees first), WIDTH pixels wide."""

from __future__ import annotations

import io
import logging

log = logging.getLogger(__name__)

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
WIDTH = 240
MAX_HEIGHT = 180  # the top of the page, at the thumbnail's scale
MAX_PIXELS = 40_000_000  # a 1280 x 30,000 full-page capture is the largest we take


def thumbnail(png: bytes | None, width: int = WIDTH, max_height: int = MAX_HEIGHT) -> bytes | None:
    """A PNG thumbnail of a PNG screenshot, or None (not a PNG, too large, or undecodable)."""
    if not png or not png.startswith(PNG_MAGIC):
        return None
    try:
        from PIL import Image

        Image.MAX_IMAGE_PIXELS = MAX_PIXELS
        with Image.open(io.BytesIO(png), formats=["PNG"]) as image:
            if image.width * image.height > MAX_PIXELS:
                return None
            image.draft("RGB", (width, width * 4))
            scale = width / max(1, image.width)
            crop_height = min(image.height, int(max_height / scale) + 1)
            top = image.convert("RGB").crop((0, 0, image.width, crop_height))
            small = top.resize((width, max(1, round(crop_height * scale))), Image.Resampling.LANCZOS)
            out = io.BytesIO()
            small.save(out, format="PNG", optimize=True)
            return out.getvalue()
    except Exception as exc:  # noqa: BLE001 - a bad image is no thumbnail, never a failed page or digest
        log.info("no thumbnail: %s: %s", type(exc).__name__, exc)
        return None
