"""Configured listing pages (CSS selectors in brands.yaml) and RSS/Atom feeds.

A listing page whose item selector matches nothing has changed its layout: that is an
error on the run, not an empty result. Feeds are parsed with lxml with entity resolution
and network access off."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from email.utils import parsedate_to_datetime
from urllib.parse import urljoin

from bs4 import BeautifulSoup
from lxml import etree

from monitor.collectors.base import LayoutChanged, Query, Window, per_brand
from monitor.detection.domains import is_http_url
from monitor.detection.models import Candidate
from monitor.detection.normalize import clean_text
from monitor.detection.platforms import display_name_from_title, parse_account_url
from monitor.fetch.http import HTML_TYPES, Fetcher
from monitor.registry import Brand, Listing

FEED_TYPES = ("application/rss+xml", "application/atom+xml", "application/xml", "text/xml")
ATOM = "{http://www.w3.org/2005/Atom}"


def _candidate(url: str, title: str | None, text: str | None, ident: str) -> Candidate:
    account = parse_account_url(url)
    if account is not None:
        return Candidate(kind="account", id=ident, url=url, platform=account.platform, handle=account.handle,
                         name=display_name_from_title(title, account.platform), bio=text)
    return Candidate(kind="page", id=ident, url=url, title=title, text=text)


def parse_listing(raw: bytes, page_url: str, listing: Listing) -> Iterator[Candidate]:
    soup = BeautifulSoup(raw, "lxml")
    items = soup.select(listing.item)
    if not items:
        raise LayoutChanged(f"no element matches the item selector {listing.item!r}")
    for item in items:
        link = item if item.name == "a" and listing.link == "a" and item.get("href") else item.select_one(listing.link)
        if link is None or not link.get("href"):
            continue
        url = urljoin(page_url, str(link["href"]))
        if not is_http_url(url):
            continue
        title_element = item.select_one(listing.title) if listing.title else link
        title = clean_text(title_element.get_text(" ")) if title_element else None
        text = clean_text(item.get_text(" "))[:500]
        yield _candidate(url, title or None, text or None, f"listing:{url}")


def _when(text: str | None) -> dt.datetime | None:
    if not text:
        return None
    text = text.strip()
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        try:
            when = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
        except ValueError:
            return None
    return when if when.tzinfo else when.replace(tzinfo=dt.UTC)


def parse_feed(raw: bytes, window: Window) -> Iterator[Candidate]:
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, recover=False)
    try:
        root = etree.fromstring(raw, parser)
    except etree.XMLSyntaxError as exc:
        raise LayoutChanged(f"not XML ({exc})") from None
    tag = root.tag  # a str for a parsed element; the stubs allow any value an element may be given
    if not isinstance(tag, str):
        raise LayoutChanged(f"root element {tag!r} has no name")
    entries: list[tuple[str | None, str | None, str | None, str | None]]
    if tag == "rss" or tag.endswith("RDF"):
        entries = [(e.findtext("link"), e.findtext("title"), e.findtext("description"), e.findtext("pubDate"))
                   for e in root.iter("item")]
    elif tag == f"{ATOM}feed":
        entries = []
        for e in root.iter(f"{ATOM}entry"):
            link_element = e.find(f"{ATOM}link[@rel='alternate']")
            if link_element is None:
                link_element = e.find(f"{ATOM}link")
            entries.append((link_element.get("href") if link_element is not None else None, e.findtext(f"{ATOM}title"),
                            e.findtext(f"{ATOM}summary") or e.findtext(f"{ATOM}content"),
                            e.findtext(f"{ATOM}updated") or e.findtext(f"{ATOM}published")))
    else:
        raise LayoutChanged(f"root element {tag!r} is neither RSS nor Atom")
    for link, title, summary, published in entries:
        if not link:
            continue
        when = _when(published)
        if when and window.start and window.end and not window.start <= when < window.end:
            continue
        text = clean_text(BeautifulSoup(summary, "lxml").get_text(" "))[:1000] if summary else None
        yield _candidate(link.strip(), clean_text(title) if title else None, text, f"rss:{link.strip()}")


class ListingCollector:
    name = "listing"

    def __init__(self, fetcher: Fetcher):
        self.fetcher = fetcher
        self._listings: dict[str, Listing] = {}

    def queries(self, brand: Brand | None) -> list[Query]:
        brand = per_brand(self.name, brand)
        queries = []
        for listing in brand.listings:
            self._listings[listing.url] = listing
            queries.append(Query(listing.url, brand.id))
        return queries

    def fetch(self, query: Query, window: Window) -> bytes:
        return self.fetcher.get(query.text, accept=HTML_TYPES, robots=True).body

    def parse(self, raw: bytes, query: Query, window: Window) -> Iterator[Candidate]:
        return parse_listing(raw, query.text, self._listings[query.text])


class RssCollector:
    name = "rss"

    def __init__(self, fetcher: Fetcher):
        self.fetcher = fetcher

    def queries(self, brand: Brand | None) -> list[Query]:
        brand = per_brand(self.name, brand)
        return [Query(url, brand.id) for url in brand.feeds]

    def fetch(self, query: Query, window: Window) -> bytes:
        return self.fetcher.get(query.text, accept=FEED_TYPES, robots=True).body

    def parse(self, raw: bytes, query: Query, window: Window) -> Iterator[Candidate]:
        return parse_feed(raw, window)
