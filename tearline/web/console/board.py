"""The threat board's data: open threads ranked by assessed risk, cut by the policy.

Everything here reads stored rows — threads, their members' markings, the
latest assessment version, open duty-to-warn cases — so the board costs a few
queries whatever the store holds. Risk order is the stored judgement: ICD 203
probability, then confidence, then independent origins (the assessment's own
count, so the board, the thread page and ``tearline assess`` agree).

A thread's marking is the most restrictive of its members' (``combine_markings``),
exactly as the REST ``/threads`` route decides; computing it needs every member
row, so it is memoised per process until fusion or the releases change.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import Connection, func, select
from sqlalchemy.orm import Session

from tearline.fusion.query import public_thread_ids, titles_over
from tearline.share.policy import Marking, Principal, decide
from tearline.share.releases import load_index, marking_for_report
from tearline.store import schema as S
from tearline.web.console.state_cache import state_key
from tearline.web.console.thread_marks import thread_markings

_CONFIDENCE_RANK = {"low": 0, "moderate": 1, "high": 2}
#: Warning states that close a case (the warn stage may add others; unknown = open).
CLOSED_CASE_STATES = frozenset({"closed", "withdrawn", "cancelled", "waived", "rejected"})
_visible_cache: dict[tuple[Any, ...], dict[str, Marking]] = {}
_candidate_cache: dict[tuple[Any, ...], list[Any]] = {}  # of _Candidate


def humanize(value: str | None) -> str:
    """``intentional_killing`` → ``intentional killing``: words, not identifiers."""
    return (value or "").replace("_", " ").strip()


@dataclass(slots=True)
class BoardRow:
    """One thread as the board shows it."""

    id: str
    short: str
    title: str
    fragments: int
    origins: int | None
    """Independent origins; None (withheld) when a member is hidden from the reader."""
    likelihood: str = "not assessed"
    probability: float = 0.0
    probability_range: str = ""
    confidence: str = ""
    harm: str = ""
    imminence: str = ""
    window_end: str | None = None
    """Last day of the nearest open window (a countdown), if any."""
    lapsed: list[str] = field(default_factory=list)
    """End days of windows that lapsed (shown as markers, never as reassurance)."""
    cases: int = 0
    alarms: int | None = None
    updated: Any = ""
    """When fusion last changed the thread (a datetime until formatted for display)."""
    marking: Marking | None = None
    partial: bool = False
    """A member is hidden from the reader: counts are over the rest, judgements withheld."""

    @property
    def days_left(self) -> int | None:
        if not self.window_end:
            return None
        return (date.fromisoformat(self.window_end[:10]) - datetime.now(UTC).date()).days


def short_id(thread_id: str) -> str:
    """The block analysts type: first block of a (public) thread id's uuid."""
    return thread_id.split("--", 1)[-1].split("-", 1)[0]


def _latest(conn: Connection, with_payload: bool) -> Any:
    """The latest assessment version per thread: the ranking columns, or whole rows.

    The payload of a big thread runs to tens of kilobytes; parsing every one
    to rank thousands of threads would dominate the page, so the two numbers
    ranking needs are pulled out of the JSON by the database.
    """
    latest = (select(S.Assessment.thread_id, func.max(S.Assessment.version).label("v"))
              .group_by(S.Assessment.thread_id).subquery())
    cols: list[Any] = [S.Assessment.thread_id, S.Assessment.likelihood, S.Assessment.confidence,
                       S.Assessment.payload["probability"].as_float().label("p"),
                       S.Assessment.payload["harm"]["primary"].as_string().label("harm")]
    if with_payload:
        cols = [S.Assessment]
    return (select(*cols)
            .join(latest, (latest.c.thread_id == S.Assessment.thread_id)
                  & (latest.c.v == S.Assessment.version)))


def _payloads(conn: Connection, ids: list[str]) -> dict[str, Any]:
    """The latest assessment row of each of ``ids`` (a page's worth, by primary lookups)."""
    if not ids:
        return {}
    q = (select(S.Assessment).where(S.Assessment.thread_id.in_(ids))
         .order_by(S.Assessment.thread_id, S.Assessment.version))
    with Session(bind=conn) as session:
        return {a.thread_id: a for a in session.execute(q).scalars()}  # last version wins


def open_cases(conn: Connection) -> dict[str, int]:
    """Open duty-to-warn cases per thread."""
    out: dict[str, int] = defaultdict(int)
    for tid, st in conn.execute(select(S.Warning.thread_id, S.Warning.state)):
        if tid and st not in CLOSED_CASE_STATES:
            out[tid] += 1
    return out


def _apply_assessment(row: BoardRow, a: Any) -> None:
    p = a.payload or {}
    row.likelihood, row.confidence = a.likelihood, a.confidence
    row.probability = float(p.get("probability") or 0.0)
    row.probability_range = str(p.get("probability_range") or "")
    row.harm = humanize((p.get("harm") or {}).get("primary"))
    imm = p.get("imminence") or {}
    row.imminence = humanize(imm.get("level"))
    opened = sorted(w.get("end") or "" for w in imm.get("open_windows") or [] if w.get("end"))
    row.window_end = opened[0] if opened else None
    row.lapsed = sorted(w.get("end") or "" for w in imm.get("lapsed_windows") or [])[-3:]
    cred = p.get("credibility") or {}
    if cred.get("independent_origins") is not None:
        row.origins = int(cred["independent_origins"])


@dataclass(frozen=True, slots=True)
class BoardFilter:
    """What the board's filter form asks for."""

    q: str = ""
    min_probability: float = 0.0
    harm: str = ""
    only_open_windows: bool = False
    limit: int = 50


class _Candidate:
    """One open thread's ranking data as plain attributes (SQL rows are slow to read
    field by field, and the board reads thousands of them per request)."""

    __slots__ = ("confidence", "fragments", "harm", "id", "likelihood", "origins", "p",
                 "sort_key", "title")

    def __init__(self, tid: str, title: str, fragments: Any, origins: Any, likelihood: Any,
                 confidence: Any, p: Any, harm: Any) -> None:
        self.id, self.title, self.likelihood, self.confidence = tid, title, likelihood, confidence
        self.fragments, self.origins = int(fragments or 0), int(origins or 0)
        self.p, self.harm = float(p or 0.0), humanize(harm)
        self.sort_key = (-self.p, -_CONFIDENCE_RANK.get(confidence or "", -1), -self.origins,
                         -self.fragments, tid)


def _candidates(conn: Connection) -> list[_Candidate]:
    """Open threads with their counts and latest judgement, in one query, no JSON parsing.

    Kept until fusion runs or an assessment version is appended (two indexed reads decide).
    """
    # Threads change only through fusion (state_key), judgements by appending versions.
    key = (state_key(conn), conn.execute(select(func.max(S.Assessment.id))).scalar(),
           str(conn.engine.url))
    hit = _candidate_cache.get(key)
    if hit is not None:
        return hit
    latest = _latest(conn, False).subquery()
    rows = [_Candidate(*r) for r in conn.execute(
        select(S.Thread.id, S.Thread.title,
               S.Thread.state["fragments"].as_integer().label("fragments"),
               S.Thread.state["independent_origins"].as_integer().label("origins"),
               latest.c.likelihood, latest.c.confidence, latest.c.p, latest.c.harm)
        .outerjoin(latest, latest.c.thread_id == S.Thread.id)
        .where(S.Thread.status == "open"))]
    _candidate_cache.clear()
    _candidate_cache[key] = rows
    return rows


def visible_threads(conn: Connection, principal: Principal, engine_id: int) -> dict[str, Marking]:
    """The threads ``principal`` may see, with their markings (memoised with the markings)."""
    markings = thread_markings(conn, engine_id)
    key = (principal.kind, principal.id, principal.tier, principal.clearance,
           principal.compartments, id(markings))
    hit = _visible_cache.get(key)
    if hit is None:
        if len(_visible_cache) > 256:
            _visible_cache.clear()
        hit = _visible_cache[key] = {t: m for t, m in markings.items() if decide(principal, m)}
    return hit


def board_rows(conn: Connection, principal: Principal, engine_id: int,
               f: BoardFilter) -> tuple[list[BoardRow], int]:
    """Visible open threads matching ``f``, riskiest first; also how many matched."""
    visible = visible_threads(conn, principal, engine_id)
    harm = humanize(f.harm)
    lowered = (f.q or "").lower()
    public = public_thread_ids(conn, list(visible))
    picked = [t for t in _candidates(conn) if t.id in visible
              and t.p >= f.min_probability and (not harm or t.harm == harm)
              and (not lowered or lowered in (t.title or "").lower()
                   or f.q in public[t.id])]
    picked.sort(key=lambda t: t.sort_key)
    if f.only_open_windows:  # needs the windows: read payloads, but only of the candidates
        rows = [_row(t, visible[t.id], public[t.id]) for t in picked]
        _fill(conn, rows)
        rows = [r for r in rows if r.window_end]
        return _cut_to_visible(conn, principal, rows[: f.limit]), len(rows)
    shown = [_row(t, visible[t.id], public[t.id]) for t in picked[: f.limit]]
    _fill(conn, shown)
    return _cut_to_visible(conn, principal, shown), len(picked)


def _cut_to_visible(conn: Connection, principal: Principal,
                    rows: list[BoardRow]) -> list[BoardRow]:
    """Judge each member of the page's threads afresh; redraw rows that hide one.

    The thread markings behind ``visible_threads`` are memoised until fusion
    or the releases move, so a member re-marked in between (a correction)
    can be hidden from a reader who still sees its thread. Such a row shows
    the fragment count and title of the visible members only; the stored
    origin count, the assessment and the alarms, which every member fed, are
    withheld, as on the thread page. One query over the page's members.
    """
    ids = [r.id for r in rows]
    if not ids:
        return rows
    q = (select(S.ThreadMember.thread_id, S.Report.id, S.Report.stix_id, S.Report.tlp,
                S.Report.classification, S.Report.releasability, S.Report.caveats,
                S.Report.category, S.Report.title)
         .join(S.Report, S.Report.id == S.ThreadMember.report_id)
         .where(S.ThreadMember.thread_id.in_(ids))
         .order_by(S.ThreadMember.added_at, S.ThreadMember.report_id))
    members = conn.execute(q).all()
    index = load_index(conn, [i for m in members for i in (m.id, m.stix_id) if i])
    seen: dict[str, list[Any]] = defaultdict(list)
    hidden: set[str] = set()
    for m in members:
        if decide(principal, marking_for_report(m, index)):
            seen[m.thread_id].append(m)
        else:
            hidden.add(m.thread_id)
    if not hidden:
        return rows
    titles = titles_over(conn, {t: [m.id for m in seen[t]] for t in hidden},
                         {m.id: m.title for t in hidden for m in seen[t]})
    for r in rows:
        if r.id in hidden:
            fresh = BoardRow(r.id, r.short, titles[r.id], len(seen[r.id]), None,
                             likelihood="withheld", marking=r.marking, partial=True,
                             cases=r.cases, updated=r.updated)
            rows[rows.index(r)] = fresh
    return rows


def _row(t: _Candidate, m: Marking, public: str) -> BoardRow:
    r = BoardRow(t.id, short_id(public), t.title, t.fragments, t.origins, marking=m)
    if t.likelihood is not None:
        r.likelihood, r.confidence, r.probability, r.harm = t.likelihood, t.confidence, t.p, t.harm
    return r


def _fill(conn: Connection, rows: list[BoardRow]) -> None:
    """What only the full assessment and the cases tell, for the rows on the page."""
    ids = [r.id for r in rows]
    full = _payloads(conn, ids)
    cases = open_cases(conn)
    updated = {t: at for t, at in conn.execute(select(S.Thread.id, S.Thread.updated_at)
                                               .where(S.Thread.id.in_(ids)))} if ids else {}
    for r in rows:
        if r.id in full:
            _apply_assessment(r, full[r.id])
        r.cases = cases.get(r.id, 0)
        r.updated = _when(updated.get(r.id))


def _when(value: Any) -> str:
    return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else str(value or "")


def store_counts(conn: Connection) -> dict[str, Any]:
    """What the board polls for: how many fragments exist and were fused, the newest."""
    n = conn.execute(select(func.count()).select_from(S.Report)).scalar() or 0
    newest = conn.execute(select(func.max(S.Report.received_at))).scalar()
    key = state_key(conn)
    return {"fragments": int(n), "fused": key[1] if key else 0,
            "newest": newest.isoformat() if newest else None,
            "cases": sum(open_cases(conn).values())}
