"""Assessment and analytic tradecraft over fused threads.

Pure functions turn a thread (fragments, mentions, origin clusters, timeline)
into a scored, explained judgement (``assess_thread``), an Analysis of
Competing Hypotheses matrix (``AchMatrix``), bias alarms (``review_thread``)
and look-back reports; ``tearline.assess.store`` persists assessment versions
and ACH matrices. Thresholds and weights live in ``tearline/config/assess.toml``.
"""

from tearline.assess.ach import AchError, AchMatrix, AchResult, EvidenceItem, Hypothesis, Rating
from tearline.assess.alarms import Alarm, AlarmKind, VersionPoint
from tearline.assess.assessment import ThreadAssessment, assess_thread
from tearline.assess.config import AssessConfig, load_config
from tearline.assess.likelihood import TERMS, Confidence, term_for
from tearline.assess.review import review_thread

__all__ = [
    "TERMS",
    "AchError",
    "AchMatrix",
    "AchResult",
    "Alarm",
    "AlarmKind",
    "AssessConfig",
    "Confidence",
    "EvidenceItem",
    "Hypothesis",
    "Rating",
    "ThreadAssessment",
    "VersionPoint",
    "assess_thread",
    "load_config",
    "review_thread",
    "term_for",
]
