"""The brand-key index against a brute-force reference on random inputs (as RapidFuzz tests
its fast paths)."""

from __future__ import annotations

from itertools import combinations

from hypothesis import example, given, settings
from hypothesis import strategies as st
from rapidfuzz.distance import OSA

from monitor.detection.index import Key, KeyIndex
from monitor.detection.normalize import read_sequences

ALPHABET = "abcdelmnor"
words = st.text(alphabet=ALPHABET, min_size=3, max_size=12)


def _allowed(length: int) -> int:
    return 0 if length < 5 else 1 if length < 10 else 2


def _index(texts: list[str], inside_min_length: int = 0) -> tuple[KeyIndex, list[Key]]:
    keys = [Key(t, "name", t, t, i) for i, t in enumerate(dict.fromkeys(texts))]
    index = KeyIndex(_allowed, inside_min_length=inside_min_length)
    index.extend(keys)
    return index, keys


def brute_force(keys: list[Key], allowed, text: str,
                inside_min_length: int = 0) -> dict[str, set]:
    """The reference the index is tested against: every key, every window, OSA distance
    (inside longer text, only the key's forms at least ``inside_min_length`` long)."""
    out: dict[str, set] = {"exact": set(), "contained": set(), "typo": set(), "typo_inside": set()}
    for key in keys:
        for form in {key.text, read_sequences(key.text)}:
            if text == form:
                out["exact"].add(key)
            if form and form in text:
                out["contained"].add(key)
            limit = allowed(len(form))
            if limit and 0 < OSA.distance(text, form) <= limit:
                out["typo"].add(key)
            if limit and len(form) >= inside_min_length:
                for start, end in combinations(range(len(text) + 1), 2):
                    if 0 < OSA.distance(text[start:end], form) <= limit:
                        out["typo_inside"].add(key)
                        break
    return out


@settings(max_examples=400, deadline=None)
@given(st.lists(words, min_size=1, max_size=8), st.text(alphabet=ALPHABET + "-", max_size=20),
       st.sampled_from([0, 6]))
@example(["abcde"], "abced", 6)  # one transposition is one edit; a short key has no pieces for typos
@example(["rnoon"], "moon", 0)  # lookalike sequence in the key
@example(["abcdeea"], "abcedea", 0)  # a swap across the cut between the two pieces breaks both
@example(["aaaarn"], "aaaa", 6)  # the key's form with 'rn' read as 'm' is too short to be looked for inside
def test_index_equals_brute_force(texts, text, inside_min_length):
    index, keys = _index(texts, inside_min_length)
    expected = brute_force(keys, _allowed, text, inside_min_length)
    assert {h.key for h in index.exact(text)} == expected["exact"]
    assert {h.key for h in index.contained(text)} == expected["contained"]
    assert {h.key for h in index.typo(text)} == expected["typo"]
    assert {h.key for h in index.typo_inside(text)} == expected["typo_inside"]
    if any(expected.values()):
        assert index.might_match(text)
    exact, contained, typo, inside = index.lookup(text)
    exact_keys = {h.key for h in exact}
    assert exact_keys == expected["exact"]
    assert {h.key for h in contained} | exact_keys == expected["contained"]  # an exact key is not reported again
    assert {h.key for h in typo} == expected["typo"]
    assert {h.key for h in inside} | (exact_keys & expected["typo_inside"]) == expected["typo_inside"]


@settings(max_examples=200, deadline=None)
@given(st.lists(words, min_size=1, max_size=8), st.data())
def test_windows_reported_are_what_was_compared(texts, data):
    index, keys = _index(texts)
    key = data.draw(st.sampled_from(keys))
    text = data.draw(st.text(alphabet=ALPHABET, max_size=5)) + key.text + data.draw(st.text(alphabet=ALPHABET, max_size=5))
    hits = index.contained(text)
    assert any(h.key == key and text[h.start:h.end] == key.text for h in hits)
    for hit in index.typo_inside(text):
        from rapidfuzz.distance import OSA

        from monitor.detection.normalize import read_sequences
        assert hit.distance in {OSA.distance(text[hit.start:hit.end], f) for f in {hit.key.text, read_sequences(hit.key.text)}}


@settings(max_examples=400, deadline=None)
@given(st.lists(words, min_size=1, max_size=8), st.text(alphabet=ALPHABET + "-", max_size=20),
       st.sampled_from([0, 6]), st.sampled_from([0, 1]))
@example(["abcdefg"], "abcdefgx", 6, 0)  # a typo of the whole text, found through a piece
@example(["abcde"], "abxde", 6, 1)  # a short key, reached with one edit more
def test_any_match_finds_whatever_lookup_finds(texts, text, inside_min_length, extra):
    """The prefilter's closer look never misses a hit of the lookups the scorer runs, and
    says no for texts where the lookups find nothing at all on most inputs."""
    index, _ = _index(texts, inside_min_length)
    found = any(index.lookup(text, extra))
    if found:
        assert index.any_match(text, extra)
    if not index.might_match(text) and not extra:
        assert not index.any_match(text)
