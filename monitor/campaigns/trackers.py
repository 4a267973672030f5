"""Analytics and ad IDs in a page's markup (Google Analytics, Tag Manager, AdSense, the Meta
pixel): an operator reuses one account across every site it builds, to see them in one place.
Pure."""

from __future__ import annotations

import re

from monitor.campaigns.artefacts import Artefact, ArtefactKind
from monitor.campaigns.text import MAX_PER_KIND, prepare

_PATTERNS = (
    # Universal Analytics UA-<account>-<property>: the account is the operator's, kept alone.
    (ArtefactKind.GOOGLE_ANALYTICS, re.compile(r"\bUA-(\d{4,10})-\d{1,4}\b"), lambda m: f"UA-{m.group(1)}"),
    (ArtefactKind.GOOGLE_ANALYTICS, re.compile(r"\b(G-[A-Z0-9]{8,12})\b"), lambda m: m.group(1)),
    (ArtefactKind.GOOGLE_TAG_MANAGER, re.compile(r"\b(GTM-[A-Z0-9]{5,9})\b"), lambda m: m.group(1)),
    (ArtefactKind.ADSENSE, re.compile(r"\b(?:ca-)?(pub-\d{16})\b"), lambda m: "ca-" + m.group(1)),
    (ArtefactKind.META_PIXEL, re.compile(r"fbq\(\s*['\"]init['\"]\s*,\s*['\"](\d{10,20})['\"]"), lambda m: m.group(1)),
    (ArtefactKind.META_PIXEL, re.compile(r"facebook\.com/tr/?\?(?:[^\"'\s<>]*?&(?:amp;)?)?id=(\d{10,20})"),
     lambda m: m.group(1)),
)


def trackers(markup: str | None) -> list[Artefact]:
    prepared = prepare(markup)
    out: dict[Artefact, None] = {}
    for kind, pattern, value in _PATTERNS:
        count = 0
        for match in pattern.finditer(prepared):
            out[Artefact(kind, value(match))] = None
            count += 1
            if count >= MAX_PER_KIND:
                break
    return list(out)


def tracker_id(value: str) -> Artefact | None:
    """One ID as a person writes it in the registry ('UA-1234567-1', 'G-AB12CD34EF', 'GTM-KX9P2Q',
    'ca-pub-...', a pixel's digits), normalised as the page extractor would, or None."""
    value = value.strip()
    if value.isdigit() and 10 <= len(value) <= 20:
        return Artefact(ArtefactKind.META_PIXEL, value)
    if re.fullmatch(r"UA-\d{4,10}", value):
        return Artefact(ArtefactKind.GOOGLE_ANALYTICS, value)
    found = trackers(value)
    return found[0] if len(found) == 1 and found[0].value in value else None
