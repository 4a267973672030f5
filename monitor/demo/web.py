"""A small local web for the demo and the tests: it answers like each source would (a
SearXNG JSON API, Brave and Google search APIs, crt.sh, a newly-registered-domains list,
OpenPhish and URLhaus feeds, a listing page and an RSS feed) and serves the sites those
point to, by Host header. It is input, not logic under test: it returns what the real
services would, built from web.yaml at request time (timestamps are "a few minutes ago").

Query syntax understood by the search endpoints: "quoted phrases", plain words, site:host."""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import json
import shlex
import threading
from dataclasses import dataclass
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import yaml


@dataclass(frozen=True)
class Page:
    url: str
    title: str
    content: str
    # A payment QR code the page shows inline ({account, amount, name}: an EMVCo code, as LAO QR).
    qr: dict[str, str] | None = None
    # A site template the page is built on (the web's `templates`): its layout and favicon.
    template: str | None = None


# The listing page and feed the demo adds to brands.yaml: a name of their own, as on the web.
LISTINGS_HOST = "listings.demo.example"


def load_web(path: Path | None = None) -> dict[str, Any]:
    text = path.read_text("utf-8") if path else resources.files("monitor.demo").joinpath("web.yaml").read_text("utf-8")
    web: dict[str, Any] = yaml.safe_load(text)  # web.yaml is a mapping
    return web


def _matches(page: Page, terms: list[str], sites: list[str]) -> bool:
    host = (urlsplit(page.url).hostname or "").lower()
    if sites and not any(host == s or host.endswith("." + s) for s in sites):
        return False
    haystack = f"{page.title} {page.content} {page.url}".casefold()
    return all(term.casefold() in haystack for term in terms)


def search(pages: list[Page], query: str) -> list[Page]:
    try:
        tokens = shlex.split(query)
    except ValueError:
        tokens = query.split()
    sites = [t[5:].lower() for t in tokens if t.lower().startswith("site:")]
    terms = [t for t in tokens if not t.lower().startswith("site:")]
    return [p for p in pages if _matches(p, terms, sites)]


def searxng_payload(query: str, results: list[Page]) -> dict[str, Any]:
    """The JSON SearXNG returns for /search?format=json (fields as in SearXNG 2024+)."""
    return {
        "query": query,
        "number_of_results": len(results),
        "results": [{"url": p.url, "title": p.title, "content": p.content, "engine": "demo", "engines": ["demo"],
                     "positions": [rank + 1], "score": round(1.0 / (rank + 1), 3), "category": "general",
                     "parsed_url": list(urlsplit(p.url)), "publishedDate": None}
                    for rank, p in enumerate(results)],
        "answers": [], "corrections": [], "infoboxes": [], "suggestions": [], "unresponsive_engines": [],
    }


def brave_payload(query: str, results: list[Page]) -> dict[str, Any]:
    payload: dict[str, Any] = {"type": "search", "query": {"original": query, "more_results_available": False}}
    if results:
        payload["web"] = {"type": "search", "results": [
            {"title": p.title, "url": p.url, "description": p.content, "language": "en", "type": "search_result"}
            for p in results]}
    return payload


def google_payload(query: str, results: list[Page]) -> dict[str, Any]:
    payload: dict[str, Any] = {"kind": "customsearch#search",
                               "searchInformation": {"totalResults": str(len(results))}}
    if results:
        payload["items"] = [{"kind": "customsearch#result", "title": p.title, "link": p.url, "snippet": p.content,
                             "displayLink": urlsplit(p.url).hostname} for p in results]
    return payload


def qr_png_base64(spec: dict[str, str]) -> str:
    """A payment QR code (EMVCo, as LAO QR) for an account and an amount, as base64 PNG."""
    import base64

    import numpy as np
    import zxingcpp
    from PIL import Image

    from monitor.campaigns.payments import emv_payload

    account = spec["account"]
    merchant = "0016A005266284662577" + f"01{len(account):02d}{account}" + "0203001"
    payload = emv_payload([("00", "01"), ("01", "12"), ("38", merchant), ("53", "418"), ("54", spec["amount"]),
                           ("58", "LA"), ("59", spec.get("name", "SHOP")[:25]), ("60", "VIENTIANE")])
    image = Image.fromarray(np.asarray(zxingcpp.write_barcode_to_image(
        zxingcpp.create_barcode(payload, zxingcpp.BarcodeFormat.QRCode), scale=4)))
    out = io.BytesIO()
    image.save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode("ascii")


def solid_png_base64(colour: str) -> str:
    """A template's favicon: a 16 x 16 square of one colour."""
    import base64

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (16, 16), colour).save(out, "PNG")
    return base64.b64encode(out.getvalue()).decode("ascii")


class DemoWeb:
    """Serve the demo web on 127.0.0.1 in a background thread."""

    def __init__(self, web: dict[str, Any] | None = None, port: int = 0, filler_domains: int = 2000):
        self.web = web if web is not None else load_web()
        self.pages = [Page(**entry) for entry in self.web["pages"]]
        self.filler_domains = filler_domains
        self.requests: list[str] = []
        demo = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep the demo's output readable
                pass

            def do_GET(self) -> None:  # http.server naming
                demo.requests.append(self.path)
                host = (self.headers.get("Host") or "").split(":")[0].lower()
                status, content_type, body = demo.respond(host, self.path)
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    # ------------------------------------------------------------ routing

    def respond(self, host: str, path: str) -> tuple[int, str, bytes]:
        parts = urlsplit(path)
        params = {k: v[0] for k, v in parse_qs(parts.query).items()}
        if host not in ("127.0.0.1", "localhost", LISTINGS_HOST):
            return self._site(host, parts.path)
        route = parts.path
        query = params.get("q", "")
        if route == "/search":
            if params.get("format") != "json":
                return 403, "text/plain", b"format not allowed"
            return self._json(searxng_payload(query, search(self.pages, query)))
        if route == "/brave/res/v1/web/search":
            return self._json(brave_payload(query, search(self.pages, query)))
        if route == "/google/customsearch/v1":
            return self._json(google_payload(query, search(self.pages, query)))
        if route.rstrip("/") == "/crtsh":
            return self._json(self._certificates(query.strip("%").lower()))
        if route.startswith("/nrd/"):
            return 200, "text/plain", self._newly_registered().encode()
        if route == "/openphish/feed.txt":
            return 200, "text/plain", ("\n".join(self.web.get("phishing_urls", [])) + "\n").encode()
        if route.rstrip("/") == "/urlhaus":
            return 200, "text/csv", self._urlhaus().encode()
        if route == "/listing/directory":
            return 200, "text/html; charset=utf-8", self._listing().encode()
        if route == "/rss/classifieds.xml":
            return 200, "application/rss+xml", self._rss().encode()
        if route.startswith("/rdap/"):
            return self._rdap(route.removeprefix("/rdap/"))
        if route == "/robots.txt":
            return 404, "text/plain", b"no robots.txt"
        return 404, "text/plain", b"not found"

    @staticmethod
    def _json(payload: Any) -> tuple[int, str, bytes]:
        return 200, "application/json", json.dumps(payload, ensure_ascii=False).encode()

    @staticmethod
    def _recently(minutes: int = 20) -> dt.datetime:
        return dt.datetime.now(dt.UTC) - dt.timedelta(minutes=minutes)

    def _rdap(self, path: str) -> tuple[int, str, bytes]:
        """RDAP as registries and RIRs answer it: IANA's bootstrap files, domains, networks."""
        config = self.web.get("rdap", {})
        base = f"{self.url}/rdap/"
        rdap_type = "application/rdap+json"

        def vcard(name: str, email: str | None = None) -> list[Any]:
            props = [["version", {}, "text", "4.0"], ["fn", {}, "text", name]]
            return ["vcard", props + ([["email", {}, "text", email]] if email else [])]

        if path.startswith("bootstrap/"):
            name = path.removeprefix("bootstrap/")
            services = {"dns.json": [[sorted(config.get("registrars", {})), [base]]],
                        "ipv4.json": [[[n["cidr"] for n in config.get("networks", [])], [base]]],
                        "ipv6.json": [[["2001:db8::/32"], [base]]]}.get(name)
            if services is None:
                return 404, "text/plain", b"not found"
            return self._json({"version": "1.0", "publication": self._recently().strftime("%Y-%m-%dT%H:%M:%SZ"),
                               "description": f"RDAP bootstrap file ({name}), demo", "services": services})
        not_found = (404, rdap_type, json.dumps({"errorCode": 404, "title": "Not Found"}).encode())
        if path.startswith("domain/"):
            name = path.removeprefix("domain/").lower()
            registrar = config.get("registrars", {}).get(name.rsplit(".", 1)[-1])
            if registrar is None:
                return not_found
            registered = dt.datetime.now(dt.UTC) - dt.timedelta(days=config.get("registered_days_ago", 6))
            body = {"objectClassName": "domain", "ldhName": name, "rdapConformance": ["rdap_level_0"],
                    "status": ["client transfer prohibited"],
                    "entities": [{"objectClassName": "entity", "roles": ["registrar"], "handle": registrar["iana_id"],
                                  "publicIds": [{"type": "IANA Registrar ID", "identifier": registrar["iana_id"]}],
                                  "vcardArray": vcard(registrar["name"]),
                                  "entities": [{"objectClassName": "entity", "roles": ["abuse"],
                                                "vcardArray": vcard("Abuse desk", registrar["abuse"])}]}],
                    "events": [{"eventAction": "registration", "eventDate": registered.strftime("%Y-%m-%dT%H:%M:%SZ")}]}
            return 200, rdap_type, json.dumps(body).encode()
        if path.startswith("ip/"):
            import ipaddress

            try:
                address = ipaddress.ip_address(path.removeprefix("ip/"))
            except ValueError:
                return 400, "text/plain", b"bad address"
            for network in config.get("networks", []):
                cidr = ipaddress.ip_network(network["cidr"])
                if address in cidr:
                    body = {"objectClassName": "ip network", "handle": network["cidr"], "name": network["name"],
                            "startAddress": str(cidr[0]), "endAddress": str(cidr[-1]), "ipVersion": "v4",
                            "country": network["country"],
                            "cidr0_cidrs": [{"v4prefix": str(cidr.network_address), "length": cidr.prefixlen}],
                            "entities": [{"objectClassName": "entity", "roles": ["abuse"],
                                          "vcardArray": vcard("Abuse", network["abuse"])},
                                         {"objectClassName": "entity", "roles": ["registrant"],
                                          "vcardArray": vcard(network["holder"])}]}
                    return 200, rdap_type, json.dumps(body).encode()
        return not_found

    def _certificates(self, term: str) -> list[dict[str, Any]]:
        issued = self._recently()
        names = [n for n in self.web.get("certificates", []) if term and term in n.replace("-", "")]
        return [{"issuer_ca_id": 295815, "issuer_name": "C=US, O=Let's Encrypt, CN=R11", "common_name": name,
                 "name_value": name, "id": 15_000_000_000 + number,
                 "entry_timestamp": issued.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3],
                 "not_before": issued.strftime("%Y-%m-%dT%H:%M:%S"),
                 "not_after": (issued + dt.timedelta(days=90)).strftime("%Y-%m-%dT%H:%M:%S"),
                 "serial_number": f"{number:032x}"} for number, name in enumerate(names)]

    def _newly_registered(self) -> str:
        words = ("blue green river house market coffee travel garden happy sun moon star cloud city north south "
                 "best smart fast tech shop food home rice lake hill stone paper").split()
        filler = [f"{words[i % len(words)]}{words[(i // len(words)) % len(words)]}{i}.com"
                  for i in range(self.filler_domains)]
        names = filler[: len(filler) // 2] + list(self.web.get("newly_registered", [])) + filler[len(filler) // 2:]
        return "\n".join(names) + "\n"

    def _urlhaus(self) -> str:
        out = io.StringIO()
        out.write("################################################################\n"
                  "# abuse.ch URLhaus Database Dump (CSV - recent URLs only)      #\n"
                  "################################################################\n#\n"
                  "# id,dateadded,url,url_status,last_online,threat,tags,urlhaus_link,reporter\n")
        writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\n")
        added = self._recently().strftime("%Y-%m-%d %H:%M:%S")
        for number, url in enumerate(self.web.get("malware_urls", []), 3_400_000):
            writer.writerow([number, added, url, "online", added, "malware_download", "apk",
                             f"https://urlhaus.abuse.ch/url/{number}/", "demo"])
        return out.getvalue()

    def _listing(self) -> str:
        entries = "".join(f'<div class="entry"><h3><a href="{html.escape(e["url"])}">{html.escape(e["title"])}</a></h3>'
                          f'<p>{html.escape(e["text"])}</p></div>' for e in self.web["listing"]["entries"])
        return f'<!DOCTYPE html><html><head><title>Directory</title></head><body><div class="results">{entries}</div></body></html>'

    def _rss(self) -> str:
        published = format_datetime(self._recently(), usegmt=True)
        items = "".join(f"<item><title>{html.escape(e['title'])}</title><link>{html.escape(e['url'])}</link>"
                        f"<description>{html.escape(e['text'])}</description><pubDate>{published}</pubDate></item>"
                        for e in self.web["feed"]["entries"])
        return (f'<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel><title>Classifieds</title>'
                f"<link>https://classifieds.example/</link><description>New ads</description>{items}</channel></rss>")

    def _site(self, host: str, path: str) -> tuple[int, str, bytes]:
        """A page of one of the demo's sites, as its owner serves it."""
        if path == "/robots.txt":
            return 404, "text/plain", b"not found"
        for page in self.pages:
            parts = urlsplit(page.url)
            if (parts.hostname or "") == host and (parts.path or "/").rstrip("/") == (path or "/").rstrip("/"):
                form = self.web.get("forms", {}).get(page.url)
                fields = ""
                if form == "card":
                    fields = ('<form method="post"><input name="cardnumber" placeholder="Card number">'
                              '<input name="cvv"><button>Pay</button></form>')
                elif form == "password":
                    fields = '<form method="post"><input name="phone"><input type="password" name="password"></form>'
                if page.qr:
                    fields += f'<p><img alt="QR" src="data:image/png;base64,{qr_png_base64(page.qr)}"></p>'
                if page.template:
                    return 200, "text/html; charset=utf-8", self._templated(page, fields).encode()
                body = (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(page.title)}</title>'
                        f'<meta name="description" content="{html.escape(page.content)}"></head><body>'
                        f'<h1>{html.escape(page.title)}</h1><p>{html.escape(page.content)}</p>{fields}</body></html>')
                return 200, "text/html; charset=utf-8", body.encode()
        for entry in self.web["listing"]["entries"] + self.web["feed"]["entries"]:
            parts = urlsplit(entry["url"])
            if (parts.hostname or "") == host and (parts.path or "/") == (path or "/"):
                return 200, "text/html; charset=utf-8", self._page(entry["title"], entry["text"])
        if host in self._registered_hosts():
            # registered for a lookalike, no content of its own yet: a parked page
            return 200, "text/html; charset=utf-8", self._page(host, f"{host} is coming soon.")
        return 404, "text/html", b"<html><title>Not found</title></html>"

    def _templated(self, page: Page, fields: str) -> str:
        """A page built on one of the web's templates: the template's layout and favicon, the page's words."""
        spec = self.web["templates"][page.template]
        templated: str = spec["html"].format(title=html.escape(page.title), content=html.escape(page.content),
                                             fields=fields, favicon=solid_png_base64(spec["favicon_colour"]))
        return templated

    @staticmethod
    def _page(title: str, text: str) -> bytes:
        return (f'<!DOCTYPE html><html><head><meta charset="utf-8"><title>{html.escape(title)}</title></head>'
                f'<body><h1>{html.escape(title)}</h1><p>{html.escape(text)}</p></body></html>').encode()

    def _registered_hosts(self) -> set[str]:
        """Every domain the demo's sources say exists (certificates, registrations, feeds)."""
        hosts = set(self.web.get("registered_lookalikes", [])) | set(self.web.get("certificates", [])) | \
            set(self.web.get("newly_registered", []))
        for url in self.web.get("phishing_urls", []) + self.web.get("malware_urls", []):
            hosts.add(urlsplit(url).hostname or "")
        return {h.removeprefix("*.") for h in hosts if h}

    # ------------------------------------------------------------ lifecycle

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def source_environment(self) -> dict[str, str]:
        """MONITOR_* settings that point every source at this demo web."""
        from monitor.collectors.sources import SOURCES

        env = {}
        for spec in SOURCES.values():  # every source the demo web answers for, with demo keys
            if spec.demo_path is not None:
                env[spec.url_env] = self.url + spec.demo_path
                env.update({key.env: "demo" for key in spec.keys})
        return env | {
            # The sources and RDAP are configured endpoints (trusted as configuration); the sites
            # they point to, and the listing page and feed of brands.yaml, are reached by name
            # through MONITOR_HTTP_RESOLVE, which needs MONITOR_ALLOW_PRIVATE_NETWORKS.
            "MONITOR_ALLOW_PRIVATE_NETWORKS": "1",
            "MONITOR_HTTP_RESOLVE": f"*=127.0.0.1:{self.port}",
            "MONITOR_HOST_MIN_DELAY_MS": "0",
            "MONITOR_RDAP_BOOTSTRAP_URL": f"{self.url}/rdap/bootstrap/",
        }

    def brands_with_sources(self, brands_yaml: str) -> str:
        """The registry with this web's listing page and feed added (the demo's brands.yaml)."""
        data = yaml.safe_load(brands_yaml)
        for brand in data["brands"]:
            if brand["id"] == self.web["listing"]["brand"]:
                brand["listings"] = [{"url": f"http://{LISTINGS_HOST}/listing/directory", "item": "div.entry", "link": "h3 a",
                                      "title": "h3"}]
            if brand["id"] == self.web["feed"]["brand"]:
                brand["feeds"] = [f"http://{LISTINGS_HOST}/rss/classifieds.xml"]
        return yaml.safe_dump(data, allow_unicode=True, sort_keys=False)

    def __enter__(self) -> DemoWeb:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
