"""Charts as inline SVG, made on the server (no JavaScript, nothing fetched). Pure: numbers in,
markup out; every label is escaped. The SVG scales to its container (viewBox, width 100%)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from markupsafe import Markup, escape

_FONT = "font-family:system-ui,sans-serif;font-size:12px"


def _fmt(number: float) -> str:
    return f"{number:.1f}".rstrip("0").rstrip(".")


def columns(series: Sequence[tuple[dt.date, int]], *, title: str, height: int = 140) -> Markup:
    """A column chart of counts per day (oldest first): one column a day, the first, middle and
    last dates under the axis, the largest count beside it, and a text equivalent for screen
    readers (each day's count in <title>)."""
    width, left, bottom, top = 600, 28, 20, 10
    n = max(1, len(series))
    peak = max((v for _, v in series), default=0)
    scale = (height - bottom - top) / peak if peak else 0
    step = (width - left) / n
    # never drawn smaller than 440 px (the page scrolls it sideways on a phone) nor above 1.5x
    parts = [f'<div class="chart-scroll"><svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-label="{escape(title)}" style="{_FONT};min-width:440px;max-width:{width * 3 // 2}px">',
             f"<title>{escape(title)}</title>",
             f'<line x1="{left}" y1="{height - bottom}" x2="{width}" y2="{height - bottom}" stroke="#888"/>',
             f'<text x="{left - 4}" y="{top + 8}" text-anchor="end">{peak}</text>',
             f'<text x="{left - 4}" y="{height - bottom}" text-anchor="end">0</text>']
    for i, (day, value) in enumerate(series):
        h = value * scale
        x = left + i * step + step * 0.15
        parts.append(f'<rect class="bar" x="{_fmt(x)}" y="{_fmt(height - bottom - h)}" width="{_fmt(step * 0.7)}" '
                     f'height="{_fmt(h)}" fill="#3366aa"><title>{day.isoformat()}: {value}</title></rect>')
    for i in sorted({0, len(series) // 2, len(series) - 1}):
        if 0 <= i < len(series):
            anchor = "start" if i == 0 else "end" if i == len(series) - 1 else "middle"
            x = left + i * step + (0 if anchor == "start" else step if anchor == "end" else step / 2)
            parts.append(f'<text x="{_fmt(x)}" y="{height - 5}" text-anchor="{anchor}">'
                         f'{series[i][0].strftime("%m-%d")}</text>')
    parts.append("</svg></div>")
    return Markup("".join(parts))


def bars(items: Sequence[tuple[str, int]], *, title: str, row: int = 24) -> Markup:
    """Horizontal bars, one per (label, count), with the label above-left and the count at the
    bar's end; labels are escaped."""
    width, label_w = 360, 110
    height = max(1, len(items)) * row + 4
    peak = max((v for _, v in items), default=0)
    scale = (width - label_w - 36) / peak if peak else 0
    parts = [f'<svg class="chart" viewBox="0 0 {width} {height}" width="100%" role="img" '
             f'aria-label="{escape(title)}" style="{_FONT};max-width:{width * 3 // 2}px"><title>{escape(title)}</title>']
    if not items:
        parts.append(f'<text x="0" y="{row - 8}">nothing yet</text>')
    for i, (label, value) in enumerate(items):
        y = i * row + 2
        w = value * scale
        parts.append(f'<text x="{label_w - 6}" y="{y + row - 8}" text-anchor="end">{escape(label[:18])}</text>'
                     f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{_fmt(w)}" height="{row - 8}" fill="#3366aa">'
                     f'<title>{escape(label)}: {value}</title></rect>'
                     f'<text x="{_fmt(label_w + w + 4)}" y="{y + row - 8}">{value}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
