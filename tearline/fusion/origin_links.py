"""Origin links: why two fragments were put in the same origin cluster.

Every link keeps its kind, its score and the passage that supports it, so an
analyst reading a thread sees why two reports were counted once
(``tearline thread ID --json`` shows them). Split from ``origins.py`` so that
the record an analyst reads is defined apart from the machinery that finds it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

__all__ = ["LinkReason", "OriginLink"]


class LinkReason(StrEnum):
    """Why two fragments were put in the same origin cluster (the link's kind)."""

    NEAR_DUPLICATE = "near_duplicate"
    CONTAINMENT = "containment"
    ATTRIBUTION = "attribution"


_KIND_VALUE = {k: k.value for k in LinkReason}
"""``kind.value`` by lookup: every link of every fragment is written on each fusion run,
and the enum's ``value`` property cost more than the rest of ``to_dict``."""


@dataclass(frozen=True, slots=True)
class OriginLink:
    """One reason a fragment shares its origin with ``other``."""

    other: str
    kind: LinkReason
    score: float
    """Shingle Jaccard (near_duplicate), share of the shorter fragment's sentences
    or sampled shingles printed by both (containment), or shared non-quote
    sentences (attribution)."""
    passage: str | None = None
    """A sentence both fragments print, as this fragment has it: the evidence."""
    key: str | None = None
    """Normalised claimed source behind an attribution link."""
    phrase: str | None = None
    """This fragment's attribution phrase, as written (attribution only)."""
    other_phrase: str | None = None

    @property
    def reason(self) -> LinkReason:
        """Older name of ``kind``."""
        return self.kind

    @property
    def jaccard(self) -> float:
        """Older name of ``score``."""
        return self.score

    def reverse(self, own_id: str) -> OriginLink:
        """The same link as the other fragment records it (pointing back at ``own_id``)."""
        return OriginLink(
            own_id, self.kind, self.score, self.passage, self.key, self.other_phrase, self.phrase
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "other": self.other,
            "kind": _KIND_VALUE[self.kind],
            "score": self.score,
            "passage": self.passage,
            "key": self.key,
            "phrase": self.phrase,
            "other_phrase": self.other_phrase,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> OriginLink:
        return cls(
            other=data["other"],
            kind=LinkReason(data.get("kind") or data["reason"]),
            score=data["score"] if "score" in data else data["jaccard"],
            passage=data.get("passage"),
            key=data.get("key"),
            phrase=data.get("phrase"),
            other_phrase=data.get("other_phrase"),
        )
