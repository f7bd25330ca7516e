"""The output of extraction: a typed span of a fragment's text.

Kept as a small slotted dataclass because fusion creates millions of them in
the scale benchmark; it becomes a pydantic model only at the API edge.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any


class MentionKind(StrEnum):
    """What an extracted span refers to."""

    ACTOR = "actor"  # a threat actor; value = canonical actor id
    PERSON = "person"
    PLACE = "place"  # value = "country:XX" or "city:<geonameid>"
    NATIONALITY = "nationality"  # value = "country:XX"
    VENUE = "venue"  # value = target type, e.g. "concert_hall"
    MODALITY = "modality"  # value = e.g. "firearms", "explosives"
    DATE = "date"  # value = ISO date (resolved against the fragment's date)
    WINDOW = "window"  # value = {"start": iso, "end": iso}
    # value = {"kind": "killed"|"injured", "count": n, "qualifier": "at_least"|...}
    CASUALTIES = "casualties"
    # a claim of responsibility or attribution; value = {"claimant":..., "actor":...}
    CLAIM = "claim"


@dataclass(slots=True)
class Mention:
    """One extracted span with its normalized value and how sure we are."""

    kind: MentionKind
    text: str
    start: int
    end: int
    value: Any
    confidence: float = 1.0
    detail: dict[str, Any] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind.value,
            "text": self.text,
            "start": self.start,
            "end": self.end,
            "value": self.value,
            "confidence": self.confidence,
            "detail": self.detail,
        }
