"""Owners' one-click action links: signed, scoped and expiring. Pure (the clock is passed in).

A link names one finding, one action and one owner's email, and carries its expiry; all of it
is signed with HMAC-SHA256 under a key derived from MONITOR_SECRET_KEY. The standard library's
hmac is enough for this (and the mailer needs no dependency beyond the project's own: the
itsdangerous package comes with Airflow, not with `monitor run`).

Token: ``<payload>.<signature>``, both base64url without padding; payload is compact JSON
``{"f": finding id, "a": action, "e": owner email, "x": expiry (Unix seconds)}``.
Links point at ``MONITOR_PUBLIC_URL`` + ``monitor/act/<finding id>/<action>?t=<token>``.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

# What an owner can say about one finding from an email, in the marks' spelling
# (repo.FINDING_MARKS; 'sent' is the takedown's mark), with the words the email and page use.
OWNER_ACTIONS = {
    "confirmed": "Yes, this is fake",
    "false-positive": "Not a fake",
    "sent": "I reported it",
    "taken-down": "It is gone",
}
# The sentence an email carries instead of links when links are off.
NO_LINKS_SENTENCE = ("To tell us what became of an item (fake, not a fake, reported, gone), reply to this email "
                     "or ask the monitor's operator, who can mark it for you.")
PLUGIN_PREFIX = "monitor"  # where the plugin is mounted on the api-server
_KEY_PURPOSE = b"monitor.ui.links.v1"


class LinkError(ValueError):
    """A link that cannot be honoured; the message is what the owner reads, the reason one of
    off, damaged, tampered, mismatch, expired."""

    def __init__(self, reason: str, message: str):
        super().__init__(message)
        self.reason = reason


@dataclass(frozen=True)
class ActionGrant:
    """What a valid link allows: one action on one finding, on behalf of one owner."""

    finding_id: int
    action: str
    email: str
    expires: dt.datetime


def _key(secret: str) -> bytes:
    return hmac.new(secret.encode("utf-8"), _KEY_PURPOSE, hashlib.sha256).digest()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def sign(secret: str, finding_id: int, action: str, email: str, expires: dt.datetime) -> str:
    if action not in OWNER_ACTIONS:
        raise ValueError(f"unknown action {action!r} (one of: {', '.join(OWNER_ACTIONS)})")
    payload = json.dumps({"f": int(finding_id), "a": action, "e": email, "x": int(expires.timestamp())},
                         separators=(",", ":"), sort_keys=True).encode("utf-8")
    body = _b64(payload)
    return f"{body}.{_b64(hmac.new(_key(secret), body.encode('ascii'), hashlib.sha256).digest())}"


def action_url(settings: Any, finding_id: int, action: str, owner_email: str, now: dt.datetime) -> str | None:
    """The link an owner's email carries for one action on one finding, or None when links
    are off (no MONITOR_PUBLIC_URL or no MONITOR_SECRET_KEY): then say NO_LINKS_SENTENCE."""
    if not settings.public_url or not settings.secret_key:
        return None
    expires = now + dt.timedelta(days=settings.action_link_days)
    token = sign(settings.secret_key, finding_id, action, owner_email, expires)
    base = settings.public_url if settings.public_url.endswith("/") else settings.public_url + "/"
    return f"{base}{PLUGIN_PREFIX}/act/{int(finding_id)}/{quote(action)}?t={token}"


def verify(secret: str | None, token: str, finding_id: int, action: str, now: dt.datetime) -> ActionGrant:
    """The grant of a link opened for (finding_id, action); LinkError saying why not: a
    tampered or malformed token, one made for another finding or action, or an expired one."""
    if not secret:
        raise LinkError("off", "Action links are switched off on this server.")
    body, dot, signature = (token or "").partition(".")
    if not dot or not body or not signature or len(token) > 2000:
        raise LinkError("damaged", "This link is incomplete or damaged. Open it again from the email, or copy all of it.")
    expected = _b64(hmac.new(_key(secret), body.encode("ascii", "replace"), hashlib.sha256).digest())
    # bytes, not str: compare_digest refuses a str with non-ASCII characters (a TypeError, a 500)
    if not hmac.compare_digest(expected.encode("ascii"), signature.encode("utf-8", "surrogatepass")):
        raise LinkError("tampered", "This link is not valid: it was changed or damaged after we sent it.")
    try:
        data = json.loads(_unb64(body))
        grant = ActionGrant(int(data["f"]), str(data["a"]), str(data["e"]),
                            dt.datetime.fromtimestamp(int(data["x"]), dt.UTC))
    except (ValueError, KeyError, TypeError):  # signed by us, so only an old format could do this
        raise LinkError("damaged", "This link is not valid.") from None
    if grant.finding_id != finding_id or grant.action != action:
        raise LinkError("mismatch", "This link belongs to another item or another answer: nothing was changed. "
                        "Use the link beside the item in the email.")
    if grant.expires <= now:
        raise LinkError("expired", f"This link expired on {grant.expires:%Y-%m-%d}. Nothing was changed; "
                        "the next email about this item has fresh links, or reply to the email.")
    return grant
