"""The one fetcher every collector uses: http(s) only, no private addresses (checked after
DNS resolution, on every redirect hop, and connected to the checked address), at most five
redirects, a total deadline, a body cap counted after decompression, and content types
checked per call."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import requests
from requests_hardened import Config, HTTPSession

from monitor.settings import Settings

MAX_REDIRECTS = 5
DEFAULT_PORTS = {"http": 80, "https": 443}


class FetchError(Exception):
    """A fetch that did not produce a complete, acceptable response."""


@dataclass(frozen=True)
class FetchResult:
    url: str  # final URL after redirects
    status: int
    content_type: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


class Fetcher:
    def __init__(self, settings: Settings, extra_ports: tuple[int, ...] = ()):
        self.settings = settings
        self.allowed_ports = {80, 443, *extra_ports}
        config = Config(
            # MONITOR_ALLOW_PRIVATE_NETWORKS (tests and the demo) turns the filter off.
            ip_filter_enable=not settings.allow_private_networks,
            ip_filter_allow_loopback_ips=False,
            never_redirect=False,
            default_timeout=(5, settings.http_timeout),
            user_agent_override=settings.user_agent,
        )
        self.session = HTTPSession(config)
        self.session.max_redirects = MAX_REDIRECTS
        self.session.hooks["response"].append(self._check_redirect)

    def _check_url(self, url: str) -> None:
        parts = urlsplit(url)
        if parts.scheme not in DEFAULT_PORTS:
            raise FetchError(f"{url}: only http and https URLs are fetched")
        if parts.username or parts.password:
            raise FetchError(f"{url}: URLs with credentials are refused")
        if not parts.hostname:
            raise FetchError(f"{url}: no host")
        port = parts.port or DEFAULT_PORTS[parts.scheme]
        if port not in self.allowed_ports and not self.settings.allow_private_networks:
            raise FetchError(f"{url}: port {port} is not allowed")

    def _check_redirect(self, response: requests.Response, *args, **kwargs) -> None:  # noqa: ANN002,ANN003
        if response.is_redirect:
            location = response.headers.get("Location", "")
            target = requests.compat.urljoin(response.url, location)
            self._check_url(target)

    def get(self, url: str, *, params: dict[str, str] | None = None, accept: tuple[str, ...] = (),
            max_bytes: int = 5_000_000, deadline_seconds: float | None = None) -> FetchResult:
        """GET a URL; raise FetchError unless the whole body arrives within the deadline,
        under the size cap, with an acceptable content type and a 2xx status."""
        self._check_url(url)
        deadline = time.monotonic() + (deadline_seconds or self.settings.http_timeout * 2)
        try:
            with self.session.get(url, params=params, stream=True,
                                  headers={"Accept": ", ".join(accept) or "*/*"}) as response:
                content_type = response.headers.get("Content-Type", "").split(";")[0].strip().lower()
                if response.status_code >= 400:
                    raise FetchError(f"{response.url}: HTTP {response.status_code}")
                if accept and content_type not in accept:
                    raise FetchError(f"{response.url}: content type {content_type or 'none'!r}, "
                                     f"expected {' or '.join(accept)}")
                chunks, size = [], 0
                # decode_content: the cap counts decompressed bytes, so a gzip bomb stops at it
                for chunk in response.raw.stream(64 * 1024, decode_content=True):
                    size += len(chunk)
                    if size > max_bytes:
                        raise FetchError(f"{response.url}: body larger than {max_bytes} bytes")
                    if time.monotonic() > deadline:
                        raise FetchError(f"{response.url}: no complete response within the deadline")
                    chunks.append(chunk)
                return FetchResult(response.url, response.status_code, content_type, b"".join(chunks),
                                   dict(response.headers))
        except FetchError:
            raise
        except requests.TooManyRedirects:
            raise FetchError(f"{url}: more than {MAX_REDIRECTS} redirects") from None
        except requests.RequestException as exc:
            raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from None
        except Exception as exc:  # urllib3 protocol errors surface from raw.stream
            raise FetchError(f"{url}: {type(exc).__name__}: {exc}") from None
