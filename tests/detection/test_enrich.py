"""Page enrichment. On plain data first (detection.enrich with a fake page fetch and cache),
then against a local web server (monitor.enrichment's real fetch and database cache): a page
worth a look is fetched once, read, and handed back richer; robots.txt and fetch failures
leave the candidate as the source saw it."""

from __future__ import annotations

import pytest

from monitor.detection.enrich import Enricher, FetchedPage, page_url
from monitor.detection.models import Candidate, Score
from monitor.enrichment import enricher_for
from monitor.settings import Settings
from tests.conftest import BRANDS_FILE

PAGE = ('<html><head><title>Lao Airlines - Online booking</title><meta name="description" content="Cheap fares">'
        '</head><body><form><input name="cardnumber"><input type="password" name="pin"></form>'
        '<a href="https://www.laoairlines.com/">official</a></body></html>')


class FakeWeb:
    """The pages a fetch can reach, by URL; records what was asked."""

    def __init__(self, pages: dict[str, bytes]):
        self.pages = pages
        self.asked: list[str] = []

    def __call__(self, url: str) -> FetchedPage | None:
        self.asked.append(url)
        return FetchedPage(url, self.pages[url]) if url in self.pages else None


def plain_enricher(pages: dict[str, bytes], known: dict[str, Candidate] | None = None) -> tuple[Enricher, FakeWeb]:
    web = FakeWeb(pages)
    return Enricher(min_score=40, official_domains=("laoairlines.com",), fetch_page=web,
                    known_page=(known or {}).get), web


def test_a_domain_is_read_from_its_home_page_on_plain_data():
    enricher, web = plain_enricher({"https://laoairlines-booking.top/": PAGE.encode()})
    rich = enricher.enrich(Candidate(kind="domain", id=1, domain="laoairlines-booking.top", text="from the feed"))
    assert web.asked == ["https://laoairlines-booking.top/"] and enricher.count == 1
    assert (rich.kind, rich.url, rich.title, rich.enriched) == (
        "page", "https://laoairlines-booking.top/", "Lao Airlines - Online booking", True)
    assert rich.has_password_form and rich.has_card_form and rich.official_links == 1
    assert rich.text.startswith("from the feed Cheap fares")


def test_a_page_enriched_in_an_earlier_run_is_not_fetched_again():
    before = Candidate(kind="page", id=3, url="https://laoairlines-pay.top/", enriched=True, title="stored")
    enricher, web = plain_enricher({}, known={"https://laoairlines-pay.top/": before})
    assert enricher.enrich(Candidate(kind="page", id=3, url="https://laoairlines-pay.top/")) == before
    assert web.asked == [] and enricher.count == 0


def test_a_page_that_cannot_be_fetched_stays_as_the_source_saw_it():
    enricher, web = plain_enricher({})
    before = Candidate(kind="page", id=2, url="https://laoairlines-booking.top/pay", title="from the feed")
    assert enricher.enrich(before) == before and enricher.count == 0 and web.asked == [before.url]


def test_page_url_of_a_domain_is_its_home_page():
    assert page_url(Candidate(kind="domain", domain="x.top", url="https://x.top/pay")) == "https://x.top/"
    assert page_url(Candidate(kind="page", url="https://x.top/pay")) == "https://x.top/pay"


@pytest.fixture
def enricher(httpserver, migrated_url, registry):
    from monitor.store.db import factory_for

    settings = Settings(database_url=migrated_url, brands_file=BRANDS_FILE, allow_private_networks=True,
                        extra_ports=(httpserver.port,), resolve_overrides={"*": ("127.0.0.1", httpserver.port)},
                        host_min_delay=0, http_retries=0, enrich_min_score=40)
    return enricher_for(settings, registry, factory_for(migrated_url))


def test_worth_it_only_for_pages_and_domains_that_score(enricher):
    page = Candidate(kind="page", url="https://laoairlines-booking.top/")
    assert enricher.worth_it(page, Score(1, "lao-airlines", 60, "suspicious"))
    assert enricher.worth_it(page, Score(1, "lao-airlines", 40, "suspicious"))  # the setting's bound is inclusive
    assert not enricher.worth_it(page, Score(1, "lao-airlines", 39, "suspicious"))
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


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_a_page_stored_enriched_is_read_from_the_database_not_fetched(enricher, httpserver, migrated_url):
    import datetime as dt

    from monitor.store.db import factory_for
    from monitor.store.repo import FindingInput, upsert_findings

    stored = Candidate(kind="page", id=5, url="https://laoairlines-booking.top/", title="Lao Airlines booking",
                       has_password_form=True, enriched=True)
    with factory_for(migrated_url)() as session:
        upsert_findings(session, [FindingInput(
            brand_id="lao-airlines", canonical_key="domain:laoairlines-booking.top", kind="page", platform=None,
            url=stored.url, label="laoairlines-booking.top", score=80, verdict="impersonation", reasons=[],
            candidate=stored.to_dict(), source="searxng", query=None)], collection_run_id=None,
            now=dt.datetime.now(dt.UTC))
        session.commit()
    assert enricher.enrich(Candidate(kind="domain", id=5, domain="laoairlines-booking.top")) == stored
    assert enricher.count == 0 and not httpserver.log  # nothing was fetched
