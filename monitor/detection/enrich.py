"""Page enrichment, the pure part: which candidates are worth a look, and the richer
candidate a fetched page makes (title, description, text, password or card forms, links to
official domains), to be scored again. The fetching and the cache of pages enriched in
earlier runs are collaborators handed in (monitor.enrichment builds the real ones), so this
runs on plain data."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from monitor.detection.models import OFFICIAL, Candidate, Score
from monitor.detection.pages import parse_page


@dataclass(frozen=True)
class FetchedPage:
    url: str  # the final URL, after redirects
    body: bytes


class FetchPage(Protocol):
    def __call__(self, url: str) -> FetchedPage | None:
        """The page at url, or None when it cannot be fetched (robots.txt, an error)."""


# A candidate enriched in an earlier run, by its page URL, or None: fetched once, not again.
KnownPage = Callable[[str], Candidate | None]


def page_url(candidate: Candidate) -> str | None:
    """The page to fetch: a domain's home page, else the candidate's URL."""
    return f"https://{candidate.domain}/" if candidate.kind == "domain" and candidate.domain else candidate.url


def with_page(candidate: Candidate, url: str, page: FetchedPage, official_domains: tuple[str, ...]) -> Candidate:
    """The candidate as the page at url shows it."""
    info = parse_page(page.body, page.url, official_domains)
    text = " ".join(t for t in (info.description, info.text) if t)
    return dataclasses.replace(
        candidate, kind="page", url=url, title=candidate.title or info.title,
        text=" ".join(t for t in (candidate.text, text) if t)[:5000] or None,
        has_password_form=info.has_password_form, has_card_form=info.has_card_form or info.has_otp_form,
        official_links=len(info.official_links), enriched=True)


class Enricher:
    """Enriches the candidates worth it; counts the pages it fetched."""

    def __init__(self, *, min_score: int, official_domains: tuple[str, ...], fetch_page: FetchPage,
                 known_page: KnownPage):
        self.min_score = min_score
        self.official_domains = official_domains
        self.fetch_page = fetch_page
        self.known_page = known_page
        self.count = 0

    def worth_it(self, candidate: Candidate, result: Score) -> bool:
        return (candidate.kind in ("page", "domain") and not candidate.enriched
                and result.verdict != OFFICIAL and result.score >= self.min_score
                and (candidate.url or candidate.domain) is not None)

    def enrich(self, candidate: Candidate) -> Candidate:
        """The richer candidate, or the candidate as it was when its page cannot be fetched."""
        url = page_url(candidate)
        if url is None:
            return candidate
        known = self.known_page(url)
        if known is not None:
            return known
        page = self.fetch_page(url)
        if page is None:
            return candidate
        self.count += 1
        return with_page(candidate, url, page, self.official_domains)
