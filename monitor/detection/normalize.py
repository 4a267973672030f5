"""Text normalisation for matching: Unicode cleanup, Lao script, confusable skeletons.

Pure functions, no I/O. Two levels:

- ``clean_text``: what a human would call "the same text": NFC, no zero-width or bidi
  controls, Lao digits as ASCII digits, one canonical spelling of the Lao characters that
  have two (ໜ/ຫນ, ໝ/ຫມ, ຳ/ໍາ), whitespace collapsed. Case is kept.
- ``skeleton``: what a reader could *confuse*: ``clean_text`` plus case folding, fullwidth and
  other compatibility forms, Latin diacritics and stroke letters stripped, TR39 confusables
  (Cyrillic/Greek/IPA lookalikes, dotless i) mapped to ASCII, ``rn`` read as ``m``, ``vv``
  as ``w``, and digits and letters that stand in for letters (``0``->``o``, ``1``/``i``->``l``).

Lao is never decomposed (NFKD would split vowel signs and ``ຳ``), and Lao combining marks
are never stripped: they are part of the word, not decoration.
"""

from __future__ import annotations

import functools
import json
import re
import unicodedata
from importlib import resources

LAO_FIRST, LAO_LAST = 0x0E80, 0x0EFF
_LAO_DIGITS = {chr(0x0ED0 + i): str(i) for i in range(10)}
# Lao has two encodings for a few letters; scammers (and keyboards) use both.
_LAO_CANONICAL = (("\u0EDC", "\u0EAB\u0E99"), ("\u0EDD", "\u0EAB\u0EA1"), ("\u0ECD\u0EB2", "\u0EB3"))
# Leading vowels are written before the consonant they follow in speech.
LAO_LEADING_VOWELS = frozenset("\u0EC0\u0EC1\u0EC2\u0EC3\u0EC4")
# Spacing vowels (category Lo, not M) that still belong to the consonant before them.
LAO_ATTACHED_VOWELS = frozenset("\u0EB0\u0EB2\u0EB3\u0EBD")

# Multi-letter lookalikes and digits-for-letters, applied after the per-character fold.
# Read only inside a word (a token between separators): 'user-netflix' holds no 'm'.
# Sequences a reader takes for one letter (the one list: the edit descriptions read it too).
SEQUENCE_LOOKALIKES = {"rn": "m", "vv": "w", "cl": "d"}
_SEQUENCE_CONFUSABLES = tuple(SEQUENCE_LOOKALIKES.items())
# 'i' joins 'l': TR39 reads capital I as l, and case folding has already made it an i.
_ASCII_LOOKALIKES = str.maketrans({"0": "o", "1": "l", "i": "l", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b"})

ASCII_FLAT = _ASCII_LOOKALIKES  # str.translate table: lower-case ASCII to its flat form

_SPACE_RE = re.compile(r"\s+")
_LATIN_WITH_RE = re.compile(r"^LATIN (?:SMALL|CAPITAL) LETTER ([A-Z]{1,2})(?: WITH .*)?$")
_LATIN_SMALL_CAPITAL_RE = re.compile(r"^LATIN LETTER SMALL CAPITAL ([A-Z]{1,2})$")


_LAO_RE = re.compile("[\u0E80-\u0EFF]")
# Unicode's format characters (category Cf): zero-width, bidi controls, soft hyphen, tags.
# Listed rather than scanned for at import, which would cost start-up time on every run.
_FORMAT_CHARS_RE = re.compile(
    "[\u00AD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E"
    "\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB\U000110BD\U000110CD\U00013430-\U0001343F"
    "\U0001BCA0-\U0001BCA3\U0001D173-\U0001D17A\U000E0001\U000E0020-\U000E007F]"
)


def is_lao(ch: str) -> bool:
    return LAO_FIRST <= ord(ch) <= LAO_LAST


def has_lao(text: str) -> bool:
    return _LAO_RE.search(text) is not None


@functools.lru_cache(maxsize=1)
def _confusable_prototypes() -> dict[str, str]:
    """Map each non-ASCII character that Unicode lists as confusable with an ASCII letter
    or digit sequence to that sequence (the TR39 prototype, lower-cased).

    The data is Unicode's confusables.txt as packaged by ``confusable_homoglyphs``; that
    package stores the table both ways round, so the ASCII side is taken as prototype.
    """
    raw = resources.files("confusable_homoglyphs").joinpath("confusables.json").read_text("utf-8")
    table: dict[str, str] = {}
    for char, entries in json.loads(raw).items():
        if len(char) != 1 or char.isascii() or is_lao(char):
            continue
        options = sorted(
            {e["c"].lower() for e in entries if e["c"].isascii() and e["c"].isalnum()},
            key=lambda s: (len(s), not s.isalpha(), s),
        )
        if options:
            table[char] = options[0]
    return table


def _latin_base_by_name(ch: str) -> str | None:
    """'ł' (LATIN SMALL LETTER L WITH STROKE) -> 'l'; 'ᴍ' (small capital M) -> 'm'.

    Unicode names carry the base letter of Latin letters whose decomposition does not
    (strokes, hooks, bars, small capitals), which NFD cannot strip.
    """
    name = unicodedata.name(ch, "")
    match = _LATIN_WITH_RE.match(name) or _LATIN_SMALL_CAPITAL_RE.match(name)
    return match.group(1).lower() if match else None


def _fold_char_once(ch: str) -> str:
    if is_lao(ch):
        return _LAO_DIGITS.get(ch, ch)
    category = unicodedata.category(ch)
    if category == "Cf":  # zero-width joiners, bidi controls, soft hyphen
        return ""
    if category.startswith("M"):  # a stray non-Lao combining mark: decoration
        return ""
    if ch.isascii():
        return ch.lower()
    text = unicodedata.normalize("NFKC", ch).casefold()
    text = "".join(c for c in unicodedata.normalize("NFD", text) if not unicodedata.category(c).startswith("M"))
    out = []
    prototypes = _confusable_prototypes()
    for c in text:
        if c.isascii() or is_lao(c):
            out.append(c.lower())
            continue
        out.append(prototypes.get(c) or _latin_base_by_name(c) or c)
    return "".join(out)


class _FoldTable(dict[int, str]):
    """A ``str.translate`` table filled on first sight of each character."""

    def __missing__(self, codepoint: int) -> str:
        ch = chr(codepoint)
        folded = _fold_char_once(ch)
        # Iterate to a fixed point so that skeleton(skeleton(x)) == skeleton(x).
        for _ in range(4):
            again = "".join(_fold_char_once(c) for c in folded)
            if again == folded:
                break
            folded = again
        self[codepoint] = folded
        return folded


_FOLD = _FoldTable()


def _strip_controls(text: str) -> str:
    return _FORMAT_CHARS_RE.sub("", text)


def clean_text(text: str) -> str:
    """NFC, no invisible controls, canonical Lao, Lao digits as ASCII, single spaces."""
    if not text.isascii():
        text = unicodedata.normalize("NFC", _strip_controls(text))
        if has_lao(text):
            for variant, canonical in _LAO_CANONICAL:
                text = text.replace(variant, canonical)
            text = text.translate({ord(k): v for k, v in _LAO_DIGITS.items()})
    return _SPACE_RE.sub(" ", text).strip()


def fold(text: str) -> str:
    """Case-, width- and diacritic-insensitive form; keeps digits and Lao as they are."""
    if text.isascii():
        return text.lower()
    text = unicodedata.normalize("NFC", clean_text(text).translate(_FOLD))
    # Folding can turn a character into a space (NFKC of a spacing accent): collapse again.
    return _SPACE_RE.sub(" ", text).strip()


def _sequences(text: str) -> str:
    for seq, proto in _SEQUENCE_CONFUSABLES:
        if seq in text:
            text = text.replace(seq, proto)
    return text


def skeleton(text: str) -> str:
    """The confusable skeleton: ``fold`` plus lookalike sequences and digits-for-letters."""
    return _sequences(fold(text).translate(_ASCII_LOOKALIKES))


_NON_WORD_RE = re.compile(r"[^\w\u0E80-\u0EFF]+")


def words(text: str) -> list[str]:
    """Folded words of a text (Latin split on non-letters; a Lao run stays one word)."""
    return [w for w in _NON_WORD_RE.split(fold(text).replace("_", " ")) if w]


def condense(text: str) -> str:
    """Skeleton with every separator removed: 'Lao-Airlines_Official' -> 'laoairlinesofficial'.
    Lookalike sequences are read again once the separators are gone ('r:n' reads 'rn', so 'm'),
    so that condensing is idempotent."""
    return _sequences("".join(_NON_WORD_RE.split(skeleton(text).replace("_", " "))))


def lao_boundary_ok(text: str, start: int, end: int) -> bool:
    """True if text[start:end] does not cut a Lao syllable's marks or leading vowel off."""
    if end < len(text) and (unicodedata.category(text[end]).startswith("M") or text[end] in LAO_ATTACHED_VOWELS):
        return False
    if start > 0 and text[start - 1] in LAO_LEADING_VOWELS:
        return False
    return True


def find_on_boundary(text: str, needle: str) -> int:
    """Index of the first occurrence of needle in text that respects Lao syllables, or -1."""
    start = text.find(needle)
    while start != -1:
        if lao_boundary_ok(text, start, start + len(needle)):
            return start
        start = text.find(needle, start + 1)
    return -1


def flat(text: str) -> str:
    """``fold`` plus digits-for-letters, without the multi-letter sequences: the form in
    which a brand key is looked for inside a label ('y0urnetflix' -> 'yournetflix')."""
    return fold(text).translate(_ASCII_LOOKALIKES)


def read_sequences(text: str) -> str:
    """Lookalike sequences read as the letter they imitate ('rnicrosoft' -> 'microsoft').
    Apply to one word at a time: a sequence across words is no lookalike."""
    return _sequences(text)


def flat_with_offsets(text: str) -> tuple[str, list[int]]:
    """``flat`` of text with, for each output character, the index of the input character
    it came from (plus one entry for the end), so that a match can be shown as written."""
    if text.isascii():
        out = text.lower().translate(_ASCII_LOOKALIKES)
        if len(out) == len(text):
            return out, list(range(len(text) + 1))
    chars: list[str] = []
    offsets: list[int] = []
    for index, ch in enumerate(text):
        if ch.isascii():
            folded = ch.lower()
        elif _FORMAT_CHARS_RE.match(ch):
            continue
        else:
            folded = unicodedata.normalize("NFC", _LAO_DIGITS.get(ch, ch).translate(_FOLD))
        folded = folded.translate(_ASCII_LOOKALIKES)
        for c in folded:
            chars.append(c)
            offsets.append(index)
    offsets.append(len(text))
    return "".join(chars), offsets


def sequences_with_offsets(text: str, offsets: list[int]) -> tuple[str, list[int]]:
    """``read_sequences`` of a flat word, carrying the offsets along."""
    if not any(seq in text for seq, _ in _SEQUENCE_CONFUSABLES):
        return text, offsets
    out: list[str] = []
    new: list[int] = []
    i = 0
    while i < len(text):
        for seq, proto in _SEQUENCE_CONFUSABLES:
            if text.startswith(seq, i):
                out.append(proto)
                new.append(offsets[i])
                i += len(seq)
                break
        else:
            out.append(text[i])
            new.append(offsets[i])
            i += 1
    new.append(offsets[len(text)])
    return "".join(out), new
