"""Mail transports: SMTP (from a URL or an Airflow connection) or .eml files in a folder."""

from __future__ import annotations

import hashlib
import smtplib
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qs, quote, unquote, urlsplit


class SendError(Exception):
    pass


class Transport(Protocol):
    @property
    def description(self) -> str: ...  # read-only: the transports are frozen

    def send(self, message: bytes, sender: str, recipients: list[str], message_id: str) -> str | None:
        """Deliver; return a warning when only some recipients took it; raise SendError."""


def _truthy(value: Any) -> bool:
    return str(value).strip().lower() in {"1", "true", "yes", "on"}


@dataclass(frozen=True)
class SmtpTransport:
    host: str
    port: int
    username: str | None = None
    password: str | None = None
    use_ssl: bool = False
    starttls: bool = False
    timeout: float = 30.0

    @property
    def description(self) -> str:
        scheme = "smtps" if self.use_ssl else "smtp"
        return f"{scheme}://{self.host}:{self.port}" + (" (STARTTLS)" if self.starttls else "")

    @classmethod
    def from_url(cls, url: str) -> SmtpTransport:
        """smtp://user:pass@host:port[?starttls=1], smtps://host:465"""
        parts = urlsplit(url)
        if parts.scheme not in {"smtp", "smtps"} or not parts.hostname:
            raise ValueError(f"MONITOR_SMTP_URL: {parts.scheme}://... is not an smtp:// or smtps:// URL with a host")
        query = parse_qs(parts.query)
        return cls(
            host=parts.hostname,
            port=parts.port or (465 if parts.scheme == "smtps" else 25),
            username=unquote(parts.username) if parts.username else None,
            password=unquote(parts.password) if parts.password else None,
            use_ssl=parts.scheme == "smtps",
            starttls=_truthy(query.get("starttls", ["0"])[0]),
        )

    def send(self, message: bytes, sender: str, recipients: list[str], message_id: str) -> str | None:
        try:
            if self.use_ssl:
                client: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout,
                                                        context=ssl.create_default_context())
            else:
                client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
            with client:
                if self.starttls:
                    client.starttls(context=ssl.create_default_context())
                if self.username:
                    client.login(self.username, self.password or "")
                refused = client.sendmail(sender, recipients, message)
                if refused:  # the others have it: a retry would send them copies
                    return f"delivered, but refused by the server for: {', '.join(sorted(refused))}"
        except (smtplib.SMTPException, OSError, UnicodeError, ValueError) as exc:
            raise SendError(f"{self.description}: {type(exc).__name__}: {exc}") from None
        return None


@dataclass(frozen=True)
class FileTransport:
    """No SMTP configured: each message becomes an .eml file, named by its Message-ID."""

    directory: Path

    @property
    def description(self) -> str:
        return f"files in {self.directory}"

    def path_for(self, message_id: str) -> Path:
        return self.directory / f"{hashlib.sha256(message_id.encode()).hexdigest()[:24]}.eml"

    def send(self, message: bytes, sender: str, recipients: list[str], message_id: str) -> str | None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            target = self.path_for(message_id)
            temporary = target.with_suffix(".tmp")
            temporary.write_bytes(message)
            temporary.replace(target)  # atomic: a reader never sees half a message
        except OSError as exc:
            raise SendError(f"{self.directory}: {exc}") from None
        return None


def smtp_url_from_connection(conn: Any) -> str | None:
    """An smtp(s):// URL from an Airflow SMTP connection object (host, port, login,
    password, extra_dejson), with the SMTP provider's meaning of `disable_ssl` and
    `disable_tls`. Takes the object, so that this module does not import Airflow."""
    host = getattr(conn, "host", None)
    if not host:
        return None
    extra = getattr(conn, "extra_dejson", {}) or {}
    use_ssl = not _truthy(extra.get("disable_ssl", False))
    starttls = not use_ssl and not _truthy(extra.get("disable_tls", False))
    port = getattr(conn, "port", None) or (465 if use_ssl else 25)
    credentials = ""
    if getattr(conn, "login", None):
        credentials = quote(conn.login, safe="")
        if getattr(conn, "password", None):
            credentials += ":" + quote(conn.password, safe="")
        credentials += "@"
    return f"{'smtps' if use_ssl else 'smtp'}://{credentials}{host}:{port}" + ("?starttls=1" if starttls else "")


def make_transport(smtp_url: str | None, outbox_dir: Path) -> Transport:
    return SmtpTransport.from_url(smtp_url) if smtp_url else FileTransport(outbox_dir)
