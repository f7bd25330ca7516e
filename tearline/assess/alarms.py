"""Bias alarms: judgement failures made visible, each with the evidence behind it.

Six alarms, all pure functions over fragments, mentions and origin clusters
(plus an ACH matrix and assessment versions where they apply):

* ``dismissal``: a warning dismissed with no reason, or with only its
  sender's identity as the reason ("a provocation by Western services");
* ``rival_hypothesis``: the hypothesis acted on has more weighted
  inconsistency than a rival;
* ``warning_fatigue``: a threat lowered after its window lapsed, with no new
  contrary evidence since the lapse;
* ``circular_corroboration``: reports from several outlets that rest on one
  origin cluster (or a grade 1 asserted by a single origin);
* ``unanswered_request``: a partner's request with no answer by its
  deadline; only a ``response`` whose ``in_reply_to`` names it counts;
* ``disinformation``: an attribution nothing else supports, or one that
  several independent origins contradict, listed with what it contradicts.

Every alarm records ``raised_at``, the moment the evidence for it was
complete (a fragment's arrival or a deadline), so the look-back report can
say which alarms were firing at any past time.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from enum import StrEnum
from itertools import pairwise
from typing import Any

from tearline.assess.ach import AchMatrix
from tearline.assess.config import AssessConfig, load_config
from tearline.assess.cues import (
    dismissal_reason,
    find_blames,
    find_dismissals,
    find_downgrades,
)
from tearline.fusion.timeline import EventKind, TimelineEvent
from tearline.model.fragment import Fragment
from tearline.model.mention import Mention

__all__ = [
    "Alarm",
    "AlarmKind",
    "VersionPoint",
    "circular_alarms",
    "disinformation_alarms",
    "dismissal_alarms",
    "fatigue_alarms",
    "party_name",
    "rival_hypothesis_alarms",
    "unanswered_request_alarms",
]


class AlarmKind(StrEnum):
    """The judgement failures Tearline watches for."""

    DISMISSAL = "dismissal"
    RIVAL_HYPOTHESIS = "rival_hypothesis"
    WARNING_FATIGUE = "warning_fatigue"
    CIRCULAR = "circular_corroboration"
    UNANSWERED = "unanswered_request"
    DISINFORMATION = "disinformation"


@dataclass(slots=True)
class Alarm:
    """One alarm, the fragments that raised it and when it became due."""

    kind: AlarmKind
    summary: str
    raised_at: datetime
    fragment_ids: list[str] = field(default_factory=list)
    details: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "summary": self.summary,
            "raised_at": self.raised_at.isoformat(),
            "fragment_ids": self.fragment_ids,
            "details": self.details,
        }


@dataclass(frozen=True, slots=True)
class VersionPoint:
    """One stored assessment version, as the fatigue alarm reads it."""

    version: int
    as_of: datetime
    probability: float
    changed_by: str
    reason: str | None


ClusterOf = Callable[[str], str]


def _label(f: Fragment) -> str:
    return f.external_id or f.title


def party_name(party: str, sentence: str) -> str:
    """A readable name for a party key: the word in the sentence its stem came from."""
    kind, _, key = party.partition(":")
    if kind == "party":
        m = re.search(rf"\b({re.escape(key)}\w*(?:\s+(?:special\s+)?services?)?)", sentence,
                      re.IGNORECASE)
        if m:
            return m.group(1)
    return key


def dismissal_alarms(fragments: Sequence[Fragment], matrix: AchMatrix | None = None) -> list[Alarm]:
    """Dismissals whose only reason is who sent the warning, or none at all."""
    hits: list[tuple[Fragment, str, str]] = []
    for f in sorted(fragments, key=lambda f: f.received_at):
        found = find_dismissals(f.text)
        if not found:
            continue
        reason = dismissal_reason(f.text)
        if reason != "substantive":
            hits.append((f, reason, found[0]))
    out = []
    if hits:
        # Headline the dismissing party's own words over a news story retelling
        # them, and a sender-only reason over a missing one; the others support it.
        first, reason, sentence = min(
            hits, key=lambda h: (h[1] != "sender", h[0].category == "news", h[0].received_at))
        why = "only the sender's identity" if reason == "sender" else "no reason"
        out.append(Alarm(
            AlarmKind.DISMISSAL,
            f"{_label(first)} records a dismissal of the warning with {why} given: \"{sentence}\"",
            first.received_at, [f.id for f, _, _ in hits],
            {"reason": reason, "sentences": {f.id: s for f, _, s in hits}},
        ))
    if matrix is not None:
        for e in matrix.evidence:
            if not e.discounted:
                continue
            reason = dismissal_reason(e.discount_reason) if e.discount_reason else "none"
            if e.discount_reason and reason == "none" and len(e.discount_reason.split()) > 3:
                continue  # a written reason that names no sender is a reason
            out.append(Alarm(
                AlarmKind.DISMISSAL,
                f"ACH item {e.id} discounted with "
                f"{'only the sender as reason' if reason == 'sender' else 'no recorded reason'}",
                datetime.now(UTC), list(e.fragment_ids),
                {"item": e.id, "reason": e.discount_reason},
            ))
    return out


def rival_hypothesis_alarms(matrix: AchMatrix, config: AssessConfig | None = None) -> list[Alarm]:
    """An acted-on hypothesis while a rival has less weighted inconsistency."""
    result = matrix.evaluate(config or load_config())
    out = []
    for h in matrix.hypotheses:
        if not h.acted_on:
            continue
        better = [r for r in result.ranking if result.inconsistency[r] < result.inconsistency[h.id]]
        if not better:
            continue
        against = [e for e in matrix.evidence if matrix.rating(e.id, h.id).value in ("I", "II")]
        out.append(Alarm(
            AlarmKind.RIVAL_HYPOTHESIS,
            f"Acting on {h.id} ({result.inconsistency[h.id]:.2f} inconsistency) while "
            f"{better[0]} has {result.inconsistency[better[0]]:.2f}",
            datetime.now(UTC), sorted({f for e in against for f in e.fragment_ids}),
            {"acted_on": h.id, "rivals": better, "items_against": [e.id for e in against]},
        ))
    return out


def _window_ends(timeline: Iterable[TimelineEvent]) -> list[tuple[datetime, TimelineEvent]]:
    ends = []
    for e in timeline:
        if e.kind is EventKind.WINDOW and e.end:
            end = datetime.combine(date.fromisoformat(e.end), time(23, 59), tzinfo=UTC)
            ends.append((end, e))
    return sorted(ends, key=lambda t: t[0])


def fatigue_alarms(
    fragments: Sequence[Fragment],
    timeline: Sequence[TimelineEvent],
    versions: Sequence[VersionPoint] = (),
    contrary: Iterable[str] = (),
) -> list[Alarm]:
    """Downgrades after a lapsed window with nothing new against the threat since the lapse.

    ``contrary`` names fragments an analyst has marked as real evidence
    against the threat; anything else arriving after the lapse is not.
    """
    contrary_ids = set(contrary)
    by_arrival = sorted(fragments, key=lambda f: f.received_at)
    out = []

    def new_contrary(since: datetime, until: datetime) -> list[str]:
        return [f.id for f in by_arrival
                if f.id in contrary_ids and since < f.received_at <= until]

    ends = _window_ends(timeline)
    for f in by_arrival:
        downgrades = find_downgrades(f.text)
        lapsed = [(end, e) for end, e in ends if end < f.received_at]
        if not downgrades or not lapsed:
            continue
        end, window = lapsed[-1]
        if new_contrary(end, f.received_at):
            continue
        out.append(Alarm(
            AlarmKind.WARNING_FATIGUE,
            f"{_label(f)} lowers the threat after the window ending {window.end} lapsed, "
            f"with no new contrary evidence: \"{downgrades[0]}\"",
            f.received_at, [f.id, *window.fragment_ids],
            {"window": {"start": window.date, "end": window.end, "cues": window.cues}},
        ))
    for prev, cur in pairwise(versions):
        if cur.probability >= prev.probability:
            continue
        lapsed = [(end, e) for end, e in ends if end <= cur.as_of]
        if not lapsed or new_contrary(lapsed[-1][0], cur.as_of):
            continue
        end, window = lapsed[-1]
        out.append(Alarm(
            AlarmKind.WARNING_FATIGUE,
            f"Version {cur.version} by {cur.changed_by} lowers the probability from "
            f"{prev.probability:.0%} to {cur.probability:.0%} after the window ending "
            f"{window.end} lapsed, with no new contrary evidence",
            cur.as_of, list(window.fragment_ids),
            {"version": cur.version, "reason": cur.reason, "window_end": window.end},
        ))
    return out


def circular_alarms(
    fragments: Sequence[Fragment], cluster_of: ClusterOf, config: AssessConfig | None = None
) -> list[Alarm]:
    """Several outlets, one origin: apparent corroboration that is not."""
    c = (config or load_config()).alarms
    groups: dict[str, list[Fragment]] = {}
    for f in fragments:
        groups.setdefault(cluster_of(f.id), []).append(f)
    out = []
    for cid, members in sorted(groups.items()):
        members.sort(key=lambda f: f.received_at)
        outlets = {f.outlet or f.source_agency for f in members}
        if len(members) >= int(c["circular_min_fragments"]) and len(outlets) >= int(
            c["circular_min_outlets"]
        ):
            out.append(Alarm(
                AlarmKind.CIRCULAR,
                f"{len(members)} reports from {len(outlets)} outlets rest on one origin "
                f"({_label(members[0])}); they count once",
                members[1].received_at, [f.id for f in members],
                {"cluster": cid, "outlets": sorted(outlets)},
            ))
        asserted = [f for f in members if f.credibility == 1]
        if asserted and len(groups) == 1:
            out.append(Alarm(
                AlarmKind.CIRCULAR,
                f"{_label(asserted[0])} is graded {asserted[0].reliability}1 (confirmed) "
                "but no independent origin confirms it",
                asserted[0].received_at, [f.id for f in asserted], {"cluster": cid},
            ))
    return out


def unanswered_request_alarms(
    requests: Sequence[Fragment], everything: Iterable[Fragment], as_of: datetime
) -> list[Alarm]:
    """Requests past their deadline with no ``response`` that names them by ``as_of``."""
    answers: dict[str, list[Fragment]] = {}
    for f in everything:
        if f.category == "response" and f.in_reply_to and f.received_at <= as_of:
            answers.setdefault(f.in_reply_to, []).append(f)
    out = []
    for r in requests:
        if r.category != "request" or r.deadline is None or r.deadline > as_of:
            continue
        replies = answers.get(r.id, []) + (answers.get(r.external_id, []) if r.external_id else [])
        if any(a.received_at <= r.deadline for a in replies):
            continue
        late = sorted(a.received_at for a in replies)
        out.append(Alarm(
            AlarmKind.UNANSWERED,
            f"{_label(r)} from {r.originator} had no answer by its deadline "
            f"{r.deadline.isoformat()}"
            + (f" (answered late {late[0].isoformat()})" if late else ""),
            r.deadline, [r.id], {"deadline": r.deadline.isoformat(),
                                 "late_answers": [a.isoformat() for a in late]},
        ))
    return out


def disinformation_alarms(
    claims: Sequence[Fragment],
    context: Sequence[Fragment],
    mentions: Mapping[str, Sequence[Mention]],
    cluster_of: ClusterOf,
    config: AssessConfig | None = None,
) -> list[Alarm]:
    """Attributions unsupported by, or contradicting, several independent origins.

    A claim against a state or service is contradicted by rejections naming
    that party and by attributions to a catalogued actor; a claim naming an
    actor is contradicted only by rejections of that actor (catalogue entries
    for one group and its branch must not contradict each other).
    """
    need = int((config or load_config()).alarms["disinfo_min_contradicting"])
    blames = {f.id: find_blames(f.text, mentions.get(f.id, ())) for f in context}
    for f in claims:
        blames.setdefault(f.id, find_blames(f.text, mentions.get(f.id, ())))
    by_id = {f.id: f for f in [*context, *claims]}
    out = []
    for f in claims:
        own = cluster_of(f.id)
        for party in sorted({b.party for b in blames[f.id] if not b.negated}):
            kind = party.split(":", 1)[0]
            support: dict[str, list[str]] = {}
            against: dict[str, list[str]] = {}
            for oid, found in blames.items():
                cid = cluster_of(oid)
                if cid == own:
                    continue
                for b in found:
                    if b.party == party and not b.negated:
                        support.setdefault(cid, []).append(oid)
                    elif (b.party == party and b.negated) or (
                        kind != "actor" and not b.negated and b.party.startswith("actor:")
                    ):
                        against.setdefault(cid, []).append(oid)
            if support and len(against) < need:
                continue
            if support and len(against) <= len(support):
                continue
            if not support and not against and kind == "actor":
                continue  # an actor named once with nothing either way is not a claim yet
            contradicted = sorted({i for ids in against.values() for i in ids},
                                  key=lambda i: by_id[i].received_at)
            sentence = next(b.text for b in blames[f.id] if b.party == party)
            named = party_name(party, sentence)
            out.append(Alarm(
                AlarmKind.DISINFORMATION,
                f"Possible disinformation: {_label(f)} attributes to {named} "
                f"(\"{sentence}\"); supported by {len(support)} other origin(s), "
                f"contradicted by {len(against)}",
                max([f.received_at, *(by_id[i].received_at for i in contradicted[:need])]),
                [f.id, *contradicted],
                {"party": party, "claim": sentence,
                 "contradicted_by": [_label(by_id[i]) for i in contradicted],
                 "supported_by": sorted(i for ids in support.values() for i in ids)},
            ))
    return out
