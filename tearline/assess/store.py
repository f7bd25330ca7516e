"""Persistence of assessment versions and ACH matrices.

Assessments are appended, never updated (STYLE: decisions are rows with who,
when and why). ``recompute`` writes a new version only when a thread changed
(its fragment set, likelihood or confidence differ from the latest version),
so the version list is the thread's history of judgement, not a log of runs.
An analyst's override is a version too, with ``changed_by`` and a reason, and
the warning-fatigue alarm reads these versions.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, func, select

from tearline.assess.ach import AchMatrix
from tearline.assess.alarms import VersionPoint
from tearline.assess.assessment import ThreadAssessment, assess_thread
from tearline.assess.config import AssessConfig
from tearline.assess.likelihood import term_for
from tearline.assess.state import FusionStateSpec
from tearline.store import schema as S
from tearline.store.rows import insert_rows, update_rows
from tearline.store.uow import UnitOfWork

__all__ = [
    "StoredAssessment",
    "latest_version",
    "list_versions",
    "load_matrix",
    "recompute",
    "record_override",
    "save_assessment",
    "save_matrix",
    "version_as_of",
    "version_points",
]


@dataclass(frozen=True, slots=True)
class StoredAssessment:
    """One stored version of a thread's assessment."""

    thread_id: str
    version: int
    computed_at: datetime
    as_of: datetime
    changed_by: str
    reason: str | None
    likelihood: str
    confidence: str
    payload: dict[str, Any]

    @property
    def probability(self) -> float:
        return float(self.payload.get("probability", 0.0))

    def to_dict(self) -> dict[str, Any]:
        return {
            "thread_id": self.thread_id, "version": self.version,
            "computed_at": self.computed_at.isoformat(), "as_of": self.as_of.isoformat(),
            "changed_by": self.changed_by, "reason": self.reason,
            "likelihood": self.likelihood, "confidence": self.confidence,
            "probability": self.probability,
        }


def _row(r: Any) -> StoredAssessment:
    return StoredAssessment(r.thread_id, r.version, r.computed_at, r.as_of, r.changed_by,
                            r.reason, r.likelihood, r.confidence, dict(r.payload or {}))


def _ensure_thread(conn: Connection, thread_id: str, title: str = "") -> None:
    # Fusion normally writes the thread row; an as-of replay may assess a
    # thread fusion has not persisted yet, and the foreign key needs the row.
    if conn.execute(select(S.Thread.id).where(S.Thread.id == thread_id)).first() is None:
        now = datetime.now(UTC)
        insert_rows(conn, S.Thread, [{
            "id": thread_id, "title": title or thread_id, "status": "open",
            "created_at": now, "updated_at": now, "state": {}}])


def list_versions(engine: Engine | Connection, thread_id: str) -> list[StoredAssessment]:
    """Every version of a thread's assessment, oldest first."""
    q = select(S.Assessment).where(S.Assessment.thread_id == thread_id)
    if isinstance(engine, Connection):
        rows = engine.execute(q.order_by(S.Assessment.version)).all()
    else:
        with engine.connect() as conn:
            rows = conn.execute(q.order_by(S.Assessment.version)).all()
    return [_row(r) for r in rows]


def latest_version(engine: Engine | Connection, thread_id: str) -> StoredAssessment | None:
    versions = list_versions(engine, thread_id)
    return versions[-1] if versions else None


def version_as_of(engine: Engine, thread_id: str, at: datetime) -> StoredAssessment | None:
    """The assessment as it had been computed for a time no later than ``at``."""
    chosen = None
    for v in list_versions(engine, thread_id):
        if v.as_of <= at and (chosen is None or v.as_of >= chosen.as_of):
            chosen = v
    return chosen


def version_points(versions: list[StoredAssessment]) -> list[VersionPoint]:
    """Versions in assessment-time order, as the fatigue alarm reads them."""
    ordered = sorted(versions, key=lambda v: (v.as_of, v.version))
    return [VersionPoint(v.version, v.as_of, v.probability, v.changed_by, v.reason)
            for v in ordered]


def _append(conn: Connection, thread_id: str, as_of: datetime, changed_by: str,
            reason: str | None, likelihood: str, confidence: str,
            payload: dict[str, Any]) -> int:
    _ensure_thread(conn, thread_id)
    last = conn.execute(
        select(func.max(S.Assessment.version)).where(S.Assessment.thread_id == thread_id)
    ).scalar()
    version = int(last or 0) + 1
    insert_rows(conn, S.Assessment, [{
        "thread_id": thread_id, "version": version, "computed_at": datetime.now(UTC),
        "as_of": as_of, "changed_by": changed_by, "reason": reason,
        "likelihood": likelihood, "confidence": confidence, "payload": payload}])
    return version


def _changed(prev: StoredAssessment | None, a: ThreadAssessment) -> str | None:
    if prev is None:
        return "first assessment"
    old = set(prev.payload.get("fragment_ids", ()))
    new = set(a.fragment_ids)
    if new != old:
        return f"thread changed: {len(new - old)} new fragment(s)"
    if (prev.likelihood, prev.confidence) != (a.likelihood, a.confidence.value):
        return f"judgement changed: {prev.likelihood} -> {a.likelihood}"
    return None


def save_assessment(engine: Engine | Connection, a: ThreadAssessment,
                    changed_by: str = "tearline", reason: str | None = None,
                    force: bool = False) -> int | None:
    """Append a version if the assessment differs from the latest; its number, else None.

    Given an engine, it opens its own locked unit of work, so two writers
    cannot both append the same version; given a connection, the caller's
    transaction (already holding the lock) carries it.
    """
    if not isinstance(engine, Connection):
        with UnitOfWork(engine) as uow:
            return save_assessment(uow.conn, a, changed_by, reason, force)
    prev = latest_version(engine, a.thread_id)
    why = _changed(prev, a)
    if why is None and not force:
        return None
    return _append(engine, a.thread_id, a.as_of, changed_by, reason or why,
                   a.likelihood, a.confidence.value, a.to_dict())


def record_override(engine: Engine, thread_id: str, probability: float, changed_by: str,
                    reason: str, as_of: datetime | None = None) -> int:
    """An analyst's judgement replacing the computed one; who and why are required."""
    if not reason.strip():
        raise ValueError("an override needs a written reason")
    if not 0.0 <= probability <= 1.0:
        raise ValueError(f"a probability is between 0 and 1, not {probability!r}")
    term = term_for(probability)
    with UnitOfWork(engine) as uow:
        conn = uow.conn
        prev = latest_version(conn, thread_id)
        payload: dict[str, Any] = dict(prev.payload) if prev else {"thread_id": thread_id}
        payload.update({"probability": probability, "likelihood": term.word,
                        "probability_range": term.range_text, "override": True})
        return _append(conn, thread_id, as_of or datetime.now(UTC), changed_by, reason,
                       term.word, payload.get("confidence", "low"), payload)


def recompute(engine: Engine | Connection, state: FusionStateSpec,
              thread_ids: list[str] | None = None, as_of: datetime | None = None,
              changed_by: str = "tearline",
              config: AssessConfig | None = None) -> dict[str, int]:
    """Assess the threads and store a version for each that changed; thread -> version.

    Fusion passes its own connection so the versions commit with the threads.
    The same rule as ``save_assessment`` (a version only when the fragment set
    or the judgement moved), in a few statements for all threads together: a
    fuse touching thousands of threads paid four round trips per thread.
    """
    if not isinstance(engine, Connection):
        with UnitOfWork(engine) as uow:
            return recompute(uow.conn, state, thread_ids, as_of, changed_by, config)
    ids = list(dict.fromkeys(thread_ids or state.threads.thread_ids()))
    latest = _latest_many(engine, ids)
    _ensure_threads(engine, [t for t in ids if t not in latest])
    now = datetime.now(UTC)
    out: dict[str, int] = {}
    rows: list[dict[str, Any]] = []
    for tid in ids:
        a = assess_thread(state, tid, as_of, config)
        prev = latest.get(tid)
        why = _changed(prev, a)
        if why is None:
            continue
        version = (prev.version if prev else 0) + 1
        rows.append({"thread_id": tid, "version": version, "computed_at": now,
                     "as_of": a.as_of, "changed_by": changed_by, "reason": why,
                     "likelihood": a.likelihood, "confidence": a.confidence.value,
                     "payload": a.to_dict()})
        out[tid] = version
    for start in range(0, len(rows), _BATCH):
        insert_rows(engine, S.Assessment, rows[start:start + _BATCH])
    return out


_BATCH = 500
"""Threads per statement: well under SQLite's bound-parameter limit."""


def _latest_many(conn: Connection, thread_ids: list[str]) -> dict[str, StoredAssessment]:
    """The latest stored version of each thread that has one, in one query per batch."""
    out: dict[str, StoredAssessment] = {}
    for start in range(0, len(thread_ids), _BATCH):
        chunk = thread_ids[start:start + _BATCH]
        newest = (select(S.Assessment.thread_id, func.max(S.Assessment.version).label("v"))
                  .where(S.Assessment.thread_id.in_(chunk))
                  .group_by(S.Assessment.thread_id).subquery())
        q = select(S.Assessment).join(
            newest, (S.Assessment.thread_id == newest.c.thread_id)
            & (S.Assessment.version == newest.c.v))
        out.update((r.thread_id, _row(r)) for r in conn.execute(q))
    return out


def _ensure_threads(conn: Connection, thread_ids: list[str]) -> None:
    """``_ensure_thread`` for many threads: look them up together, add the missing rows."""
    now = datetime.now(UTC)
    for start in range(0, len(thread_ids), _BATCH):
        chunk = thread_ids[start:start + _BATCH]
        have = set(conn.execute(select(S.Thread.id).where(S.Thread.id.in_(chunk))).scalars())
        insert_rows(conn, S.Thread, [
            {"id": t, "title": t, "status": "open", "created_at": now, "updated_at": now,
             "state": {}} for t in chunk if t not in have])


def save_matrix(engine: Engine, matrix: AchMatrix) -> None:
    """Store (replace) a thread's ACH matrix; its edits are the analyst's own record."""
    payload = matrix.to_dict()
    with engine.begin() as conn:
        _ensure_thread(conn, matrix.thread_id)
        exists = conn.execute(
            select(S.AchMatrix.thread_id).where(S.AchMatrix.thread_id == matrix.thread_id)
        ).first()
        values = {"updated_at": datetime.now(UTC), "payload": payload}
        if exists:
            update_rows(conn, S.AchMatrix, S.AchMatrix.thread_id == matrix.thread_id, **values)
        else:
            insert_rows(conn, S.AchMatrix, [{"thread_id": matrix.thread_id, **values}])


def load_matrix(engine: Engine, thread_id: str) -> AchMatrix | None:
    """The stored matrix for a thread, or None."""
    with engine.connect() as conn:
        payload = conn.execute(
            select(S.AchMatrix.payload).where(S.AchMatrix.thread_id == thread_id)
        ).scalar()
    return AchMatrix.from_dict(payload) if payload else None
