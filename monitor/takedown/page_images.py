"""The pictures a saved page points at (its favicon, its first images), fetched when a takedown
is drafted: what campaigns compare across findings (favicon hashes, perceptual hashes, QR codes
in images). Fetched like the page itself: untrusted (the fetcher refuses private, loopback and
other non-public addresses found in data), robots.txt honoured, each within a size cap and an
image content type. One that cannot be fetched is left out and logged: the page is the
evidence, the pictures only help link campaigns."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass

from monitor.campaigns.markup import read_markup
from monitor.fetch.http import Fetcher, FetchError

log = logging.getLogger(__name__)

# What browsers serve as icons and page pictures (the decoder reads what Pillow can).
IMAGE_TYPES = ("image/png", "image/jpeg", "image/gif", "image/webp", "image/x-icon", "image/vnd.microsoft.icon",
               "image/bmp")
MAX_FAVICON_BYTES = 200_000
MAX_IMAGE_BYTES = 2_000_000
MAX_IMAGES = 4  # a page's first images: the logo, a QR code, a payment slip


@dataclass(frozen=True)
class PageImage:
    role: str  # favicon, image (store.models.EVIDENCE_IMAGE_ROLES)
    url: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def fetch_page_images(fetcher: Fetcher, html: bytes, base_url: str) -> tuple[PageImage, ...]:
    """The favicon the page names (or /favicon.ico), unless it is inline, and its first
    images behind URLs (inline ones are in the saved page already)."""
    markup = read_markup(html, base_url)
    wanted = [("favicon", markup.favicon_url, MAX_FAVICON_BYTES)] if markup.favicon_url else []
    wanted += [("image", url, MAX_IMAGE_BYTES) for url in dict.fromkeys(markup.image_urls)][:MAX_IMAGES]
    out = []
    for role, url, cap in wanted:
        if not url.lower().startswith(("http://", "https://")):
            continue
        try:
            result = fetcher.get(url, accept=IMAGE_TYPES, max_bytes=cap, robots=True)
        except FetchError as exc:
            log.info("page %s: %s not fetched: %s", base_url, role, exc)
            continue
        out.append(PageImage(role, result.url, result.body))
    return tuple(out)
