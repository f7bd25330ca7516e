"""Analysis of Competing Hypotheses (Heuer), per thread.

A matrix of hypotheses against evidence items, each cell rated CC, C, N, I,
II or NA. Following Heuer, the analyst works across rows and the hypothesis
to favour is the one with the *least weighted inconsistency*, not the most
consistency: consistent evidence is often consistent with everything.

* An item's weight is its credibility weight (from its Admiralty grade, see
  ``AssessConfig.grade_weight``) times its relevance (analyst-set, default 1).
* Inconsistency of a hypothesis = sum over items of weight x (1 for I, 2 for
  II); N, C, CC and NA add nothing.
* Diagnosticity of an item is the spread of its ratings across hypotheses;
  an item rated alike against every hypothesis has none.
* Sensitivity: each single item is removed, then reversed (as if wrong or
  planted); the items whose change alters the leading hypothesis are listed.

Evidence items carry the fragments they rest on with their origin cluster and
grade, so "two items" resting on one origin are visible as such. The matrix is
plain data (``to_dict``/``from_dict``) stored in ``ach_matrices``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from tearline.assess.config import AssessConfig, load_config
from tearline.errors import AchError

__all__ = [
    "AchError",
    "AchMatrix",
    "AchResult",
    "EvidenceItem",
    "Hypothesis",
    "Rating",
    "SensitivityFinding",
]


class Rating(StrEnum):
    """Consistency of one evidence item with one hypothesis."""

    CC = "CC"
    C = "C"
    N = "N"
    I = "I"  # noqa: E741 - Heuer's own abbreviation
    II = "II"
    NA = "NA"

    @property
    def value_score(self) -> int | None:
        """+2 .. -2 for diagnosticity; None for NA (not applicable)."""
        return {"CC": 2, "C": 1, "N": 0, "I": -1, "II": -2}.get(self.value)

    @property
    def reversed(self) -> Rating:
        """The opposite reading, used to test an item that may be deceptive."""
        flip = {"CC": "II", "C": "I", "I": "C", "II": "CC"}
        return Rating(flip.get(self.value, self.value))


@dataclass(slots=True)
class Hypothesis:
    """A candidate explanation; ``acted_on`` marks the one policy currently follows."""

    id: str
    label: str
    acted_on: bool = False


@dataclass(slots=True)
class EvidenceItem:
    """One row: what the evidence says and what it rests on."""

    id: str
    description: str
    fragment_ids: list[str] = field(default_factory=list)
    origin_cluster: str | None = None
    grade: str = "F6"
    relevance: float = 1.0
    discounted: bool = False
    """The analyst set this item aside; ``discount_reason`` must say why."""
    discount_reason: str | None = None

    def weight(self, config: AssessConfig) -> float:
        if self.discounted:
            return 0.0
        rel, info = (self.grade[:1] or "F"), (self.grade[1:] or "6")
        return config.grade_weight(rel, info) * self.relevance


@dataclass(slots=True)
class SensitivityFinding:
    """A single item whose removal or reversal changes the leading hypothesis."""

    item_id: str
    change: str
    """``removed`` or ``reversed``."""
    new_leader: str

    def to_dict(self) -> dict[str, str]:
        return {"item_id": self.item_id, "change": self.change, "new_leader": self.new_leader}


@dataclass(slots=True)
class AchResult:
    """Scores, ranking, diagnosticity and sensitivity of a matrix."""

    inconsistency: dict[str, float]
    consistency: dict[str, float]
    ranking: list[str]
    diagnosticity: dict[str, float]
    sensitivity: list[SensitivityFinding]

    @property
    def tied(self) -> list[str]:
        """Hypotheses scoring exactly like the first: a tie names no winner."""
        if not self.ranking:
            return []
        key = self._key(self.ranking[0])
        tied = [h for h in self.ranking if self._key(h) == key]
        return tied if len(tied) > 1 else []

    def _key(self, h: str) -> tuple[float, float]:
        return (round(self.inconsistency[h], 9), round(self.consistency[h], 9))

    @property
    def most_likely(self) -> str | None:
        """The least inconsistent hypothesis; None while the leaders tie."""
        if not self.ranking or self.tied:
            return None
        return self.ranking[0]

    def to_dict(self) -> dict[str, Any]:
        return {
            "inconsistency": {k: round(v, 4) for k, v in self.inconsistency.items()},
            "consistency": {k: round(v, 4) for k, v in self.consistency.items()},
            "ranking": self.ranking,
            "most_likely": self.most_likely,
            "tied": self.tied,
            "diagnosticity": {k: round(v, 4) for k, v in self.diagnosticity.items()},
            "sensitivity": [s.to_dict() for s in self.sensitivity],
        }


@dataclass
class AchMatrix:
    """Hypotheses x evidence with ratings; unrated cells read as N."""

    thread_id: str
    hypotheses: list[Hypothesis] = field(default_factory=list)
    evidence: list[EvidenceItem] = field(default_factory=list)
    ratings: dict[tuple[str, str], Rating] = field(default_factory=dict)
    """(evidence id, hypothesis id) -> rating."""

    # -- editing ----------------------------------------------------------

    def add_hypothesis(self, hid: str, label: str, acted_on: bool = False) -> Hypothesis:
        if any(h.id == hid for h in self.hypotheses):
            raise AchError(f"hypothesis {hid!r} already exists")
        h = Hypothesis(hid, label, acted_on)
        self.hypotheses.append(h)
        return h

    def add_evidence(self, item: EvidenceItem) -> EvidenceItem:
        if any(e.id == item.id for e in self.evidence):
            raise AchError(f"evidence item {item.id!r} already exists")
        self.evidence.append(item)
        return item

    def rate(self, evidence_id: str, hypothesis_id: str, rating: str | Rating) -> None:
        self._item(evidence_id)
        self._hypothesis(hypothesis_id)
        try:
            value = Rating(str(rating).upper())
        except ValueError as exc:
            raise AchError(
                f"rating must be one of CC, C, N, I, II, NA; got {rating!r}"
            ) from exc
        self.ratings[(evidence_id, hypothesis_id)] = value

    def rate_row(self, evidence_id: str, row: Mapping[str, str | Rating]) -> None:
        """Rate one item against several hypotheses (working across the row)."""
        for hid, rating in row.items():
            self.rate(evidence_id, hid, rating)

    def rating(self, evidence_id: str, hypothesis_id: str) -> Rating:
        return self.ratings.get((evidence_id, hypothesis_id), Rating.N)

    def _item(self, evidence_id: str) -> EvidenceItem:
        for e in self.evidence:
            if e.id == evidence_id:
                return e
        raise AchError(f"no evidence item {evidence_id!r}; known: {[e.id for e in self.evidence]}")

    def _hypothesis(self, hypothesis_id: str) -> Hypothesis:
        for h in self.hypotheses:
            if h.id == hypothesis_id:
                return h
        known = [h.id for h in self.hypotheses]
        raise AchError(f"no hypothesis {hypothesis_id!r}; known: {known}")

    # -- scoring ----------------------------------------------------------

    def _scores(
        self, config: AssessConfig, drop: str | None = None, flip: str | None = None
    ) -> tuple[dict[str, float], dict[str, float]]:
        bad = {Rating.I: float(config.ach["inconsistent"]),
               Rating.II: float(config.ach["very_inconsistent"])}
        good = {Rating.C: 1.0, Rating.CC: 2.0}
        inc = {h.id: 0.0 for h in self.hypotheses}
        con = {h.id: 0.0 for h in self.hypotheses}
        for e in self.evidence:
            if e.id == drop:
                continue
            w = e.weight(config)
            for h in self.hypotheses:
                r = self.rating(e.id, h.id)
                if e.id == flip:
                    r = r.reversed
                inc[h.id] += w * bad.get(r, 0.0)
                con[h.id] += w * good.get(r, 0.0)
        return inc, con

    def _rank(self, inc: Mapping[str, float], con: Mapping[str, float]) -> list[str]:
        # Least inconsistency first; consistency only breaks exact ties.
        order = {h.id: i for i, h in enumerate(self.hypotheses)}
        return sorted(inc, key=lambda h: (round(inc[h], 9), -round(con[h], 9), order[h]))

    def diagnosticity(self, config: AssessConfig | None = None) -> dict[str, float]:
        """Spread of each item's ratings across hypotheses, times its weight."""
        config = config or load_config()
        out = {}
        for e in self.evidence:
            scores = [
                s for h in self.hypotheses
                if (s := self.rating(e.id, h.id).value_score) is not None
            ]
            spread = (max(scores) - min(scores)) if len(scores) > 1 else 0
            out[e.id] = spread * e.weight(config)
        return out

    def evaluate(self, config: AssessConfig | None = None) -> AchResult:
        """Score, rank and test the sensitivity of the leading hypothesis."""
        config = config or load_config()
        inc, con = self._scores(config)
        ranking = self._rank(inc, con)
        leader = ranking[0] if ranking else None
        findings: list[SensitivityFinding] = []
        if leader is not None and len(ranking) > 1:
            for e in self.evidence:
                for change, kwargs in (("removed", {"drop": e.id}), ("reversed", {"flip": e.id})):
                    new = self._rank(*self._scores(config, **kwargs))[0]
                    if new != leader:
                        findings.append(SensitivityFinding(e.id, change, new))
        return AchResult(inc, con, ranking, self.diagnosticity(config), findings)

    # -- plain data -------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        return {
            "thread_id": self.thread_id,
            "hypotheses": [
                {"id": h.id, "label": h.label, "acted_on": h.acted_on} for h in self.hypotheses
            ],
            "evidence": [
                {
                    "id": e.id, "description": e.description, "fragment_ids": e.fragment_ids,
                    "origin_cluster": e.origin_cluster, "grade": e.grade,
                    "relevance": e.relevance, "discounted": e.discounted,
                    "discount_reason": e.discount_reason,
                }
                for e in self.evidence
            ],
            "ratings": [
                {"evidence": e, "hypothesis": h, "rating": r.value}
                for (e, h), r in sorted(self.ratings.items())
            ],
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> AchMatrix:
        m = cls(str(data["thread_id"]))
        for h in data.get("hypotheses", ()):
            m.add_hypothesis(h["id"], h["label"], bool(h.get("acted_on")))
        for e in data.get("evidence", ()):
            m.add_evidence(EvidenceItem(
                e["id"], e["description"], list(e.get("fragment_ids", ())),
                e.get("origin_cluster"), e.get("grade", "F6"), float(e.get("relevance", 1.0)),
                bool(e.get("discounted")), e.get("discount_reason"),
            ))
        for r in data.get("ratings", ()):
            m.rate(r["evidence"], r["hypothesis"], r["rating"])
        return m

    def items_for_fragments(self, fragment_ids: Iterable[str]) -> list[EvidenceItem]:
        """Evidence items resting on any of the given fragments."""
        wanted = set(fragment_ids)
        return [e for e in self.evidence if wanted.intersection(e.fragment_ids)]
