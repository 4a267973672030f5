"""The brand-key index against a brute-force reference on random inputs (as RapidFuzz tests
its fast paths)."""

from __future__ import annotations

from hypothesis import example, given, settings
from hypothesis import strategies as st

from monitor.detection.index import Key, KeyIndex, brute_force

ALPHABET = "abcdelmnor"
words = st.text(alphabet=ALPHABET, min_size=3, max_size=12)


def _allowed(length: int) -> int:
    return 0 if length < 5 else 1 if length < 10 else 2


def _index(texts: list[str]) -> tuple[KeyIndex, list[Key]]:
    keys = [Key(t, "name", t, t, i) for i, t in enumerate(dict.fromkeys(texts))]
    index = KeyIndex(_allowed, inside_min_length=0)
    index.extend(keys)
    return index, keys


@settings(max_examples=400, deadline=None)
@given(st.lists(words, min_size=1, max_size=8), st.text(alphabet=ALPHABET + "-", max_size=20))
@example(["abcde"], "abced")  # one transposition is one edit
@example(["rnoon"], "moon")  # lookalike sequence in the key
@example(["abcdeea"], "abcedea")  # a swap across the cut between the two pieces breaks both
def test_index_equals_brute_force(texts, text):
    index, keys = _index(texts)
    expected = brute_force(keys, _allowed, text)
    assert {h.key for h in index.exact(text)} == expected["exact"]
    assert {h.key for h in index.contained(text)} == expected["contained"]
    assert {h.key for h in index.typo(text)} == expected["typo"]
    assert {h.key for h in index.typo_inside(text)} == expected["typo_inside"]
    if any(expected.values()):
        assert index.might_match(text)


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
