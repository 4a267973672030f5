"""What a brand key is made of, and when an edit of it makes another name (pure).

A key's words ('lao|telecom'), which of them are ordinary English words (Webster's Second),
and the rules that tell a misspelling of this name from another person's or company's name.
"""

from __future__ import annotations

import functools
import re

from rapidfuzz.distance import Levenshtein

from monitor.detection import segment
from monitor.detection.edits import lookalike_spelling
from monitor.detection.index import Key
from monitor.detection.lexicon import ordinary_word, proper_noun
from monitor.detection.normalize import flat
from monitor.detection.reasons import Reason

_NAME_WORD_RE = re.compile(r"[A-Z]?[a-z0-9]+|[A-Z]+(?![a-z])|[0-9]+")  # 'LaoTelecom', 'thy4go' stays whole


@functools.lru_cache(maxsize=4096)
def ordinary_key(key: Key) -> bool:
    """A key every word of which is an ordinary word ('apple', 'office', 'Office 365' -> office):
    honest names contain it, so it needs more evidence than a coined name."""
    pieces = [w for w in re.split(r"[^a-z]+", key.shown.lower()) if len(w) >= 3]
    return bool(pieces) and all(ordinary_word(w) for w in pieces)


def key_parts(key: Key) -> list[tuple[int, int, str]]:
    """(start, end, token) of a key's words on its plain form: the owner's spaces where the
    name has them ('Lao Telecom'), else the segmenter's split ('laotel' -> lao|tel)."""
    return _key_parts(key.shown, key.plain)


@functools.lru_cache(maxsize=4096)
def _key_parts(shown: str, plain: str) -> list[tuple[int, int, str]]:
    # the owner's spaces, hyphens and capitals: 'Lao Telecom', 'LaoTelecom', 'lao-telecom'
    tokens = [t.lower() for t in _NAME_WORD_RE.findall(shown)] if shown.isascii() else []
    if "".join(tokens) != plain or len(tokens) < 2 or all(len(t) == 1 for t in tokens):  # 'm_a_r_t_i_n'
        tokens = segment.segment(plain) if plain.isalpha() and plain.isascii() else [plain]
    if len(tokens) < 2 and plain.isascii():  # 'laotelecom': a proper noun and what follows it
        splits = [(max(i, len(plain) - i), i) for i in range(3, len(plain) - 2)
                  if proper_noun(plain[:i]) or proper_noun(plain[i:])]
        if splits:
            _, cut = max(splits)
            tokens = [plain[:cut], plain[cut:]]
    out, position = [], 0
    for token in tokens:
        out.append((position, position + len(token), token))
        position += len(token)
    return out


def distinctive_part_changed(window: str, key: Key) -> tuple[str, bool]:
    """(the proper-noun word of a key that the edits from window to it touch, whether they
    rewrite it): ('lao', True) for 'irantelecom' against 'laotelecom' (two edits in a
    three-letter word), ('lao', False) for 'laktelecom', ('', False) where the edits leave
    every proper noun alone. Only names with another word beside it count: changing 'Lao' in
    'Lao Telecom' names another operator, whereas a one-word name has no part that stays."""
    for token, inside, edits in _words_edited(window, key):
        if proper_noun(token):
            return token, inside and (edits >= 2 or edits * 2 > len(token))
    return "", False


def _words_edited(window: str, key: Key) -> list[tuple[str, bool, int]]:
    """The words of a key of several words that the edits from it to window touch, in order:
    (word, whether every edit lies in it, the number of edits). Compared in the flat forms: a
    lookalike letter ('la0tel', 'iaotel') is a disguise of the same name, not another one."""
    parts = key_parts(key)
    written, plain = flat(window), flat(key.plain)
    if len(parts) < 2 or not written.isascii() or len(plain) != len(key.plain):
        return []
    prefix = 0
    while prefix < min(len(written), len(plain)) and written[prefix] == plain[prefix]:
        prefix += 1
    suffix = 0
    while suffix < min(len(written), len(plain)) - prefix and written[-1 - suffix] == plain[-1 - suffix]:
        suffix += 1
    first, last = prefix, len(plain) - suffix  # the edits lie in plain[first:last] (or at first)
    edits = Levenshtein.distance(written[prefix:len(written) - suffix], plain[first:last])
    return [(token, start <= first and last <= end, edits) for start, end, token in parts
            if start <= first < end or start < last <= end or (first <= start and end <= last)]


def weak_key(key: Key) -> bool:
    """A key that is an ordinary word, or one proper noun ('smith', 'martin', 'amazon'):
    other people's and businesses' names contain it."""
    if ordinary_key(key):
        return True
    parts = key_parts(key)
    return len(parts) == 1 and (proper_noun(key.plain) or ordinary_word(key.plain))


_LONG_KEY = 10  # a key this long, misspelt inside a handle, is still read as itself


def handle_edit_changes_name(window: str, key: Key, inside: bool) -> Reason | None:
    """Why a typo of a key in a handle reads as another name, or '' where it reads as this one.

    Lookalike edits ('0' for 'o', a doubled or swapped letter) always read as this name. Other
    edits do where they fall in a generic word of a name of several ('laoairlnes': 'airlines')
    or in a coined one-word name ('netflx'); an edit in a distinctive word of a name of several
    ('devank|patel') makes another name; and inside other letters ('jvilled|ieu'), a key
    shorter than ten letters or a piece cut from a key ('siggraph' of 'siggrapher') is another
    word: with thousands of names protected, one of them is always an edit away from part of
    some handle."""
    if lookalike_spelling(window, key.plain):
        return None
    if inside and (len(key.plain) < _LONG_KEY or window in key.plain):
        return Reason("it is only a piece of letters inside a longer handle",
                      "ມັນເປັນພຽງສ່ວນໜຶ່ງຂອງຕົວອັກສອນໃນຊື່ບັນຊີທີ່ຍາວກວ່າ")
    if Levenshtein.distance(flat(window), flat(key.plain), score_cutoff=2) >= 2:
        return Reason("two of its letters are others", "ຕົວອັກສອນສອງຕົວຂອງມັນແມ່ນຕົວອື່ນ")
    for token, _, _ in _words_edited(window, key):
        if not _generic_word(token):
            return Reason(f"the edit is in the name '{token}'", f"ການແກ້ໄຂຢູ່ໃນຊື່ '{token}'")
    return None


def _generic_word(token: str) -> bool:
    """An ordinary English word ('airlines', 'times'; not 'lao', 'yang')."""
    # Webster's Second, not a frequency list: those rank people's names ('yang') as words
    return len(token) >= 3 and (ordinary_word(token) or (token.endswith("s") and ordinary_word(token[:-1])))
