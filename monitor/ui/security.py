"""Request safety that needs no Airflow: CSRF tokens bound to a login session, the
Origin/Referer check of POSTs, and text made safe to show. Pure.

A POST authorised by the ``_token`` cookie (which a browser attaches to whatever page sends
it) must also carry a CSRF token that only our own pages hold: an HMAC of the login session
(the hash of that cookie), and come from our own origin. A request authorised by an
``Authorization: Bearer`` header needs neither: browsers never add that header on their own.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Iterable
from urllib.parse import urlsplit

_CSRF_PURPOSE = b"monitor.ui.csrf.v1"

# C0, DEL, C1, line/paragraph separators and the bidi controls (embeddings, overrides,
# isolates, marks): shown as visible escapes, so a scraped title cannot reorder the page.
_UNSAFE_RE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def visible(value: object) -> str:
    """A stored string as shown on a page (before HTML escaping): controls and bidi marks as
    escapes such as \\u202e; None as '-'."""
    text = "-" if value is None else str(value)
    return _UNSAFE_RE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def csrf_token(secret: str, session_credential: str) -> str:
    """The CSRF token of one login session (session_credential: the `_token` cookie)."""
    session = hashlib.sha256(session_credential.encode("utf-8")).digest()
    return hmac.new(hmac.new(secret.encode("utf-8"), _CSRF_PURPOSE, hashlib.sha256).digest(), session,
                    hashlib.sha256).hexdigest()


def csrf_ok(secret: str, session_credential: str, presented: str | None) -> bool:
    # bytes, not str: compare_digest refuses a str with non-ASCII characters (a TypeError, a 500)
    return bool(presented) and hmac.compare_digest(csrf_token(secret, session_credential).encode("ascii"),
                                                   (presented or "").encode("utf-8", "surrogatepass"))


def _netloc(url: str) -> str | None:
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    return parts.netloc.lower()


def same_origin(origin: str | None, referer: str | None, allowed_hosts: Iterable[str]) -> bool:
    """Whether a POST comes from one of our pages: its Origin (or, when a browser sent none,
    its Referer) names one of allowed_hosts (host[:port], as in the Host header and
    MONITOR_PUBLIC_URL). A request with neither header, or with Origin 'null', is refused."""
    allowed = {h.lower() for h in allowed_hosts if h}
    source = origin if origin else referer
    if not source:
        return False
    netloc = _netloc(source)
    return netloc is not None and netloc in allowed
