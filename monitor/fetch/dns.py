"""DNS, set up once: the system resolver or MONITOR_DNS_NAMESERVER, used for lookalike
permutations, takedown contacts, WHOIS servers and the follow-up alike (dnspython)."""

from __future__ import annotations

from dataclasses import dataclass

import dns.exception
import dns.resolver

from monitor.detection.domains import ascii_host

REGISTERED, UNREGISTERED, UNKNOWN = "registered", "unregistered", "unknown"


def make_resolver(nameserver: str | None, timeout: float) -> dns.resolver.Resolver:
    """A DNS resolver: the system's, or MONITOR_DNS_NAMESERVER ('ip' or 'ip:port')."""
    if nameserver:
        host, _, port = nameserver.partition(":") if nameserver.count(":") == 1 else (nameserver, "", "")
        resolver = dns.resolver.Resolver(configure=False)
        resolver.nameservers = [host]
        if port:
            resolver.port = int(port)
    else:
        resolver = dns.resolver.Resolver()
    resolver.lifetime = resolver.timeout = timeout
    return resolver


@dataclass(frozen=True)
class Resolution:
    status: str  # ok, nxdomain, unknown
    addresses: tuple[str, ...] = ()
    error: str | None = None


class Dns:
    """The monitor's two questions to DNS."""

    def __init__(self, nameserver: str | None = None, timeout: float = 5.0):
        self.resolver = make_resolver(nameserver, timeout)

    def registration_status(self, domain: str) -> str:
        """REGISTERED (an answer, or NOERROR without one), UNREGISTERED (NXDOMAIN) or UNKNOWN
        (SERVFAIL, timeouts): never guessed."""
        try:
            self.resolver.resolve(domain, "A", raise_on_no_answer=False, search=False)
            return REGISTERED
        except dns.resolver.NXDOMAIN:
            return UNREGISTERED
        except dns.exception.DNSException:
            return UNKNOWN

    def resolve(self, host: str) -> Resolution:
        """The addresses a host name resolves to (A, else AAAA); NXDOMAIN is a finding too."""
        name = ascii_host(host)
        addresses: list[str] = []
        try:
            for rdtype in ("A", "AAAA"):
                answer = self.resolver.resolve(name, rdtype, raise_on_no_answer=False, search=False)
                addresses += [r.to_text() for r in answer] if answer.rrset else []
                if addresses:
                    break
        except dns.resolver.NXDOMAIN:
            return Resolution("nxdomain", error=f"{name}: the domain does not exist (NXDOMAIN)")
        except dns.exception.DNSException as exc:
            return Resolution("unknown", error=f"{name}: DNS lookup failed ({type(exc).__name__})")
        return Resolution("ok", tuple(addresses))
