"""Every source: parsing saved payloads in the source's real format (pure), incremental
windows, layout-change detection, the canary, and `monitor collect` end to end against a
local server."""

from __future__ import annotations

import datetime as dt
import io
import json
import zipfile

import pytest

from monitor.cli import main
from monitor.collectors.base import LayoutChanged, Query, Window
from monitor.collectors.crtsh import parse_certificates
from monitor.collectors.listing import parse_feed, parse_listing
from monitor.collectors.nrd import list_url, parse_list
from monitor.collectors.permutations import PermutationsCollector, permutations_of
from monitor.collectors.phishing import parse_openphish, parse_urlhaus
from monitor.collectors.search_apis import parse_brave, parse_google
from monitor.demo.dns import DemoDns
from monitor.fetch.dns import Dns
from monitor.registry import Listing
from tests.conftest import BRANDS_FILE, FIXTURES

WINDOW = Window(dt.datetime(2026, 11, 28, 10, 0, tzinfo=dt.UTC),
                dt.datetime(2026, 11, 28, 11, 0, tzinfo=dt.UTC))
ANY = Window(None, None)


def _fixture(path: str) -> bytes:
    return (FIXTURES / path).read_bytes()


# ---------------------------------------------------------------- crt.sh

def test_crtsh_names_in_window_and_the_official_canary():
    hosts = [c.domain for c in parse_certificates(_fixture("crtsh/laoairlines.json"), ("laoairlines.com",), WINDOW)]
    assert hosts == ["laoairlines-promo.top", "www.laoairlines-promo.top", "laoairlines.com",
                     "xn--laoarlines-n8a.com"]  # the June certificate is outside the window
    everything = [c.domain for c in parse_certificates(_fixture("crtsh/laoairlines.json"), (), ANY)]
    assert "laoairlines-old.top" in everything


def test_crtsh_layout_change():
    with pytest.raises(LayoutChanged, match="not a list"):
        list(parse_certificates(b'{"error": "busy"}', (), ANY))
    with pytest.raises(LayoutChanged, match="no 'name_value'"):
        list(parse_certificates(b'[{"id": 1, "common_name": "x.com"}]', (), ANY))
    with pytest.raises(LayoutChanged, match="not JSON"):
        list(parse_certificates(b"<html>502 Bad Gateway</html>", (), ANY))


# ---------------------------------------------------------------- newly registered domains

def test_nrd_prefilters_a_plain_list_and_a_zip(scorer):
    names = b"bluehouse.com\nlaoairlines-promo.top\ngreen-river.net\nla0tel.net\n# comment\n\nshop-laopost.com\n"
    kept = [c.domain for c in parse_list(names, scorer.might_resemble)]
    assert kept == ["laoairlines-promo.top", "la0tel.net", "shop-laopost.com"]
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("domain-names.txt", names)
    assert [c.domain for c in parse_list(archive.getvalue(), scorer.might_resemble)] == kept


def test_nrd_layout_change(scorer):
    with pytest.raises(LayoutChanged, match="not a domain name"):
        list(parse_list(b"<html><body>Please log in</body></html>\n", scorer.might_resemble))
    with pytest.raises(LayoutChanged, match="empty"):
        list(parse_list(b"\n\n", scorer.might_resemble))


def test_nrd_url_template():
    assert list_url("https://x.example/{date}.txt", dt.date(2026, 11, 28)) == "https://x.example/2026-11-28.txt"
    assert list_url("https://x.example/{date_b64}/nrd", dt.date(2026, 11, 28)) == "https://x.example/MjAyNi0xMS0yOC56aXA=/nrd"


# ---------------------------------------------------------------- phishing feeds

def test_openphish_keeps_brand_urls(scorer):
    urls = [c.url for c in parse_openphish(_fixture("openphish/feed.txt"), scorer.might_resemble)]
    assert urls == ["https://laopost-customs.xyz/pay/fee.php", "http://laoairlines.com.verify-account.click/login",
                    "https://free-data-laos.top/laotel/claim"]
    with pytest.raises(LayoutChanged):
        list(parse_openphish(b"<html>\n<body>maintenance</body>\n</html>\n", scorer.might_resemble))


def test_urlhaus_window_and_brand_filter(scorer):
    urls = [c.url for c in parse_urlhaus(_fixture("urlhaus/csv_recent.csv"), scorer.might_resemble, WINDOW)]
    assert urls == ["http://laotel-bonus.top/app.apk"]  # the laopost one was added the day before
    assert len(list(parse_urlhaus(_fixture("urlhaus/csv_recent.csv"), scorer.might_resemble, ANY))) == 2
    with pytest.raises(LayoutChanged, match="columns"):
        list(parse_urlhaus(b"id;date;url\n1;x;y\n", scorer.might_resemble, ANY))


# ---------------------------------------------------------------- search APIs

def test_brave_and_google_results():
    brave = list(parse_brave(_fixture("brave/laopost.json")))
    assert [(c.kind, c.url) for c in brave] == [("page", "https://laopost.com/"),
                                               ("page", "https://laopost-tracking.xyz/track")]
    assert list(parse_brave(_fixture("brave/empty.json"))) == []
    google = list(parse_google(_fixture("google/laopost.json")))
    assert [(c.kind, c.platform, c.handle) for c in google] == [("account", "facebook", "laopost"),
                                                                ("account", "facebook", "laopost.delivery")]
    assert google[1].name == "ໄປສະນີລາວ ສົ່ງພັດສະດຸ"
    assert list(parse_google(_fixture("google/empty.json"))) == []
    with pytest.raises(LayoutChanged):
        list(parse_google(b'{"kind": "customsearch#search", "searchInformation": {"totalResults": "12"}}'))
    with pytest.raises(LayoutChanged):
        list(parse_brave(b'{"type": "ErrorResponse", "error": {"code": "RATE_LIMITED"}}'))


# ---------------------------------------------------------------- listing pages and feeds

LISTING = Listing(url="https://directory.example/airlines", item="div.entry", link="h3 a", title="h3")


def test_listing_page_items():
    found = list(parse_listing(_fixture("listing/directory.html"), LISTING.url, LISTING))
    assert [(c.kind, c.url) for c in found] == [
        ("page", "https://laoairlines-booking.top/"), ("page", "https://directory.example/company/lao-skyway"),
        ("account", "https://www.facebook.com/laoairlines.promo2026")]
    assert found[0].title == "Lao Airlines - Online booking"
    with pytest.raises(LayoutChanged, match="no element matches the item selector 'div.entry'"):
        list(parse_listing(_fixture("listing/redesigned.html"), LISTING.url, LISTING))


def test_rss_and_atom_in_window():
    rss = list(parse_feed(_fixture("rss/news.xml"), WINDOW))
    assert [c.url for c in rss] == ["https://laotel-gift.top/claim", "https://classifieds.example/ad/991"]
    assert rss[0].text == "Enter the OTP we send you to claim free data."
    atom = list(parse_feed(_fixture("rss/atom.xml"), WINDOW))
    assert [(c.url, c.title) for c in atom] == [("https://laopost-redelivery.top/pay", "Laopost redelivery fee")]
    with pytest.raises(LayoutChanged, match="neither RSS nor Atom"):
        list(parse_feed(b"<html><body/></html>", ANY))
    billion_laughs = (b'<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
                      b"<rss><channel><item><title>&b;</title><link>https://x.example/</link></item></channel></rss>")
    assert [c.title for c in parse_feed(billion_laughs, ANY)] in ([None], [""], ["b"])  # entities not expanded


# ---------------------------------------------------------------- lookalike domains (DNS)

def test_permutations_registered_unregistered_and_unknown():
    permutations = permutations_of("laotel.com")
    assert permutations[0] == "laotel.com" and len(permutations) > 500
    registered = {"laotel.com": "203.0.113.10", "laotell.com": "203.0.113.11", "la0tel.com": "203.0.113.12"}
    with DemoDns(registered, failing={"laote1.com", "iaotel.com"}) as server:
        collector = PermutationsCollector(Dns(server.nameserver, timeout=1.0), workers=16)
        raw = collector.fetch(Query("laotel.com", "lao-telecom"), ANY)
        found = sorted(c.domain for c in collector.parse(raw, Query("laotel.com", "lao-telecom"), ANY))
    assert found == ["la0tel.com", "laotel.com", "laotell.com"]
    # SERVFAIL is unknown (asked twice), never registered
    assert sorted(collector.unknown) == ["iaotel.com", "laote1.com"]
    assert server.queries.count("laote1.com") == 2


# ---------------------------------------------------------------- `monitor collect` against local servers

@pytest.fixture
def collect_env(monkeypatch, migrated_url, httpserver):
    monkeypatch.setenv("MONITOR_DATABASE_URL", migrated_url)
    monkeypatch.setenv("MONITOR_BRANDS_FILE", str(BRANDS_FILE))
    monkeypatch.setenv("MONITOR_ALLOW_PRIVATE_NETWORKS", "1")
    monkeypatch.setenv("MONITOR_EXTRA_PORTS", str(httpserver.port))
    monkeypatch.setenv("MONITOR_HOST_MIN_DELAY_MS", "0")
    monkeypatch.setenv("MONITOR_HTTP_BACKOFF_MS", "0")
    return httpserver


def _collect(tmp_path, *args) -> tuple[int, list[dict]]:
    out = tmp_path / "candidates.jsonl"
    status = main(["collect", *args, "--output", str(out)])
    lines = [json.loads(line) for line in out.read_text("utf-8").splitlines()] if out.exists() else []
    return status, lines


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_collect_each_http_source_end_to_end(collect_env, tmp_path, monkeypatch):
    server = collect_env
    server.expect_request("/crtsh/").respond_with_data(_fixture("crtsh/laoairlines.json"), content_type="application/json")
    server.expect_request("/nrd/2026-11-28.txt").respond_with_data(
        b"bluehouse.com\nlaoairlines-promo.top\ngreen-river.net\n", content_type="text/plain")
    server.expect_request("/openphish/feed.txt").respond_with_data(_fixture("openphish/feed.txt"), content_type="text/plain")
    server.expect_request("/urlhaus/").respond_with_data(_fixture("urlhaus/csv_recent.csv"), content_type="text/csv")
    server.expect_request("/brave/res/v1/web/search", headers={"X-Subscription-Token": "k"}).respond_with_data(
        _fixture("brave/laopost.json"), content_type="application/json")
    server.expect_request("/google/customsearch/v1", query_string={"q": '"Laopost"', "key": "k", "cx": "c", "num": "10"}
                          ).respond_with_data(_fixture("google/laopost.json"), content_type="application/json")
    server.expect_request("/google/customsearch/v1").respond_with_data(_fixture("google/empty.json"),
                                                                        content_type="application/json")
    base = server.url_for("/").rstrip("/")
    monkeypatch.setenv("MONITOR_CRTSH_URL", f"{base}/crtsh")
    monkeypatch.setenv("MONITOR_NRD_URL", f"{base}/nrd/{{date}}.txt")
    monkeypatch.setenv("MONITOR_OPENPHISH_URL", f"{base}/openphish/feed.txt")
    monkeypatch.setenv("MONITOR_URLHAUS_URL", f"{base}/urlhaus/")
    monkeypatch.setenv("MONITOR_BRAVE_URL", f"{base}/brave")
    monkeypatch.setenv("MONITOR_BRAVE_API_KEY", "k")
    monkeypatch.setenv("MONITOR_GOOGLE_URL", f"{base}/google")
    monkeypatch.setenv("MONITOR_GOOGLE_API_KEY", "k")
    monkeypatch.setenv("MONITOR_GOOGLE_CX", "c")
    window = ["--since", "2026-11-28T10:00:00Z", "--until", "2026-11-28T11:00:00Z"]
    status, crtsh = _collect(tmp_path, "--source", "crtsh", "--brand", "lao-airlines", *window)
    assert status == 0 and "laoairlines-promo.top" in [c["domain"] for c in crtsh]
    status, nrd = _collect(tmp_path, "--source", "nrd", "--brand", "lao-airlines", *window)
    assert status == 0 and [c["domain"] for c in nrd] == ["laoairlines-promo.top"]
    status, phish = _collect(tmp_path, "--source", "openphish", "--brand", "laopost")
    assert status == 0 and len(phish) == 3
    status, haus = _collect(tmp_path, "--source", "urlhaus", "--brand", "lao-telecom", *window)
    assert status == 0 and [c["url"] for c in haus] == ["http://laotel-bonus.top/app.apk"]
    status, brave = _collect(tmp_path, "--source", "brave", "--brand", "laopost")
    assert status == 0 and "https://laopost-tracking.xyz/track" in [c["url"] for c in brave]
    status, google = _collect(tmp_path, "--source", "google", "--brand", "laopost")
    assert status == 0 and "https://www.facebook.com/laopost.delivery" in [c["url"] for c in google]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_collect_reports_unconfigured_and_failing_sources(collect_env, tmp_path, monkeypatch, capsys):
    assert main(["collect", "--source", "brave", "--brand", "laopost"]) == 2
    assert "brave: no API key" in capsys.readouterr().err
    collect_env.expect_request("/crtsh/").respond_with_data(b'{"error": "busy"}', content_type="application/json")
    monkeypatch.setenv("MONITOR_CRTSH_URL", collect_env.url_for("/crtsh").rstrip("/"))
    status, _ = _collect(tmp_path, "--source", "crtsh", "--brand", "tholakhong")
    assert status == 1 and "layout changed" in capsys.readouterr().err


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_collect_listing_rss_searxng_and_permutations_end_to_end(collect_env, tmp_path, monkeypatch):
    from monitor.registry import parse_registry

    server = collect_env
    server.expect_request("/robots.txt").respond_with_data("User-agent: *\nAllow: /\n", content_type="text/plain")
    server.expect_request("/directory").respond_with_data(_fixture("listing/directory.html"), content_type="text/html")
    server.expect_request("/feed.xml").respond_with_data(_fixture("rss/news.xml"), content_type="application/rss+xml")
    server.expect_request("/search").respond_with_data(_fixture("searxng/lao_airlines.json"),
                                                       content_type="application/json")
    base = server.url_for("/").rstrip("/")
    brands = BRANDS_FILE.read_text("utf-8").replace(
        "    keywords: [free tickets,",
        f'    listings: [{{url: "{base}/directory", item: div.entry, link: h3 a, title: h3}}]\n'
        f'    feeds: ["{base}/feed.xml"]\n    keywords: [free tickets,')
    parse_registry(brands)  # still a valid registry
    brands_file = tmp_path / "brands.yaml"
    brands_file.write_text(brands, "utf-8")
    monkeypatch.setenv("MONITOR_BRANDS_FILE", str(brands_file))
    monkeypatch.setenv("MONITOR_SEARXNG_URL", base)
    window = ["--since", "2026-11-28T10:00:00Z", "--until", "2026-11-28T11:00:00Z"]
    status, listing = _collect(tmp_path, "--source", "listing", "--brand", "lao-airlines")
    assert status == 0 and [c["url"] for c in listing][0] == "https://laoairlines-booking.top/"
    status, feed = _collect(tmp_path, "--source", "rss", "--brand", "lao-airlines", *window)
    assert status == 0 and [c["url"] for c in feed] == ["https://laotel-gift.top/claim", "https://classifieds.example/ad/991"]
    status, results = _collect(tmp_path, "--source", "searxng", "--brand", "lao-airlines")
    assert status == 0 and "https://laoairlines-booking.top/" in [c["url"] for c in results]
    with DemoDns({"laotel.com": "203.0.113.1", "laotell.com": "203.0.113.2"}) as dns_server:
        monkeypatch.setenv("MONITOR_DNS_NAMESERVER", dns_server.nameserver)
        status, lookalikes = _collect(tmp_path, "--source", "permutations", "--brand", "lao-telecom")
    assert status == 0 and sorted(c["domain"] for c in lookalikes) == ["laotel.com", "laotell.com"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
@pytest.mark.parametrize("source,payload,official", [
    ("crtsh", "crtsh/laoairlines.json", True),
    ("brave", "brave/laopost.json", False),
    ("google", "google/laopost.json", False),
])
def test_canary_per_source(collect_env, migrated_url, source, payload, official, tmp_path):
    """The canary is 'ok' when the source returns one of the brand's official identities."""
    from monitor import pipeline
    from monitor.settings import Settings

    server = collect_env
    server.expect_request(f"/{source}/").respond_with_data(_fixture(payload), content_type="application/json")
    server.expect_request(f"/{source}/res/v1/web/search").respond_with_data(_fixture(payload),
                                                                           content_type="application/json")
    server.expect_request(f"/{source}/customsearch/v1").respond_with_data(_fixture(payload),
                                                                         content_type="application/json")
    base = server.url_for(f"/{source}").rstrip("/")
    settings = Settings(database_url=migrated_url, brands_file=BRANDS_FILE, allow_private_networks=True,
                        source_urls={source: base}, sources=(source,), extra_ports=(server.port,), host_min_delay=0,
                        brave_api_key="k", google_api_key="k", google_cx="c", enrich_min_score=101)
    brand = "lao-airlines" if source == "crtsh" else "laopost"
    run = pipeline.RunInfo("r", "manual", "2026-11-28T10:00:00+00:00", "2026-11-28T11:00:00+00:00")
    scored = pipeline.score(settings, pipeline.collect(settings, pipeline.PlanItem(brand, source), run))
    assert scored.canary == "ok"
    other = pipeline.score(settings, pipeline.collect(settings, pipeline.PlanItem("tholakhong", source), run))
    assert other.canary == "missing"


def test_nrd_refuses_a_file_without_lines(scorer):
    with pytest.raises(LayoutChanged, match="longer than 512 bytes"):
        list(parse_list(b"x" * 100_000, scorer.might_resemble))


def test_crtsh_keeps_every_name_on_a_certificate():
    cert = [{"id": 7, "entry_timestamp": "2026-11-28T10:30:00", "name_value":
             "laoairlines-booking.top\nlao-airlines-pay.com\nlaoairlinez.net"}]
    found = list(parse_certificates(json.dumps(cert).encode(), (), WINDOW))
    assert [c.domain for c in found] == ["laoairlines-booking.top", "lao-airlines-pay.com", "laoairlinez.net"]
    assert all(c.url is None for c in found)  # enrichment fetches the site, not crt.sh

    from monitor.collectors.base import collect_brand

    class OneCertificate:
        name = "crtsh"

        def queries(self, brand):
            return [Query("%laoairlines%", brand.id)]

        def fetch(self, query, window):
            return json.dumps(cert).encode()

        def parse(self, raw, query, window):
            return parse_certificates(raw, (), WINDOW)

    from monitor.registry import load_registry

    result = collect_brand(OneCertificate(), load_registry(BRANDS_FILE).brand("lao-airlines"), WINDOW)
    assert len(result.found) == 3


def test_a_record_that_cannot_be_scored_does_not_lose_the_batch(tmp_path, migrated_url):
    from monitor import pipeline
    from monitor.settings import Settings

    settings = Settings(database_url=migrated_url, brands_file=BRANDS_FILE, enrich_min_score=101)
    from monitor.records import from_json

    collected = from_json(pipeline.Collected, {
        "collection_run_id": 1, "brand": "lao-airlines", "source": "rss", "status": "ok", "errors": [],
        "layout_changed": False, "queries": 1, "canary_expected": False, "candidates": [
            {"candidate": {"id": "bad", "kind": "page", "url": "https://laoairlines-pay.com]/login",
                           "title": "Lao Airlines"}, "query": None},
            {"candidate": {"id": "good", "kind": "domain", "domain": "laoairlines-promo.top"}, "query": None}]})
    scored = pipeline.score(settings, collected)
    assert [f.canonical_key for f in scored.flagged][-1] == "domain:laoairlines-promo.top"
