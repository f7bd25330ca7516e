"""ICD 203 estimative language: a probability becomes a word, and a basis a confidence.

Likelihood and confidence are kept apart, as ICD 203 asks: likelihood is how
probable the threat is; confidence is how good the basis for saying so is
(number and quality of independent origins). The rationale is built from
plain templates over the evidence, so every sentence in it can be traced to a
number in the assessment; no language model writes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from tearline.assess.config import AssessConfig
from tearline.assess.credibility import ClusterGrade

__all__ = [
    "TERMS",
    "Confidence",
    "Term",
    "combine_probability",
    "confidence_from_clusters",
    "term_for",
]


class Confidence(StrEnum):
    """Confidence in the basis of a judgement (ICD 203)."""

    LOW = "low"
    MODERATE = "moderate"
    HIGH = "high"


@dataclass(frozen=True, slots=True)
class Term:
    """One row of the ICD 203 table: the word and its probability range."""

    word: str
    alternative: str
    low: float
    high: float

    @property
    def range_text(self) -> str:
        return f"{round(self.low * 100)}-{round(self.high * 100)}%"


TERMS: tuple[Term, ...] = (
    Term("almost no chance", "remote", 0.01, 0.05),
    Term("very unlikely", "highly improbable", 0.05, 0.20),
    Term("unlikely", "improbable", 0.20, 0.45),
    Term("roughly even chance", "roughly even odds", 0.45, 0.55),
    Term("likely", "probable", 0.55, 0.80),
    Term("very likely", "highly probable", 0.80, 0.95),
    Term("almost certain", "nearly certain", 0.95, 0.99),
)


def term_for(probability: float) -> Term:
    """The ICD 203 term whose range holds ``probability`` (upper bounds exclusive).

    Values outside 1-99% are clamped: the scale says nothing is certain.
    """
    p = min(max(probability, TERMS[0].low), TERMS[-1].high)
    for term in TERMS:
        if p < term.high:
            return term
    return TERMS[-1]


def combine_probability(
    credibility: float, specificity: float, imminence: float, config: AssessConfig
) -> float:
    """Weighted sum of the three component scores, floored and capped at 99%."""
    c = config.likelihood
    p = (
        float(c["floor"])
        + float(c["w_credibility"]) * credibility
        + float(c["w_specificity"]) * specificity
        + float(c["w_imminence"]) * imminence
    )
    return min(max(p, 0.01), 0.99)


def confidence_from_clusters(clusters: Sequence[ClusterGrade], config: AssessConfig) -> Confidence:
    """High needs many independent origins, some of them well graded; low means one origin."""
    c = config.confidence
    reliable = [g for g in clusters if g.reliability in "AB" and g.information <= 3]
    adequate = [g for g in clusters if g.reliability in "ABC" and g.information <= 3]
    if len(clusters) >= int(c["high_min_clusters"]) and len(reliable) >= int(
        c["high_min_reliable"]
    ):
        return Confidence.HIGH
    if len(adequate) >= int(c["moderate_min_clusters"]):
        return Confidence.MODERATE
    return Confidence.LOW
