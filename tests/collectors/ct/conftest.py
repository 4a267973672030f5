from __future__ import annotations

import pytest

from monitor.demo.ctlog import CertificateFactory, LocalCtServer, LocalLog


@pytest.fixture(scope="session")
def certs() -> CertificateFactory:
    return CertificateFactory()


@pytest.fixture
def logs(certs) -> list[LocalLog]:
    """An RFC 6962 log and a static-CT log, empty."""
    return [LocalLog("argon", certs), LocalLog("sunlight", certs, static=True)]


@pytest.fixture
def ct_server(logs):
    with LocalCtServer(logs) as server:
        yield server


def fill(log: LocalLog, count: int, prefix: str = "site") -> None:
    for i in range(count):
        log.add([f"{prefix}{i}.example.org", f"www.{prefix}{i}.example.org"], precert=bool(i % 3 == 0))


@pytest.fixture
def ct_fetcher(ct_server):
    """The monitor's fetcher, with the list URL configured (so trusted) and no sleeping: 429s
    and retries are counted, not waited for. The address filter stays on: the logs on
    127.0.0.1 are reached only because the list (configuration) names them."""
    from monitor.collectors.ct.run import ct_fetcher as make
    from monitor.settings import Settings

    settings = Settings(source_urls={"ct": ct_server.list_url}, http_retries=1, http_deadline=5)
    return make(settings, None, sleep=lambda seconds: None)
