"""Running every alarm on one thread, with the right scope for each.

Circular reporting and unanswered requests are about the thread's own
fragments. Dismissals, fatigue and disinformation need context: the statement
dismissing a warning, or the official blaming a neighbour, is often fused
into a thread of its own, apart from the reporting it contradicts. So those
alarms read the thread's *neighbourhood*: every thread that shares an actor
or a place with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime

from tearline.assess.ach import AchMatrix
from tearline.assess.alarms import (
    Alarm,
    VersionPoint,
    circular_alarms,
    disinformation_alarms,
    dismissal_alarms,
    fatigue_alarms,
    rival_hypothesis_alarms,
    unanswered_request_alarms,
)
from tearline.assess.config import AssessConfig, load_config
from tearline.assess.state import FusionStateSpec, thread_fragments
from tearline.fusion.timeline import TimelineEvent
from tearline.model.fragment import Fragment

__all__ = ["neighbourhood", "review_thread"]

_LINK_PREFIXES = ("actor:", "place:")


def neighbourhood(state: FusionStateSpec, thread_id: str) -> list[str]:
    """The thread and every thread sharing an actor or place key with it."""
    keys = {
        k for k in state.threads.view(thread_id).entity_graph.nodes
        if k.startswith(_LINK_PREFIXES)
    }
    out = [thread_id]
    for tid in state.threads.thread_ids():
        if tid == thread_id:
            continue
        nodes = state.threads.view(tid).entity_graph.nodes
        if keys.intersection(nodes):
            out.append(tid)
    return out


def _timeline(state: FusionStateSpec, tids: Sequence[str], as_of: datetime) -> list[TimelineEvent]:
    events: list[TimelineEvent] = []
    for tid in tids:
        events.extend(state.threads.view(tid, as_of=as_of).timeline)
    return events


def review_thread(
    state: FusionStateSpec,
    thread_id: str,
    as_of: datetime | None = None,
    matrix: AchMatrix | None = None,
    versions: Sequence[VersionPoint] = (),
    config: AssessConfig | None = None,
) -> list[Alarm]:
    """All alarms for a thread at ``as_of``, oldest first."""
    config = config or load_config()
    when = as_of or datetime.now(UTC)
    own = [f for f in thread_fragments(state, thread_id) if f.received_at <= when]
    tids = neighbourhood(state, thread_id)
    context: list[Fragment] = []
    for tid in tids:
        context.extend(f for f in thread_fragments(state, tid) if f.received_at <= when)
    cluster_of = state.origins.cluster_of
    alarms: list[Alarm] = []
    alarms += dismissal_alarms(own, matrix)
    alarms += fatigue_alarms(own, _timeline(state, tids, when), versions)
    alarms += circular_alarms(own, cluster_of, config)
    alarms += unanswered_request_alarms(own, state.fragments.values(), when)
    alarms += disinformation_alarms(own, context, state.mentions, cluster_of, config)
    if matrix is not None:
        alarms += rival_hypothesis_alarms(matrix, config)
    return sorted(alarms, key=lambda a: (a.raised_at, a.kind.value))
