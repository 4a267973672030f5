"""Issue #14 part 2: the endpoints the operator configured (MONITOR_<SOURCE>_URL, the RDAP
bootstrap) are trusted exactly (scheme, host, port), on a private address and a high port,
without MONITOR_ALLOW_PRIVATE_NETWORKS or MONITOR_EXTRA_PORTS. Whatever they point to (result
pages, redirects that leave the origin) stays under the SSRF rules."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from werkzeug import Response

from monitor.fetch.http import Fetcher, FetchError
from monitor.fetch.policy import trusted_origins
from monitor.settings import SOURCE_DEFAULT_URLS, Settings
from tests.fetch.test_fetcher_faults import RawServer


def _settings(**env) -> Settings:
    return Settings.from_env({"MONITOR_HOST_MIN_DELAY_MS": "0", "MONITOR_HTTP_RETRIES": "0",
                              "MONITOR_HTTP_DEADLINE": "3", **env})


@pytest.fixture
def other_server():
    """Another loopback server (another port): a result page or redirect may point here; it
    must never be connected to."""
    server = RawServer(lambda conn: conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"))
    yield server
    server.close()


def test_trusted_origins_from_settings():
    settings = Settings.from_env({"MONITOR_SEARXNG_URL": "http://searxng:8080",
                                  "MONITOR_NRD_URL": "http://10.1.2.3:9000/nrd/{date_b64}/list",
                                  "MONITOR_RDAP_BOOTSTRAP_URL": "http://[fd00::5]:8081/rdap/"})
    origins = trusted_origins([*settings.source_urls.values(), settings.rdap_bootstrap_url])
    assert {("http", "searxng", 8080), ("http", "10.1.2.3", 9000), ("http", "fd00::5", 8081),
            ("https", "crt.sh", 443)} <= origins
    assert not any(host == "brands.yaml" for _, host, _ in origins)  # sources without a base URL
    assert len(origins) == len({u for u in settings.source_urls.values() if "://" in u}) + 1


def test_configured_source_on_loopback_high_port_works_without_private_settings(httpserver):
    from monitor.collectors.base import Query, Window
    from monitor.collectors.searxng import SearxngCollector

    httpserver.expect_request("/search").respond_with_json({"results": [{"url": "https://laoairlines-promo.top/",
                                                                          "title": "Lao Airlines promo"}]})
    settings = _settings(MONITOR_SEARXNG_URL=httpserver.url_for("/"))
    assert not settings.allow_private_networks and settings.extra_ports == ()
    fetcher = Fetcher(settings)
    raw = SearxngCollector(settings.source_urls["searxng"], fetcher).fetch(
        Query('"Lao Airlines"', "lao-airlines"), Window(None, dt.datetime.now(dt.UTC)))
    assert json.loads(raw)["results"][0]["url"] == "https://laoairlines-promo.top/"
    # the same without the setting: refused, as it was for every private source before
    with pytest.raises(FetchError, match="not allowed|forbidden"):
        Fetcher(_settings()).get(httpserver.url_for("/search"), trust_configured=True)


def test_result_page_on_another_loopback_port_is_refused(httpserver, other_server):
    settings = _settings(MONITOR_SEARXNG_URL=httpserver.url_for("/"))
    fetcher = Fetcher(settings)
    for url in (other_server.url, other_server.url.replace("127.0.0.1", "localhost"),
                f"http://127.0.0.1:{httpserver.port}".replace("http:", "https:") + "/",  # another scheme
                f"http://localhost:{httpserver.port}/",  # the same server under another name
                "http://127.0.0.1/", "http://[::1]/", "http://169.254.169.254/latest/meta-data/"):
        with pytest.raises(FetchError, match="not allowed|forbidden"):
            fetcher.get(url, polite=False)
    assert other_server.connections == 0 and len(httpserver.log) == 0


def test_redirect_from_the_source_stays_trusted_only_on_its_origin(httpserver, other_server):
    httpserver.expect_request("/same").respond_with_response(Response(status=302, headers={"Location": "/final"}))
    httpserver.expect_request("/final").respond_with_data("ok", content_type="text/plain")
    httpserver.expect_request("/leave").respond_with_response(Response(status=302, headers={"Location": other_server.url}))
    httpserver.expect_request("/metadata").respond_with_response(
        Response(status=302, headers={"Location": "http://169.254.169.254/latest/meta-data/"}))
    fetcher = Fetcher(_settings(MONITOR_SEARXNG_URL=httpserver.url_for("/")))
    assert fetcher.get(httpserver.url_for("/same"), trust_configured=True).body == b"ok"
    with pytest.raises(FetchError, match="port .* is not allowed"):
        fetcher.get(httpserver.url_for("/leave"), trust_configured=True)
    with pytest.raises(FetchError, match="forbidden address"):
        fetcher.get(httpserver.url_for("/metadata"), trust_configured=True)
    assert other_server.connections == 0


def test_rdap_bootstrap_is_trusted_too(httpserver):
    httpserver.expect_request("/rdap/dns.json").respond_with_json({"services": []})
    fetcher = Fetcher(_settings(MONITOR_RDAP_BOOTSTRAP_URL=httpserver.url_for("/rdap/")))
    assert fetcher.get(httpserver.url_for("/rdap/dns.json"), trust_configured=True).status == 200
    # the same port is refused where the bootstrap is not configured: the trust comes from it
    untrusted = Fetcher(Settings(host_min_delay=0))
    with pytest.raises(FetchError, match="forbidden address|is not allowed"):
        untrusted.get(httpserver.url_for("/rdap/dns.json"), trust_configured=True)
    assert len(httpserver.log) == 1


def test_public_defaults_are_the_only_trusted_origins_by_default():
    fetcher = Fetcher(Settings())
    assert {("https", "searx.be", 443), ("https", "data.iana.org", 443)} <= fetcher.trusted
    assert not any(host in ("127.0.0.1", "localhost") for _, host, _ in fetcher.trusted)
    assert set(SOURCE_DEFAULT_URLS) >= {"searxng", "nrd"}


def test_a_scraped_page_redirecting_to_the_configured_origin_gets_no_trust(httpserver, other_server):
    """The chain must start at the configured origin: a result page (here allowed as a public
    site would be) that redirects to the internal SearXNG is filtered like any redirect."""
    httpserver.expect_request("/search").respond_with_data("internal", content_type="text/plain")
    redirect = RawServer(lambda conn: conn.sendall(
        f"HTTP/1.1 302 Found\r\nLocation: {httpserver.url_for('/search')}?q=x\r\nContent-Length: 0\r\n\r\n".encode()))
    try:
        redirect_port = redirect.sock.getsockname()[1]
        fetcher = Fetcher(Settings(**{**_settings(MONITOR_SEARXNG_URL=httpserver.url_for("/")).__dict__,
                                      "extra_ports": (redirect_port,)}), allow_loopback=True)
        with pytest.raises(FetchError, match=f"port {httpserver.port} is not allowed"):
            fetcher.get(redirect.url, polite=False)
        # and a scraped URL on that very origin, fetched as data, gets none either
        with pytest.raises(FetchError, match=f"port {httpserver.port} is not allowed"):
            fetcher.get(httpserver.url_for("/search"), polite=False, trust_configured=False)
        # as the source, by the explicit opt-in only
        assert fetcher.get(httpserver.url_for("/search"), polite=False, trust_configured=True).body == b"internal"
    finally:
        redirect.close()
    assert len(httpserver.log) == 1


# ---------------------------------------------------------------- issue #20 item 3

def test_untrusted_is_the_default_and_trust_an_explicit_opt_in(httpserver, tmp_path):
    """A call that says nothing is filtered, even on the configured origin: only the explicit
    trust_configured=True (what the collectors pass for their base URL) reaches it."""
    httpserver.expect_request("/search").respond_with_data("internal", content_type="text/plain")
    fetcher = Fetcher(_settings(MONITOR_SEARXNG_URL=httpserver.url_for("/")))
    with pytest.raises(FetchError, match=f"port {httpserver.port} is not allowed"):
        fetcher.get(httpserver.url_for("/search"))
    with pytest.raises(FetchError, match=f"port {httpserver.port} is not allowed"):
        fetcher.download(httpserver.url_for("/search"), tmp_path / "list")
    assert len(httpserver.log) == 0 and not (tmp_path / "list").exists()
    assert fetcher.get(httpserver.url_for("/search"), trust_configured=True).body == b"internal"


def test_evidence_of_a_scraped_url_on_the_configured_origin_is_not_fetched(httpserver):
    """A search result that points at the internal SearXNG itself: its page is not fetched,
    so it is never saved as evidence (and so never reaches a draft, an email or a download)."""
    from monitor.takedown.evidence import capture

    httpserver.expect_request("/robots.txt").respond_with_data("")
    httpserver.expect_request("/config").respond_with_data("<title>internal settings</title>",
                                                           content_type="text/html")
    fetcher = Fetcher(_settings(MONITOR_SEARXNG_URL=httpserver.url_for("/")))
    evidence = capture(fetcher, httpserver.url_for("/config"), max_bytes=100_000, now=dt.datetime.now(dt.UTC))
    assert evidence.html is None and evidence.title is None
    assert f"port {httpserver.port} is not allowed" in evidence.error
    assert len(httpserver.log) == 0


def test_robots_txt_of_an_untrusted_page_is_fetched_untrusted(httpserver):
    """A page named by data on the configured origin's host name and an allowed port: its
    robots.txt is not fetched with the endpoint's trust either (no request reaches the server)."""
    httpserver.expect_request("/robots.txt").respond_with_data("")
    httpserver.expect_request("/page").respond_with_data("<title>x</title>", content_type="text/html")
    origin = f"http://localhost:{httpserver.port}"
    fetcher = Fetcher(Settings(**{**_settings(MONITOR_SEARXNG_URL=origin).__dict__,
                                  "extra_ports": (httpserver.port,)}))
    with pytest.raises(FetchError):
        fetcher.get(f"{origin}/page", robots=True, polite=False)
    assert len(httpserver.log) == 0


def test_rdap_answers_are_fetched_untrusted_and_only_the_bootstrap_trusted(httpserver, session_factory):
    """The bootstrap is configuration; the RDAP server it names and the registrar's
    `related` link are data: the contact finder asks for no trust for them."""
    from monitor.takedown.channels import AbuseDirectory
    from monitor.takedown.contacts import ContactFinder

    base = httpserver.url_for("/")
    httpserver.expect_request("/rdap/dns.json").respond_with_json(
        {"services": [[["example"], [f"{base}registry/"]]]})
    httpserver.expect_request("/registry/domain/shop.example").respond_with_json(
        {"objectClassName": "domain", "ldhName": "shop.example",
         "links": [{"rel": "related", "href": f"{base}registrar/domain/shop.example",
                    "type": "application/rdap+json"}]},
        content_type="application/rdap+json")
    httpserver.expect_request("/registrar/domain/shop.example").respond_with_json(
        {"objectClassName": "domain", "ldhName": "shop.example"}, content_type="application/rdap+json")
    calls = []

    class Recording(Fetcher):
        def get(self, url, **kwargs):
            calls.append((url.removeprefix(base), kwargs.get("trust_configured", False)))
            return super().get(url, **kwargs)

    settings = Settings(**{**_settings(MONITOR_RDAP_BOOTSTRAP_URL=f"{base}rdap/").__dict__,
                           "allow_private_networks": True, "extra_ports": (httpserver.port,)})
    finder = ContactFinder(settings, session_factory, AbuseDirectory(platforms={}), fetcher=Recording(settings))
    finder.registration("shop.example")
    assert calls == [("rdap/dns.json", True), ("registry/domain/shop.example", False),
                     ("registrar/domain/shop.example", False)], calls
