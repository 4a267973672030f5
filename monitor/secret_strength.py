"""Whether a signing secret (MONITOR_SECRET_KEY) is strong enough. Pure."""

from __future__ import annotations

import math

SECRET_MIN_LENGTH = 16
SECRET_MIN_DISTINCT = 6
SECRET_MIN_BITS = 64
MAKE_A_SECRET = "make one with `openssl rand -hex 32` or `python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
_CLASSES = (str.isdigit, str.islower, str.isupper)  # 10, 26 and 26 symbols; anything else counts as 33


def secret_bits(value: str) -> float:
    """A generous estimate of a secret's strength: its length times log2 of the alphabet of
    the character classes it uses (digits 10, lower 26, upper 26, other ASCII 33, anything
    beyond ASCII 100). Pure. Random keys score what they are worth; repeated patterns are
    caught by secret_problem's other checks."""
    size = sum(n for test, n in zip(_CLASSES, (10, 26, 26), strict=True) if any(test(c) and c.isascii() for c in value))
    size += 33 if any(c.isascii() and not c.isalnum() for c in value) else 0
    size += 100 if any(not c.isascii() for c in value) else 0
    return len(value) * math.log2(max(size, 2))


def secret_problem(value: str) -> str | None:
    """Why a signing secret is too weak, or None. Pure. A length alone let 16 spaces or 16
    zeros through. Also refused: blanks or control characters (a copy-paste slip), fewer than
    6 different characters or one character making up more than half (a repeated pattern),
    and under 64 bits by secret_bits (16 digits). The 64 hex characters of `openssl rand -hex
    32` always pass; a 16-character hex key fails about once in 2,000 draws (all digits, truly
    weaker), with the reason given."""
    if len(value) < SECRET_MIN_LENGTH:
        return f"too short ({len(value)} characters; at least {SECRET_MIN_LENGTH})"
    if any(c.isspace() or not c.isprintable() for c in value):
        return "it contains blanks or control characters"
    distinct = len(set(value))
    if distinct < SECRET_MIN_DISTINCT:
        return f"too weak: only {distinct} different characters (at least {SECRET_MIN_DISTINCT})"
    most = max(value.count(c) for c in set(value))
    if most * 2 > len(value):
        return f"too weak: one character makes up {most} of its {len(value)} characters"
    if (bits := secret_bits(value)) < SECRET_MIN_BITS:
        return f"too weak: about {bits:.0f} bits (at least {SECRET_MIN_BITS}; a longer one, or letters too)"
    return None
