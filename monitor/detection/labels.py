"""Host labels and handles ready for the brand-key index, and the keys found on them.

A ``Label`` holds a label's flat form and the form with lookalike sequences read inside each
token, both without separators, with offsets back to what was written, and its words on
demand; a ``Match`` is one key found on it. Pure."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from enum import StrEnum

from monitor.detection import segment
from monitor.detection.index import Key
from monitor.detection.normalize import (
    ASCII_FLAT as _ASCII_FLAT,
)
from monitor.detection.normalize import (
    clean_text,
    flat_with_offsets,
    has_lao,
    lao_boundary_ok,
    sequences_with_offsets,
)
from monitor.detection.prefilter import (
    TOKEN_SPLIT_RE,
)

_SEPARATORS_RE = re.compile(r"[._\-]+")


# Kinds of match, strongest first (one per key and label is kept).
class MatchKind(StrEnum):
    """How a key was found on a label."""

    EXACT = "exact"  # the whole label (flat or read) is the key
    CONTAINED = "contained"  # the key inside a longer label
    TYPO = "typo"  # the whole label within the key's edit allowance
    TYPO_INSIDE = "typo_inside"  # a window of a longer label within the allowance


class Placement(StrEnum):
    """How a matched window sits in its label (monitor.detection.evidence.matching.word_verdict)."""

    WORD = "word"  # the brand as a word of its own
    PHRASE = "phrase"  # a word of a common phrase ('box office')
    INSIDE = "inside"  # inside another word
    BLOB = "blob"  # inside an unknown run of letters
    OTHER_WORD = "other_word"  # a typo that is itself a dictionary word ('cloud')
    OTHER_NAME = "other_name"  # the label reads as other words ('charge point')


# Kinds of match, strongest first (one per key and label is kept).
KIND_RANK = {MatchKind.EXACT: 0, MatchKind.CONTAINED: 1, MatchKind.TYPO: 2, MatchKind.TYPO_INSIDE: 3}


def wordy(text: str) -> bool:
    """Text that reads as dictionary words (or numbers) only: '', 'balogin', 'onlineservices'."""
    if not text:
        return True
    if not text.isascii():
        return False
    return all(p.isdigit() or (len(p) >= 2 and segment.is_word(p)) for p in segment.segment(text.lower()))


@functools.lru_cache(maxsize=65536)
def plain_text(text: str) -> str:
    return _SEPARATORS_RE.sub("", clean_text(text).lower().replace(" ", ""))


def extras_around(text: str, key: str) -> str:
    """What text adds around key: ('laoairlinesdeal', 'laoairlines') -> 'deal'."""
    before, _, after = text.partition(key)
    return " ".join(p for p in (before.strip("-._ "), after.strip("-._ ")) if p)


class Label:
    """One label of a host (or a handle), ready for the index: its flat form and the form
    with lookalike sequences read inside each token, both without separators, with offsets
    back to what was written; its words on demand."""

    __slots__ = ("raw", "joined", "raw_at", "forms", "_words")

    def __init__(self, raw: str):
        self.raw = raw
        self._words: list[tuple[int, int, str]] | None = None
        if raw.isascii() and raw.isalnum():  # the common case: one plain token
            low = raw.lower()
            self.joined = raw
            self.raw_at = list(range(len(raw) + 1))
            flat_text = low.translate(_ASCII_FLAT)
            self.forms = [(flat_text, self.raw_at)]
            seq, seq_offsets = sequences_with_offsets(flat_text, self.raw_at)
            if seq != flat_text:
                self.forms.append((seq, seq_offsets))
            return
        tokens = [t for t in TOKEN_SPLIT_RE.split(raw) if t]
        self.joined = "".join(tokens)
        raw_at: list[int] = []
        position = 0
        for token in tokens:
            position = raw.index(token, position)
            raw_at.extend(range(position, position + len(token)))
            position += len(token)
        raw_at.append(len(raw))
        self.raw_at = raw_at
        flat_parts: list[str] = []
        flat_at: list[int] = []
        seq_parts: list[str] = []
        seq_at: list[int] = []
        base = 0
        for token in tokens:
            text, offsets = flat_with_offsets(token)
            flat_parts.append(text)
            flat_at.extend(o + base for o in offsets[:-1])
            seq, seq_offsets = sequences_with_offsets(text, offsets)
            seq_parts.append(seq)
            seq_at.extend(o + base for o in seq_offsets[:-1])
            base += len(token)
        flat_at.append(base)
        seq_at.append(base)
        flat_text, seq_text = "".join(flat_parts), "".join(seq_parts)
        self.forms = [(flat_text, flat_at)] + ([(seq_text, seq_at)] if seq_text != flat_text else [])

    def shown(self, start: int, end: int) -> str:
        """The window [start, end) of joined as written (separators inside kept)."""
        if start >= end:
            return ""
        return self.raw[self.raw_at[start]:self.raw_at[end - 1] + 1]

    def words(self) -> list[tuple[int, int, str]]:
        """(start, end, word) on joined: tokens split into English words; a token that is not
        plain ASCII letters and digits stays whole."""
        if self._words is None:
            out: list[tuple[int, int, str]] = []
            position = 0
            for token in [t for t in TOKEN_SPLIT_RE.split(self.raw) if t]:
                low = token.lower()
                pieces = segment.segment(low) if low.isascii() else [low]
                for piece in pieces:
                    out.append((position, position + len(piece), piece))
                    position += len(piece)
            self._words = out
        return self._words

    def alignment(self, start: int, end: int) -> tuple[str, str]:
        """('word', '') when [start, end) starts and ends on word boundaries; ('inside', w)
        when a dictionary word w runs across one of its ends; ('blob', w) when only an
        unknown run w does."""
        if start == 0 and end == len(self.joined):
            return Placement.WORD, ""
        if has_lao(self.joined):
            if lao_boundary_ok(self.joined, start, end):
                return Placement.WORD, ""
            return Placement.INSIDE, self.joined
        # across a separator only whole tokens count ('pay-pal'), not 's1-cloud...' for 'icloud'
        tokens = self.token_bounds()
        if any(start < b < end for b in tokens) and not (start in tokens and end in tokens):
            return Placement.INSIDE, self.shown(start, end)
        crossing = ""
        on_start = on_end = False
        bounds = {s for s, _, _ in self.words()} | {len(self.joined)}
        plural = end < len(self.joined) and self.joined[end] in "sS" and end + 1 in bounds
        for s, e, word in self.words():
            if s == start:
                on_start = True
            if e == end:
                on_end = True
            if start <= s < end < e and (word.isdigit() or (plural and e == end + 1)):
                on_end = True  # 'office365' + '03', 'facebook' + 's'
                continue
            if s < start < e or s < end < e:
                if segment.is_word(word) and len(word) >= 3:
                    return Placement.INSIDE, word
                crossing = crossing or word
        if on_start and on_end:
            return Placement.WORD, ""
        # the key as a word of its own between words: 'ba|login' + key + 'online|services'
        if wordy(self.joined[:start]) and wordy(self.joined[end:]):
            return Placement.WORD, ""
        # the key's letters mostly make another word that the unknown run only starts:
        # 'myhuawei|cloud' holds 'cloud', not 'icloud'
        for s, e, word in self.words():
            if start <= s and e <= end and e - s >= end - start - 1 and segment.is_word(word):
                return Placement.INSIDE, crossing + "|" + word
        return Placement.BLOB, crossing

    def token_bounds(self) -> set[int]:
        out = {0}
        position = 0
        for token in TOKEN_SPLIT_RE.split(self.raw):
            position += len(token)
            out.add(position)
        return out

    def other_words(self, start: int, end: int) -> list[str]:
        return [w for s, e, w in self.words() if e <= start or s >= end]

    def neighbours(self, start: int, end: int) -> tuple[str, str]:
        before = after = ""
        for s, e, word in self.words():
            if e == start:
                before = word
            if s == end:
                after = word
        return before, after


@functools.lru_cache(maxsize=65536)
def label_words(raw: str) -> frozenset[str]:
    """The words of a label ('paypal-loginverify' -> paypal, login, verify); labels repeat
    across the hosts of a feed."""
    return frozenset(w for _, _, w in Label(raw).words())


@dataclass(slots=True)
class Match:
    key: Key
    label: Label
    kind: MatchKind
    start: int  # on label.joined
    end: int
    distance: int

    @property
    def window(self) -> str:
        return self.label.shown(self.start, self.end)

    @property
    def window_plain(self) -> str:
        return plain_text(self.window)
