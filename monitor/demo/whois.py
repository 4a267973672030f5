"""A small WHOIS server (RFC 3912) on 127.0.0.1 for the demo and the tests: one query line
in, the registry's text answer out, then the connection closes."""

from __future__ import annotations

import socketserver
import threading
from typing import Any


class DemoWhois:
    def __init__(self, records: dict[str, str]):
        """records: domain -> the answer text; anything else gets the usual 'No match'."""
        self.records = {name.lower(): text for name, text in records.items()}
        self.queries: list[str] = []
        demo = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                query = self.rfile.readline(1024).decode("utf-8", "replace").strip().lower()
                demo.queries.append(query)
                answer = demo.records.get(query, f'No match for "{query.upper()}".\r\n')
                self.wfile.write(answer.replace("\r\n", "\n").replace("\n", "\r\n").encode("utf-8"))

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def port(self) -> int:
        return self.server.server_address[1]

    def __enter__(self) -> DemoWhois:
        self.thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.shutdown()
        self.server.server_close()
