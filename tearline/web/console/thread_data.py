"""One thread as its page shows it: fragments, origins, timeline, graph, ACH, alarms.

Stored rows give what a person must be able to trust and quote — the member
reports with their grades and markings, the assessment versions — and the
thread's stored picture, read as a slice of the fused state with its
neighbours (``assess.query.thread_state``), gives what fusion derives:
timeline, entity graph, discrepancies and the alarms' context. Nothing here
loads the whole fused state, so a page costs the same at any store size. Members the viewer may
not see are left out everywhere (and counted, so the gap is visible), and the
thread itself is refused unless its combined marking allows it.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.orm import Session

from tearline.assess.ach import AchMatrix, AchResult
from tearline.assess.alarms import Alarm
from tearline.assess.query import StoredState, thread_state
from tearline.assess.review import review_thread
from tearline.assess.store import StoredAssessment, list_versions, load_matrix, version_points
from tearline.fusion.query import public_thread_id, short_id
from tearline.share.policy import Marking, Principal, decide
from tearline.share.releases import combine_markings, load_index, marking_for_report
from tearline.store import schema as S
from tearline.web.console.board import humanize


@dataclass(slots=True)
class MemberView:
    """One visible fragment of the thread."""

    id: str
    external_id: str | None
    title: str
    originator: str
    source: str
    grade: str
    reported: str
    category: str
    tlp: str
    classification: str
    origin_cluster: str
    links: list[dict[str, Any]]
    """The stored origin links (why this is a copy of another fragment)."""
    joined_because: str
    marking: Marking
    reasons: list[str] = field(default_factory=list)
    """``links`` in words, naming the other fragment."""


@dataclass(slots=True)
class ThreadPage:
    """Everything the thread page renders."""

    id: str
    short: str
    title: str
    marking: Marking
    members: list[MemberView]
    hidden: int
    clusters: list[tuple[str, list[MemberView]]]
    versions: list[StoredAssessment]
    timeline: list[dict[str, Any]] = field(default_factory=list)
    discrepancies: list[dict[str, Any]] = field(default_factory=list)
    graph_nodes: list[tuple[str, str, int]] = field(default_factory=list)
    """(entity key, readable name, fragments mentioning it)."""
    graph_edges: list[tuple[str, str, int]] = field(default_factory=list)
    alarms: list[Alarm] = field(default_factory=list)
    matrix: AchMatrix | None = None
    ach: AchResult | None = None
    fused: bool = True
    cases: list[dict[str, Any]] = field(default_factory=list)
    """Duty-to-warn cases on the thread the viewer may see: state and event history."""
    withheld: list[str] = field(default_factory=list)
    """What the page leaves out because it is computed over members the viewer may not see."""

    @property
    def latest(self) -> StoredAssessment | None:
        return self.versions[-1] if self.versions else None

    def title_of(self, fid: str) -> str:
        for m in self.members:
            if m.id == fid:
                return m.external_id or m.title
        return "a fragment you may not see"


def _reason_text(link: dict[str, Any], titles: dict[str, str]) -> str:
    other = titles.get(str(link.get("other")), "a fragment you may not see")
    why = humanize(str(link.get("reason") or "linked"))
    if link.get("jaccard"):
        why += f" ({round(float(link['jaccard']) * 100)}% of word shingles shared)"
    return f"{why} with {other}"


def _entity_names(conn: Connection, keys: list[str]) -> dict[str, str]:
    rows = conn.execute(select(S.Entity.id, S.Entity.name).where(S.Entity.id.in_(keys)))
    return {r.id: r.name for r in rows}


def _members(conn: Connection, tid: str, principal: Principal) -> tuple[list[MemberView], int]:
    q = (select(S.ThreadMember.reason, S.Report, S.Source,
                S.OriginCluster.cluster_id, S.OriginCluster.reasons)
         .join(S.Report, S.Report.id == S.ThreadMember.report_id)
         .join(S.Source, S.Source.id == S.Report.source_id)
         .outerjoin(S.OriginCluster, S.OriginCluster.report_id == S.Report.id)
         .where(S.ThreadMember.thread_id == tid)
         .order_by(S.ThreadMember.added_at, S.Report.received_at, S.Report.id))
    with Session(bind=conn) as session:
        rows = session.execute(q).all()
    # Releases and warning ids of these members only: a full index scans every report.
    index = load_index(conn, [i for _, r, *_ in rows for i in (r.id, r.stix_id) if i])
    shown, hidden = [], 0
    for reason, r, s, cluster, links in rows:
        marking = marking_for_report(r, index)
        if not decide(principal, marking):
            hidden += 1
            continue
        when = r.reported_at or r.received_at
        shown.append(MemberView(
            r.id, r.external_id, r.title, r.originator, s.name,
            f"{s.reliability}{r.credibility}", when.strftime("%Y-%m-%d %H:%M"), r.category,
            r.tlp, r.classification, cluster or r.id,
            [x for x in links or [] if isinstance(x, dict)], reason or "", marking))
    titles = {m.id: (m.external_id or m.title) for m in shown}
    for m in shown:
        # A link to a fragment the viewer may not see would tell that it exists.
        m.links = [link for link in m.links if str(link.get("other")) in titles]
        m.reasons = [_reason_text(link, titles) for link in m.links]
        m.joined_because = _joined(m.joined_because)
    return shown, hidden


def _joined(raw: str) -> str:
    import orjson

    try:
        att = orjson.loads(raw) if raw else {}
    except orjson.JSONDecodeError:
        return ""
    if att.get("opened"):
        return "opened this thread"
    shared = ", ".join(humanize(str(s).split(":")[-1]) for s in att.get("shared") or [])
    return f"joined (score {float(att.get('score') or 0):.2f})" + (
        f", sharing {shared}" if shared else "")


def thread_page(conn: Connection, engine: Engine, tid: str,
                principal: Principal) -> ThreadPage | None:
    """The page for ``tid``, or None when the viewer may not see the thread."""
    thread = conn.execute(select(S.Thread.id, S.Thread.title).where(S.Thread.id == tid)).first()
    if thread is None:
        return None
    members, hidden = _members(conn, tid, principal)
    index = load_index(conn, [tid])
    all_marks = [m.marking for m in members]
    if hidden:
        # The thread's marking covers what the viewer cannot see too.
        with Session(bind=conn) as session:
            rows = session.execute(select(S.Report).join(
                S.ThreadMember, S.ThreadMember.report_id == S.Report.id)
                .where(S.ThreadMember.thread_id == tid)).scalars().all()
        full = load_index(conn, [i for r in rows for i in (r.id, r.stix_id) if i])
        all_marks = [marking_for_report(r, full) for r in rows]
    marking = combine_markings(all_marks, released_to=index.released_to(tid))
    if not members or not decide(principal, marking):
        return None
    clusters: dict[str, list[MemberView]] = defaultdict(list)
    for m in members:
        clusters[m.origin_cluster].append(m)
    page = ThreadPage(tid, short_id(public_thread_id(conn, tid)), thread.title, marking,
                      members, hidden,
                      sorted(clusters.items(), key=lambda kv: -len(kv[1])),
                      list_versions(engine, tid))
    visible = {m.id for m in members}
    page.cases = _cases(conn, tid, principal)
    matrix = load_matrix(engine, tid)
    if hidden:
        # Computed over every member: shown only to whoever may see them all.
        page.title = _visible_title(conn, tid, members)
        page.versions = []
        page.withheld = ["assessment versions", "entity graph", "ACH matrix",
                         "alarms drawn on fragments you may not see"]
    elif matrix is not None:
        page.matrix, page.ach = matrix, matrix.evaluate()
    # The picture only; texts and neighbours are read when the alarms are not memoised.
    state = thread_state(conn, [tid], texts=False)
    if tid not in state.threads.thread_ids():
        page.fused = False
        return page
    view = state.threads.view(tid)
    page.timeline = [e.to_dict() for e in view.timeline
                     if set(e.fragment_ids) & visible]
    for e in page.timeline:
        e["fragment_ids"] = [f for f in e["fragment_ids"] if f in visible]
    page.discrepancies = []
    for d in view.discrepancies:
        values = [{"value": v.value, "ids": [f for f in v.fragment_ids if f in visible]}
                  for v in d.values]
        values = [v for v in values if v["ids"]]
        if len(values) > 1:
            page.discrepancies.append({"subject": humanize(d.subject.replace(".", " ")),
                                       "values": values})
    if hidden:
        # The graph counts every member's entities; alarms only if all their evidence shows.
        drawn = _alarms(thread_state(conn, [tid], neighbours=True), tid, None, [], None)
        page.alarms = [a for a in drawn if a.fragment_ids and set(a.fragment_ids) <= visible]
        return page
    keys = sorted(view.entity_graph.nodes, key=lambda k: -view.entity_graph.nodes[k])[:18]
    names = _entity_names(conn, keys)
    page.graph_nodes = [(k, names.get(k) or humanize(k.split(":")[-1]),
                         view.entity_graph.nodes[k]) for k in keys]
    chosen = set(keys)
    page.graph_edges = [(a, b, n) for a, b, n in view.entity_graph.edges
                        if a in chosen and b in chosen]
    key = _alarm_key(conn, tid, matrix, len(page.versions))
    alarms = _alarm_memo.get(key)
    if alarms is None:
        alarms = _alarms(thread_state(conn, [tid], neighbours=True), tid, matrix,
                         page.versions, key)
    page.alarms = [a for a in alarms if not a.fragment_ids or set(a.fragment_ids) & visible]
    return page


_alarm_memo: dict[tuple[Any, ...], list[Alarm]] = {}


def _visible_title(conn: Connection, tid: str, members: list[MemberView]) -> str:
    """The thread's title from its visible members only (``fusion.query``'s rule)."""
    from tearline.fusion.query import titles_over

    return titles_over(conn, {tid: [m.id for m in members]}, {m.id: m.title for m in members})[tid]


def _alarm_key(conn: Connection, tid: str, matrix: AchMatrix | dict[str, Any] | None,
               versions: int) -> tuple[Any, ...]:
    import orjson

    from tearline.web.console.state_cache import state_key

    payload = matrix.to_dict() if isinstance(matrix, AchMatrix) else matrix
    mkey = orjson.dumps(payload, option=orjson.OPT_SORT_KEYS).decode() if payload else ""
    return (str(conn.engine.url), state_key(conn), tid, versions, mkey)


def _alarms(state: StoredState, tid: str, matrix: AchMatrix | None,
            versions: list[StoredAssessment], key: tuple[Any, ...] | None = None) -> list[Alarm]:
    """``review_thread``, memoised on what it reads: the fusion run, versions, matrix.

    Alarms read the thread's whole neighbourhood, which costs tens of
    milliseconds a thread; the inputs change only when fusion, an assessment
    or the ACH matrix does, so the answer is kept until one of them changes.
    """
    if key is None or key not in _alarm_memo:
        if len(_alarm_memo) > 10_000:
            _alarm_memo.clear()
        found = review_thread(state, tid, matrix=matrix, versions=version_points(versions))
        if key is None:
            return found
        _alarm_memo[key] = found
    return _alarm_memo[key]


def alarm_counts(conn: Connection, engine: Engine, tids: list[str]) -> dict[str, int | None]:
    """How many alarms each thread raises now (None: not fused), for a page of the board.

    The memo keys of a page cost two queries in all (version counts, matrices);
    the threads not memoised share one slice read with their neighbours
    (``thread_state``), so a cold board reads once, not per row.
    """
    if not tids:
        return {}
    counts = dict(conn.execute(select(S.Assessment.thread_id, func.count())
                               .where(S.Assessment.thread_id.in_(tids))
                               .group_by(S.Assessment.thread_id)).tuples().all())
    matrices: dict[str, Any] = dict(conn.execute(select(S.AchMatrix.thread_id, S.AchMatrix.payload)
                                 .where(S.AchMatrix.thread_id.in_(tids))).tuples().all())
    keys = {t: _alarm_key(conn, t, matrices.get(t), int(counts.get(t, 0))) for t in tids}
    cold = [t for t in tids if keys[t] not in _alarm_memo]
    state = thread_state(conn, cold, neighbours=True) if cold else None
    held = set(state.threads.thread_ids()) if state is not None else set()
    out: dict[str, int | None] = {}
    for t in tids:
        if keys[t] in _alarm_memo:
            out[t] = len(_alarm_memo[keys[t]])
        elif state is not None and t in held:
            out[t] = len(_alarms(state, t, load_matrix(engine, t), list_versions(conn, t),
                                 keys[t]))
        else:
            out[t] = None
    return out


def _cases(conn: Connection, tid: str, principal: Principal) -> list[dict[str, Any]]:
    """The thread's duty-to-warn cases (read-only: state, marking and event history)."""
    from tearline.share.releases import marking_for_warning

    rows = conn.execute(select(S.Warning.id, S.Warning.state, S.Warning.created_at,
                               S.Warning.updated_at, S.Warning.payload)
                        .where(S.Warning.thread_id == tid)
                        .order_by(S.Warning.created_at, S.Warning.id)).all()
    if not rows:
        return []
    index = load_index(conn, [r.id for r in rows])
    out = []
    for w in rows:
        marking = marking_for_warning(w, index)
        if not decide(principal, marking):
            continue
        events = conn.execute(select(S.WarningEvent.at, S.WarningEvent.action,
                                     S.WarningEvent.actor, S.WarningEvent.detail)
                              .where(S.WarningEvent.warning_id == w.id)
                              .order_by(S.WarningEvent.at, S.WarningEvent.id)).all()
        out.append({"id": w.id, "state": humanize(w.state), "created": w.created_at,
                    "updated": w.updated_at, "marking": marking,
                    "events": [{"at": e.at, "action": humanize(e.action), "actor": e.actor,
                                "detail": {k: v for k, v in (e.detail or {}).items()
                                           if isinstance(v, str | int | float)}}
                               for e in events]})
    return out
