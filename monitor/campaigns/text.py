"""Text made ready for the extractors: bounded, digits of every script read as ASCII digits,
and the characters a page can hide between digits (controls, NUL, bidi and zero-width marks)
removed. Pure."""

from __future__ import annotations

import unicodedata

# Every extractor reads at most this much of a text (an HTML page is capped before it gets here):
# scam pages put their numbers near the top, and the bound keeps a hostile page's cost fixed.
MAX_TEXT_CHARS = 200_000
# At most this many artefacts of one kind from one text: a page listing 100,000 numbers is a
# phone book, not a ring's contact, and its cost must not grow with it.
MAX_PER_KIND = 20


def _digit_table() -> dict[int, str]:
    """Decimal digits of other scripts (Lao ໐-໙, Thai ๐-๙, Arabic-Indic, Devanagari, fullwidth,
    mathematical...) to ASCII: a number written in Lao digits is the same number."""
    table = {}
    for code in range(0x80, 0x20000):
        char = chr(code)
        if unicodedata.category(char) == "Nd":
            table[code] = str(unicodedata.decimal(char))
    return table


_DIGITS = _digit_table()
# Hidden characters: C0/C1 controls but tab and newline, and format characters (bidi overrides and
# isolates, zero-width space and joiners, soft hyphen), which a scammer puts between digits to
# defeat a search; each becomes nothing. Lao needs no joiner to render.
_HIDDEN = {code: None for code in range(0x20000)
           if unicodedata.category(chr(code)) in ("Cc", "Cf") and chr(code) not in "\t\n"}
_TABLE = _DIGITS | _HIDDEN


def prepare(text: str | None) -> str:
    """The text an extractor reads: NFKC (fullwidth forms), hidden characters removed, digits in
    ASCII, at most MAX_TEXT_CHARS long."""
    if not text:
        return ""
    text = text[: MAX_TEXT_CHARS * 2]  # NFKC can only grow a little; cut before paying for it
    return unicodedata.normalize("NFKC", text).translate(_TABLE)[:MAX_TEXT_CHARS]
