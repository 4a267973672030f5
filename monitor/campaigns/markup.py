"""What a saved page's markup says besides its text: the shape of its template (a structure
hash), its favicon and the images it carries inline (data: URIs). Pure; images behind URLs are
named here and fetched with the page when a draft saves it (monitor.takedown.page_images).

The structure hash is over the set of distinct tag paths (html/body/div.header/a...), not their
sequence: two pages of one template with ten and with twelve articles have the same set, and a
structure hash is meant to say "same template", which is why it is a weak artefact of the
TEMPLATE family."""

from __future__ import annotations

import base64
import binascii
import hashlib
import re
from dataclasses import dataclass, field
from urllib.parse import urljoin

import lxml.etree
import lxml.html

from monitor.campaigns.artefacts import Artefact, ArtefactKind

MAX_HTML_BYTES = 2_000_000  # the enricher's page cap: nothing larger was ever saved
MAX_ELEMENTS = 20_000  # elements walked for the structure; a page of a million <div>s costs no more
MAX_DEPTH = 12  # deeper paths are cut: nesting beyond it is content, not template
MAX_INLINE_IMAGES = 10
MAX_INLINE_IMAGE_BYTES = 2_000_000
_DATA_URI_RE = re.compile(r"^data:(image/[a-z0-9.+-]+)?(;[a-z0-9=.-]+)*;base64,", re.IGNORECASE)


@dataclass(frozen=True)
class Markup:
    structure: Artefact | None
    favicon_url: str | None  # to fetch, when it is not inline
    favicon_bytes: bytes | None
    inline_images: list[bytes] = field(default_factory=list)
    image_urls: list[str] = field(default_factory=list)


def _decode_data_uri(uri: str, max_bytes: int) -> bytes | None:
    match = _DATA_URI_RE.match(uri.strip())
    if not match:
        return None
    encoded = uri.strip()[match.end():]
    if len(encoded) > (max_bytes * 4) // 3 + 4:  # refuse before decoding, not after
        return None
    try:
        return base64.b64decode(encoded, validate=False)
    except (binascii.Error, ValueError):
        return None


def _class_key(element: lxml.html.HtmlElement) -> str:
    tag = element.tag  # a name: comments and processing instructions are skipped, and parent none
    if not isinstance(tag, str):
        raise TypeError(f"not a named element: {tag!r}")
    classes = sorted((element.get("class") or "").split())[:4]
    return tag + ("." + ".".join(classes) if classes else "")


def structure_hash(root: lxml.html.HtmlElement) -> Artefact | None:
    paths: set[str] = set()
    for count, element in enumerate(root.iter()):
        if count >= MAX_ELEMENTS:
            break
        if not isinstance(element.tag, str):  # comments, processing instructions
            continue
        chain: list[str] = []
        node: lxml.html.HtmlElement | None = element
        while node is not None and len(chain) < MAX_DEPTH:
            chain.append(_class_key(node))
            node = node.getparent()
        paths.add("/".join(reversed(chain)))
    if len(paths) < 8:  # an almost empty page has no template worth naming
        return None
    digest = hashlib.sha256("\n".join(sorted(paths)).encode("utf-8")).hexdigest()[:32]
    return Artefact(ArtefactKind.HTML_STRUCTURE, digest)


def read_markup(html: bytes | str | None, base_url: str | None = None) -> Markup:
    if not html:
        return Markup(None, None, None)
    if isinstance(html, bytes):
        html = html[:MAX_HTML_BYTES]
    else:
        html = html[:MAX_HTML_BYTES]
    try:
        root = lxml.html.document_fromstring(html)
    except (lxml.etree.ParserError, ValueError):
        return Markup(None, None, None)
    favicon_url = favicon_bytes = None
    for link in root.iterfind(".//link[@href]"):
        rel = (link.get("rel") or "").lower().split()
        if "icon" in rel or "apple-touch-icon" in rel:
            href = link.get("href") or ""
            favicon_bytes = _decode_data_uri(href, MAX_INLINE_IMAGE_BYTES)
            if favicon_bytes is None and not href.startswith("data:"):
                favicon_url = urljoin(base_url or "", href)
            break
    if favicon_url is None and favicon_bytes is None and base_url:
        favicon_url = urljoin(base_url, "/favicon.ico")  # what browsers ask for without a <link>
    inline: list[bytes] = []
    urls: list[str] = []
    for count, img in enumerate(root.iterfind(".//img[@src]")):
        if count >= 5 * MAX_INLINE_IMAGES:
            break
        src = img.get("src") or ""
        if src.startswith("data:"):
            if len(inline) < MAX_INLINE_IMAGES and (data := _decode_data_uri(src, MAX_INLINE_IMAGE_BYTES)):
                inline.append(data)
        elif len(urls) < MAX_INLINE_IMAGES:
            urls.append(urljoin(base_url or "", src))
    return Markup(structure_hash(root), favicon_url, favicon_bytes, inline, urls)
