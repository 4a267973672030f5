"""What a fetched HTML page says about itself: title, description, a text excerpt, whether
it asks for a password or a card number, and which official domains it links to. Pure.

BeautifulSoup is fed the raw bytes so that the charset comes from the document (meta tag,
BOM) rather than from requests' ISO-8859-1 default for text/html without a charset."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from bs4 import BeautifulSoup, Tag

from monitor.detection.domains import under
from monitor.detection.normalize import clean_text

MAX_EXCERPT = 2000
_CARD_FIELD_RE = re.compile(r"card|cc-?num|cardnumber|cvv|cvc|expiry|exp-?date|ເລກບັດ", re.IGNORECASE)
_OTP_FIELD_RE = re.compile(r"otp|one.?time|verification.?code|pin\b|ລະຫັດ", re.IGNORECASE)


@dataclass(frozen=True)
class PageInfo:
    title: str | None
    description: str | None
    text: str
    has_password_form: bool
    has_card_form: bool
    has_otp_form: bool
    official_links: tuple[str, ...] = field(default_factory=tuple)


def parse_page(raw: bytes, url: str, official_domains: tuple[str, ...] = ()) -> PageInfo:
    soup = BeautifulSoup(raw, "lxml")
    title = clean_text(soup.title.get_text(" ")) if soup.title else None
    description = None
    meta = soup.find("meta", attrs={"name": re.compile("^description$", re.I)}) or \
        soup.find("meta", attrs={"property": "og:description"})
    if meta and meta.get("content"):
        description = clean_text(str(meta["content"]))
    for tag in soup(["script", "style", "noscript", "template"]):
        tag.decompose()
    text = clean_text(soup.get_text(" "))[:MAX_EXCERPT]
    inputs = soup.find_all("input")
    has_password = any(str(i.get("type") or "").lower() == "password" for i in inputs)

    def described(element: Tag) -> str:
        return " ".join(str(element.get(a) or "") for a in ("name", "id", "placeholder", "autocomplete", "aria-label"))

    has_card = any(_CARD_FIELD_RE.search(described(i)) for i in inputs)
    has_otp = any(_OTP_FIELD_RE.search(described(i)) for i in inputs)
    official = []
    for anchor in soup.find_all("a", href=True)[:2000]:
        target = urljoin(url, str(anchor["href"]))
        host = (urlsplit(target).hostname or "").lower()
        if host and any(under(host, d) for d in official_domains):
            official.append(target)
    return PageInfo(title or None, description, text, has_password, has_card, has_otp,
                    tuple(dict.fromkeys(official))[:20])
