"""Which words are ordinary English words, and which are names.

A brand key that is an ordinary word ('apple', 'office', 'outlook') appears in honest names
all the time ('applebees', 'libreoffice'); a coined name ('paypal', 'netflix') rarely does.
The test is Webster's Second International (1934, the Unix ``web2`` list, shipped by the
maintained ``english-words`` package): a lower-case headword there is an ordinary word; a
capitalised one is a proper noun ('Amazon', 'Lao'); a name coined since ('PayPal',
'Microsoft', 'Netflix') is not in it at all. A dictionary older than the brands cannot have
learnt them from the web, which a frequency list of today does (it ranks 'paypal' beside
'apple'). Pure; the list is read once, on first use (about 0.1 s).
"""

from __future__ import annotations

import functools


@functools.lru_cache(maxsize=1)
def _web2() -> tuple[frozenset[str], frozenset[str]]:
    """(ordinary words, proper nouns), lower-cased."""
    from english_words import get_english_words_set

    words = get_english_words_set(["web2"], alpha=True)
    ordinary = frozenset(w for w in words if w.islower())
    proper = frozenset(w.lower() for w in words if not w.islower()) - ordinary
    return ordinary, proper


def ordinary_word(word: str) -> bool:
    """A lower-case headword of Webster's Second: 'apple', 'office'; not 'amazon', 'paypal'."""
    return word.isascii() and word.lower() in _web2()[0]


def proper_noun(word: str) -> bool:
    """A capitalised headword only: 'lao', 'amazon'."""
    return word.isascii() and word.lower() in _web2()[1]
