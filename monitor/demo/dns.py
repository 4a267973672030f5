"""A tiny authoritative-style DNS server on 127.0.0.1 (UDP) for the demo and the tests:
A records for the names it knows, SERVFAIL for the names it is told to fail, NXDOMAIN for
everything else. Built on dnspython's message functions."""

from __future__ import annotations

import socket
import threading
from typing import Any

import dns.flags
import dns.message
import dns.rcode
import dns.rdatatype
import dns.rrset


class DemoDns:
    def __init__(self, records: dict[str, str], failing: set[str] | None = None):
        self.records = {name.lower().rstrip("."): address for name, address in records.items()}
        self.failing = {name.lower().rstrip(".") for name in (failing or set())}
        self.queries: list[str] = []
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self._stop = threading.Event()

    @property
    def port(self) -> int:
        port: int = self.sock.getsockname()[1]  # (host, port) of a UDP socket
        return port

    @property
    def nameserver(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _answer(self, wire: bytes) -> bytes:
        query = dns.message.from_wire(wire)
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        question = query.question[0]
        name = question.name.to_text().lower().rstrip(".")
        self.queries.append(name)
        if name in self.failing:
            response.set_rcode(dns.rcode.SERVFAIL)
        elif name in self.records:
            if question.rdtype == dns.rdatatype.A:
                response.answer.append(dns.rrset.from_text(question.name, 300, "IN", "A", self.records[name]))
        else:
            response.set_rcode(dns.rcode.NXDOMAIN)
        return response.to_wire()

    def _serve(self) -> None:
        self.sock.settimeout(0.2)
        while not self._stop.is_set():
            try:
                wire, client = self.sock.recvfrom(4096)
            except (TimeoutError, OSError):
                continue
            try:
                self.sock.sendto(self._answer(wire), client)
            except Exception:  # noqa: BLE001 - a malformed query must not stop the server
                continue

    def __enter__(self) -> DemoDns:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self.thread.join(timeout=2)
        self.sock.close()
