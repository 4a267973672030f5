"""Words in host labels and handles: 'boxoffice' -> box|office, 'paypalloginin' -> paypal|login|in.

A brand key counts as the brand only where it is a word of its own (or a typo of one), not
the inside of another word ('hi|cloud|cam' holds no 'icloud', 'lao|television' no 'laotel').

Segmentation is the classic unigram Viterbi search over the English word frequencies that
ship with symspellpy (SymSpell's frequency_dictionary_en_82_765.txt, from Google Books
n-grams intersected with SCOWL; its bigram list tells common phrases such as 'box office').
The search is written here rather than calling ``SymSpell.word_segmentation`` because that
method also corrects spelling (hundreds of microseconds a call, and a second of loading):
here loading takes a fraction of that and a label is split in tens of microseconds.

Lao is written without spaces and the English list has no Lao: a Lao run is kept whole,
and a key inside it must respect syllables (``normalize.lao_boundary_ok``). Pure; the word
lists are read once, on first use.
"""

from __future__ import annotations

import bisect
import functools
import math
import re
from importlib import resources

MAX_WORD = 24
_RUN_RE = re.compile(r"[a-z]+|[0-9]+|[^a-z0-9]+")


@functools.lru_cache(maxsize=1)
def _unigrams() -> tuple[dict[str, float], float]:
    """log10 probability of each word, and the total count."""
    counts: dict[str, int] = {}
    path = resources.files("symspellpy").joinpath("frequency_dictionary_en_82_765.txt")
    with path.open("r", encoding="utf-8") as stream:
        for line in stream:
            word, _, count = line.partition(" ")
            if count:
                counts[word] = int(count)
    total = float(sum(counts.values()))
    log_total = math.log10(total)
    return {w: math.log10(c) - log_total for w, c in counts.items()}, total


@functools.lru_cache(maxsize=4)
def _bigrams_at_least(minimum: int) -> list[str]:
    """The bigrams ('first second') counted at least minimum times, sorted for bisect: a dict
    of all 240,000 with their counts took 64 MB, a third of a CT worker's memory. (The list
    holds each pair once: symspellpy's file has no pair twice.)"""
    pairs = []
    path = resources.files("symspellpy").joinpath("frequency_bigramdictionary_en_243_342.txt")
    with path.open("r", encoding="utf-8") as stream:  # line by line: the whole text at once peaked higher
        for line in stream:
            if line.count(" ") == 2:
                pair, _, count = line.rstrip("\n").rpartition(" ")
                if int(count) >= minimum:
                    pairs.append(pair)
    pairs.sort()
    return pairs


def is_word(word: str, min_logp: float = -9.0) -> bool:
    """A dictionary word at least as frequent as 10**min_logp (single letters excepted)."""
    if len(word) < 2:
        return False
    logp = _unigrams()[0].get(word)
    return logp is not None and logp >= min_logp


def common_bigram(first: str, second: str, minimum: int) -> bool:
    """'first second' is counted at least minimum times in the bigram list."""
    if minimum <= 0:
        return True
    pairs, pair = _bigrams_at_least(minimum), f"{first} {second}"
    at = bisect.bisect_left(pairs, pair)
    return at < len(pairs) and pairs[at] == pair


def _unknown_logp(length: int, total: float) -> float:
    # Peter Norvig's estimate for a word never seen: rarer the longer it is.
    return math.log10(10.0 / total) - length


@functools.lru_cache(maxsize=65536)
def _segment_letters(text: str) -> tuple[str, ...]:
    logp, total = _unigrams()
    n = len(text)
    best = [0.0] + [-math.inf] * n
    back = [0] * (n + 1)
    for end in range(1, n + 1):
        for start in range(max(0, end - MAX_WORD), end):
            piece = text[start:end]
            p = logp.get(piece)
            if p is None:
                p = _unknown_logp(end - start, total)
            score = best[start] + p
            if score > best[end]:
                best[end], back[end] = score, start
    out: list[str] = []
    end = n
    while end > 0:
        out.append(text[back[end]:end])
        end = back[end]
    return tuple(reversed(out))


def segment(text: str) -> list[str]:
    """Words of a folded token without separators: letters by frequency, digit runs and
    other scripts (Lao) whole. ''.join(segment(t)) == t."""
    out: list[str] = []
    for run in _RUN_RE.findall(text):
        if run.isascii() and run.isalpha():
            out.extend(_segment_letters(run) if len(run) > 1 else (run,))
        else:
            out.append(run)
    return out


def boundaries(words: list[str]) -> set[int]:
    """Offsets where words start or end: segment(['box', 'office']) -> {0, 3, 9}."""
    out = {0}
    position = 0
    for word in words:
        position += len(word)
        out.add(position)
    return out


def neighbours(words: list[str], start: int, end: int) -> tuple[str, str]:
    """The words just before start and just after end (offsets on word boundaries)."""
    before = after = ""
    position = 0
    for word in words:
        if position + len(word) == start:
            before = word
        if position == end:
            after = word
        position += len(word)
    return before, after
