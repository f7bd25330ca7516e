"""One thread's assessment: credibility, specificity, imminence, harm, likelihood.

``assess_thread`` is a pure function of the fused state and an assessment
time. Each component keeps its supporting fragment ids, and the rationale is
assembled from templates over those numbers, so the assessment explains
itself and can be recomputed exactly for any past time (see ``lookback``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from tearline.assess.config import AssessConfig, load_config
from tearline.assess.corroboration import evidence_clusters, is_evidence
from tearline.assess.credibility import CredibilityScore, score_credibility
from tearline.assess.harm import HarmFinding, classify_harm
from tearline.assess.imminence import Imminence, ImminenceLevel, score_imminence
from tearline.assess.likelihood import (
    Confidence,
    combine_probability,
    confidence_from_clusters,
    term_for,
)
from tearline.assess.specificity import Specificity, score_specificity
from tearline.assess.state import FusionStateSpec, thread_fragments
from tearline.fusion.timeline import EventKind, TimelineEvent

__all__ = ["ThreadAssessment", "assess_thread"]


@dataclass(slots=True)
class ThreadAssessment:
    """The computed judgement on a thread at one time, with its basis."""

    thread_id: str
    as_of: datetime
    probability: float
    likelihood: str
    probability_range: str
    confidence: Confidence
    credibility: CredibilityScore
    specificity: Specificity
    imminence: Imminence
    harm: HarmFinding
    occurred: str | None
    """Date of an attack reported by enough independent origins, if any."""
    fragment_ids: list[str] = field(default_factory=list)
    rationale: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "thread_id": self.thread_id,
            "as_of": self.as_of.isoformat(),
            "probability": round(self.probability, 4),
            "likelihood": self.likelihood,
            "probability_range": self.probability_range,
            "confidence": self.confidence.value,
            "credibility": self.credibility.to_dict(),
            "specificity": self.specificity.to_dict(),
            "imminence": self.imminence.to_dict(),
            "harm": self.harm.to_dict(),
            "occurred": self.occurred,
            "fragment_ids": self.fragment_ids,
            "rationale": self.rationale,
        }


def _occurred(
    timeline: list[TimelineEvent], cluster_of: dict[str, str], as_of: datetime, need: int
) -> str | None:
    today = as_of.date().isoformat()
    for event in timeline:
        if event.kind is not EventKind.ATTACK or event.date > today:
            continue
        if len({cluster_of.get(f, f) for f in event.fragment_ids}) >= need:
            return event.date
    return None


def assess_thread(
    state: FusionStateSpec,
    thread_id: str,
    as_of: datetime | None = None,
    config: AssessConfig | None = None,
) -> ThreadAssessment:
    """Assess one thread with what the state holds, judged at ``as_of`` (default now)."""
    config = config or load_config()
    when = as_of or datetime.now(UTC)
    view = state.threads.view(thread_id, as_of=when)
    frags = thread_fragments(state, thread_id)
    # Requests ask; they do not report the threat (``corroboration``, shared with threads).
    evidence = [f for f in frags if is_evidence(f.category)]
    cluster_of = {f: cid for cid, ids in view.origin_clusters.items() for f in ids}
    clusters = evidence_clusters(view.origin_clusters, {f.id: f.category for f in frags})
    cred = score_credibility(evidence, clusters, config)
    spec = score_specificity(evidence, state.mentions, config)
    imm = score_imminence(view.timeline, when, config)
    harm = classify_harm(evidence, state.mentions)
    need = int(config.likelihood["attack_min_clusters"])
    occurred = _occurred(view.timeline, cluster_of, when, need)
    if occurred:
        probability = float(config.likelihood["occurred_probability"])
    else:
        probability = combine_probability(cred.score, spec.score, imm.score, config)
    term = term_for(probability)
    confidence = confidence_from_clusters(cred.clusters, config)
    out = ThreadAssessment(
        thread_id, when, probability, term.word, term.range_text, confidence, cred, spec, imm,
        harm, occurred, [f.id for f in frags],
    )
    out.rationale = _rationale(out)
    return out


def _rationale(a: ThreadAssessment) -> list[str]:
    """Plain sentences, each tied to a number above (likelihood and confidence apart)."""
    lines = []
    if a.occurred:
        lines.append(
            f"An attack on {a.occurred} is reported by at least "
            f"{a.credibility.independent_origins} independent origins; the threat has "
            f"materialised ({a.likelihood}, {a.probability_range})."
        )
    else:
        lines.append(
            f"The threat is assessed as {a.likelihood} ({a.probability_range}), "
            f"probability {a.probability:.0%}."
        )
    lines.append(
        f"Credibility {a.credibility.score:.2f} ({a.credibility.grade}): "
        f"{a.credibility.explanation}"
    )
    known = [f.value for f in a.specificity.known()]
    missing = [f.value for f in a.specificity.facets if f.value not in known]
    spec = f"Specificity {a.specificity.score:.2f}: known {', '.join(known) or 'nothing'}"
    lines.append(spec + (f"; not known: {', '.join(missing)}." if missing else "."))
    imm = a.imminence
    if imm.level is ImminenceLevel.LAPSED:
        ends = ", ".join(sorted({w.end for w in imm.lapsed_windows}))
        lines.append(
            f"Every known window has lapsed (ended {ends}); a lapse is not evidence that "
            "the threat has gone, so imminence is not lowered."
        )
    else:
        lines.append(f"Imminence {imm.score:.2f}: {imm.level.value.replace('_', ' ')}.")
    lines.append(f"Harm: {a.harm.primary.value.replace('_', ' ')}.")
    lines.append(
        f"Confidence is {a.confidence.value}, from {a.credibility.independent_origins} "
        f"independent origin(s) behind {a.credibility.fragments} fragment(s)."
    )
    return lines
