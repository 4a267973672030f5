"""What the `monitor` command prints: tables and detail views of findings, takedowns and
alerts, with every stored string made safe for a terminal. Pure: rows in, text out.

URLs are printed as they are (an analyst copies them); scraped text can carry escape sequences that retitle or clear a terminal, and bidi controls
that reorder what is shown; they are printed as visible escapes (\\x1b, \\u202e)."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from monitor.clock import display_time

# C0, DEL, C1, line/paragraph separators, and the bidi controls (embeddings, overrides,
# isolates, marks).
_UNSAFE_RE = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def terminal_safe(value: Any) -> str:
    """One line of text, with control and bidi characters shown as escapes."""
    text = "-" if value is None else str(value)
    return _UNSAFE_RE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)


def _width(text: str) -> int:
    """Columns a string takes (East Asian wide characters count two; combining marks, as in
    Lao vowel signs, none)."""
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def table(header: Sequence[str], rows: Iterable[Sequence[Any]]) -> str:
    """A plain table: a header row, then one line per row; the last column is not padded."""
    cells = [list(header)] + [[terminal_safe(c) for c in row] for row in rows]
    widths = [max(_width(r[i]) for r in cells) for i in range(len(header) - 1)]
    lines = []
    for row in cells:
        padded = [cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row[:-1])]
        lines.append("  ".join([*padded, row[-1]]).rstrip())
    return "\n".join(lines)


def finding_rows(findings: Iterable[Any], takedowns: dict[int, Any]) -> list[list[Any]]:
    from monitor.store.repo import shown_status

    rows = []
    for f in findings:
        takedown = takedowns.get(f.id)
        rows.append([f"F{f.id}", f.brand_id, f.verdict, f.score, shown_status(f.status),
                     takedown_state(takedown, f) if takedown else "-", display_time(f.last_seen), f.label,
                     f.url])
    return rows


FINDING_HEADER = ("id", "brand", "verdict", "score", "status", "takedown", "last seen (UTC)", "identity", "url")


def takedown_state(takedown: Any, finding: Any) -> str:
    """A takedown as people think of it: closed when its finding is a false positive."""
    from monitor.store.repo import shown_status

    if finding is not None and finding.status == "false_positive":
        return "closed (false positive)"
    if takedown.taken_down_at:
        return "taken down"
    return shown_status(takedown.status)


def finding_detail(finding: Any, sightings: Sequence[Any], marks: Sequence[Any], takedown: Any | None) -> str:
    """`monitor findings show`: everything about one finding, readable."""
    from monitor.store.repo import shown_status

    lines = [
        f"Finding F{finding.id}: {terminal_safe(finding.label)}",
        f"  brand       {finding.brand_id}",
        f"  kind        {finding.kind}" + (f" on {finding.platform}" if finding.platform else ""),
        f"  url         {terminal_safe(finding.url)}",
        f"  verdict     {finding.verdict}, score {finding.score}",
        f"  status      {shown_status(finding.status)}" + (f" ({terminal_safe(finding.status_note)})"
                                                          if finding.status_note else ""),
        f"  first seen  {display_time(finding.first_seen)}",
        f"  last seen   {display_time(finding.last_seen)}",
        f"  alerted     {display_time(finding.alerted_at)}",
        "Why:",
        *(f"  - {terminal_safe(reason)}" for reason in finding.reasons or []),
        f"Sightings ({len(sightings)}):",
        *(f"  {display_time(s.seen_at)}  {s.source:<12} query {terminal_safe(s.query)}" for s in sightings),
    ]
    if takedown is not None:
        lines += [f"Takedown T{takedown.id}: {takedown_state(takedown, finding)}, drafted {display_time(takedown.drafted_at)}",
                  *(f"  to: {terminal_safe(p)}" for p in (takedown.addressing or {}).get("parties") or [])]
    lines.append(f"History ({len(marks)}):")
    lines += [f"  {display_time(m.marked_at)}  {shown_status(m.status):<14} by {terminal_safe(m.actor)}"
              + (f": {terminal_safe(m.note)}" if m.note else "") for m in marks]
    return "\n".join(lines)


def takedown_detail(takedown: Any, marks: Sequence[Any]) -> str:
    """`monitor takedown show`: where the draft goes, its evidence and its history."""
    addressing = takedown.addressing or {}
    form = addressing.get("form")
    lines = [
        f"Takedown T{takedown.id} (round {takedown.round}) for finding F{takedown.finding_id}, brand {takedown.brand_id}",
        f"  state       {takedown_state(takedown, takedown.finding)}",
        f"  page        {terminal_safe(takedown.evidence_url)}",
        f"  drafted     {display_time(takedown.drafted_at)}",
        f"  subject     {terminal_safe(takedown.subject)}",
        *(f"  to          {terminal_safe(p)}" for p in addressing.get("parties") or []),
        *([f"  form        {terminal_safe(form.get('url') if isinstance(form, dict) else form)}"] if form else []),
        f"  evidence    HTTP {takedown.http_status or '-'}, title {terminal_safe(takedown.page_title)}, "
        f"IP {takedown.resolved_ip or '-'}, SHA-256 {takedown.html_sha256 or '-'}",
        *(f"  gap         {terminal_safe(g)}" for g in takedown.gaps or []),
        f"  last check  {display_time(takedown.last_checked_at)} {terminal_safe(takedown.last_check) if takedown.last_check else ''}",
        f"History ({len(marks)}):",
    ]
    from monitor.store.repo import shown_status

    lines += [f"  {display_time(m.marked_at)}  {shown_status(m.status):<10} by {terminal_safe(m.actor)}"
              + (f": {terminal_safe(m.note)}" if m.note else "") for m in marks]
    lines.append("Write the draft to a file with --eml FILE; mark it with `monitor takedown mark ID sent|resolved`.")
    return "\n".join(lines)


ALERT_HEADER = ("id", "brand", "kind", "status", "attempts", "created (UTC)", "subject", "last error")


def alert_rows(alerts: Iterable[Any]) -> list[list[Any]]:
    return [[a.id, a.brand_id, a.kind, a.status, a.attempts, display_time(a.created_at), a.subject,
             (a.last_error or "-")[:200]] for a in alerts]
