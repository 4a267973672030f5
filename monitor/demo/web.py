"""A tiny local web for the demo and the tests: a SearXNG-compatible JSON search API over a
list of pages. It is input, not logic under test: it returns what a search engine would.

Query syntax understood: "quoted phrases", plain words and site:host filters."""

from __future__ import annotations

import json
import shlex
import threading
from dataclasses import dataclass
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


def load_pages(path: Path | None = None) -> list[Page]:
    text = path.read_text("utf-8") if path else resources.files("monitor.demo").joinpath("web.yaml").read_text("utf-8")
    return [Page(**entry) for entry in yaml.safe_load(text)["pages"]]


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
        "results": [
            {
                "url": page.url,
                "title": page.title,
                "content": page.content,
                "engine": "demo",
                "engines": ["demo"],
                "positions": [rank + 1],
                "score": round(1.0 / (rank + 1), 3),
                "category": "general",
                "parsed_url": list(urlsplit(page.url)),
                "publishedDate": None,
            }
            for rank, page in enumerate(results)
        ],
        "answers": [],
        "corrections": [],
        "infoboxes": [],
        "suggestions": [],
        "unresponsive_engines": [],
    }


class DemoWeb:
    """Serve the demo web on 127.0.0.1 in a background thread."""

    def __init__(self, pages: list[Page] | None = None, port: int = 0):
        self.pages = pages if pages is not None else load_pages()
        self.requests: list[str] = []
        web = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:  # keep the demo's output readable
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server naming
                web.requests.append(self.path)
                parts = urlsplit(self.path)
                if parts.path == "/search":
                    params = parse_qs(parts.query)
                    if params.get("format", [""])[0] != "json":
                        self._send(403, "text/plain", b"format not allowed")
                        return
                    query = params.get("q", [""])[0]
                    body = json.dumps(searxng_payload(query, search(web.pages, query))).encode()
                    self._send(200, "application/json", body)
                    return
                self._send(404, "text/plain", b"not found")

            def _send(self, status: int, content_type: str, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> "DemoWeb":
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()


