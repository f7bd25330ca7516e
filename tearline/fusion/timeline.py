"""Dated events of a threat thread, derived from fragments and their mentions.

An event is a typed happening (warning issued, alert, raid, statement, attack,
claim, request, arrest, threat) on a date, backed by the fragments that report
it. The type comes from the fragment's category and from cue words; the date
from a DATE mention in the same sentence as the cue, else the fragment's own
date. Warning windows (WINDOW mentions) are events too, and one whose end has
passed before the assessment time is marked *lapsed* rather than dropped:
design invariant 4 says a lapsed window is never silently downgraded.

``fragment_events`` runs once per fragment and returns compact plain data;
``build_timeline`` merges any number of those on demand, so a thread never
stores a timeline that could go stale.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from tearline.model.fragment import Fragment
from tearline.model.mention import Mention, MentionKind

__all__ = [
    "EventKind",
    "FragmentEvents",
    "TimelineEvent",
    "WindowStatus",
    "attack_dates",
    "build_timeline",
    "compact_events",
    "fragment_events",
]


class EventKind(StrEnum):
    """What happened on a timeline date."""

    WARNING = "warning_issued"
    ALERT = "alert"
    RAID = "raid"
    ARREST = "arrest"
    STATEMENT = "statement"
    ATTACK = "attack"
    CLAIM = "claim"
    REQUEST = "request"
    RESPONSE = "response"
    THREAT = "threat"
    DENIAL = "denial"
    """A dismissal, denial or dispute: "rejected the report", "called the warning vague"."""
    WINDOW = "window"


class WindowStatus(StrEnum):
    """Whether a warning window is still running at the assessment time."""

    OPEN = "open"
    LAPSED = "lapsed"


_CATEGORY = {
    "warning": EventKind.WARNING,
    "alert": EventKind.ALERT,
    "request": EventKind.REQUEST,
    "response": EventKind.RESPONSE,
    "statement": EventKind.STATEMENT,
}
_CUES: tuple[tuple[EventKind, re.Pattern[str]], ...] = (
    (EventKind.CLAIM, re.compile(r"\bclaim(?:ed|s|ing)? (?:of )?responsibility\b", re.I)),
    (
        EventKind.ATTACK,
        re.compile(
            r"\b(?:attack(?:ed)?|bomb(?:ing|ed)|explosion|exploded|shooting|stabbing|"
            r"massacre|assault|ambush(?:ed)?|detonated|opened fire|gunmen)\b",
            re.I,
        ),
    ),
    (EventKind.RAID, re.compile(r"\braid(?:s|ed)?\b", re.I)),
    (EventKind.ARREST, re.compile(r"\b(?:arrest(?:ed|s)?|detained|apprehended)\b", re.I)),
    (EventKind.WARNING, re.compile(r"\b(?:warn(?:ed|ing|s)?|threat warning)\b", re.I)),
    (EventKind.ALERT, re.compile(r"\b(?:alert|advisory)\b", re.I)),
    (EventKind.STATEMENT, re.compile(r"\b(?:statement|communiqu[eé]|press conference)\b", re.I)),
    (EventKind.REQUEST, re.compile(r"\b(?:request(?:ed|s)?|asked (?:for|partners))\b", re.I)),
    (EventKind.THREAT, re.compile(r"\b(?:threaten(?:ed|s)?|plot(?:ted|ting)?|planning)\b", re.I)),
    (
        EventKind.DENIAL,
        re.compile(
            r"\b(?:den(?:y|ied|ies|ial)|dismiss(?:ed|es|ing)?|reject(?:ed|s)?|refut(?:ed|es)|"
            r"disput(?:ed|es)|rebuff(?:ed)?|unfounded|baseless|(?:too )?vague)\b",
            re.I,
        ),
    ),
)
_ANCHOR = re.compile(r"\[([^\[\]]+)\]$")
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]?")
# One pass that says whether a sentence holds any cue at all: most do not,
# and then the nine cue searches are skipped (fusion runs this per fragment).
_ANY_CUE = re.compile("|".join(f"(?:{cue.pattern})" for _, cue in _CUES), re.I)


@dataclass(slots=True)
class FragmentEvents:
    """What one fragment contributes to a timeline, kept as small plain data."""

    events: Sequence[tuple[str, str, str, bool]] = field(default_factory=list)
    """(event kind, ISO date, cue text, date stated in the text) tuples; when the
    text states no date the fragment's own date stands in and the flag is False."""
    windows: Sequence[tuple[str, str, str]] = field(default_factory=list)
    """(ISO start, ISO end, phrase) of each warning window."""
    at: str = ""
    """The fragment's own date-time (ISO), the fallback event date."""

    def to_dict(self) -> dict[str, Any]:
        return {"events": list(self.events), "windows": list(self.windows), "at": self.at}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> FragmentEvents:
        return cls(
            [tuple(e) for e in data["events"]],
            [tuple(w) for w in data["windows"]],
            data["at"],
        )


@dataclass(slots=True)
class TimelineEvent:
    """One dated event with every fragment that supports it."""

    kind: EventKind
    date: str
    fragment_ids: list[str]
    cues: list[str]
    end: str | None = None
    """Windows only: the last day of the window."""
    status: WindowStatus | None = None
    """Windows only: open, or lapsed before the assessment time."""

    @property
    def anchors(self) -> list[str]:
        """The explicit date expressions this event's date was resolved from.

        Empty when no fragment states a date and the report date stands in.
        """
        out: list[str] = []
        for cue in self.cues:
            found = _ANCHOR.search(cue)
            if found and found.group(1) not in out:
                out.append(found.group(1))
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "date": self.date,
            "end": self.end,
            "status": None if self.status is None else self.status.value,
            "fragment_ids": self.fragment_ids,
            "cues": self.cues,
            "anchors": self.anchors
            or (list(self.cues) if self.kind is EventKind.WINDOW else ["report date"]),
        }


def _iso_day(value: Any) -> str | None:
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, str) and len(value) >= 10:
        try:
            return date.fromisoformat(value[:10]).isoformat()
        except ValueError:
            return None
    return None


def fragment_events(fragment: Fragment, mentions: Sequence[Mention]) -> FragmentEvents:
    """Derive the events and windows one fragment reports.

    Cue words are matched per sentence so that a date mentioned next to
    "attack" dates the attack, not the warning in the next sentence.
    """
    text = fragment.text
    own_day = fragment.anchor_time.date().isoformat()
    dates = [
        (m.start, d, m.text)
        for m in mentions
        if m.kind is MentionKind.DATE
        if (d := _iso_day(m.value))
    ]
    found: list[tuple[str, str, str, bool]] = []
    windows: list[tuple[str, str, str]] = []
    seen: dict[tuple[str, str], int] = {}

    def add(kind: EventKind, day: str, cue: str, stated: bool) -> None:
        key = (kind.value, day)
        if key not in seen:
            seen[key] = len(found)
            found.append((kind.value, day, cue, stated))
        elif stated:  # the text confirms a date so far only assumed
            found[seen[key]] = (kind.value, day, cue, True)

    category = _CATEGORY.get(fragment.category)
    if category is not None:
        add(category, own_day, f"category: {fragment.category}", False)
    for sentence in _SENTENCE.finditer(text):
        if _ANY_CUE.search(sentence.group(0)) is None:
            continue
        lo, hi = sentence.span()
        in_sentence = [(pos, d, t) for pos, d, t in dates if lo <= pos < hi]
        for kind, cue in _CUES:
            match = cue.search(sentence.group(0))
            if match is None:
                continue
            if in_sentence:
                # The explicit date nearest the cue dates it ("three days after
                # he spoke" must not beat "last Friday" next to "attacked").
                at = lo + match.start()
                _, day, anchor = min(in_sentence, key=lambda x: (abs(x[0] - at), x[0]))
                add(kind, day, f"{match.group(0)} [{anchor}]", True)
            else:
                add(kind, own_day, match.group(0), False)
    stated_kinds = {kind for kind, _, _, stated in found if stated}
    # A fallback date is only a guess: drop it when the text dates that kind.
    found = [e for e in found if e[3] or e[0] not in stated_kinds]
    for m in mentions:
        if m.kind is MentionKind.WINDOW and isinstance(m.value, Mapping):
            start, end = _iso_day(m.value.get("start")), _iso_day(m.value.get("end"))
            if end is not None:
                windows.append((start or end, end, m.text))
    return FragmentEvents(found, windows, fragment.anchor_time.isoformat())


_EventTuple = tuple[tuple[str, str, str, bool], ...]
_SHARED_EVENTS: dict[_EventTuple, _EventTuple] = {}
_SHARED_EVENT: dict[tuple[str, str, str, bool], tuple[str, str, str, bool]] = {}


def compact_events(events: FragmentEvents) -> FragmentEvents:
    """The same events as shared tuples, for keeping one record per fragment.

    Fragments about one incident on one day report the same (kind, date,
    cue) events; one shared tuple of them instead of a list of fresh tuples
    per fragment is about a quarter of a record at a million fragments.
    The shared tables hold each distinct event once, which a store of that
    size needs anyway.
    """
    kept = tuple(_SHARED_EVENT.setdefault(e, e) for e in events.events)
    windows = tuple(events.windows)
    return FragmentEvents(_SHARED_EVENTS.setdefault(kept, kept), windows, events.at)


def build_timeline(
    per_fragment: Mapping[str, FragmentEvents], as_of: datetime | None = None
) -> list[TimelineEvent]:
    """Merge fragments' events into one dated, sorted timeline.

    ``as_of`` is the assessment time; when omitted it is the latest thing the
    thread knows of (the newest fragment or the latest event date). A window
    ending before it is reported as lapsed.
    """
    merged: dict[tuple[str, str, str | None], TimelineEvent] = {}
    cues: dict[tuple[str, str, str | None], set[str]] = {}
    latest = ""
    for fid in sorted(per_fragment):
        record = per_fragment[fid]
        latest = max(latest, record.at[:10])
        for kind, day, cue, _ in record.events:
            latest = max(latest, day)
            _merge(merged, cues, (kind, day, None), fid, cue)
        for start, end, phrase in record.windows:
            _merge(merged, cues, (EventKind.WINDOW.value, start, end), fid, phrase)
    cutoff = as_of.date().isoformat() if as_of is not None else latest
    for event in merged.values():
        if event.kind is EventKind.WINDOW and event.end is not None:
            event.status = WindowStatus.LAPSED if event.end < cutoff else WindowStatus.OPEN
    return sorted(merged.values(), key=lambda e: (e.date, e.kind.value, e.end or ""))


def _merge(
    merged: dict[tuple[str, str, str | None], TimelineEvent],
    cues: dict[tuple[str, str, str | None], set[str]],
    key: tuple[str, str, str | None],
    fid: str,
    cue: str,
) -> None:
    """Add one fragment's event to the merged one, each fragment and cue once.

    Fragments arrive in id order, so a fragment already listed is the last
    one; cues recur across fragments, so they are checked against a set.
    Both were list scans, which made a large thread's view quadratic.
    """
    event = merged.get(key)
    if event is None:
        merged[key] = TimelineEvent(EventKind(key[0]), key[1], [fid], [cue], end=key[2])
        cues[key] = {cue}
        return
    if event.fragment_ids[-1] != fid:
        event.fragment_ids.append(fid)
    seen = cues[key]
    if cue not in seen:
        seen.add(cue)
        event.cues.append(cue)


def attack_dates(per_fragment: Mapping[str, FragmentEvents]) -> dict[str, list[str]]:
    """Dates each fragment states for an attack, for discrepancy checks.

    Only dates written in the text count: a report filed two days after the
    attack does not thereby disagree about when it happened.
    """
    out: dict[str, list[str]] = {}
    for fid, record in per_fragment.items():
        days = [d for kind, d, _, stated in record.events if stated and kind == "attack"]
        if days:
            out[fid] = days
    return out
