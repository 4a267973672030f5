"""Page enrichment, the I/O side: the real collaborators of detection.enrich.Enricher (the
page fetch, robots.txt honoured, and the cache of pages enriched in earlier runs)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from monitor.detection.enrich import Enricher, FetchedPage
from monitor.detection.models import Candidate
from monitor.registry import Registry
from monitor.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session, sessionmaker

    from monitor.fetch.http import Fetcher

log = logging.getLogger(__name__)
MAX_PAGE_BYTES = 2_000_000


class PageFetcher:
    """Fetches a page for enrichment; the HTTP client is made at the first fetch."""

    def __init__(self, settings: Settings, session_factory: sessionmaker[Session] | None):
        self.settings = settings
        self.session_factory = session_factory
        self._fetcher: Fetcher | None = None

    def __call__(self, url: str) -> FetchedPage | None:
        from monitor.fetch.http import HTML_TYPES, Fetcher, FetchError

        if self._fetcher is None:
            self._fetcher = Fetcher(self.settings, session_factory=self.session_factory)
        try:
            result = self._fetcher.get(url, accept=HTML_TYPES, max_bytes=MAX_PAGE_BYTES, robots=True,
                                       trust_configured=False)  # a URL from data: never an operator endpoint
        except FetchError as exc:
            # Not marked enriched: a transient failure (robots.txt 503, 429) is tried again
            # next run; politeness and the robots cache keep that cheap for the site.
            log.info("enrichment of %s: %s", url, exc)
            return None
        return FetchedPage(result.url, result.body)


def stored_page_lookup(session_factory: sessionmaker[Session] | None):  # a detection.enrich.KnownPage
    """The candidate a finding at url holds once enriched, looked up in the database."""
    from monitor.store.repo import enriched_candidate_at

    def known(url: str) -> Candidate | None:
        if session_factory is None:
            return None
        with session_factory() as session:
            return enriched_candidate_at(session, url)

    return known


def enricher_for(settings: Settings, registry: Registry,
                 session_factory: sessionmaker[Session] | None = None) -> Enricher:
    return Enricher(min_score=settings.enrich_min_score,
                    official_domains=tuple(d for b in registry.brands for d in b.official.domains),
                    fetch_page=PageFetcher(settings, session_factory), known_page=stored_page_lookup(session_factory))
