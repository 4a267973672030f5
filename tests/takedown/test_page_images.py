"""The pictures a saved page points at (its favicon, its first images) are fetched with the page,
as untrusted as the page: a private address found in it is refused before any connection, a
picture over its cap or of another type is left out, and the rest are kept for campaigns."""

from __future__ import annotations

import io

from PIL import Image

from monitor.fetch.http import Fetcher
from monitor.settings import Settings
from monitor.takedown.evidence import capture
from monitor.takedown.page_images import MAX_IMAGES
from tests.campaigns.samples import payment_code, qr_png


def _png(colour: str, size: int = 16) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (size, size), colour).save(out, "PNG")
    return out.getvalue()


def _fetcher(port: int) -> Fetcher:
    return Fetcher(Settings(host_min_delay=0), retries=0, sleep=lambda s: None, extra_ports=(port,),
                   allow_loopback=True)


def test_the_favicon_and_first_images_are_kept_and_hostile_ones_left_out(httpserver):
    import datetime as dt

    icon, code = _png("red"), qr_png(payment_code())
    images = ['<img src="/qr.png">', '<img src="http://10.0.0.7/inside.png">', '<img src="/huge.png">',
              '<img src="/page.html">', '<img src="/qr.png">']
    images += [f'<img src="/more{n}.png">' for n in range(MAX_IMAGES + 3)]
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/").respond_with_data(
        f'<html><head><link rel="shortcut icon" href="/static/fav.png"></head><body>{"".join(images)}</body></html>',
        content_type="text/html")
    httpserver.expect_request("/static/fav.png").respond_with_data(icon, content_type="image/png")
    httpserver.expect_request("/qr.png").respond_with_data(code, content_type="image/png")
    httpserver.expect_request("/huge.png").respond_with_data(b"\x89PNG" + b"0" * (3 * 1024 * 1024),
                                                               content_type="image/png")
    httpserver.expect_request("/page.html").respond_with_data("<html></html>", content_type="text/html")
    for n in range(MAX_IMAGES + 3):
        httpserver.expect_request(f"/more{n}.png").respond_with_data(_png("blue"), content_type="image/png")
    evidence = capture(_fetcher(httpserver.port), httpserver.url_for("/"), max_bytes=1_000_000,
                       now=dt.datetime(2026, 12, 7, tzinfo=dt.UTC))
    assert evidence.error is None
    assert [(p.role, p.url.rsplit("/", 1)[1]) for p in evidence.images] == [("favicon", "fav.png"), ("image", "qr.png")]
    assert evidence.images[0].data == icon and evidence.images[1].data == code
    asked = [request.path for request, _ in httpserver.log]
    # the private address was refused before connecting (nothing to ask here, nothing asked there),
    # the duplicate asked once, and no more than MAX_IMAGES image URLs were tried
    assert asked.count("/qr.png") == 1 and "/huge.png" in asked and "/page.html" in asked
    assert not any(path.startswith("/more") for path in asked)


def test_a_page_without_an_icon_link_is_asked_for_its_favicon_ico(httpserver):
    import datetime as dt

    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/promo").respond_with_data("<html><body>Win!</body></html>", content_type="text/html")
    httpserver.expect_request("/favicon.ico").respond_with_data(_png("green"), content_type="image/x-icon")
    evidence = capture(_fetcher(httpserver.port), httpserver.url_for("/promo"), max_bytes=1_000_000,
                       now=dt.datetime(2026, 12, 7, tzinfo=dt.UTC))
    assert [(p.role, p.url.rsplit("/", 1)[1]) for p in evidence.images] == [("favicon", "favicon.ico")]


def test_the_fetched_favicon_and_images_are_what_campaigns_read():
    from monitor.campaigns.artefacts import ArtefactKind
    from monitor.campaigns.extract import Evidence, extract

    found = extract(Evidence(url="https://x.example/", html=b"<html><body>hello</body></html>",
                             favicon=_png("red"), images=(qr_png(payment_code()),)))
    kinds = {f.artefact.kind for f in found}
    assert {ArtefactKind.FAVICON_SHA256, ArtefactKind.FAVICON_PHASH, ArtefactKind.IMAGE_PHASH} <= kinds
    assert any("010120001234567001" in f.artefact.value for f in found)  # the QR code's account
