"""The fused state for thread pages, loaded read-only and kept per process.

``pipeline.load_state`` brings fusion up to date first, so it writes; a page
view must never change the store (STYLE). This loads exactly what the last
``fuse`` persisted — the saved thread index, the fragments it covers, their
stored mentions and attachments — and keeps it until ``fusion_state`` changes
(its ``updated_at`` and fragment count are the key, one indexed read per page).
Fragments that arrived after the last fuse are not in threads yet; the pages
say so and the ingest page runs ``fuse``.
"""

from __future__ import annotations

import threading
from collections import defaultdict
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, Engine, select
from sqlalchemy.orm import Session

from tearline.fusion.threads import ThreadIndex
from tearline.model.fragment import Fragment
from tearline.model.mention import Mention, MentionKind
from tearline.pipeline import FusionState, catalog_for
from tearline.store import schema as S
from tearline.store.view import to_fragment

_STATE_KEY = "threads"
_lock = threading.Lock()
_cache: dict[int, tuple[tuple[Any, ...], FusionState]] = {}


def state_key(conn: Connection) -> tuple[Any, ...] | None:
    """What identifies the persisted fusion run (None when nothing was fused yet)."""
    row = conn.execute(select(S.FusionState.updated_at, S.FusionState.fragment_count)
                       .where(S.FusionState.key == _STATE_KEY)).first()
    return None if row is None else (str(row.updated_at), int(row.fragment_count))


def _mentions(conn: Connection) -> dict[str, list[Mention]]:
    out: dict[str, list[Mention]] = defaultdict(list)
    q = (select(S.Mention.report_id, S.Mention.kind, S.Mention.text, S.Mention.start,
                S.Mention.end, S.Mention.value, S.Mention.confidence)
         .order_by(S.Mention.report_id, S.Mention.start))
    for m in conn.execute(q):
        value = m.value or {}
        out[m.report_id].append(Mention(MentionKind(m.kind), m.text, m.start, m.end,
                                        value.get("value"), m.confidence,
                                        value.get("detail") or {}))
    return out


def _fragments(conn: Connection, known: set[str]) -> list[Fragment]:
    """The fragments the saved index covers (not every stored report), in fusion's order."""
    if not known:
        return []
    with Session(bind=conn) as session:
        q = select(S.Report, S.Source).join(S.Source, S.Report.source_id == S.Source.id)
        if len(known) < 50_000:
            ids = sorted(known)
            pairs = [p for i in range(0, len(ids), 500)
                     for p in session.execute(q.where(S.Report.id.in_(ids[i:i + 500]))).all()]
        else:
            pairs = [p for p in session.execute(q).all() if p[0].id in known]
        frags = [to_fragment(r, s) for r, s in pairs]
    return sorted(frags, key=lambda f: (f.received_at, f.id))


def _load(conn: Connection) -> FusionState | None:
    saved = conn.execute(select(S.FusionState.payload)
                         .where(S.FusionState.key == _STATE_KEY)).scalar()
    if not saved:
        return None
    index = ThreadIndex.from_dict(saved["index"])
    known = set(index.assignments())
    catalog, _ = catalog_for(conn)
    fragments = {f.id: f for f in _fragments(conn, known)}
    mentions = _mentions(conn)
    attachments: dict[str, dict[str, Any]] = {}
    for fid, reason in conn.execute(select(S.ThreadMember.report_id, S.ThreadMember.reason)):
        if reason:
            try:
                attachments[fid] = orjson.loads(reason)
            except orjson.JSONDecodeError:
                continue
    return FusionState(fragments, {fid: mentions.get(fid, []) for fid in fragments}, index,
                       catalog, attachments)


def fused_state(engine: Engine) -> tuple[FusionState | None, datetime | None]:
    """The last persisted fusion state (cached) and when it was saved, or (None, None)."""
    with engine.connect() as conn:
        key = state_key(conn)
        if key is None:
            return None, None
        hit = _cache.get(id(engine))
        if hit is not None and hit[0] == key:
            return hit[1], datetime.fromisoformat(key[0])
        with _lock:
            hit = _cache.get(id(engine))
            if hit is not None and hit[0] == key:
                return hit[1], datetime.fromisoformat(key[0])
            state = _load(conn)
            if state is None:
                return None, None
            _cache[id(engine)] = (key, state)
    return state, datetime.fromisoformat(key[0])


def forget(engine: Engine) -> None:
    """Drop the cached state (after this process ran ``fuse`` itself)."""
    _cache.pop(id(engine), None)
