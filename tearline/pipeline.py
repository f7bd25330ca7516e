"""The fusion run end to end: stored reports → mentions, origins, threads → stored.

``fuse`` is incremental: the thread and origin indexes are saved in
``fusion_state``, and a later run only extracts and attaches the reports that
arrived since. An analyst's actor decision changes what extraction resolves,
so a changed decision log triggers a rebuild (recorded in the returned stats).
``read_state(conn)`` only reads what the last run committed, and
``read_state(conn, as_of=…)`` replays fusion over only what had been received
by then — the basis of "what was known when". Reads never write; ``fuse`` is
the one writer and works in one ``UnitOfWork``.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, delete, select

from tearline.fusion.boilerplate import clean_fragment as prepare_fragment
from tearline.fusion.catalog import Catalog, Decision, DecisionKind, apply_decisions, load_catalog
from tearline.fusion.origins import OriginIndex
from tearline.fusion.prepared import prepare_extract_features
from tearline.fusion.threads import ThreadIndex, ThreadView
from tearline.ingest.writer import bulk_insert
from tearline.model.fragment import Fragment
from tearline.model.mention import Mention, MentionKind
from tearline.store import schema as S
from tearline.store.rows import insert_ignore, insert_rows, update_rows
from tearline.store.uow import UnitOfWork
from tearline.store.view import ReportFilter, list_reports, to_fragment

_STATE_KEY = "threads"
_WRITE_REPORTS = 2000
"""Reports (or threads) whose rows ``_persist`` sends in one statement."""
ProgressSpec = Callable[[int, int], None]  # (done, total)
_ENTITY_KINDS = {MentionKind.ACTOR, MentionKind.PERSON, MentionKind.PLACE,
                 MentionKind.NATIONALITY, MentionKind.VENUE, MentionKind.MODALITY}


@dataclass
class FusionState:
    """Everything fusion knows, in memory, for assessment and the interfaces."""

    fragments: dict[str, Fragment]
    mentions: dict[str, list[Mention]]
    threads: ThreadIndex
    catalog: Catalog
    attachments: dict[str, dict[str, Any]] = field(default_factory=dict)
    as_of: datetime | None = None
    pending: int = 0
    """Stored reports the last fusion run has not yet placed (``read_state`` only)."""
    stale: str = ""
    """Why the saved fusion no longer matches the store (run ``tearline fuse``), if it does not."""

    @property
    def origins(self) -> OriginIndex:
        return self.threads.origins


@dataclass
class FuseStats:
    added: int = 0
    total: int = 0
    threads: int = 0
    rebuilt: bool = False
    reason: str = ""
    touched: list[str] = field(default_factory=list)
    assessed: dict[str, int] = field(default_factory=dict)
    """Thread id → the assessment version stored because the thread changed."""


# -- catalog with the analysts' decisions ----------------------------------------
def load_decisions(conn: Connection) -> list[Decision]:
    rows = conn.execute(
        select(S.ActorDecision.action, S.ActorDecision.subject, S.ActorDecision.target,
               S.ActorDecision.reason, S.ActorDecision.user, S.ActorDecision.created_at)
        .where(S.ActorDecision.deleted_at.is_(None)).order_by(S.ActorDecision.id)
    )
    out = []
    for action, subject, target, reason, user, created in rows:
        payload = orjson.loads(target) if target and target.startswith("{") else {}
        out.append(Decision(
            kind=DecisionKind(action), actor_id=subject, alias=payload.get("alias"),
            target_id=payload.get("target_id"), new_actor_id=payload.get("new_actor_id"),
            user=user, reason=reason or "", created_at=created,
        ))
    return out


def catalog_for(conn: Connection) -> tuple[Catalog, str]:
    """The seeded catalog with decisions replayed, and a fingerprint of the decisions."""
    decisions = load_decisions(conn)
    fingerprint = hashlib.sha256(
        orjson.dumps([d.to_dict() for d in decisions], option=orjson.OPT_SORT_KEYS)
    ).hexdigest()[:16]
    return apply_decisions(load_catalog(), decisions, strict=False), fingerprint


def record_decision(conn: Connection, decision: Decision) -> None:
    """Append an analyst decision (validated against the current catalog first)."""
    current, _ = catalog_for(conn)
    apply_decisions(current, [decision])  # raises DecisionError with a clear message
    target = orjson.dumps({"alias": decision.alias, "target_id": decision.target_id,
                           "new_actor_id": decision.new_actor_id}).decode()
    insert_rows(conn, S.ActorDecision, [{
        "action": decision.kind.value, "subject": decision.actor_id, "target": target,
        "reason": decision.reason, "user": decision.user or "analyst",
        "created_at": datetime.now(UTC), "deleted_at": None,
    }])
    from tearline.security.audit import record_now

    record_now(conn, decision.user or "analyst", f"actor.{decision.kind.value}", "actor",
               decision.actor_id, **decision.to_dict())


# -- fragments ---------------------------------------------------------------------
def load_fragments(conn: Connection, as_of: datetime | None = None) -> list[Fragment]:
    """Every fragment in arrival order (received_at, then id): fusion's replay order."""
    frags = [to_fragment(r, s) for r, s in list_reports(conn, ReportFilter())]
    if as_of is not None:
        frags = [f for f in frags if f.received_at <= as_of]
    return sorted(frags, key=lambda f: (f.received_at, f.id))


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for one fusion run, then restore it as it was.

    A run builds millions of long-lived objects (postings, records, centroids,
    stored rows) and next to no cyclic garbage (about 4,400 objects at 10,000
    ECB+ articles), yet every full collection walked all of them: 4.1 of the
    writer's 19.6 CPU-seconds at 10,000 articles. Reference counting still
    frees everything else as the run goes; what cycles it leaves are
    collected once the collector is back on.
    """
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def build_state(fragments: Iterable[Fragment], catalog: Catalog, *,
                as_of: datetime | None = None, progress: ProgressSpec | None = None,
                index: ThreadIndex | None = None, workers: int | None = None) -> FusionState:
    """Pure fusion over plain fragments: extract, attach, in the order given.

    ``workers`` extraction processes (default: ``TEARLINE_EXTRACT_WORKERS`` or
    the cores); the result is the same for any number.
    """
    with _collector_paused():
        return _build_state(list(fragments), catalog, as_of, progress, index, workers)


def _build_state(frags: list[Fragment], catalog: Catalog, as_of: datetime | None,
                 progress: ProgressSpec | None, index: ThreadIndex | None,
                 workers: int | None) -> FusionState:
    index = index if index is not None else ThreadIndex()  # an empty index is falsy
    state = FusionState({}, {}, index, catalog, as_of=as_of)
    # Boilerplate off, extraction, and every per-fragment input of the indexes
    # (signatures, passages, term weights, events): all pure, so a pool of
    # processes that share nothing with this one (no connection, no lock)
    # does them ahead while this process, the single writer, only attaches.
    prepared = prepare_extract_features(frags, catalog, prepare_fragment,
                                        origins=index.track_origins, workers=workers)
    for n, (f, mentions, features) in enumerate(prepared, start=1):
        att = index.add(f, mentions, features)
        state.fragments[f.id] = f
        state.mentions[f.id] = mentions
        state.attachments[f.id] = {"thread": att.thread_id, "opened": att.opened,
                                   "score": round(att.score, 4),
                                   "shared": list(att.shared_entities)}
        if progress:
            progress(n, len(frags))
    return state


# -- persistence ------------------------------------------------------------------
_KIND_VALUE = {k: k.value for k in MentionKind}
"""``kind.value`` by lookup: the enum's property was a tenth of ``_persist`` at 10,000 articles."""
_ENTITY_KIND_VALUE = {k: v for k, v in _KIND_VALUE.items() if k in _ENTITY_KINDS}


def _mention_rows(fid: str, mentions: list[Mention]) -> list[dict[str, Any]]:
    rows = []
    kinds, entity_kinds = _KIND_VALUE, _ENTITY_KIND_VALUE
    for m in mentions:
        kind = kinds[m.kind]
        eid = f"{kind}:{m.value}" if m.kind in entity_kinds else None
        rows.append({"report_id": fid, "entity_id": eid, "kind": kind,
                     "start": m.start, "end": m.end, "text": m.text,
                     "value": {"value": m.value, "detail": m.detail},
                     "confidence": m.confidence})
    return rows


def _entity_rows(state: FusionState, fids: Iterable[str]) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    kinds = _ENTITY_KIND_VALUE
    for fid in fids:
        for m in state.mentions[fid]:
            kind = kinds.get(m.kind)
            if kind is None:
                continue
            eid = f"{kind}:{m.value}"
            if eid in seen:
                continue
            name = m.text
            status = "candidate" if m.detail.get("candidate") else "known"
            if m.kind is MentionKind.ACTOR:
                actor = state.catalog.get(str(m.value))
                name = actor.name if actor else m.text
            seen[eid] = {"id": eid, "kind": kind, "name": name, "status": status,
                         "attributes": {}}
    return list(seen.values())


def thread_title(state: FusionState, thread_id: str, view: ThreadView | None = None) -> str:
    """A readable label from the thread's strongest entities (``view``: the thread's, if built)."""
    from collections import Counter

    view = view if view is not None else state.threads.view(thread_id)
    # The strongest entity of each prefix first; then the surface forms of only
    # those (counting every mention's form for every touched thread cost ten
    # times what this does, for at most three keys read).
    ranked = sorted(view.entity_graph.nodes.items(), key=lambda kv: -kv[1])
    top: list[tuple[str, str, str]] = []  # (key, prefix, value)
    for prefix in ("actor:", "place:", "venue:"):
        for key, _n in ranked:
            if key.startswith(prefix):
                top.append((key, prefix, key.split(":", 1)[1]))
                break
    spelled = {key for key, prefix, value in top
               if not (prefix == "actor:" and state.catalog.get(value))}
    surface: dict[str, Counter[str]] = {}
    if spelled:
        kinds = _KIND_VALUE
        for fid, _grade in view.fragments:
            for m in state.mentions.get(fid, ()):
                key = f"{kinds[m.kind]}:{m.value}"
                if key in spelled:
                    surface.setdefault(key, Counter())[m.text] += 1
    parts: list[str] = []
    for key, prefix, value in top:
        actor = state.catalog.get(value) if prefix == "actor:" else None
        if actor:
            parts.append(actor.name)
        elif key in surface:
            parts.append(surface[key].most_common(1)[0][0])
        else:
            parts.append(value.split(":")[-1].replace("_", " "))
    if parts:
        return " · ".join(parts)
    first = state.fragments.get(view.fragments[0][0]) if view.fragments else None
    return first.title if first else thread_id


def thread_record(state: FusionState, thread_id: str,
                  view: ThreadView | None = None) -> dict[str, Any]:
    """What ``threads.state`` keeps so a listing or a show reads one row, not the index.

    The summary (sizes, first and last anchor times) serves listings; ``detail``
    is the thread's view (fragments with grades, origin clusters, entity graph,
    timeline, discrepancies) as fusion computed it, for ``get_thread``.
    """
    from tearline.assess.corroboration import independent_origins, is_evidence

    view = view if view is not None else state.threads.view(thread_id)
    times = [state.fragments[f].anchor_time for f, _ in view.fragments]
    detail = view.to_dict()
    detail.pop("id", None)
    # The count assessment uses (requests back nothing), so `thread` and `assess` agree.
    origins = independent_origins(view.origin_clusters,
                                  {f: state.fragments[f].category for f, _ in view.fragments})
    detail["independent_origins"] = origins
    detail["requests"] = sum(1 for f, _ in view.fragments
                             if not is_evidence(state.fragments[f].category))
    return {"fragments": len(view.fragments), "independent_origins": origins,
            "first": min(times).isoformat() if times else None,
            "last": max(times).isoformat() if times else None, "detail": detail}


def _persist(conn: Connection, state: FusionState, new_ids: list[str], rebuilt: bool,
             fingerprint: str) -> None:
    now = datetime.now(UTC)
    if rebuilt:
        for table in (S.Mention, S.OriginCluster, S.ThreadMember):
            conn.execute(delete(table))
        # Thread rows stay: assessments and warnings refer to them. Threads the
        # rebuild no longer produces are retired, not deleted (invariant 4).
        live = set(state.threads.thread_ids())
        update_rows(conn, S.Thread, S.Thread.id.not_in(live), status="retired", updated_at=now)
    insert_ignore(conn, S.Entity, _entity_rows(state, new_ids))
    # Mention rows go in batches: a 100,000-article run has over a million,
    # and building them all before the first statement doubled peak memory.
    for start in range(0, len(new_ids), _WRITE_REPORTS):
        bulk_insert(conn, S.Mention, [r for fid in new_ids[start:start + _WRITE_REPORTS]
                                      for r in _mention_rows(fid, state.mentions[fid])])
    # Origin clusters can merge when a new fragment bridges two: rewrite all,
    # and refresh the stored picture of every thread whose clusters moved.
    origins = state.origins
    before = {rid: cid for rid, cid in conn.execute(
        select(S.OriginCluster.report_id, S.OriginCluster.cluster_id))}
    conn.execute(delete(S.OriginCluster))
    origin_rows: list[dict[str, Any]] = [{"report_id": fid, "cluster_id": origins.cluster_of(fid),
                    "reasons": [link.to_dict() for link in origins.reasons(fid)]}
                   for fid in state.threads.assignments()]
    bulk_insert(conn, S.OriginCluster, origin_rows)
    touched = {state.threads.thread_of(fid) for fid in new_ids}
    touched |= {state.threads.thread_of(r["report_id"]) for r in origin_rows
                if before.get(r["report_id"]) not in (None, r["cluster_id"])}
    existing = set(conn.execute(select(S.Thread.id)).scalars())
    fresh: list[dict[str, Any]] = []
    for tid in sorted(touched):
        # One view per thread serves the title and the record (a view sorts
        # and groups the whole thread: building it twice was a tenth of this).
        view = state.threads.view(tid)
        values = {"title": thread_title(state, tid, view), "updated_at": now, "status": "open",
                  "state": thread_record(state, tid, view)}
        if tid in existing:
            update_rows(conn, S.Thread, S.Thread.id == tid, **values)
        else:  # new threads in one statement per batch, not one each
            fresh.append({"id": tid, "created_at": now, **values})
        if len(fresh) >= _WRITE_REPORTS:
            insert_rows(conn, S.Thread, fresh)
            fresh = []
    insert_rows(conn, S.Thread, fresh)
    members = [{"thread_id": state.threads.thread_of(fid), "report_id": fid,
                "score": state.attachments[fid]["score"],
                "reason": orjson.dumps(state.attachments[fid]).decode(), "added_at": now}
               for fid in new_ids]
    insert_ignore(conn, S.ThreadMember, members)
    _save_payload(conn, {"index": state.threads.to_dict(), "decisions": fingerprint},
                  now, len(state.fragments))


_PART_CHARS = 1 << 25
"""Characters of the saved indexes' JSON text per ``fusion_state`` row, once they need more
than one. One row cannot hold them at scale: 100,000 ECB+-built articles made 1.26 GB of
JSON, over SQLite's largest value (1 GB; PostgreSQL's ``jsonb`` stops at 256 MB), and the
run failed at its last statement. A part, escaped as a JSON string, stays well below both."""


def _save_payload(conn: Connection, payload: dict[str, Any], now: datetime,
                  fragment_count: int) -> None:
    """Store the saved indexes: in the ``threads`` row, or split over ``threads#NNNN`` rows.

    A payload that fits stays one row, exactly as before. A larger one is
    encoded once and its text cut into parts; the ``threads`` row then says
    how many parts there are (and keeps the decision fingerprint), so the
    readers of that row's count and time see no difference.
    """
    conn.execute(delete(S.FusionState).where(
        (S.FusionState.key == _STATE_KEY) | S.FusionState.key.like(f"{_STATE_KEY}#%")))
    text = orjson.dumps(payload).decode()
    row = {"key": _STATE_KEY, "updated_at": now, "fragment_count": fragment_count}
    if len(text) <= _PART_CHARS:
        insert_rows(conn, S.FusionState, [{**row, "payload": payload}])
        return
    parts = -(-len(text) // _PART_CHARS)
    head = {"decisions": payload.get("decisions"), "parts": parts}
    del payload  # the caller holds no other reference: the dict's memory goes now
    insert_rows(conn, S.FusionState, [{**row, "payload": head}])
    for n in range(parts):  # one statement each: every part is tens of megabytes
        part = text[n * _PART_CHARS:(n + 1) * _PART_CHARS]
        insert_rows(conn, S.FusionState, [{**row, "key": f"{_STATE_KEY}#{n:04d}",
                                           "payload": {"text": part}}])


def fuse(target: Engine | UnitOfWork, *, rebuild: bool = False,
         progress: ProgressSpec | None = None) -> tuple[FusionState, FuseStats]:
    """Bring threads up to date with the stored reports (incrementally when possible).

    Everything fusion derives — mentions, origins, threads, members, the saved
    indexes and the assessment versions of the threads that changed — is
    written in one unit of work: it commits whole or not at all, so a run
    killed at any point leaves the last committed state and the next run
    completes it. Given an engine, ``fuse`` opens (and commits) its own unit.
    """
    if not isinstance(target, UnitOfWork):
        with UnitOfWork(target) as uow:
            return fuse(uow, rebuild=rebuild, progress=progress)
    with _collector_paused():
        return _fuse(target, rebuild, progress)


def _fuse(target: UnitOfWork, rebuild: bool,
          progress: ProgressSpec | None) -> tuple[FusionState, FuseStats]:
    """``fuse`` inside its unit of work, with the garbage collector paused."""
    conn = target.conn
    stats = FuseStats()
    catalog, fingerprint = catalog_for(conn)
    saved = _saved_payload(conn)
    fragments = load_fragments(conn)
    index: ThreadIndex | None = None
    if saved and not rebuild:
        if saved.get("decisions") != fingerprint:
            stats.reason = "actor decisions changed since the last run"
        else:
            index = ThreadIndex.from_dict(saved["index"])
    stats.rebuilt = index is None and bool(saved)
    if rebuild:
        stats.rebuilt, stats.reason = True, "rebuild requested"
    known = set(index.assignments()) if index else set()
    old = [f for f in fragments if f.id in known]
    new = [f for f in fragments if f.id not in known]
    state = build_state(new, catalog, progress=progress, index=index)
    for f in old:  # restore what earlier runs extracted, without re-extracting
        state.fragments[f.id] = prepare_fragment(f)
    if old:
        old_ids = [f.id for f in old]
        state.mentions.update(_load_mentions(conn, old_ids))
        state.attachments.update(_load_attachments(conn, old_ids))
    _persist(conn, state, [f.id for f in new], stats.rebuilt or not saved, fingerprint)
    stats.added, stats.total = len(new), len(fragments)
    stats.threads = len(state.threads)
    stats.touched = sorted({state.threads.thread_of(f.id) for f in new})
    if stats.touched:
        # A changed thread gets a new assessment version, recorded as fusion's
        # doing, in the same transaction as the threads it judges.
        from tearline.assess.store import recompute

        stats.assessed = recompute(conn, state, stats.touched, changed_by="fusion")
        # Duty to warn: a changed assessment may open (or reopen) a case, in the
        # same unit of work as the assessment that triggered it.
        from tearline.warn.delivery import scan

        scan(conn, stats.touched, actor="fusion")
    return state, stats


def _saved_payload(conn: Connection) -> dict[str, Any] | None:
    """The saved indexes, put together again when ``_save_payload`` split them."""
    payload: dict[str, Any] | None = conn.execute(
        select(S.FusionState.payload).where(S.FusionState.key == _STATE_KEY)
    ).scalar()
    if not payload or "parts" not in payload:
        return payload
    keys = [f"{_STATE_KEY}#{n:04d}" for n in range(payload["parts"])]
    texts: dict[str, dict[str, str]] = {key: part for key, part in conn.execute(
        select(S.FusionState.key, S.FusionState.payload).where(S.FusionState.key.in_(keys)))}
    if len(texts) != len(keys):
        from tearline.errors import StoreError

        raise StoreError(f"the saved fusion state lacks {len(keys) - len(texts)} of its "
                         f"{len(keys)} parts; run `tearline fuse --rebuild`")
    whole: dict[str, Any] = orjson.loads("".join(texts[k]["text"] for k in keys))
    return whole


def _load_attachments(conn: Connection, ids: list[str]) -> dict[str, dict[str, Any]]:
    """How each fragment joined its thread, as fusion recorded it in ``thread_members``."""
    wanted = set(ids)
    out: dict[str, dict[str, Any]] = {}
    for rid, reason in conn.execute(select(S.ThreadMember.report_id, S.ThreadMember.reason)):
        if rid in wanted and reason:
            out[rid] = orjson.loads(reason)
    return out


def _load_mentions(conn: Connection, ids: list[str]) -> dict[str, list[Mention]]:
    out: dict[str, list[Mention]] = {i: [] for i in ids}
    wanted = set(ids)
    for m in conn.execute(
        select(S.Mention.report_id, S.Mention.kind, S.Mention.text, S.Mention.start,
               S.Mention.end, S.Mention.value, S.Mention.confidence)
        .order_by(S.Mention.report_id, S.Mention.start)
    ):
        if m.report_id in wanted:
            out[m.report_id].append(Mention(
                MentionKind(m.kind), m.text, m.start, m.end, m.value.get("value"),
                m.confidence, m.value.get("detail") or {}))
    return out


def read_state(conn: Connection, as_of: datetime | None = None) -> FusionState:
    """Fusion as last committed (``as_of=None``) or replayed as it stood at ``as_of``.

    Only reads: it never fuses, so a listing or a page view leaves the store
    as it found it. Reports that arrived after the last ``fuse`` are counted
    in ``pending`` (and are not part of any thread until fusion runs). The
    replay uses only fragments received by ``as_of``, in arrival order, so the
    picture is exactly what Tearline could have shown at that moment.
    """
    catalog, fingerprint = catalog_for(conn)
    if as_of is not None:
        return build_state(load_fragments(conn, as_of), catalog, as_of=as_of)
    saved = _saved_payload(conn)
    fragments = load_fragments(conn)
    if not saved:
        empty = FusionState({}, {}, ThreadIndex(), catalog)
        empty.pending = len(fragments)
        return empty
    index = ThreadIndex.from_dict(saved["index"])
    known = set(index.assignments())
    ids = [f.id for f in fragments if f.id in known]
    # The same boilerplate-free text fusion extracted from (mention offsets point into it).
    state = FusionState({f.id: prepare_fragment(f) for f in fragments if f.id in known},
                        _load_mentions(conn, ids), index, catalog,
                        attachments=_load_attachments(conn, ids))
    state.pending = len(fragments) - len(state.fragments)
    if saved.get("decisions") != fingerprint:
        state.stale = "actor decisions changed since the last run"
    return state


def load_state(engine: Engine, as_of: datetime | None = None) -> FusionState:
    """``read_state`` on a connection of its own (kept for callers holding an engine)."""
    with engine.connect() as conn:
        return read_state(conn, as_of)
