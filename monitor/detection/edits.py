"""How a written string differs from a brand key, as the owner reads it (pure).

The fewest edits from the key to what was written, each listed once in English and Lao
("'í' for 'i'" / "'í' ແທນ 'i'"), and whether it counts against the allowance: a lookalike
letter ('0' for 'o', 'í' for 'i') or sequence ('rn' for 'm') is listed but free, since it is
what a reader cannot tell apart. Also: whether a spelling is made to be misread.
"""

from __future__ import annotations

import functools

from rapidfuzz.distance import OSA, Levenshtein

from monitor.detection.normalize import SEQUENCE_LOOKALIKES, flat, read_sequences
from monitor.detection.reasons import Reason


@functools.lru_cache(maxsize=65536)
def _edit(kind: str, written: str, brand: str, counted: bool) -> tuple[str, bool, str]:
    """One edit as the owner reads it, in English and Lao, and whether it counts."""
    if kind == "for":
        return f"'{written}' for '{brand}'", counted, f"'{written}' ແທນ '{brand}'"
    if kind == "added":
        return f"'{written}' added", counted, f"ເພີ່ມ '{written}'"
    return f"'{written}' left out", counted, f"ຂາດ '{written}'"


@functools.lru_cache(maxsize=65536)  # asked again by the reasons of the match the lookups kept
def _edit_parts(source: str, target: str) -> tuple[tuple[str, bool, str], ...]:
    """The fewest edits from target (the brand string) to source (as written), see
    ``_edit_parts_dp``; plain substitutions, insertions and deletions come straight from
    rapidfuzz's edit operations, swaps and lookalike sequences from the full search."""
    if OSA.distance(source, target) == Levenshtein.distance(source, target) and \
            not any(seq in source for seq in SEQUENCE_LOOKALIKES):
        parts = []
        for op in Levenshtein.editops(target, source):
            if op.tag == "replace":
                a, b = source[op.dest_pos], target[op.src_pos]
                parts.append(_edit("for", a, b, flat(a) != flat(b)))
            elif op.tag == "insert":
                parts.append(_edit("added", source[op.dest_pos], "", True))
            else:
                parts.append(_edit("left out", target[op.src_pos], "", True))
        return tuple(parts)
    return _edit_parts_dp(source, target)


def _edit_parts_dp(source: str, target: str) -> tuple[tuple[str, bool, str], ...]:
    """The fewest edits from target (the brand string) to source (as written), each as the
    owner reads it and whether it counts against the allowance. An adjacent swap is one
    edit; a lookalike letter ('0' for 'o', 'í' for 'i') or sequence ('rn' for 'm') is
    listed but does not count (it is what a reader cannot tell apart)."""
    n, m = len(target), len(source)
    big = 1 << 30
    # cost in thousandths: a counted edit 1000, any listed edit 1 more (fewest listed on ties)
    cost = [[big] * (m + 1) for _ in range(n + 1)]
    back = [[0] * (m + 1) for _ in range(n + 1)]  # 1 match/sub, 2 swap, 3 sequence, 4 added, 5 left out
    cost[0][0] = 0
    flat_target, flat_source = [flat(c) for c in target], [flat(c) for c in source]
    same = [[ft == fs for fs in flat_source] for ft in flat_target]
    for i in range(n + 1):
        row = cost[i]
        for j in range(m + 1):
            here = row[j]
            if here >= big:
                continue
            if i < n and j < m:
                c = here if source[j] == target[i] else here + (1 if same[i][j] else 1001)
                if c < cost[i + 1][j + 1]:
                    cost[i + 1][j + 1], back[i + 1][j + 1] = c, 1
                if i + 1 < n and j + 1 < m and source[j] == target[i + 1] and source[j + 1] == target[i] \
                        and source[j] != source[j + 1] and here + 1001 < cost[i + 2][j + 2]:
                    cost[i + 2][j + 2], back[i + 2][j + 2] = here + 1001, 2
                if j + 1 < m and SEQUENCE_LOOKALIKES.get(source[j:j + 2]) == target[i] \
                        and here + 1 < cost[i + 1][j + 2]:
                    cost[i + 1][j + 2], back[i + 1][j + 2] = here + 1, 3
            if j < m and here + 1001 < row[j + 1]:
                row[j + 1], back[i][j + 1] = here + 1001, 4
            if i < n and here + 1001 < cost[i + 1][j]:
                cost[i + 1][j], back[i + 1][j] = here + 1001, 5
    parts: list[tuple[str, bool, str]] = []
    i, j = n, m
    while i or j:
        kind = back[i][j]
        if kind == 1:
            i, j = i - 1, j - 1
            if source[j] != target[i]:
                parts.append(_edit("for", source[j], target[i], not same[i][j]))
        elif kind == 2:
            i, j = i - 2, j - 2
            parts.append(_edit("for", source[j:j + 2], target[i:i + 2], True))
        elif kind == 3:
            i, j = i - 1, j - 2
            parts.append(_edit("for", source[j:j + 2], target[i], False))
        elif kind == 4:
            j -= 1
            parts.append(_edit("added", source[j], "", True))
        else:
            i -= 1
            parts.append(_edit("left out", target[i], "", True))
    return tuple(reversed(parts))


def describe_edits(source: str, target: str, lao: bool = False) -> str:
    """How source (as written) differs from target, every edit listed once:
    "'t' left out", "'í' for 'i'", "'rn' for 'm'", "'lf' for 'fl'" (or the same in Lao)."""
    return describe_edits_in_both(source, target)[1 if lao else 0]


@functools.lru_cache(maxsize=4096)
def describe_edits_in_both(source: str, target: str) -> Reason:
    """describe_edits in English and Lao from one search (the same edits in both)."""
    parts = _edit_parts(source, target)
    if not parts:
        return Reason("the same letters", "ຕົວອັກສອນດຽວກັນ")
    english, lao = [en for en, _, _ in parts], [lo for _, _, lo in parts]
    if len(parts) == 1:
        return Reason(english[0], lao[0])
    return Reason(", ".join(english[:-1]) + " and " + english[-1], ", ".join(lao[:-1]) + " ແລະ " + lao[-1])


def counted_edits(source: str, target: str) -> int:
    """The edits of ``describe_edits`` that count against the allowance (lookalikes are free)."""
    return sum(1 for _, counted, _ in _edit_parts(source, target) if counted)


@functools.lru_cache(maxsize=65536)
def _within(source: str, target: str, limit: int) -> bool:
    """counted_edits(source, target) <= limit, decided cheaply where the answer is plain:
    the written edit distance is an upper bound of the counted edits, and the distance of
    the flat forms (lookalikes read alike) with sequences read, minus nothing, a lower one."""
    if Levenshtein.distance(source, target, score_cutoff=limit + 1) <= limit:
        return True
    low = min(OSA.distance(flat(source), flat(target), score_cutoff=limit + 1),
              OSA.distance(read_sequences(flat(source)), read_sequences(flat(target)), score_cutoff=limit + 1))
    if low > limit:
        return False
    return counted_edits(source, target) <= limit


def lookalike_spelling(window: str, key: str) -> bool:
    """window spells key to be misread: lookalike characters ('mlcr0soft'), a lookalike
    sequence ('rnicrosoft'), two neighbours swapped ('netfilx') or a letter typed twice."""
    if window == key:
        return False
    if flat(window) == flat(key) or read_sequences(flat(window)) == flat(key):
        return True
    if len(window) == len(key):
        diffs = [i for i in range(len(key)) if window[i] != key[i]]
        return len(diffs) == 2 and diffs[1] == diffs[0] + 1 and \
            window[diffs[0]] == key[diffs[1]] and window[diffs[1]] == key[diffs[0]]
    return _doubled_letter(window, key)


def _doubled_letter(label: str, key: str) -> bool:
    """label is key with one of its letters typed twice ('laotell', 'laootel' for 'laotel')."""
    return len(label) == len(key) + 1 and any(label == key[:i + 1] + key[i:] for i in range(len(key)))
