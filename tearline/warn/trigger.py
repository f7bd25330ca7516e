"""When a thread owes someone a warning, and whom: pure over a stored assessment.

``evaluate`` reads the assessment payload (harm kind, credibility and
specificity scores) against ``[trigger]`` in ``warn.toml`` and says why it
fires or not, in sentences kept on the case. ``propose_recipients`` names the
responsible service of the threatened country — any partner record with that
country, whatever its tier, an adversary's service too — and the public when
the target is a public place where our own citizens may be.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from tearline.warn.config import WarnConfig
from tearline.warn.sanitize import Facts

__all__ = ["PUBLIC", "TriggerResult", "evaluate", "propose_recipients"]

#: The recipient code for a public advisory (CAP).
PUBLIC = "PUBLIC"


@dataclass(slots=True)
class TriggerResult:
    """Whether the thread meets the duty-to-warn threshold, with the numbers and reasons."""

    fires: bool
    harm: str
    credibility: float
    specificity: float
    probability: float
    reasons: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"fires": self.fires, "harm": self.harm, "credibility": self.credibility,
                "specificity": self.specificity, "probability": self.probability,
                "reasons": self.reasons}


def evaluate(assessment: Mapping[str, Any], config: WarnConfig) -> TriggerResult:
    """Does this assessment show ICD 191 harm, credible and specific enough?"""
    t = config.trigger
    harm = str((assessment.get("harm") or {}).get("primary") or "other")
    cred = float((assessment.get("credibility") or {}).get("score") or 0.0)
    spec = float((assessment.get("specificity") or {}).get("score") or 0.0)
    prob = float(assessment.get("probability") or 0.0)
    min_c, min_s = float(t["min_credibility"]), float(t["min_specificity"])
    kinds = list(t["harm_kinds"])
    reasons = [
        f"harm {harm.replace('_', ' ')} is {'' if harm in kinds else 'not '}a duty-to-warn kind",
        f"credibility {cred:.2f} {'≥' if cred >= min_c else '<'} {min_c:.2f}",
        f"specificity {spec:.2f} {'≥' if spec >= min_s else '<'} {min_s:.2f}",
    ]
    fires = harm in kinds and cred >= min_c and spec >= min_s
    return TriggerResult(fires, harm, round(cred, 4), round(spec, 4), round(prob, 4), reasons)


def propose_recipients(facts: Facts, partners: Iterable[Mapping[str, Any]],
                       config: WarnConfig) -> list[dict[str, Any]]:
    """Who should be warned: the threatened country's services, and the public if exposed."""
    out: list[dict[str, Any]] = []
    for p in partners:
        if facts.country and (p.get("country") or "").upper() == facts.country.upper():
            out.append({"code": p["code"], "kind": "partner", "name": p.get("name"),
                        "tier": p.get("tier"),
                        "why": f"responsible service of {facts.country}, the threatened "
                               "country"})
    public = set(config.recipients.get("public_venues", []))
    exposed = [v for v in facts.venue_types if v in public]
    if exposed:
        out.append({"code": PUBLIC, "kind": "public", "name": "the public", "tier": "public",
                    "why": "our citizens may be present at a public place targeted "
                           f"({', '.join(v.replace('_', ' ') for v in exposed)})"})
    return out
