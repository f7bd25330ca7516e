"""Facts a thread's fragments report differently.

Sources disagree about casualty counts and dates, and the disagreement is
itself evidence: it shows which reports are independent and which are stale.
So instead of averaging or picking one value, every distinct value is listed
with the fragments that report it. Killed and injured are separate subjects;
a qualifier ("at least 12") is part of the value because "at least 12" and
"12" are different claims even when they are compatible.

Only figures about the thread's own event are compared. Long articles recall
older incidents ("the 2004 siege, in which 333 people were killed", "a raid
two weeks earlier left two dead"); ``casualty_values`` given the fragment's
text and dates leaves out a figure whose sentence names an earlier year or a
date more than ``EVENT_WINDOW_DAYS`` before the event.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from tearline.model.mention import Mention, MentionKind

__all__ = [
    "EVENT_WINDOW_DAYS",
    "Discrepancy",
    "ReportedValue",
    "casualty_values",
    "find_discrepancies",
]


@dataclass(slots=True)
class ReportedValue:
    """One value of a disputed fact and the fragments that give it."""

    value: str
    fragment_ids: list[str]

    def to_dict(self) -> dict[str, Any]:
        return {"value": self.value, "fragment_ids": self.fragment_ids}


@dataclass(slots=True)
class Discrepancy:
    """A fact reported with more than one value inside one thread."""

    subject: str
    """What is disputed: ``casualties.killed``, ``casualties.injured`` or ``attack_date``."""
    values: list[ReportedValue]

    def to_dict(self) -> dict[str, Any]:
        return {"subject": self.subject, "values": [v.to_dict() for v in self.values]}


def _casualty_label(value: Mapping[str, Any]) -> str | None:
    count = value.get("count")
    if not isinstance(count, int) or isinstance(count, bool):
        return None
    qualifier = value.get("qualifier")
    if qualifier and qualifier not in ("exact", "exactly"):
        return f"{str(qualifier).replace('_', ' ')} {count}"
    return str(count)


EVENT_WINDOW_DAYS = 7
_YEAR = re.compile(r"\b(19\d\d|20\d\d)\b")
_SENTENCE_END = re.compile(r"[.!?]\s|\n")


def casualty_values(
    mentions: Sequence[Mention], text: str | None = None, event_day: date | None = None
) -> list[tuple[str, str]]:
    """(kind, value label) pairs from one fragment's CASUALTIES mentions.

    Kept small so a thread can store them per fragment instead of mentions.
    With ``text`` and ``event_day`` (the attack date the fragment states, else
    its own date), figures in sentences about an older incident are left out.
    """
    out: list[tuple[str, str]] = []
    dates = [
        (m.start, d)
        for m in mentions
        if m.kind is MentionKind.DATE and (d := _day(m.value)) is not None
    ]
    for m in mentions:
        if m.kind is not MentionKind.CASUALTIES or not isinstance(m.value, Mapping):
            continue
        if text is not None and event_day is not None and _older(m, text, dates, event_day):
            continue
        kind = m.value.get("kind")
        label = _casualty_label(m.value)
        if kind in ("killed", "injured") and label is not None and (kind, label) not in out:
            out.append((kind, label))
    return out


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value)[:10])
    except ValueError:
        return None


def _older(m: Mention, text: str, dates: list[tuple[int, date]], event_day: date) -> bool:
    """Whether the casualty mention's sentence is about an earlier incident."""
    lo = max((x.end() for x in _SENTENCE_END.finditer(text, 0, m.start)), default=0)
    end = _SENTENCE_END.search(text, m.end)
    hi = end.start() if end else len(text)
    if any(int(y) < event_day.year for y in _YEAR.findall(text[lo:hi])):
        return True
    return any(lo <= pos < hi and (event_day - d).days > EVENT_WINDOW_DAYS for pos, d in dates)


def find_discrepancies(
    casualties: Mapping[str, Sequence[tuple[str, str]]],
    attack_dates: Mapping[str, Sequence[str]],
) -> list[Discrepancy]:
    """Every fact given with two or more distinct values, with their sources.

    ``casualties`` maps fragment id to ``casualty_values`` output and
    ``attack_dates`` maps fragment id to the attack dates it states.
    """
    subjects: dict[str, dict[str, list[str]]] = {}
    for fid in sorted(casualties):
        for kind, label in casualties[fid]:
            _note(subjects, f"casualties.{kind}", label, fid)
    for fid in sorted(attack_dates):
        for day in attack_dates[fid]:
            _note(subjects, "attack_date", day, fid)
    out = []
    for subject in sorted(subjects):
        values = subjects[subject]
        if len(values) > 1:
            ordered = sorted(values.items(), key=lambda kv: (-len(kv[1]), kv[0]))
            out.append(Discrepancy(subject, [ReportedValue(v, ids) for v, ids in ordered]))
    return out


def _note(subjects: dict[str, dict[str, list[str]]], subject: str, value: str, fid: str) -> None:
    # Fragments are noted in id order, so one already listed is the last one
    # (a scan of the list made a large thread's view quadratic).
    ids = subjects.setdefault(subject, {}).setdefault(value, [])
    if not ids or ids[-1] != fid:
        ids.append(fid)
