"""Imminence: the thread's time windows read against the assessment time.

A window that has lapsed is reported as lapsed, never dropped, and by itself
does not lower the score (design invariant 4: the Almaty alert's 48 hours
passed a week before the attack). Lowering a threat after a lapse is an
analyst's recorded decision, which the warning-fatigue alarm then examines.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from tearline.assess.config import AssessConfig
from tearline.fusion.timeline import EventKind, TimelineEvent

__all__ = ["Imminence", "ImminenceLevel", "Window", "score_imminence"]


class ImminenceLevel(StrEnum):
    """Where the assessment time stands relative to the known windows."""

    INSIDE = "inside_window"
    NEAR = "near"
    DISTANT = "distant"
    LAPSED = "lapsed_only"
    UNKNOWN = "unknown"


@dataclass(slots=True)
class Window:
    """A warning window with the fragments that state it."""

    start: str
    end: str
    phrases: list[str]
    fragment_ids: list[str]
    lapsed: bool

    def to_dict(self) -> dict[str, Any]:
        return {
            "start": self.start,
            "end": self.end,
            "phrases": self.phrases,
            "fragment_ids": self.fragment_ids,
            "lapsed": self.lapsed,
        }


@dataclass(slots=True)
class Imminence:
    """The level, its score, and every window known at the assessment time."""

    level: ImminenceLevel
    score: float
    as_of: str
    open_windows: list[Window] = field(default_factory=list)
    lapsed_windows: list[Window] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "level": self.level.value,
            "score": round(self.score, 4),
            "as_of": self.as_of,
            "open_windows": [w.to_dict() for w in self.open_windows],
            "lapsed_windows": [w.to_dict() for w in self.lapsed_windows],
        }


def score_imminence(
    timeline: Sequence[TimelineEvent], as_of: datetime, config: AssessConfig
) -> Imminence:
    """Classify the windows as open or lapsed at ``as_of`` and score the nearest open one."""
    c = config.imminence
    today = as_of.date()
    open_w: list[Window] = []
    lapsed: list[Window] = []
    for e in timeline:
        if e.kind is not EventKind.WINDOW or e.end is None:
            continue
        gone = date.fromisoformat(e.end) < today
        w = Window(e.date, e.end, list(e.cues), list(e.fragment_ids), gone)
        (lapsed if gone else open_w).append(w)
    out = Imminence(ImminenceLevel.UNKNOWN, float(c["unknown_score"]), today.isoformat(),
                    open_w, lapsed)
    if open_w:
        start = min(date.fromisoformat(w.start) for w in open_w)
        days = (start - today).days
        if days <= 0:
            out.level, out.score = ImminenceLevel.INSIDE, float(c["inside_window"])
        elif days <= int(c["near_days"]):
            out.level, out.score = ImminenceLevel.NEAR, float(c["near_score"])
        else:
            out.level, out.score = ImminenceLevel.DISTANT, float(c["distant_score"])
    elif lapsed:
        out.level, out.score = ImminenceLevel.LAPSED, float(c["lapsed_only_score"])
    return out
