"""The local internet of the takedown tests: RDAP, WHOIS, DNS, the pages and SMTP, and
findings seeded in a migrated database."""

from __future__ import annotations

import datetime as dt
import json
import re

import pytest
from sqlalchemy import select
from werkzeug import Response

from tests.conftest import BRANDS_FILE, FIXTURES, ROOT

CHANNELS = ROOT / "config" / "abuse_channels.yaml"
NOW = dt.datetime(2026, 11, 29, 9, 0, tzinfo=dt.UTC)


def _rdap(name: str, base: str = "https://rdap.example") -> dict:
    return json.loads((FIXTURES / "rdap" / name).read_text("utf-8").replace("{RDAP}", base))


PAGES = {
    ("www.facebook.com", "/laoairlines.promo2026"): ("ການບິນລາວ ໂປຣໂມຊັ່ນ | Facebook",
                                                     "ແຈກປີ້ຍົນຟຣີ 100 ໃບ ພຽງແຊຣ໌ ແລະ ກົດໄລຄ໌"),
    ("laoairlines-bookings.com", "/"): ("Lao Airlines - Online booking", "Enter your card number to confirm."),
    ("laopost-parcel.pages.dev", "/"): ("Laopost - parcel held at customs", "Pay the customs fee by card."),
    ("laotel-gift.top", "/claim"): ("Lao Telecom Gift - claim 10GB", "Enter the OTP we send you."),
    ("laopatthana-news.la", "/"): ("Laopatthana News - donate", "Donate to flood victims."),
    ("laopost-tracking.xyz", "/track"): ("Laopost - your parcel is held", "Pay the customs fee."),
}


FINDINGS = [
    # brand, canonical key, kind, platform, url, candidate
    ("lao-airlines", "facebook:laoairlines.promo2026", "account", "facebook",
     "https://www.facebook.com/laoairlines.promo2026", {"kind": "account", "platform": "facebook"}),
    ("lao-airlines", "domain:laoairlines-bookings.com", "domain", None, None,
     {"kind": "domain", "domain": "laoairlines-bookings.com"}),
    ("laopost", "domain:laopost-parcel.pages.dev", "page", None, "https://laopost-parcel.pages.dev/",
     {"kind": "page"}),
    ("lao-telecom", "url:laotel-gift.top/claim", "page", None, "https://laotel-gift.top/claim", {"kind": "page"}),
    ("laopatthana", "domain:laopatthana-news.la", "page", None, "https://laopatthana-news.la/", {"kind": "page"}),
    ("laopost", "url:laopost-tracking.xyz/track", "page", None, "https://laopost-tracking.xyz/track",
     {"kind": "page"}),
]


def page_html(title: str, text: str) -> bytes:
    return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{title}</title></head>'
            f'<body><h1>{title}</h1><p>{text}</p><form><input name="cardnumber"></form></body></html>').encode()


@pytest.fixture
def local_internet(httpserver):
    """RDAP (bootstrap, registries, registrar, RIR) and the pages, by Host header."""
    base = httpserver.url_for("").rstrip("/")
    seen: list[str] = []
    gone: set[tuple[str, str]] = set()  # pages taken down: (host, path)
    pages = dict(PAGES)  # what each page shows now (a test may change it)
    rdap_answers: dict[str, str] = {}  # path -> an RDAP body a test serves (hostile ones)
    rdap = {
        "/iana/dns.json": "dns.json", "/iana/ipv4.json": "ipv4.json", "/iana/ipv6.json": "ipv6.json",
        "/verisign/com/v1/domain/laoairlines-bookings.com": "verisign-laoairlines-bookings.com.json",
        "/registrar-rdap/domain/LAOAIRLINES-BOOKINGS.COM": "registrar-laoairlines-bookings.com.json",
        "/nic.top/domain/laotel-gift.top": "nic.top-laotel-gift.top.json",
        "/apnic/ip/45.76.12.34": "apnic-45.76.0.0.json",
        "/apnic/ip/45.76.12.36": "apnic-45.76.0.0.json",
        "/apnic/ip/45.76.12.35": "apnic-45.76.0.0.json",
        "/loopback-rir/ip/127.0.0.1": "apnic-45.76.0.0.json",  # a URL on a bare address (tests only)
    }

    def handler(request):
        host = request.headers.get("Host", "").split(":")[0]
        seen.append(f"{host}{request.path}")
        if host == "127.0.0.1":
            if request.path in rdap_answers:
                return Response(rdap_answers[request.path], content_type="application/rdap+json")
            if request.path in rdap:
                body = (FIXTURES / "rdap" / rdap[request.path]).read_text("utf-8").replace("{RDAP}", base)
                return Response(body, content_type="application/rdap+json")
            if request.path == "/centralnic/xyz/domain/broken.xyz":  # valid JSON, not RDAP's shape
                return Response(json.dumps({"objectClassName": "domain", "entities": 5}),
                                content_type="application/rdap+json")
            if request.path.startswith("/centralnic/"):
                return Response("internal error", status=500, content_type="text/plain")
            return Response(json.dumps({"errorCode": 404, "title": "Not Found"}), status=404,
                            content_type="application/rdap+json")
        if request.path == "/robots.txt":
            return Response("not found", status=404)
        page = pages.get((host, request.path))
        if page is None or (host, request.path) in gone:
            return Response("<html><title>Not found</title></html>", status=404, content_type="text/html")
        return Response(page_html(*page), content_type="text/html; charset=utf-8")

    httpserver.expect_request(re.compile(".*")).respond_with_handler(handler)
    httpserver.seen = seen
    httpserver.gone = gone
    httpserver.pages = pages
    httpserver.rdap_answers = rdap_answers
    return httpserver


@pytest.fixture
def takedown_env(monkeypatch, migrated_url, local_internet, smtp_sink, tmp_path):
    from monitor.demo.dns import DemoDns
    from monitor.demo.whois import DemoWhois

    whois_text = (FIXTURES / "whois" / "whois.nic.la-laopatthana-news.la.txt").read_text("utf-8")
    dns_records = {"laoairlines-bookings.com": "45.76.12.34", "laotel-gift.top": "45.76.12.35",
                   "laopost-tracking.xyz": "45.76.12.36", "laopatthana-news.la": "103.1.2.3"}
    with DemoDns(dns_records) as dns_server, DemoWhois({"laopatthana-news.la": whois_text}) as whois:
        env = {
            "MONITOR_DATABASE_URL": migrated_url, "MONITOR_BRANDS_FILE": str(BRANDS_FILE),
            "MONITOR_ABUSE_CHANNELS_FILE": str(CHANNELS),
            "MONITOR_TAKEDOWN_TEMPLATES": str(ROOT / "config" / "takedown"),
            "MONITOR_ALLOW_PRIVATE_NETWORKS": "1", "MONITOR_EXTRA_PORTS": str(local_internet.port),
            "MONITOR_HTTP_RESOLVE": f"whois.nic.la=127.0.0.1:{whois.port},*=127.0.0.1:{local_internet.port}",
            "MONITOR_RDAP_BOOTSTRAP_URL": local_internet.url_for("/iana/"),
            "MONITOR_DNS_NAMESERVER": dns_server.nameserver,
            "MONITOR_HOST_MIN_DELAY_MS": "0", "MONITOR_HTTP_RETRIES": "0",
            "MONITOR_MAIL_FROM": "monitor@example.org", "MONITOR_OUTBOX_DIR": str(tmp_path / "outbox"),
            # a browser per draft would slow every test; one test below turns it on
            "MONITOR_SCREENSHOTS": "0",
        }
        for key, value in env.items():
            monkeypatch.setenv(key, value)
        yield {"url": migrated_url, "whois": whois, "dns": dns_server, "web": local_internet}


def seed_findings(url: str, findings=FINDINGS, now: dt.datetime = NOW) -> dict[str, int]:
    from monitor.store.db import make_engine, session_factory
    from monitor.store.repo import FindingInput, upsert_findings

    factory = session_factory(make_engine(url))
    items = [FindingInput(brand, key, kind, platform, url_, key.split(":", 1)[1], 90, "impersonation",
                          ["the page asks for a payment card number", f"the name imitates the brand ({brand})"],
                          {**candidate, "id": key, "url": url_}, "searxng", None)
             for brand, key, kind, platform, url_, candidate in findings]
    with factory() as session:
        upsert_findings(session, items, collection_run_id=None, now=now - dt.timedelta(hours=5))
        session.commit()
        from monitor.store.models import Finding

        return {f.canonical_key: f.id for f in session.scalars(select(Finding))}
