"""Issue #19 item 3: a cool-down is kept per origin (scheme, host, port), not per host. With
SearXNG on a dead port of a host, crt.sh on another port of the same host still answers, in
this process and in another one reading the cool-down from the database; the dead origin
itself fails fast."""

from __future__ import annotations

import socket

import pytest

from monitor.fetch.hostgate import HostGate
from monitor.fetch.http import Fetcher, FetchError, RateLimited
from monitor.fetch.policy import origin_key
from monitor.settings import Settings


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _fetcher(factory, *ports: int) -> Fetcher:
    settings = Settings(allow_private_networks=True, extra_ports=ports, host_min_delay=0, http_timeout=5,
                        http_deadline=10)
    return Fetcher(settings, retries=1, sleep=lambda s: None, session_factory=factory,
                   gate=HostGate(factory, min_delay=0))


def test_origin_key():
    assert origin_key("https://crt.sh/?q=x") == "https://crt.sh:443"
    assert origin_key("HTTP://Searxng:8080/search") == "http://searxng:8080"
    assert origin_key("http://[::1]:9000/") == "http://[::1]:9000"
    long = "http://" + "a" * 60 + "." + "b" * 60 + "." + "c" * 60 + "." + "d" * 60 + ".example:65535/"
    assert len(origin_key(long)) <= 253 and origin_key(long).startswith("origin-sha256:")
    assert origin_key(long) != origin_key(long.replace("65535", "65534"))


def test_a_dead_port_does_not_cool_down_another_port_of_the_same_host(httpserver, session_factory):
    dead = _closed_port()
    httpserver.expect_request("/").respond_with_json([])
    fetcher = _fetcher(session_factory, dead, httpserver.port)
    with pytest.raises(FetchError, match="Connection"):
        fetcher.get(f"http://127.0.0.1:{dead}/search")  # refused twice (one retry): unreachable
    with pytest.raises(RateLimited, match=f"http://127.0.0.1:{dead} is cooling down .*unreachable"):
        fetcher.get(f"http://127.0.0.1:{dead}/search")
    # the live server on the same host answers, here and in another worker process
    assert fetcher.get(httpserver.url_for("/"), params={"q": "x"}).body == b"[]"
    other_worker = _fetcher(session_factory, dead, httpserver.port)
    assert other_worker.get(httpserver.url_for("/")).body == b"[]"
    with pytest.raises(RateLimited, match="cooling down"):
        other_worker.get(f"http://127.0.0.1:{dead}/other")
    # the same host and port under another scheme is another origin too
    assert origin_key(f"https://127.0.0.1:{dead}/") != origin_key(f"http://127.0.0.1:{dead}/")
