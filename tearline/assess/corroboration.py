"""How many independent origins back a thread: the one count every interface shows.

Corroboration counts origin clusters, never fragments (invariant 3). And only
clusters that *report* something count: a request for information asks, it
does not tell, so a cluster made only of requests backs nothing. Assessment
(``assessment.assess_thread``) and the stored thread picture
(``pipeline.thread_record``, which ``thread``, ``threads``, REST and the
console show) both count with ``independent_origins`` below, so they cannot
disagree about the same thread (they once said 32 and 30 for the demo's
Almaty thread: one counted every cluster, the other left the requests out).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

__all__ = ["NOT_EVIDENCE", "evidence_clusters", "independent_origins", "is_evidence"]

#: Fragment categories that do not report the threat themselves.
NOT_EVIDENCE = frozenset({"request"})


def is_evidence(category: str | None) -> bool:
    """Whether a fragment of this category reports anything (requests only ask)."""
    return category not in NOT_EVIDENCE


def evidence_clusters(clusters: Mapping[str, Sequence[str]],
                      category_of: Mapping[str, str]) -> dict[str, list[str]]:
    """The origin clusters with at least one reporting member (all members kept).

    ``category_of`` maps fragment id to category; a fragment it lacks counts
    as reporting (a cluster is never dropped for want of a category).
    """
    return {cid: list(ids) for cid, ids in clusters.items()
            if any(is_evidence(category_of.get(i, "report")) for i in ids)}


def independent_origins(clusters: Mapping[str, Sequence[str]],
                        category_of: Mapping[str, str]) -> int:
    """The number of independent origins behind a thread (see the module docstring)."""
    return len(evidence_clusters(clusters, category_of))
