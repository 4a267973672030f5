"""Page enrichment against a local web server: a page worth a look is fetched once, read, and
handed back richer; robots.txt and fetch failures leave the candidate as the source saw it."""

from __future__ import annotations

import pytest

from monitor.detection.enrich import Enricher
from monitor.detection.models import Candidate, Score
from monitor.settings import Settings
from tests.conftest import BRANDS_FILE

PAGE = ('<html><head><title>Lao Airlines - Online booking</title><meta name="description" content="Cheap fares">'
        '</head><body><form><input name="cardnumber"><input type="password" name="pin"></form>'
        '<a href="https://www.laoairlines.com/">official</a></body></html>')


@pytest.fixture
def enricher(httpserver, migrated_url, registry):
    from monitor.store.db import factory_for

    settings = Settings(database_url=migrated_url, brands_file=BRANDS_FILE, allow_private_networks=True,
                        extra_ports=(httpserver.port,), resolve_overrides={"*": ("127.0.0.1", httpserver.port)},
                        host_min_delay=0, http_retries=0, enrich_min_score=40)
    return Enricher(settings, registry, factory_for(migrated_url))


def test_worth_it_only_for_pages_and_domains_that_score(enricher):
    page = Candidate(kind="page", url="https://laoairlines-booking.top/")
    assert enricher.worth_it(page, Score(1, "lao-airlines", 60, "suspicious"))
    assert not enricher.worth_it(page, Score(1, "lao-airlines", 20, "unrelated"))
    assert not enricher.worth_it(page, Score(1, "lao-airlines", 100, "official"))
    assert not enricher.worth_it(Candidate(kind="account", platform="facebook", handle="x"),
                                 Score(1, "lao-airlines", 90, "impersonation"))


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_enrich_reads_forms_and_official_links(enricher, httpserver):
    httpserver.expect_request("/robots.txt").respond_with_data("", status=404)
    httpserver.expect_request("/").respond_with_data(PAGE, content_type="text/html; charset=utf-8")
    rich = enricher.enrich(Candidate(kind="domain", id=1, domain="laoairlines-booking.top"))
    assert (rich.kind, rich.url, rich.title) == ("page", "https://laoairlines-booking.top/", "Lao Airlines - Online booking")
    assert rich.has_password_form and rich.has_card_form and rich.official_links == 1 and rich.enriched
    assert "Cheap fares" in rich.text and enricher.count == 1


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_robots_and_failures_leave_the_candidate_as_it_was(enricher, httpserver):
    httpserver.expect_request("/robots.txt").respond_with_data("User-agent: *\nDisallow: /\n")
    before = Candidate(kind="page", id=2, url="https://laoairlines-booking.top/pay", title="from the feed")
    assert enricher.enrich(before) == before and enricher.count == 0
