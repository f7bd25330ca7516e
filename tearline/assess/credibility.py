"""Thread credibility from Admiralty grades, counted by independent origin.

Five outlets printing one wire story are one source, not five (design
invariant 3). So the unit of evidence here is the *origin cluster*: each
cluster contributes once, with the grade of its best member, and clusters are
combined by noisy-or so that each new independent origin adds less than the
last. Information grade 1 ("confirmed by other sources") is never taken from a
report's own marking; it is earned only when enough independent clusters of
adequate grade back the thread (``earned_information_grade``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from tearline.assess.config import AssessConfig
from tearline.model.fragment import Fragment

__all__ = [
    "ClusterGrade",
    "CredibilityScore",
    "cluster_grade",
    "earned_information_grade",
    "score_credibility",
]

_RELIABILITY_ORDER = "ABCDEF"


@dataclass(slots=True)
class ClusterGrade:
    """One origin cluster as a single piece of evidence."""

    cluster_id: str
    fragment_ids: list[str]
    reliability: str
    information: int
    weight: float

    @property
    def grade(self) -> str:
        return f"{self.reliability}{self.information}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "cluster_id": self.cluster_id,
            "fragment_ids": self.fragment_ids,
            "grade": self.grade,
            "weight": round(self.weight, 4),
        }


@dataclass(slots=True)
class CredibilityScore:
    """How far the thread's basis can be believed, with its explanation."""

    score: float
    grade: str
    """Best reliability with the earned information grade, e.g. "A1" or "B3"."""
    fragments: int
    independent_origins: int
    clusters: list[ClusterGrade] = field(default_factory=list)
    explanation: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "score": round(self.score, 4),
            "grade": self.grade,
            "fragments": self.fragments,
            "independent_origins": self.independent_origins,
            "clusters": [c.to_dict() for c in self.clusters],
            "explanation": self.explanation,
        }


def cluster_grade(
    cluster_id: str, members: Sequence[Fragment], config: AssessConfig
) -> ClusterGrade:
    """Grade a cluster by its strongest member.

    Copies add nothing; the best-graded report of the origin stands for it. A
    member's asserted grade 1 is read as 2 here: confirmation is decided at
    thread level, not by the report that claims it.
    """

    def weight(f: Fragment) -> float:
        info = 2 if f.credibility == 1 else f.credibility
        return config.grade_weight(f.reliability, info)

    best = max(members, key=lambda f: (weight(f), f.id))
    info = 2 if best.credibility == 1 else best.credibility
    return ClusterGrade(cluster_id, [f.id for f in members], best.reliability, info, weight(best))


def earned_information_grade(clusters: Sequence[ClusterGrade], config: AssessConfig) -> int:
    """1 if enough independent, adequately graded clusters agree, else the best single grade."""
    c = config.credibility
    limit = _RELIABILITY_ORDER.index(str(c["confirm_min_reliability"]).upper())
    adequate = [
        g
        for g in clusters
        if _RELIABILITY_ORDER.index(g.reliability) <= limit
        and g.information <= int(c["confirm_max_information"])
    ]
    if len(adequate) >= int(c["confirm_min_clusters"]):
        return 1
    known = [g.information for g in clusters if g.information < 6]
    return min(known) if known else 6


def score_credibility(
    fragments: Sequence[Fragment],
    origin_clusters: Mapping[str, Sequence[str]],
    config: AssessConfig,
) -> CredibilityScore:
    """Combine clusters by noisy-or; fragments outside any cluster count alone."""
    by_id = {f.id: f for f in fragments}
    seen: set[str] = set()
    clusters: list[ClusterGrade] = []
    for cid, ids in sorted(origin_clusters.items()):
        members = [by_id[i] for i in ids if i in by_id]
        if members:
            clusters.append(cluster_grade(cid, members, config))
            seen.update(f.id for f in members)
    for f in fragments:
        if f.id not in seen:
            clusters.append(cluster_grade(f.id, [f], config))
    gain = float(config.credibility["cluster_gain"])
    remaining = 1.0
    for g in clusters:
        remaining *= 1.0 - gain * g.weight
    score = 1.0 - remaining
    if not clusters:
        return CredibilityScore(0.0, "F6", 0, 0, [], "No reporting.")
    best_rel = min((g.reliability for g in clusters), key=_RELIABILITY_ORDER.index)
    info = earned_information_grade(clusters, config)
    grade = f"{best_rel}{info}"
    why = (
        f"{len(fragments)} fragment(s) from {len(clusters)} independent origin(s); "
        f"best source reliability {best_rel}; information grade {info}"
    )
    if info == 1:
        why += " earned by independent corroboration."
    else:
        why += f" (grade 1 needs {config.credibility['confirm_min_clusters']} adequate origins)."
    return CredibilityScore(score, grade, len(fragments), len(clusters), clusters, why)
