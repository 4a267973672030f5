"""A host as a person reads it: the labels left of the public suffix, the shared host
it may sit on, the label it is named by, and the brand-key matches on its labels. Pure but for
the bundled suffix lists, read once."""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import tldextract

from monitor.detection.domains import split_host
from monitor.detection.evidence.matching import matches_of
from monitor.detection.hostwalk import suffix_under
from monitor.detection.index import Key
from monitor.detection.labels import (
    Label,
    Match,
)
from monitor.detection.normalize import (
    flat,
)
from monitor.detection.prefilter import (
    IGNORED_SUBDOMAINS,
    ascii_forms,
    is_public_suffix,
)

if TYPE_CHECKING:
    from monitor.detection.tables import BrandTables


@functools.lru_cache(maxsize=1)
def private_extractor() -> tldextract.TLDExtract:
    """The bundled public suffix list with its private section (blogspot.com, workers.dev,
    square.site, ...): names under those are handed out to different people."""
    return tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)


@functools.lru_cache(maxsize=1)
def private_parents() -> frozenset[str]:
    """The registrable domains (public section) under which the private section names a
    suffix ('blogspot.com', 'amazonaws.com'): only hosts under these can be on one, so the
    private-section extraction is skipped for the others."""
    from monitor.detection.domains import _extractor

    public = set(_extractor().tlds)
    out = set()
    for rule in set(private_extractor().tlds) - public:
        parts = split_host(rule.lstrip("*!.").lower())
        if parts.suffix and parts.label:
            out.add(parts.registrable)
    return frozenset(out)


@dataclass(slots=True)
class HostView:
    host: str
    suffix: str
    registrable: str
    labels: list[str]  # every label left of the public suffix
    shared: str | None  # the shared host the name is under ('workers.dev'), if any
    identity: int = -1  # position in labels of the label the host is named by
    matches: list[tuple[int, Match]] = field(default_factory=list)
    followed_by_suffix: set[int] = field(default_factory=set)  # label positions followed by a public suffix
    split: Key | None = None
    # (brand, official domain, label position, what the label writes before it: 'teams' in 'teams-office-com')
    official_in_front: list[tuple[int, str, int, str]] = field(default_factory=list)


def brand_tld(tables: BrandTables, host: str) -> int | None:
    """A brand top-level domain ('.microsoft', '.apple') named like an official label."""
    tld = host.rpartition(".")[2]
    if not tld or tld == host or not is_public_suffix(tld):
        return None
    if len(tld) < tables.rules.min_key_length:
        return None
    for brand, _, _ in tables.official_by_label.get(flat(tld), ()):
        return brand
    return None


def host_view(tables: BrandTables, host: str) -> HostView:
    """A host cut into the labels a person reads, and the index's matches on them."""
    parts = split_host(host)
    body = host[: -len(parts.suffix) - 1] if parts.suffix and host.endswith("." + parts.suffix) else host
    labels = body.split(".") if body else []
    shared = None
    if len(labels) >= 2:  # a name under a shared host needs a label of its own on top
        # Two sources, on purpose: the rules' list (scoring_rules.yaml, also the abuse channels'
        # hosting) names the builders phishing uses, several of which the public suffix list
        # does not list; the list's private section covers the many others it does.
        shared = suffix_under(tables.shared_hosting, host)
        if shared is None and parts.subdomain and parts.registrable in private_parents():
            private = private_extractor()(host)
            if private.suffix and private.suffix != parts.suffix and private.domain:
                shared = private.suffix
    view = HostView(host, parts.suffix, parts.registrable, labels, shared)
    if shared:
        shared_labels = len(shared.split(".")) - (len(parts.suffix.split(".")) if parts.suffix else 0)
        view.identity = len(labels) - shared_labels - 1
    else:
        view.identity = len(labels) - 1
    if view.identity < 0:
        return view
    # the label under the suffix (or the shared host), then the subdomain labels
    for position in range(view.identity, -1, -1):
        raw = labels[position]
        if position != view.identity and (raw in IGNORED_SUBDOMAINS or len(raw) < 3):
            continue
        extra = 1 if position < view.identity and suffix_follows(labels, position, view.identity) else 0
        if extra or (position < view.identity and is_public_suffix(raw)):
            view.followed_by_suffix.add(position)  # '...sharepoint.com.<x>', '...static.microsoft.<x>'
        for match in matches_of(tables, raw, extra):
            view.matches.append((position, match))
    # a brand key split by dots ('lao.airlines.com')
    kept = [raw for raw in labels[: view.identity + 1] if raw not in IGNORED_SUBDOMAINS]
    if 2 <= len(kept) <= 3:
        joined = "-".join(kept)
        forms = ascii_forms(joined) if joined.isascii() else {text for text, _ in Label(joined).forms}
        for text in forms:
            for hit in tables.index.exact(text):
                view.split = hit.key
    # the full official domain in front of an unrelated one ('paypal.com.verify.top')
    for position in range(0, view.identity):
        tokens = labels[position].split("-")
        for number in range(len(tokens) - 1):
            for brand, domain, suffix in tables.official_by_label.get(flat(tokens[number]), ()):
                if "-".join(tokens[number + 1:number + 1 + len(suffix.split("."))]) == suffix.replace(".", "-") \
                        and number > 0:
                    view.official_in_front.append((brand, domain, position, "-".join(tokens[:number])))
        for brand, domain, suffix in tables.official_by_label.get(flat(labels[position]), ()):
            tail = suffix.split(".")
            following = labels[position + 1: position + 1 + len(tail)]
            if following == tail and position + len(tail) < len(labels):
                view.official_in_front.append((brand, domain, position, ""))
            elif position + 1 < len(labels) and labels[position + 1].startswith(suffix + "-"):
                view.official_in_front.append((brand, domain, position, ""))
    return view


def suffix_follows(labels: list[str], position: int, identity: int) -> bool:
    """'amzone.co.jp.<anything>': the label is followed by a public suffix, as if it were a domain
    (a country code or one of the old generic ones: 'co.jp', 'com', 'de'; not any word that
    happens to be a top-level domain today, such as 'weather' or 'app')."""
    if position + 1 >= len(labels) or len(labels[position + 1]) > 3:
        return False
    for end in range(position + 2, min(position + 4, identity + 1) + 1):
        if is_public_suffix(".".join(labels[position + 1:end])):
            return True
    return False
