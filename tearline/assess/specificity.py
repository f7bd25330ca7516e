"""Specificity: how precisely the thread says who, what, where, when and how.

Duty to warn turns on *specific* information, so each facet is scored with the
fragments that support it; a reviewer can open the exact reports behind "we
know the venue". A facet known only vaguely (a country, a month-long window)
earns partial credit, set by ``vague_credit``.

Facets read extraction mentions: who = actors and named people; what =
attack modality; where = places and venues (a venue or city is precise, a
country vague); when = dates and windows (a short window or a date is
precise); how = operational method, from cue words (weapons acquisition,
travel, reconnaissance, funding, vehicles), which no extractor covers.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from tearline.assess.config import AssessConfig
from tearline.assess.cues import cues_found
from tearline.model.fragment import Fragment
from tearline.model.mention import Mention, MentionKind

__all__ = ["Facet", "FacetFinding", "Specificity", "score_specificity"]


class Facet(StrEnum):
    """The five questions a specific warning answers."""

    WHO = "who"
    WHAT = "what"
    WHERE = "where"
    WHEN = "when"
    HOW = "how"


_HOW_CUES: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("weapons acquisition", re.compile(r"\b(?:buy|obtain|collect)\w* (?:\w+ ){0,2}"
                                       r"(?:rifles|weapons|guns|tools|chemicals)\b", re.I)),
    ("reconnaissance", re.compile(r"\b(?:scout\w*|looked at|visited|walked through|"
                                  r"reconnaissance|timing the gaps)\b", re.I)),
    ("travel", re.compile(r"\b(?:fl(?:y|ew) (?:from|to)|air tickets|crossed by land|"
                          r"routed through)\b", re.I)),
    ("funding", re.compile(r"\b(?:paid for|money|funds|payment\w*|exchanger)\b", re.I)),
    ("vehicle", re.compile(r"\ba car\b|\bvehicle\b", re.I)),
    ("device", re.compile(r"\b(?:device|detonator|switch)\b", re.I)),
)

_HOW_WORDS: tuple[tuple[str, ...], ...] = (
    ("buy", "obtain", "collect"),
    ("scout", "looked at", "visited", "walked through", "reconnaissance", "timing the gaps"),
    ("fly ", "flew ", "air tickets", "crossed by land", "routed through"),
    ("paid for", "money", "funds", "payment", "exchanger"),
    ("a car", "vehicle"),
    ("device", "detonator", "switch"),
)
"""Words one of which every match of each ``_HOW_CUES`` pattern begins with, in order.

Scoring runs every cue over every fragment of every thread a fuse touches
(six searches per fragment: about a fifth of ``assess_thread``), so
``cues_found`` tries a cue only where one of its words occurs in the text.
"""


def _how_cues(text: str) -> list[str]:
    """The labels of the ``_HOW_CUES`` patterns found in ``text``, in cue order."""
    return cues_found(text, _HOW_CUES, _HOW_WORDS)


@dataclass(slots=True)
class FacetFinding:
    """One facet's values and the fragments that support each."""

    facet: Facet
    values: dict[str, list[str]] = field(default_factory=dict)
    precise: bool = False
    score: float = 0.0

    @property
    def fragment_ids(self) -> list[str]:
        seen: list[str] = []
        for ids in self.values.values():
            seen.extend(i for i in ids if i not in seen)
        return seen

    def to_dict(self) -> dict[str, Any]:
        return {
            "facet": self.facet.value,
            "values": self.values,
            "precise": self.precise,
            "score": round(self.score, 4),
        }


@dataclass(slots=True)
class Specificity:
    """The weighted facet score and each facet's support."""

    score: float
    facets: dict[Facet, FacetFinding]

    def known(self) -> list[Facet]:
        return [f for f, v in self.facets.items() if v.values]

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": round(self.score, 4),
            "facets": {f.value: v.to_dict() for f, v in self.facets.items()},
        }


def _note(finding: FacetFinding, value: str, fid: str) -> None:
    ids = finding.values.setdefault(value, [])
    if fid not in ids:
        ids.append(fid)


def _window_days(value: Mapping[str, Any]) -> int | None:
    try:
        start = date.fromisoformat(str(value.get("start"))[:10])
        end = date.fromisoformat(str(value.get("end"))[:10])
    except ValueError:
        return None
    return (end - start).days + 1


def score_specificity(
    fragments: Sequence[Fragment],
    mentions: Mapping[str, Sequence[Mention]],
    config: AssessConfig,
) -> Specificity:
    """Collect each facet's values with supporting fragments and score them."""
    facets = {f: FacetFinding(f) for f in Facet}
    vague_days = int(config.specificity["vague_window_days"])
    for frag in fragments:
        fid = frag.id
        for m in mentions.get(fid, ()):
            if m.kind is MentionKind.ACTOR and not m.detail.get("candidate"):
                _note(facets[Facet.WHO], f"actor:{m.value}", fid)
                facets[Facet.WHO].precise = True
            elif m.kind is MentionKind.MODALITY:
                _note(facets[Facet.WHAT], str(m.value), fid)
                facets[Facet.WHAT].precise = True
            elif m.kind is MentionKind.VENUE:
                _note(facets[Facet.WHERE], f"venue:{m.value}", fid)
                facets[Facet.WHERE].precise = True
            elif m.kind is MentionKind.PLACE:
                _note(facets[Facet.WHERE], str(m.value), fid)
                if str(m.value).startswith("city:"):
                    facets[Facet.WHERE].precise = True
            elif m.kind is MentionKind.DATE:
                _note(facets[Facet.WHEN], f"date:{m.value}", fid)
                facets[Facet.WHEN].precise = True
            elif m.kind is MentionKind.WINDOW and isinstance(m.value, Mapping):
                days = _window_days(m.value)
                span = f"window:{m.value.get('start')}/{m.value.get('end')}"
                _note(facets[Facet.WHEN], span, fid)
                if days is not None and days <= vague_days:
                    facets[Facet.WHEN].precise = True
        for label in _how_cues(frag.text):
            _note(facets[Facet.HOW], label, fid)
            facets[Facet.HOW].precise = True
    weights = config.specificity["weights"]
    vague = float(config.specificity["vague_credit"])
    total = 0.0
    for facet, finding in facets.items():
        if finding.values:
            finding.score = 1.0 if finding.precise else vague
        total += float(weights[facet.value]) * finding.score
    return Specificity(total, facets)
