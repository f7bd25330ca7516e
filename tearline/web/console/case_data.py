"""What the duty-to-warn case pages show, read from the workflow's own records.

A case page is built from ``warn.store`` (the case row and its appended
events), ``warn.alarms`` (what is overdue) and ``warn.states`` (what may come
next), so the console shows exactly what ``tearline warn show`` and
``/api/v1/warnings`` know; nothing here decides a transition.

Who may see a case. A case file is derived from its thread (the facts the
sanitizer works from are the thread's actors, places and window) and may be
rendered as STIX under its own id (the delivered bundle). So the page is
marked as the most restrictive of three things (``case_marking``): the case's
own marking (``releases.marking_for_warning``), every stored STIX version
under the case id, and every member of its thread. A user who may not see all
of them does not see the case at all — the same "no such case" answer as for
an id that does not exist. This is stricter than the REST list while the warn
stage's own case markings are being filled in (``marking_for_warning`` still
reads only the payload), and never looser.

The side-by-side view pairs the *original* (the analyst's draft and
instruction, and the thread facts at full precision, recomputed with
``warn.store.thread_facts`` exactly as ``workflow.sanitize_case`` does) with
the *releasable* text kept for each recipient, and lists every removal and
generalization with the sanitizer's own reason.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select

from tearline.share.policy import Marking, Principal, decide
from tearline.share.releases import (
    ReleaseIndex,
    combine_markings,
    load_index,
    marking_for_report,
    marking_for_stix_row,
    marking_for_warning,
)
from tearline.store import schema as S
from tearline.warn.alarms import case_alarms
from tearline.warn.config import load_warn_config
from tearline.warn.delivery import CHANNELS, RESPONSES
from tearline.warn.sanitize import Facts
from tearline.warn.states import Action, CaseState, allowed_actions
from tearline.warn.store import Case, load_events, thread_facts
from tearline.warn.trigger import PUBLIC
from tearline.warn.workflow import OUTCOMES

__all__ = ["CaseRow", "CaseView", "case_marking", "case_view", "find_visible_case",
           "visible_cases"]

#: Actions a person takes on the case page (``reopen`` is the scan's, never a form).
FORM_ACTIONS = tuple(a for a in Action if a is not Action.REOPEN)
#: The role each action needs (the workflow checks it again; this only labels the form).
NEEDS = {Action.WAIVE: "approver", Action.APPROVE: "approver", Action.RELEASE: "approver"}


def _dt(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if not value:
        return None
    try:
        dt = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def human(value: str | None) -> str:
    return (value or "").replace("_", " ")


def case_marking(conn: Connection, row: Any, index: ReleaseIndex) -> Marking:
    """The case's marking: its own, its STIX renderings' and its thread members' (worst of all)."""
    parts = [marking_for_warning(row, index)]
    parts += [marking_for_stix_row(r, index) for r in conn.execute(
        select(S.StixObject.id, S.StixObject.tlp, S.StixObject.classification,
               S.StixObject.rel_to, S.StixObject.compartments)
        .where(S.StixObject.id == row.id))]
    if row.thread_id:
        parts += [marking_for_report(r, index) for r in conn.execute(
            select(S.Report.id, S.Report.stix_id, S.Report.tlp, S.Report.classification,
                   S.Report.releasability, S.Report.caveats, S.Report.category)
            .join(S.ThreadMember, S.ThreadMember.report_id == S.Report.id)
            .where(S.ThreadMember.thread_id == row.thread_id))]
    return combine_markings(parts, released_to=index.released_to(row.id), is_warning=True)


@dataclass(frozen=True, slots=True)
class CaseRow:
    """One line of the case list."""

    id: str
    short: str
    thread_id: str | None
    thread_short: str | None
    thread_title: str | None
    state: str
    created_at: datetime
    updated_at: datetime
    marking: Marking
    next: tuple[str, ...]
    alarms: int


def _short_thread(conn: Connection, tid: str | None) -> str | None:
    """The short public id of the case's thread (never its opening report's id)."""
    from tearline.fusion.query import public_thread_id, short_id

    return short_id(public_thread_id(conn, tid)) if tid else None


def _case_of(row: Any, events: list[dict[str, Any]]) -> Case | None:
    """The workflow's ``Case`` for a row it wrote (None for a state it does not know)."""
    if row.state not in {s.value for s in CaseState}:
        return None
    return Case(row.id, row.thread_id, CaseState(row.state), row.created_at, row.updated_at,
                dict(row.payload or {}), events)


def visible_cases(conn: Connection, principal: Principal,
                  now: datetime | None = None) -> list[CaseRow]:
    """Every case ``principal`` may see, newest change first."""
    rows = conn.execute(select(S.Warning).order_by(S.Warning.updated_at.desc(),
                                                   S.Warning.id)).all()
    if not rows:
        return []
    index = load_index(conn, [r.id for r in rows])
    titles = dict(conn.execute(select(S.Thread.id, S.Thread.title).where(
        S.Thread.id.in_({r.thread_id for r in rows if r.thread_id}))).all())
    out = []
    for r in rows:
        marking = case_marking(conn, r, index)
        if not decide(principal, marking):
            continue
        case = _case_of(r, load_events(conn, r.id))
        out.append(CaseRow(
            r.id, r.id.removeprefix("report--")[:8], r.thread_id, _short_thread(conn, r.thread_id),
            titles.get(r.thread_id), human(r.state), _dt(r.created_at) or r.created_at,
            _dt(r.updated_at) or r.updated_at, marking,
            tuple(a.value for a in allowed_actions(case.state) if a in FORM_ACTIONS)
            if case else (), len(case_alarms(case, now)) if case else 0))
    return out


def find_visible_case(conn: Connection, ref: str,
                      principal: Principal) -> tuple[Any, Marking] | None:
    """The case row ``ref`` names (full id, short id or thread) if ``principal`` may see it.

    Matches like ``warn.store.find_case`` but only among the cases the user may
    see, so an ambiguous or hidden reference never tells that a hidden case exists.
    """
    ref = ref.strip()
    if not ref:
        return None
    from tearline.fusion.query import public_thread_ids

    rows = conn.execute(select(S.Warning)).all()
    public = public_thread_ids(conn, [r.thread_id for r in rows if r.thread_id])
    hits = [r for r in rows if ref in (r.id, r.thread_id, public.get(r.thread_id or ""))]
    if not hits and len(ref) >= 6:
        hits = [r for r in rows if r.id.removeprefix("report--").startswith(ref)
                or (r.thread_id or "").removeprefix("thread:report--").startswith(ref)
                or public.get(r.thread_id or "", "").removeprefix("thread--").startswith(ref)]
    index = load_index(conn, [r.id for r in hits])
    seen = [(r, m) for r in hits if decide(principal, m := case_marking(conn, r, index))]
    return seen[0] if len(seen) == 1 else None


# -- one case ------------------------------------------------------------------------------
@dataclass(slots=True)
class Side:
    """The sanitized warning for one recipient next to what it was made from."""

    code: str
    name: str
    tier: str
    kind: str
    headline: str
    text: str
    instruction: str
    facets: list[tuple[str, str]]
    removals: list[dict[str, str]]


@dataclass(slots=True)
class CaseView:
    """Everything the case page renders."""

    id: str
    short: str
    thread_id: str | None
    thread_short: str | None
    thread_title: str | None
    state: str
    state_key: str
    created_at: datetime
    updated_at: datetime
    marking: Marking
    payload: dict[str, Any]
    events: list[dict[str, Any]]
    alarms: list[dict[str, Any]]
    next: list[str]
    recipients: list[dict[str, Any]]
    partner_recipients: list[dict[str, Any]]
    original: dict[str, Any] | None
    sides: list[Side]
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    acks: list[dict[str, Any]] = field(default_factory=list)
    responses: list[dict[str, Any]] = field(default_factory=list)
    followups: list[dict[str, Any]] = field(default_factory=list)
    open_followups: list[dict[str, Any]] = field(default_factory=list)
    justifications: dict[str, str] = field(default_factory=dict)
    partners: list[dict[str, Any]] = field(default_factory=list)
    outcomes: tuple[str, ...] = OUTCOMES
    responses_allowed: tuple[str, ...] = RESPONSES
    channels: tuple[str, ...] = CHANNELS
    needs: dict[str, str] = field(default_factory=lambda: {a.value: r for a, r in NEEDS.items()})

    @property
    def waiver(self) -> dict[str, Any] | None:
        w = self.payload.get("waiver")
        return w if isinstance(w, dict) else None


def _facets_text(facets: dict[str, Any]) -> list[tuple[str, str]]:
    out = []
    for key in ("harm", "actor", "city", "country", "target_type", "modality", "window"):
        value = facets.get(key)
        if isinstance(value, dict):
            shown = " → ".join(str(value[k]) for k in ("start", "end") if value.get(k))
        elif isinstance(value, list | tuple):
            shown = ", ".join(human(str(v)) for v in value)
        else:
            shown = human(str(value)) if value else ""
        out.append((human(key), shown or "—"))
    return out


def _original_facts(conn: Connection, case: Case) -> Facts | None:
    """The thread facts at full precision, as the sanitizer was given them."""
    if not case.thread_id:
        return None
    row = conn.execute(select(S.Assessment.payload).where(S.Assessment.thread_id ==
                                                          case.thread_id)
                       .order_by(S.Assessment.version.desc()).limit(1)).first()
    if row is None:
        return None
    facts = thread_facts(conn, dict(row.payload or {}))
    window = case.payload.get("window") or {}
    start, end = _dt(window.get("start")), _dt(window.get("end"))
    return Facts(facts.harm, facts.actors, facts.cities, facts.country, facts.venue_types,
                 facts.modalities, start or facts.window_start, end or facts.window_end)


def _original(conn: Connection, case: Case) -> dict[str, Any] | None:
    draft = case.payload.get("draft") or {}
    facts = _original_facts(conn, case)
    if not draft and facts is None:
        return None
    rows: list[tuple[str, str]] = []
    if facts is not None:
        fmt = "%Y-%m-%d %H:%M UTC"
        window = " → ".join(d.strftime(fmt) for d in (facts.window_start, facts.window_end)
                            if d is not None)
        rows = [("harm", human(facts.harm)), ("actor", ", ".join(facts.actors) or "—"),
                ("city", ", ".join(facts.cities) or "—"), ("country", facts.country or "—"),
                ("target type", ", ".join(human(v) for v in facts.venue_types) or "—"),
                ("modality", ", ".join(human(m) for m in facts.modalities) or "—"),
                ("window", window or "—")]
    return {"text": str(draft.get("text") or ""), "instruction": str(draft.get("instruction")
                                                                     or ""),
            "by": draft.get("by"), "facets": rows}


def _sides(case: Case) -> list[Side]:
    sanitized = case.payload.get("sanitized") or {}
    who = {r.get("code"): r for r in case.payload.get("recipients") or []}
    out = []
    for code in sorted(sanitized):
        s = sanitized[code] or {}
        r = who.get(code) or {}
        out.append(Side(code, str(r.get("name") or code), str(s.get("tier") or r.get("tier")),
                        str(r.get("kind") or ("public" if code == PUBLIC else "partner")),
                        str(s.get("headline") or ""), str(s.get("text") or ""),
                        str(s.get("instruction") or ""), _facets_text(s.get("facets") or {}),
                        [dict(x) for x in s.get("removals") or []]))
    return out


def _after_delivery(view: CaseView, now: datetime) -> None:
    answered = {e["detail"].get("answers") for e in view.events if e["action"] == "followup"}
    for e in view.events:
        d = e["detail"]
        if e["action"] == "deliver":
            view.deliveries.append({"at": e["at"], "channel": d.get("channel"),
                                    "recipient": d.get("recipient"), "sha256": d.get("sha256"),
                                    "by": e["actor"], "files": d.get("files") or []})
        elif e["action"] == "ack":
            view.acks.append({"at": e["at"], "recipient": d.get("recipient"),
                              "note": d.get("reason"), "by": e["actor"]})
        elif e["action"] == "respond":
            view.responses.append({"at": e["at"], "recipient": d.get("recipient"),
                                   "kind": d.get("response"), "text": d.get("text"),
                                   "by": e["actor"]})
        elif e["action"] == "followup":
            deadline = _dt(d.get("deadline"))
            is_answer = d.get("answers") is not None
            open_ = not is_answer and e["id"] not in answered
            item = {"id": e["id"], "at": e["at"], "direction": d.get("direction"),
                    "party": d.get("party"), "text": d.get("text"), "deadline": deadline,
                    "answers": d.get("answers"), "open": open_, "by": e["actor"],
                    "overdue": bool(open_ and deadline is not None and deadline < now)}
            view.followups.append(item)
            if open_:
                view.open_followups.append(item)


def case_view(conn: Connection, row: Any, marking: Marking,
              now: datetime | None = None) -> CaseView:
    """The whole page for one case the viewer may see (``find_visible_case``)."""
    when = now or datetime.now(UTC)
    events = load_events(conn, row.id)
    case = _case_of(row, events)
    payload = dict(row.payload or {})
    title = None
    if row.thread_id:
        title = conn.execute(select(S.Thread.title).where(S.Thread.id == row.thread_id)).scalar()
    recipients = list(payload.get("recipients") or [])
    partners = [dict(p._mapping) for p in conn.execute(
        select(S.Partner.code, S.Partner.name, S.Partner.tier).order_by(S.Partner.code))]
    for e in events:
        e["at_dt"] = _dt(e["at"])
    view = CaseView(
        id=row.id, short=row.id.removeprefix("report--")[:8], thread_id=row.thread_id,
        thread_short=_short_thread(conn, row.thread_id), thread_title=title, state=human(row.state),
        state_key=row.state, created_at=_dt(row.created_at) or row.created_at,
        updated_at=_dt(row.updated_at) or row.updated_at, marking=marking, payload=payload,
        events=events, alarms=case_alarms(case, when) if case else [],
        next=[a.value for a in allowed_actions(case.state) if a in FORM_ACTIONS]
        if case else [],
        recipients=recipients,
        partner_recipients=[r for r in recipients if r.get("kind") == "partner"],
        original=_original(conn, case) if case else None, sides=_sides(case) if case else [],
        justifications=dict(load_warn_config().justifications), partners=partners)
    _after_delivery(view, when)
    return view
