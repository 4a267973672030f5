"""Brand keys on one label: the index's hits as matches (the best kind per key, typo
windows moved to where the written letters are closest to the key), and how a match sits in its
label (a word of its own, inside another word, part of a phrase...). Pure."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rapidfuzz.distance import OSA, Levenshtein

from monitor.detection import segment
from monitor.detection.edits import (
    _doubled_letter,
    _edit_parts,
    _within,
    counted_edits,
)
from monitor.detection.index import Hit, Key
from monitor.detection.labels import KIND_RANK, Label, Match, MatchKind, Placement, plain_text
from monitor.detection.normalize import (
    flat,
    read_sequences,
)

if TYPE_CHECKING:
    from monitor.detection.tables import BrandTables


# Words that make a phrase with anything ('the apple', 'my office'): no compound name.
FUNCTION_WORDS = frozenset("the and for you your our his her its their this that with from new all any one "
                            "get out off not can are was".split())


def closest_window(match: Match, allowed: int) -> None:
    """Move a typo window to where the written letters are fewest edits from the key,
    on word boundaries where that costs nothing ('amazo|paid' rather than 'amazop|aid')."""
    n = len(match.label.joined)
    key_flat, key_seq = match.key.text, read_sequences(match.key.text)
    candidates = []
    for start in range(max(0, match.start - allowed), min(n, match.start + allowed) + 1):
        for end in range(max(start + 1, match.end - allowed), min(n, match.end + allowed) + 1):
            window = plain_text(match.label.shown(start, end))
            window_flat = flat(window)
            distance = min(OSA.distance(window_flat, key_flat, score_cutoff=allowed + 1),
                           OSA.distance(read_sequences(window_flat), key_seq, score_cutoff=allowed + 1))
            if distance <= allowed:
                candidates.append((distance, abs(len(window) - len(match.key.plain)), start, end, window))
    if not candidates:
        return
    least = min(c[0] for c in candidates)
    best = None
    for distance, size_gap, start, end, window in sorted(candidates):
        if distance > least + 1:
            break
        if not _within(window, match.key.plain, allowed):
            continue
        aligned = match.label.alignment(start, end)[0] == Placement.WORD
        rank = (counted_edits(window, match.key.plain), not aligned, size_gap, start)
        if best is None or rank < best[0]:
            best = (rank, start, end)
    if best is not None:
        match.start, match.end = best[1], best[2]


def matches_of(tables: BrandTables, raw: str, extra: int = 0) -> list[Match]:
    """The matches of a label, remembered: hosts of one site share their labels."""
    cached = tables.label_cache.get((raw, extra))
    if cached is None:
        label = Label(raw)
        cached = (label, label_matches(tables, label, extra))
        if len(tables.label_cache) >= 50_000:
            tables.label_cache.clear()
        tables.label_cache[(raw, extra)] = cached
    return cached[1]


def label_matches(tables: BrandTables, label: Label, extra: int = 0) -> list[Match]:
    """The index's hits on a label, the best kind per key, on joined offsets."""
    best: dict[Key, Match] = {}

    def keep(hit: Hit, kind: MatchKind, offsets: list[int]) -> None:
        start, end = offsets[hit.start], offsets[hit.end] if hit.end < len(offsets) else offsets[-1]
        match = Match(hit.key, label, kind, start, end, hit.distance)
        if kind in (MatchKind.TYPO, MatchKind.TYPO_INSIDE):
            # the edits a reader sees, lookalike letters free, must be within the allowance too
            allowed = tables.rules.allowed_distance(len(hit.key.plain)) + (extra if kind == MatchKind.TYPO else 0)
            if kind == MatchKind.TYPO_INSIDE:
                if len(hit.key.plain) < tables.rules.typo_inside_min_length:
                    return
                closest_window(match, allowed)
            window, plain = match.window_plain, hit.key.plain
            if window == plain or not _within(window, plain, allowed):
                return
            # lookalikes on top of a typo: 'api3' is not 'apple'
            if Levenshtein.distance(window, plain, score_cutoff=allowed + 2) > allowed + 1 \
                    and len(_edit_parts(window, plain)) > allowed + 1:
                return
            edits = counted_edits(window, plain)
            if edits == 0:
                return
            match.distance = edits
        old = best.get(hit.key)
        if old is None or (KIND_RANK[kind], hit.distance) < (KIND_RANK[old.kind], old.distance):
            best[hit.key] = match

    index = tables.index
    for text, offsets in label.forms:
        if len(text) < 3:
            continue
        exact, contained, typo, inside = index.lookup(text, extra)
        for hit in exact:
            keep(hit, MatchKind.EXACT, offsets)
        for hit in contained:
            if hit.end - hit.start < len(text):
                keep(hit, MatchKind.CONTAINED, offsets)
        for hit in typo:
            keep(hit, MatchKind.TYPO, offsets)
        for hit in inside:
            if hit.end - hit.start < len(text) and hit.key not in best:
                keep(hit, MatchKind.TYPO_INSIDE, offsets)
    matches = list(best.values())
    if len(matches) > 1:  # 'office' inside 'office365', a key of the same brand: the longer one speaks
        matches = [m for m in matches if not any(
            o is not m and o.key.brand == m.key.brand and o.kind in (MatchKind.EXACT, MatchKind.CONTAINED) and
            o.start <= m.start and m.end <= o.end and (o.end - o.start) > (m.end - m.start) for o in matches)]
    return matches


def word_verdict(tables: BrandTables, match: Match) -> tuple[str, str]:
    """How the matched window sits in its label: 'word' (the brand as a word of its own),
    'phrase' (a word of a common phrase: 'box office'), 'inside' (inside another word),
    'blob' (inside an unknown run of letters), 'other_word' (a typo that is itself a
    dictionary word: 'cloud'), 'other_name' (the label reads as other words: 'charge point')."""
    label = match.label
    if match.kind in (MatchKind.TYPO, MatchKind.TYPO_INSIDE):
        window = match.window_plain
        if window.isascii() and segment.is_word(window) and len(window) >= 3:
            return Placement.OTHER_WORD, window
        # a letter stuck to a word: 'g|cloud' is a word and a letter, not 'icloud' misspelt
        if window.isascii() and len(window) - 1 >= len(match.key.plain) - 1:
            for piece in (window[1:], window[:-1]):
                if len(piece) >= 4 and segment.is_word(piece) and piece != match.key.plain:
                    return Placement.OTHER_WORD, piece
        # a dictionary word nearly as long as the key inside the window: 'a|cloud' is not 'icloud'
        for s, e, word in label.words():
            if match.start <= s and e <= match.end and len(word) >= len(match.key.plain) - 1 \
                    and word != match.key.plain and segment.is_word(word):
                return Placement.OTHER_WORD, word
        if match.kind == MatchKind.TYPO:
            pieces = [w for _, _, w in label.words()]
            if len(pieces) >= 2 and all(segment.is_word(w, -8.5) and len(w) >= 3 for w in pieces):
                return Placement.OTHER_NAME, " ".join(pieces)
            return Placement.WORD, ""
    if match.kind == MatchKind.EXACT:
        return Placement.WORD, ""
    if match.kind == MatchKind.CONTAINED and match.key.kind == "domain" and (
            _doubled_letter(label.joined, match.key.plain)
            ):
        # the whole label is the official name with one letter typed twice ('laotell' for
        # 'laotel'): a typo of the brand's own domain, whatever words it happens to spell
        return Placement.WORD, ""
    how, word = label.alignment(match.start, match.end)
    if how == Placement.WORD and label.joined.isascii():
        before, after = label.neighbours(match.start, match.end)
        key = match.key.plain
        for first, second in ((before, key), (key, after)):
            other = first if second == key else second
            same_brand = {k.plain for k in tables.brands[match.key.brand].keys}
            if other and len(other) >= 3 and other not in FUNCTION_WORDS and other not in tables.domain_lures \
                    and other not in same_brand \
                    and segment.common_bigram(first, second, tables.rules.phrase_min_count):
                return Placement.PHRASE, f"{first} {second}"
    return how, word


def weaker(tables: BrandTables, first: str, second: str) -> str:
    """The feature of the two with the smaller weight (the first on a tie)."""
    weights = tables.rules.weights
    return second if getattr(weights, second) < getattr(weights, first) else first


def stronger(tables: BrandTables, first: str, second: str) -> str:
    weights = tables.rules.weights
    return second if getattr(weights, second) > getattr(weights, first) else first
