"""The brand-key index: every string a candidate may imitate, looked up without a loop over brands.

A *key* is a brand string in its flat form (``normalize.flat``: folded, digits read as
letters, no separators): an official domain's label, an official handle, a name or alias.
Each key is stored under its flat form and under the form with lookalike sequences read
(``rn`` as ``m``), so that both spellings of a word find it.

Lookups, each independent of the number of brands:

- ``exact(text)``: the keys equal to text;
- ``contained(text)``: the keys inside text, with their offsets (every substring whose length
  is a key length is looked up in a dict);
- ``typo(text)``: the keys within their allowed edits of the whole text (SymSpell's
  symmetric deletions: text and key meet after at most d deletions each);
- ``typo_inside(text)``: the keys within their allowed edits of a window of text (a key cut
  into d+1 pieces keeps one piece intact under d edits: the pieces are indexed, and each
  hit is verified on the few windows it allows);
- ``might_match(text)``: cheap necessary condition of all the above (some piece of some key
  occurs in text); what fails it matches nothing;
- ``any_match(text)``: a closer necessary condition, the lookups' own search stopped at
  the first candidate, without building hits (tested against ``lookup``).

Substrings are found with Aho-Corasick automata (pyahocorasick, C): one pass over the text
finds every key or piece in it, however many brands there are; a loop over the text's
substrings in Python cost more than the rest of the scoring with a thousand brands.

The tests compare each lookup with a brute-force reference on random inputs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

import ahocorasick
from rapidfuzz.distance import OSA, Indel

from monitor.detection.normalize import read_sequences


@dataclass(frozen=True, slots=True)
class Key:
    """A brand string a domain label or handle may imitate."""

    text: str  # flat form, no separators: 'laoalrllnes'
    kind: str  # 'domain' (official label), 'handle' (official handle) or 'name' (name/alias)
    shown: str  # as the owner writes it: 'laoairlines', 'Lao Airlines'
    plain: str  # as written, lower-case, no separators: 'laoairlines'
    brand: int  # index of the brand in the registry
    suffix: str = ""  # official suffix for domain keys ('com')
    platform: str = ""  # for handle keys


@dataclass(frozen=True, slots=True)
class Hit:
    key: Key
    start: int  # window of the looked-up text
    end: int
    distance: int  # OSA edits between the window and the key (in the form that matched)


def _pieces(text: str, count: int) -> list[tuple[int, str]]:
    """text cut into count nearly equal pieces, with their offsets."""
    size, extra = divmod(len(text), count)
    out, position = [], 0
    for number in range(count):
        length = size + (1 if number < extra else 0)
        out.append((position, text[position:position + length]))
        position += length
    return out


def _automaton(entries: Mapping[str, object]) -> ahocorasick.Automaton | None:
    """An automaton whose value for each word is (len(word), entries[word]); None when empty."""
    if not entries:
        return None
    automaton = ahocorasick.Automaton()
    for word, value in entries.items():
        automaton.add_word(word, (len(word), value))
    automaton.make_automaton()
    return automaton


def _best_window(form: str, text: str, origin: int, allowed: int,
                 best: tuple[int, int, int, int] | None = None) -> tuple[int, int, int, int] | None:
    """The closest window of text to form that starts within allowed of origin, as
    (distance, |length - len(form)|, start, end): fewest edits (at least one, at most
    allowed), then the length nearest the key's, then the first; best if none is closer."""
    n, size = len(text), len(form)
    for start in range(max(0, origin - allowed), min(n, origin + allowed) + 1):
        for length in range(max(1, size - allowed), size + allowed + 1):
            end = start + length
            if end > n:
                break
            distance = OSA.distance(form, text[start:end], score_cutoff=allowed)
            if distance > allowed or distance == 0:
                continue
            rank = (distance, abs(length - size), start, end)
            if best is None or rank < best:
                best = rank
    return best


def _deletions(text: str, depth: int) -> set[str]:
    out = {text}
    frontier = [text]
    for _ in range(depth):
        following = set()
        for w in frontier:
            for i in range(len(w)):
                following.add(w[:i] + w[i + 1:])
        out |= following
        frontier = list(following)
    return out


@dataclass
class KeyIndex:
    allowed: Callable[[int], int]  # edits allowed for a key of this length
    inside_min_length: int = 0  # typo_inside looks only for keys at least this long
    _exact: dict[str, list[Key]] = field(default_factory=dict)
    _deletes: dict[str, list[str]] = field(default_factory=dict)  # deletion -> key forms
    _pieces: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # piece -> (key form, offset)
    _inside: dict[str, list[tuple[str, int]]] = field(default_factory=dict)  # the same for typo_inside
    _inside_lengths: set[int] = field(default_factory=set)
    _max_allowed: int = 0
    _long_from: int = 10**6  # shortest key allowed more than one edit
    _allowances: dict[int, int] = field(default_factory=dict)
    # automata over the keys, the pieces and the typo_inside pieces: built on first use
    _exact_automaton: ahocorasick.Automaton | None = None
    _piece_automaton: ahocorasick.Automaton | None = None
    _inside_automaton: ahocorasick.Automaton | None = None
    _built: bool = False
    _short_reach: int = 0  # texts up to this long may be typos of a key too short for pieces
    _delete_lengths: set[int] = field(default_factory=set)  # lengths of the strings in _deletes

    def add(self, key: Key) -> None:
        self._built = False
        for form in dict.fromkeys((key.text, read_sequences(key.text))):  # in order, whatever the hash seed
            if not form:
                continue
            known = form in self._exact
            entries = self._exact.setdefault(form, [])
            if key not in entries:
                entries.append(key)
            if known:
                continue
            depth = self.allowed(len(form))
            self._max_allowed = max(self._max_allowed, depth)
            if depth > 1:
                self._long_from = min(self._long_from, len(form))
            if depth:
                if len(form) < self.inside_min_length:  # long keys are found by their pieces
                    for deletion in _deletions(form, depth):
                        self._deletes.setdefault(deletion, []).append(form)
                        self._delete_lengths.add(len(deletion))
                pieces = _pieces(form, depth + 1)
                piece_entries = list(pieces)
                # an adjacent swap across a cut breaks both pieces beside it (OSA counts it as
                # one edit): index each cut's swapped variant too
                for (offset, piece), (_, following) in zip(pieces, pieces[1:], strict=False):
                    if piece and following and piece[-1] != following[0]:
                        for variant, at in ((piece[:-1] + following[0], offset),
                                            (piece[-1] + following[1:], offset + len(piece))):
                            if variant:
                                piece_entries.append((at, variant))
                for offset, piece in piece_entries:
                    self._pieces.setdefault(piece, []).append((form, offset))
                    if len(form) >= self.inside_min_length:
                        self._inside.setdefault(piece, []).append((form, offset))
                        self._inside_lengths.add(len(piece))
                if len(form) < self.inside_min_length:
                    self._short_reach = max(self._short_reach, len(form) + depth + 1)
            else:
                self._pieces.setdefault(form, []).append((form, 0))

    def extend(self, keys: Iterable[Key]) -> None:
        for key in keys:
            self.add(key)

    # ---------------------------------------------------------------- lookups

    def keys(self, form: str) -> list[Key]:
        return self._exact.get(form, [])

    def exact(self, text: str) -> list[Hit]:
        return [Hit(k, 0, len(text), 0) for k in self._exact.get(text, ())]

    def _build(self) -> None:
        self._exact_automaton = _automaton(self._exact)
        self._piece_automaton = _automaton(self._pieces)
        self._inside_automaton = _automaton(self._inside)
        self._built = True

    def contains_any(self, text: str) -> bool:
        """Some key is in text (equal to it, or inside)."""
        if not self._built:
            self._build()
        return self._exact_automaton is not None and next(self._exact_automaton.iter(text), None) is not None

    def contained(self, text: str) -> list[Hit]:
        if not self._built:
            self._build()
        if self._exact_automaton is None:
            return []
        out: list[Hit] = []
        for last, (length, keys) in self._exact_automaton.iter(text):
            out.extend(Hit(k, last + 1 - length, last + 1, 0) for k in keys)
        return out

    def typo(self, text: str, extra: int = 0) -> list[Hit]:
        """Keys within their allowed edits of the whole text (at least one edit)."""
        return self.lookup(text, extra)[2]

    def _typo_short(self, text: str, extra: int = 0) -> list[Hit]:
        """Keys within their allowed edits of the whole text (at least one edit). ``extra``
        allows that many more edits where the context says so; those lookups find the keys
        that meet text after at most their allowed deletions (not every key at that
        distance: best effort, never used for the prefilter's guarantee)."""
        if not self._max_allowed:
            return []
        forms: set[str] = set()
        depth = self._max_allowed + extra
        if extra == 0 and depth > 1 and len(text) + 2 < self._long_from:
            depth = 1  # keys allowed two edits are long: a short text is not within reach of them
        if self._delete_lengths.isdisjoint(range(len(text) - depth, len(text) + 1)):
            return []  # no deletion of text is as short as a short key's (a long label, often)
        for deletion in _deletions(text, depth):
            forms.update(self._deletes.get(deletion, ()))
        out: list[Hit] = []
        for form in forms:
            allowed = self.allowed(len(form))
            if allowed:
                allowed += extra
            if abs(len(form) - len(text)) > allowed:
                continue
            distance = OSA.distance(text, form, score_cutoff=allowed)
            if 0 < distance <= allowed:
                out.extend(Hit(k, 0, len(text), distance) for k in self._exact[form])
        return out

    def typo_inside(self, text: str) -> list[Hit]:
        """Keys within their allowed edits (at least one) of a window of text; for each key
        the closest window (fewest edits, then length nearest the key's)."""
        best: dict[str, tuple[int, int, int, int]] = {}  # form -> (distance, |len diff|, start, end)
        n = len(text)
        seen: set[tuple[str, int]] = set()
        for length in self._inside_lengths:
            for position in range(0, n - length + 1):
                for form, offset in self._inside.get(text[position:position + length], ()):
                    allowed = self.allowed(len(form))
                    origin = position - offset
                    if not allowed or (form, origin) in seen:
                        continue
                    seen.add((form, origin))
                    rank = _best_window(form, text, origin, allowed, best.get(form))
                    if rank is not None:
                        best[form] = rank
        out: list[Hit] = []
        for form, (distance, _, start, end) in best.items():
            out.extend(Hit(k, start, end, distance) for k in self._exact[form])
        return out

    def lookup(self, text: str, extra: int = 0) -> tuple[list[Hit], list[Hit], list[Hit], list[Hit]]:
        """(exact, contained, typo, typo_inside) in one pass: exact and contained keys by
        their own substrings; for typos, the pieces present in text name the only long keys
        that can be near it (a short key is looked up in the deletion index instead, only
        when text is short enough to be a typo of one)."""
        if not self._built:
            self._build()
        origins: dict[str, set[int]] = {}
        n = len(text)
        if self._inside_automaton is not None:
            for last, (length, entries) in self._inside_automaton.iter(text):
                start = last + 1 - length
                for form, offset in entries:
                    starts = origins.get(form)
                    if starts is None:
                        origins[form] = {start - offset}
                    else:
                        starts.add(start - offset)
        typo: list[Hit] = []
        inside: list[Hit] = []
        allowances = self._allowances
        exact = self.exact(text)
        contained = [h for h in self.contained(text) if h.end - h.start < n]
        for form, starts in origins.items():
            keys = self._exact[form]
            size = len(form)
            if form == text:
                continue
            allowed = allowances.get(size)
            if allowed is None:
                allowed = allowances[size] = self.allowed(size)
            if not allowed:
                continue
            limit = allowed + extra
            if abs(size - n) <= limit:
                distance = OSA.distance(text, form, score_cutoff=limit)
                if 0 < distance <= limit:
                    typo.extend(Hit(k, 0, n, distance) for k in keys)
            if size < self.inside_min_length:
                continue
            best = None
            for origin in starts:
                region = text[max(0, origin - allowed): origin + size + 2 * allowed]
                # each of d edits costs the key at most one letter of its longest common
                # subsequence with a window, hence with the region around it: LCS >= size - d,
                # i.e. Indel(form, region) <= len(region) - size + 2d
                cutoff = len(region) - size + 2 * allowed
                if cutoff < 0 or Indel.distance(form, region, score_cutoff=cutoff) > cutoff:
                    continue
                best = _best_window(form, text, origin, allowed, best)
            if best is not None:
                inside.extend(Hit(k, best[2], best[3], best[0]) for k in keys)
        if extra or n <= self._short_reach:
            # short keys have no pieces here; allowances beyond the pieces' guarantee (extra)
            # are best effort, as the deletion index gives them
            known = {h.key for h in typo}
            typo.extend(h for h in self._typo_short(text, extra) if h.key not in known)
        return exact, contained, typo, inside

    def any_match(self, text: str, extra: int = 0) -> bool:
        """False only if ``lookup(text, extra)`` finds nothing: the same search without
        building a hit or choosing a window (the prefilter's closer look)."""
        if not self._built:
            self._build()
        if self.contains_any(text):
            return True  # exact or contained
        n = len(text)
        if (extra or n <= self._short_reach) and self._typo_short(text, extra):
            return True
        if self._inside_automaton is None:
            return False
        allowances = self._allowances
        for last, (length, entries) in self._inside_automaton.iter(text):
            start = last + 1 - length
            for form, offset in entries:
                size = len(form)
                allowed = allowances.get(size)
                if allowed is None:
                    allowed = allowances[size] = self.allowed(size)
                if not allowed or form == text:
                    continue
                limit = allowed + extra
                if abs(size - n) <= limit and 0 < OSA.distance(text, form, score_cutoff=limit) <= limit:
                    return True  # a typo of the whole text
                if size < self.inside_min_length:
                    continue
                origin = start - offset
                region = text[max(0, origin - allowed): origin + size + 2 * allowed]
                cutoff = len(region) - size + 2 * allowed  # the LCS bound of lookup()
                if cutoff >= 0 and Indel.distance(form, region, score_cutoff=cutoff) <= cutoff:
                    return True
        return False

    def might_match(self, text: str) -> bool:
        """False only if no key, nor a typo of one, can be found in text by the lookups above."""
        if not self._built:
            self._build()
        return self._piece_automaton is not None and next(self._piece_automaton.iter(text), None) is not None
