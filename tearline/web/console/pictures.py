"""The thread page's two pictures, as inline SVG with readable text.

The timeline reuses ``assess.svg.timeline_svg`` (the retrospective's picture),
so the console and the printed report draw the same thing. The entity graph is
drawn here: entities on a circle, biggest first from the top, labelled with
their names; an edge's width is how many fragments mention both ends. A circle
is deliberately plain: at the ≤18 entities a thread page shows, every label
stays legible and no two nodes overlap, which a force layout cannot promise.
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from datetime import date
from typing import Any

from tearline.assess.svg import SvgEvent, timeline_svg

_KIND_COLOUR = {"actor": "#b91c1c", "person": "#7c3aed", "place": "#0f766e",
                "venue": "#2563eb", "modality": "#b45309", "nationality": "#4b5563"}


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10]) if value else None
    except ValueError:
        return None


def timeline_picture(events: Sequence[dict[str, Any]], alarms: Sequence[Any] = ()) -> str:
    """The thread's timeline (events, windows, alarms) as SVG."""
    drawn: list[SvgEvent] = []
    for e in events:
        day = _day(e.get("date"))
        if day is None:
            continue
        n = len(e.get("fragment_ids") or ())
        label = f"{str(e.get('kind', '')).replace('_', ' ')} ({n} fragment{'s' * (n != 1)})"
        end = _day(e.get("end"))
        drawn.append(SvgEvent(day, label, str(e.get("kind", "report")), end,
                              e.get("status") == "lapsed"))
    for a in alarms:
        drawn.append(SvgEvent(a.raised_at.date(), a.kind.value.replace("_", " "), "alarm"))
    return timeline_svg(drawn, width=900)


def graph_picture(nodes: Sequence[tuple[str, str, int]],
                  edges: Sequence[tuple[str, str, int]], size: int = 560) -> str:
    """Entities and co-mentions as SVG; labels are the entities' names."""
    if not nodes:
        return "<svg xmlns='http://www.w3.org/2000/svg' width='200' height='30'>" \
               "<text x='4' y='20'>no entities</text></svg>"
    width = size + 240
    cx, cy = width / 2, size / 2
    radius = size / 2 - 40
    pos: dict[str, tuple[float, float]] = {}
    for i, (key, _name, _n) in enumerate(nodes):
        angle = -math.pi / 2 + 2 * math.pi * i / len(nodes)
        pos[key] = (cx + radius * math.cos(angle), cy + radius * math.sin(angle))
    top = max(n for _, _, n in nodes) or 1
    heaviest = max((n for _, _, n in edges), default=1) or 1
    esc = html.escape
    out = [f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{size}' "
           "font-family='sans-serif' font-size='12' role='img' "
           "aria-label='Entity graph: who and what the fragments mention together'>"]
    for a, b, n in edges:
        (x1, y1), (x2, y2) = pos[a], pos[b]
        out.append(f"<line x1='{x1:.1f}' y1='{y1:.1f}' x2='{x2:.1f}' y2='{y2:.1f}' "
                   f"stroke='#94a3b8' stroke-width='{0.5 + 4 * n / heaviest:.1f}'>"
                   f"<title>{n} fragment(s) mention both</title></line>")
    for key, name, n in nodes:
        x, y = pos[key]
        kind = key.split(":", 1)[0]
        r = 5 + 11 * n / top
        anchor = "start" if x >= cx else "end"
        dx = r + 4 if x >= cx else -(r + 4)
        out.append(f"<circle cx='{x:.1f}' cy='{y:.1f}' r='{r:.1f}' "
                   f"fill='{_KIND_COLOUR.get(kind, '#374151')}'><title>{esc(kind)}: "
                   f"{esc(name)}, in {n} fragment(s)</title></circle>")
        out.append(f"<text x='{x + dx:.1f}' y='{y + 4:.1f}' "
                   f"text-anchor='{anchor}'>{esc(name)} ({esc(kind)}, {n})</text>")
    out.append("</svg>")
    return "".join(out)
