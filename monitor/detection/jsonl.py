"""Scoring JSON Lines: one output line per input line, in order, errors in place. Pure.

A record that is surely unrelated is answered by the prefilter's fast path
(monitor.detection.prefilter.unrelated_line), byte for byte what the full path writes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from monitor.detection.models import CandidateError, candidate_from_dict
from monitor.detection.prefilter import unrelated_line
from monitor.detection.scoring import Scorer

if TYPE_CHECKING:
    from multiprocessing.pool import AsyncResult

    from monitor.detection.rules import Rules
    from monitor.registry import Registry


def score_line(scorer: Scorer, line: str, number: int) -> tuple[str, bool]:
    """(output JSON line, ok) for one input line; blank lines are invalid too, so that
    output line N always answers input line N."""
    if not line.strip():
        return json.dumps({"line": number, "error": "empty line (expected one JSON object)"}), False
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return json.dumps({"line": number, "error": f"invalid JSON: {exc.msg} at column {exc.colno}"}), False
    except RecursionError:
        return json.dumps({"line": number, "error": "invalid JSON: nested too deeply"}), False
    except ValueError as exc:  # e.g. an integer of thousands of digits (Python's int limit)
        return json.dumps({"line": number, "error": f"invalid JSON: {exc}"}), False
    try:
        # a lone surrogate comes from a \ud800-\udfff escape, or from a str handed in by a
        # caller: a plain ASCII line without such an escape cannot hold one
        if not line.isascii() or "\\ud" in line or "\\uD" in line:
            json.dumps(obj, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return json.dumps({"line": number, "error": "invalid text: a lone surrogate (\\ud800-\\udfff) is no "
                                                      "character"}), False
    fast = unrelated_line(scorer, obj)  # most lines of a feed: no Candidate, no Score, no dict
    if fast is not None:
        return fast, True
    try:
        candidate = candidate_from_dict(obj)
    except CandidateError as exc:
        out = {"line": number, "error": str(exc)}
        if isinstance(obj, dict) and isinstance(obj.get("id"), (str, int, float)):
            out["id"] = obj["id"]
        return json.dumps(out, ensure_ascii=False), False
    try:
        return json.dumps(scorer.score(candidate).to_dict(), ensure_ascii=False), True
    except Exception as exc:  # noqa: BLE001 - one odd record must not end the run: its line says why
        return json.dumps({"line": number, "error": f"could not be scored: {type(exc).__name__}: {exc}"[:500]},
                          ensure_ascii=False), False


def stream_scorer(registry: Registry, rules: Rules) -> Scorer:
    """A scorer for a long stream (`monitor score`, its workers): warmed (word lists, suffix
    lists, the index's automata), then kept, with what else this process holds so far, out of
    the cyclic collector's walks. It lives as long as the process, and each full collection
    walked its hundreds of thousands of objects again: about 6% of the CPU on the half-lookalike
    mix (four alternating runs each way; nothing measurable on the NRD day, whose lines allocate
    little). Collected first, so that no garbage is frozen with it."""
    import gc

    scorer = Scorer(registry, rules)
    scorer.warm_up()
    gc.collect()
    gc.freeze()
    return scorer


def score_lines(scorer: Scorer, lines: Iterable[str], start: int = 1) -> Iterator[tuple[str, bool]]:
    """Lines as JSON Lines defines them: ended by LF alone (read them with newline="\n"); a CR
    inside a line is part of it, and is invalid JSON there."""
    for number, line in enumerate(lines, start):
        yield score_line(scorer, line.removesuffix("\n").removesuffix("\r"), number)


# ---------------------------------------------------------------- parallel scoring
# Scoring is CPU-bound pure Python, so large inputs are split into chunks scored by a pool
# of worker processes. At most two chunks per worker are in flight: the input is streamed,
# never loaded whole, and output keeps input order.

_worker_scorer: Scorer | None = None


def _default_signals() -> None:
    """A forked worker inherits its parent's Python signal handlers; an embedding program's
    SIGTERM handler (Airflow installs one) would keep Pool.terminate() from stopping it."""
    import signal

    signal.signal(signal.SIGTERM, signal.SIG_DFL)


def _init_worker(registry: Registry, rules: Rules) -> None:  # pickled models
    global _worker_scorer
    _default_signals()
    _worker_scorer = stream_scorer(registry, rules)


def _score_chunk(lines: list[str], start: int) -> tuple[str, int]:
    """A chunk's output lines as one text, and how many were invalid: one string crosses
    back to the parent, not a tuple per line (that pickling was most of what a second
    worker cost)."""
    assert _worker_scorer is not None
    out, failed = [], 0
    for line, ok in score_lines(_worker_scorer, lines, start):
        out.append(line)
        failed += not ok
    out.append("")
    return "\n".join(out), failed


def _chunks(lines: Iterable[str], size: int) -> Iterator[tuple[int, list[str]]]:
    chunk: list[str] = []
    start = 1
    for line in lines:
        chunk.append(line)
        if len(chunk) == size:
            yield start, chunk
            start += size
            chunk = []
    if chunk:
        yield start, chunk


def score_chunks_parallel(registry: Registry, rules: Rules, lines: Iterable[str], jobs: int,
                          chunk_size: int = 2000) -> Iterator[tuple[str, int]]:
    """(output text of a chunk, each line ended by LF; its invalid lines), in input order."""
    import multiprocessing
    from collections import deque

    global _worker_scorer
    methods = multiprocessing.get_all_start_methods()
    context: multiprocessing.context.BaseContext
    if "fork" in methods:
        # Prepared once here and inherited by every worker (index, word lists, suffix list),
        # rather than built again in each.
        context = multiprocessing.get_context("fork")
        # frozen, it is also kept out of the workers' collections, so that they do not write
        # to (and copy) the pages they share
        _worker_scorer = stream_scorer(registry, rules)
        pool_args: dict[str, Any] = {"initializer": _default_signals}
    else:
        context = multiprocessing.get_context("spawn")
        pool_args = {"initializer": _init_worker, "initargs": (registry, rules)}
    with context.Pool(jobs, **pool_args) as pool:
        pending: deque[AsyncResult[tuple[str, int]]] = deque()
        for start, chunk in _chunks(lines, chunk_size):
            pending.append(pool.apply_async(_score_chunk, (chunk, start)))
            if len(pending) >= 2 * jobs:
                yield pending.popleft().get()
        while pending:
            yield pending.popleft().get()
