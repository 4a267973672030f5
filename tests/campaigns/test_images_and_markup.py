"""Images and markup: QR codes in a screenshot, perceptual hashes, and hostile images (a
decompression bomb, a huge canvas, a QR bomb, bytes that are no image); the structure hash of
template pages."""

from __future__ import annotations

import base64
import io
import struct
import zlib

import pytest
from PIL import Image

from monitor.campaigns.artefacts import Artefact, ArtefactKind, Seen
from monitor.campaigns.extract import Evidence, extract, image_artefacts
from monitor.campaigns.images import MAX_IMAGE_BYTES, ImageRefused, hamming, open_bounded, read_image
from monitor.campaigns.markup import read_markup
from tests.campaigns.samples import RING_ACCOUNT, payment_code, qr_png

K = ArtefactKind


def test_a_payment_qr_in_a_screenshot_gives_the_code_and_its_account():
    found = image_artefacts(qr_png(payment_code(), canvas=(1280, 900)), K.SCREENSHOT_PHASH)
    kinds = {(f.artefact.kind, f.seen) for f in found}
    assert (K.SCREENSHOT_PHASH, Seen.SCREENSHOT) in kinds and (K.PAYMENT_QR, Seen.QR) in kinds
    assert Artefact(K.BANK_ACCOUNT, RING_ACCOUNT) in {f.artefact for f in found}


def test_a_qr_with_a_telegram_link_is_read_as_text():
    found = image_artefacts(qr_png("https://t.me/LaoPromoAdmin"), K.IMAGE_PHASH)
    assert Artefact(K.TELEGRAM, "@laopromoadmin") in {f.artefact for f in found}


def test_perceptual_hash_survives_resizing_and_recompression():
    original = qr_png(payment_code(), canvas=(800, 600))
    image = Image.open(io.BytesIO(original)).convert("RGB").resize((640, 480))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=70)
    assert hamming(read_image(original).phash, read_image(out.getvalue()).phash) <= 6


def _png_header_only(width: int, height: int) -> bytes:
    """A tiny PNG that declares a huge canvas: the decompression bomb's header."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")


@pytest.mark.parametrize("data, reason", [
    (_png_header_only(100_000, 100_000), "pixel cap|DecompressionBomb"),  # a bomb: Pillow refuses its header
    (_png_header_only(6_000, 6_000), "pixel cap"),  # merely huge
    (b"\x00" * (MAX_IMAGE_BYTES + 1), "byte cap"),
    (b"<html>not an image</html>", "not a readable image"),
    (b"", "not a readable image"),
])
def test_hostile_images_are_refused_before_decoding(data, reason):
    with pytest.raises(ImageRefused, match=reason):
        open_bounded(data)
    assert image_artefacts(data, K.IMAGE_PHASH) == []


def test_a_qr_bomb_gives_a_bounded_number_of_codes():
    """An image tiled with 64 QR codes, each holding a long list of numbers."""
    payload = " ".join(f"020{i:08d}" for i in range(150))
    tile = Image.open(io.BytesIO(qr_png(payload, scale=2))).convert("RGB")
    sheet = Image.new("RGB", (tile.width * 8, tile.height * 8), "white")
    for x in range(8):
        for y in range(8):
            sheet.paste(tile, (x * tile.width, y * tile.height))
    out = io.BytesIO()
    sheet.save(out, "PNG")
    reading = read_image(out.getvalue())
    assert len(reading.qr_payloads) <= 8
    phones = [f for f in image_artefacts(out.getvalue(), K.IMAGE_PHASH) if f.artefact.kind == K.PHONE]
    assert len(phones) <= 20


TEMPLATE = """<html><head><title>{title}</title><link rel="icon" href="data:image/png;base64,{icon}"></head>
<body><div class="header"><a class="logo" href="/">News</a><ul class="menu"><li><a href="/a">A</a></li></ul></div>
<div class="main">{articles}</div><div class="footer"><p>(c) 2026</p><span class="credits">Theme</span></div>
</body></html>"""
ARTICLE = '<div class="post"><h2><a href="/p{n}">{title} {n}</a></h2><p class="excerpt">Text {n}</p></div>'


def _icon() -> str:
    out = io.BytesIO()
    Image.new("RGB", (32, 32), "navy").save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode()


def test_pages_of_one_template_share_structure_and_favicon_whatever_their_content():
    icon = _icon()
    one = TEMPLATE.format(title="Cooking", icon=icon, articles="".join(ARTICLE.format(n=n, title="Soup") for n in range(3)))
    two = TEMPLATE.format(title="Football", icon=icon, articles="".join(ARTICLE.format(n=n, title="Goal") for n in range(9)))
    m1, m2 = read_markup(one, "https://a.example/"), read_markup(two, "https://b.example/")
    assert m1.structure == m2.structure and m1.structure is not None
    assert m1.favicon_bytes == m2.favicon_bytes and m1.favicon_url is None
    other = read_markup("<html><body>" + "<section><h1>x</h1><p>y</p><em>z</em></section>" * 3
                        + "<table><tr><td>1</td></tr></table><form><input></form></body></html>")
    assert other.structure != m1.structure


def test_markup_hostile_inputs():
    assert read_markup(b"").structure is None
    assert read_markup(b"\x00\x00\x00").structure is None
    deep = "<div>" * 100_000 + "x" + "</div>" * 100_000
    read_markup(deep)  # bounded: elements walked and depth are capped; it just must return
    huge_uri = '<html><body><img src="data:image/png;base64,' + "A" * 5_000_000 + '"></body></html>'
    assert read_markup(huge_uri).inline_images == []


def test_extract_gathers_text_html_and_screenshot_with_where_seen():
    html = TEMPLATE.format(title="Promo", icon=_icon(), articles="<script>gtag('config','G-AB12CD34EF')</script>")
    evidence = Evidence(url="https://lao-promo.example/", title="Lao Airlines promo",
                        text="Call 020 5555 1234 or pay BCEL 010-12-00-01234567-001", bio=None,
                        html=html.encode(), screenshot=qr_png(payment_code(), canvas=(1000, 700)))
    found = {(f.artefact.kind, f.seen) for f in extract(evidence)}
    assert {(K.PHONE, Seen.TEXT), (K.BANK_ACCOUNT, Seen.TEXT), (K.GOOGLE_ANALYTICS, Seen.HTML),
            (K.HTML_STRUCTURE, Seen.HTML), (K.FAVICON_SHA256, Seen.IMAGE), (K.FAVICON_PHASH, Seen.IMAGE),
            (K.SCREENSHOT_PHASH, Seen.SCREENSHOT), (K.PAYMENT_QR, Seen.QR), (K.BANK_ACCOUNT, Seen.QR)} <= found
    excluded = extract(evidence, exclude=frozenset({Artefact(K.PHONE, "+8562055551234")}))
    assert K.PHONE not in {f.artefact.kind for f in excluded}
