"""Harm type: the duty-to-warn categories a thread's reporting points at.

ICD 191-style duty to warn covers intentional killing, serious bodily injury
and kidnapping; anything else (sabotage, property damage) is "other" and does
not by itself trigger a warning. The type comes from attack modality (rifles
and bombs kill) and from wording, each with the fragments that show it, so the
harm finding can be checked like any other.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from tearline.assess.cues import cues_found
from tearline.model.fragment import Fragment
from tearline.model.mention import Mention, MentionKind

__all__ = ["HarmFinding", "HarmType", "classify_harm"]


class HarmType(StrEnum):
    """Duty-to-warn harm categories, most serious first."""

    KILLING = "intentional_killing"
    INJURY = "serious_bodily_injury"
    KIDNAPPING = "kidnapping"
    OTHER = "other"


# Values of ``tearline.fusion.extract.modalities.MODALITIES``.
_LETHAL_MODALITIES = frozenset({"firearms", "explosives", "incendiary", "vehicle_ramming",
                                "suicide_attack"})
_INJURY_MODALITIES = frozenset({"stabbing"})
_KIDNAP_MODALITIES = frozenset({"hostage_taking"})
_WORDING: tuple[tuple[HarmType, re.Pattern[str]], ...] = (
    (HarmType.KILLING, re.compile(
        r"\b(?:kill\w*|massacre|mass[- ]casualty|murder\w*|assassinat\w*|dead|death toll|"
        r"armed attack|opened fire|bomb attack|gunmen)\b", re.I)),
    (HarmType.INJURY, re.compile(r"\b(?:injur\w*|wound\w*|maim\w*|stabb\w*|acid)\b", re.I)),
    (HarmType.KIDNAPPING, re.compile(
        r"\b(?:kidnap\w*|abduct\w*|hostage\w*|ransom)\b", re.I)),
)
_WORDING_WORDS: tuple[tuple[str, ...], ...] = (
    ("kill", "massacre", "mass", "murder", "assassinat", "dead", "death toll", "armed attack",
     "opened fire", "bomb attack", "gunmen"),
    ("injur", "wound", "maim", "stabb", "acid"),
    ("kidnap", "abduct", "hostage", "ransom"),
)
"""Words one of which every match of each ``_WORDING`` cue begins with (see ``cues.cues_found``)."""
_MENTIONS_IN_DTW = (HarmType.KILLING, HarmType.INJURY, HarmType.KIDNAPPING)


@dataclass(slots=True)
class HarmFinding:
    """Each harm type seen, with the fragments that show it."""

    types: dict[HarmType, list[str]] = field(default_factory=dict)

    @property
    def primary(self) -> HarmType:
        """The most serious type found, "other" when none."""
        for t in _MENTIONS_IN_DTW:
            if self.types.get(t):
                return t
        return HarmType.OTHER

    @property
    def duty_to_warn_relevant(self) -> bool:
        return self.primary is not HarmType.OTHER

    def to_dict(self) -> dict[str, Any]:
        return {
            "primary": self.primary.value,
            "duty_to_warn_relevant": self.duty_to_warn_relevant,
            "types": {t.value: ids for t, ids in self.types.items()},
        }


def classify_harm(
    fragments: Sequence[Fragment], mentions: Mapping[str, Sequence[Mention]]
) -> HarmFinding:
    """Harm types from modalities and wording across the fragments."""
    found = HarmFinding()

    def add(t: HarmType, fid: str) -> None:
        ids = found.types.setdefault(t, [])
        if fid not in ids:
            ids.append(fid)

    for frag in fragments:
        for m in mentions.get(frag.id, ()):
            if m.kind is MentionKind.MODALITY:
                value = str(m.value)
                if value in _LETHAL_MODALITIES:
                    add(HarmType.KILLING, frag.id)
                elif value in _INJURY_MODALITIES:
                    add(HarmType.INJURY, frag.id)
                elif value in _KIDNAP_MODALITIES:
                    add(HarmType.KIDNAPPING, frag.id)
        for t in cues_found(frag.text, _WORDING, _WORDING_WORDS):
            add(t, frag.id)
    if not found.types:
        found.types[HarmType.OTHER] = [f.id for f in fragments]
    return found
