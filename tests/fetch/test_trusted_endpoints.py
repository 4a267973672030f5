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
        Fetcher(_settings()).get(httpserver.url_for("/search"))


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
    assert fetcher.get(httpserver.url_for("/same")).body == b"ok"
    with pytest.raises(FetchError, match="port .* is not allowed"):
        fetcher.get(httpserver.url_for("/leave"))
    with pytest.raises(FetchError, match="forbidden address"):
        fetcher.get(httpserver.url_for("/metadata"))
    assert other_server.connections == 0


def test_rdap_bootstrap_is_trusted_too(httpserver):
    httpserver.expect_request("/rdap/dns.json").respond_with_json({"services": []})
    fetcher = Fetcher(_settings(MONITOR_RDAP_BOOTSTRAP_URL=httpserver.url_for("/rdap/")))
    assert fetcher.get(httpserver.url_for("/rdap/dns.json")).status == 200


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
        assert fetcher.get(httpserver.url_for("/search"), polite=False).body == b"internal"  # as the source
    finally:
        redirect.close()
    assert len(httpserver.log) == 1
