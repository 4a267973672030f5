"""Scoring JSON Lines: one output line per input line, in order, errors in place. Pure."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from monitor.models import CandidateError, candidate_from_dict
from monitor.scoring import Scorer


def score_line(scorer: Scorer, line: str, number: int) -> tuple[str, bool]:
    """(output JSON line, ok) for one input line; blank lines are invalid too, so that
    output line N always answers input line N."""
    if not line.strip():
        return json.dumps({"line": number, "error": "empty line (expected one JSON object)"}), False
    try:
        obj = json.loads(line)
    except json.JSONDecodeError as exc:
        return json.dumps({"line": number, "error": f"invalid JSON: {exc.msg} at column {exc.colno}"}), False
    try:
        candidate = candidate_from_dict(obj)
    except CandidateError as exc:
        out = {"line": number, "error": str(exc)}
        if isinstance(obj, dict) and isinstance(obj.get("id"), (str, int, float)):
            out["id"] = obj["id"]
        return json.dumps(out, ensure_ascii=False), False
    return json.dumps(scorer.score(candidate).to_dict(), ensure_ascii=False), True


def score_lines(scorer: Scorer, lines: Iterable[str], start: int = 1) -> Iterator[tuple[str, bool]]:
    for number, line in enumerate(lines, start):
        yield score_line(scorer, line.rstrip("\r\n"), number)
