"""A timeline picture as inline SVG, drawn by hand (no plotting library).

Events are placed on a date axis; each gets a marker and a ``<text>`` label
carrying its date, written in chronological order so the picture can be read
(and tested) as text. Windows are bars, shaded when they lapsed; alarms are
red markers below the axis.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

__all__ = ["SvgEvent", "timeline_svg"]

_COLOURS = {
    "warning": "#d97706", "alert": "#b45309", "request": "#2563eb", "response": "#0891b2",
    "statement": "#6b7280", "assessment": "#7c3aed", "attack": "#b91c1c", "alarm": "#dc2626",
    "report": "#374151",
}


@dataclass(frozen=True, slots=True)
class SvgEvent:
    """One thing to draw: a dated point, or a window when ``end`` is set."""

    day: date
    label: str
    kind: str
    end: date | None = None
    lapsed: bool = False


def timeline_svg(events: Sequence[SvgEvent], width: int = 960) -> str:
    """Render events on one date axis; labels are ``<text>`` elements in date order."""
    points = sorted((e for e in events if e.end is None and e.kind != "alarm"),
                    key=lambda e: (e.day, e.label))
    alarms = sorted((e for e in events if e.kind == "alarm"), key=lambda e: (e.day, e.label))
    windows = sorted((e for e in events if e.end is not None), key=lambda e: e.day)
    days = [e.day for e in events] + [e.end for e in windows if e.end]
    if not days:
        return "<svg xmlns='http://www.w3.org/2000/svg' width='200' height='40'></svg>"
    first, last = min(days), max(days)
    span = max((last - first).days, 1)
    left, right = 40, width - 200
    axis_y = 40 + 18 * len(points)
    height = axis_y + 40 + 18 * len(alarms) + 20 * len(windows)

    def x(d: date) -> float:
        return left + (right - left) * (d - first).days / span

    esc = html.escape
    out = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
           "font-family='sans-serif' font-size='11' role='img' aria-label='Warning timeline'>",
           f"<line x1='{left}' y1='{axis_y}' x2='{right}' y2='{axis_y}' stroke='#111'/>"]
    for i, e in enumerate(points):
        y = 30 + 18 * i
        colour = _COLOURS.get(e.kind, "#374151")
        out.append(f"<line x1='{x(e.day):.1f}' y1='{y + 4}' x2='{x(e.day):.1f}' y2='{axis_y}' "
                   f"stroke='{colour}' stroke-dasharray='2,2'/>")
        out.append(f"<circle cx='{x(e.day):.1f}' cy='{axis_y}' r='4' fill='{colour}'/>")
        out.append(f"<text x='{x(e.day) + 4:.1f}' y='{y}' fill='{colour}' "
                   f"data-kind='{esc(e.kind)}'>{e.day.isoformat()} {esc(e.label)}</text>")
    y = axis_y + 24
    for e in windows:
        assert e.end is not None
        fill = "#fca5a5" if e.lapsed else "#fde68a"
        bar = max(x(e.end) - x(e.day), 3)
        out.append(f"<rect x='{x(e.day):.1f}' y='{y - 10}' width='{bar:.1f}'"
                   f" height='12' fill='{fill}' stroke='#92400e'/>")
        state = "lapsed" if e.lapsed else "open"
        out.append(f"<text x='{x(e.end) + 4:.1f}' y='{y}' data-kind='window'>"
                   f"{e.day.isoformat()} window to {e.end.isoformat()} ({state}) "
                   f"{esc(e.label)}</text>")
        y += 20
    for e in alarms:
        out.append(f"<path d='M{x(e.day):.1f},{y - 10} l5,9 l-10,0 z' fill='#dc2626'/>")
        out.append(f"<text x='{x(e.day) + 8:.1f}' y='{y}' fill='#dc2626' data-kind='alarm'>"
                   f"{e.day.isoformat()} alarm: {esc(e.label)}</text>")
        y += 18
    out.append(f"<text x='{left}' y='{axis_y + 14}' fill='#111'>{first.isoformat()}</text>")
    out.append(f"<text x='{right}' y='{axis_y + 14}' fill='#111' text-anchor='end'>"
               f"{last.isoformat()}</text>")
    out.append("</svg>")
    return "\n".join(out)
