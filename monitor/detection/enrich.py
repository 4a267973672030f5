"""Page enrichment: fetch a page or domain worth a look once, read what it says about itself
(title, description, text, password or card forms, links to official domains), and hand
the richer candidate back to be scored again. robots.txt is honoured; a page that cannot be
fetched keeps what the source said about it."""

from __future__ import annotations

import dataclasses
import logging

from sqlalchemy import select

from monitor.detection.models import OFFICIAL, Candidate, Score
from monitor.detection.pages import parse_page
from monitor.fetch.http import HTML_TYPES, Fetcher, FetchError
from monitor.registry import Registry
from monitor.settings import Settings

log = logging.getLogger(__name__)
MAX_PAGE_BYTES = 2_000_000


class Enricher:
    def __init__(self, settings: Settings, registry: Registry, factory=None):
        self.settings = settings
        self.official = tuple(d for b in registry.brands for d in b.official.domains)
        self.factory = factory
        self._fetcher: Fetcher | None = None
        self.count = 0

    def worth_it(self, candidate: Candidate, result: Score) -> bool:
        return (candidate.kind in ("page", "domain") and not candidate.enriched
                and result.verdict != OFFICIAL and result.score >= self.settings.enrich_min_score
                and (candidate.url or candidate.domain) is not None)

    def _known(self, url: str) -> Candidate | None:
        """A page enriched in an earlier run: fetched once, not again."""
        if self.factory is None:
            return None
        from monitor.detection.models import candidate_from_dict
        from monitor.store.models import Finding

        with self.factory() as session:
            stored = session.scalars(select(Finding.candidate).where(Finding.url == url).limit(20)).all()
        for data in stored:
            if isinstance(data, dict) and data.get("enriched") is True:
                return candidate_from_dict(data)
        return None

    def enrich(self, candidate: Candidate) -> Candidate:
        url = f"https://{candidate.domain}/" if candidate.kind == "domain" and candidate.domain else candidate.url
        known = self._known(url)
        if known is not None:
            return known
        if self._fetcher is None:
            self._fetcher = Fetcher(self.settings, session_factory=self.factory)
        try:
            result = self._fetcher.get(url, accept=HTML_TYPES, max_bytes=MAX_PAGE_BYTES, robots=True,
                                       trust_configured=False)  # a URL from data: never an operator endpoint
        except FetchError as exc:
            # Not marked enriched: a transient failure (robots.txt 503, 429) is tried again
            # next run; politeness and the robots cache keep that cheap for the site.
            log.info("enrichment of %s: %s", url, exc)
            return candidate
        self.count += 1
        info = parse_page(result.body, result.url, self.official)
        text = " ".join(t for t in (info.description, info.text) if t)
        return dataclasses.replace(
            candidate, kind="page", url=url, title=candidate.title or info.title,
            text=" ".join(t for t in (candidate.text, text) if t)[:5000] or None,
            has_password_form=info.has_password_form, has_card_form=info.has_card_form or info.has_otp_form,
            official_links=len(info.official_links), enriched=True)
