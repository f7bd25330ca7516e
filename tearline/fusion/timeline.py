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
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from tearline.fusion.extract.starts import START_INDEX, finditer_from, literal_starts
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
# and then the nine cue searches are skipped (``_cue_hits_scanned``).
_ANY_CUE = re.compile("|".join(f"(?:{cue.pattern})" for _, cue in _CUES), re.I)


def _register_cues() -> tuple[int, ...] | None:
    ids = []
    for _, cue in _CUES:
        prefixes = literal_starts(cue.pattern, cue.flags)
        if prefixes is None:
            return None
        ids.append(START_INDEX.register(prefixes))
    return tuple(ids)


# Each cue's start words in the extractors' shared Aho-Corasick pass
# (``_cue_hits_indexed``); None would send every text down the scanning path.
_CUE_IDS = _register_cues()

# (sentence start, sentence end, [(cue index, cue text, cue start in the text), ...])
_CueHits = list[tuple[int, int, list[tuple[int, str, int]]]]


def _cue_hits_scanned(text: str) -> _CueHits:
    """Each sentence holding a cue, with every cue's first match in it, cue by cue."""
    out: _CueHits = []
    for sentence in _SENTENCE.finditer(text):
        body = sentence.group(0)
        if _ANY_CUE.search(body) is None:
            continue
        lo, hi = sentence.span()
        hits = []
        for k, (_, cue) in enumerate(_CUES):
            match = cue.search(body)
            if match is not None:
                hits.append((k, match.group(0), lo + match.start()))
        out.append((lo, hi, hits))
    return out


def _cue_hits_indexed(text: str, starts: Mapping[int, list[int]], ids: Sequence[int]) -> _CueHits:
    """``_cue_hits_scanned``, with each cue tried only where one of its words begins.

    ``re`` scanned every sentence for the union of the cues and then each cue
    in a sentence that had one, trying every position of the text (a ``\\b``
    and a case-insensitive alternation leave it no literal to skip to). Here
    each cue runs over the whole text at the candidate starts of the shared
    automaton (``starts.finditer_from``: the same matches as ``finditer``),
    and its matches are filed under their sentences. That is the same as
    searching each sentence: no cue can match a sentence delimiter (``.``,
    ``!``, ``?``, a new line), so every match lies inside one sentence, and a
    sentence is bounded by delimiters or the text's ends, which ``\\b`` reads
    alike in the sentence alone and in the whole text; so a cue's first match
    in the text at or after a sentence's start is its first match in that
    sentence.
    """
    found: dict[int, list[tuple[int, str, int]]] = {}
    bounds: list[tuple[int, int]] | None = None
    lows: list[int] = []
    for k, (_, cue) in enumerate(_CUES):
        candidates = starts.get(ids[k])
        if not candidates:
            continue
        last = -1
        for match in finditer_from(cue, text, candidates):
            if bounds is None:
                bounds = [m.span() for m in _SENTENCE.finditer(text)]
                lows = [lo for lo, _ in bounds]
            at = match.start()
            which = bisect_right(lows, at) - 1
            if which == last:
                continue  # a later match of this cue in the same sentence
            last = which
            found.setdefault(which, []).append((k, match.group(0), at))
    if bounds is None:
        return []
    return [(*bounds[which], found[which]) for which in sorted(found)]


def _cue_hits(text: str) -> _CueHits:
    starts = START_INDEX.starts(text) if _CUE_IDS is not None else None
    if starts is None:
        return _cue_hits_scanned(text)
    return _cue_hits_indexed(text, starts, _CUE_IDS or ())


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
    for lo, hi, hits in _cue_hits(text):
        in_sentence = [(pos, d, t) for pos, d, t in dates if lo <= pos < hi]
        for k, cue_text, at in hits:
            kind = _CUES[k][0]
            if in_sentence:
                # The explicit date nearest the cue dates it ("three days after
                # he spoke" must not beat "last Friday" next to "attacked").
                _, day, anchor = min(in_sentence, key=lambda x: (abs(x[0] - at), x[0]))
                add(kind, day, f"{cue_text} [{anchor}]", True)
            else:
                add(kind, own_day, cue_text, False)
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
