"""The bigram test of the segmenter against the plain reading of symspellpy's list."""

from __future__ import annotations

import random
from importlib import resources

import pytest

from monitor.detection import segment


@pytest.fixture(scope="module")
def counts() -> dict[str, int]:
    text = resources.files("symspellpy").joinpath("frequency_bigramdictionary_en_243_342.txt").read_text("utf-8")
    return {pair: int(count) for pair, count in (line.rsplit(" ", 1) for line in text.splitlines()
                                                   if line.count(" ") == 2)}


@pytest.mark.parametrize("minimum", [0, 1, 6_400_000, 10_000_000, 50_000_000, 10**12])
def test_common_bigram_is_the_count_against_the_minimum(counts, minimum):
    rng = random.Random(minimum)
    pairs = rng.sample(sorted(counts), 3000)
    for pair in pairs:
        first, second = pair.split(" ")
        assert segment.common_bigram(first, second, minimum) == (counts[pair] >= minimum), (pair, minimum)
    for first, second in (("box", "office"), ("home", "office"), ("laoairlines", "office"), ("", ""), ("a", "")):
        expected = counts.get(f"{first} {second}", 0) >= minimum
        assert segment.common_bigram(first, second, minimum) == expected, (first, second, minimum)
