"""The duty-to-warn workflow: every action on a case, checked, recorded, audited.

Each function takes an open connection (the caller's transaction), the case
reference and the acting principal (anything with ``id`` and ``roles``), and
either moves the case through ``states.TRANSITIONS`` or refuses with a
``CaseError`` before writing anything, so a refusal changes nothing. Who may
act is checked here, once, for the CLI and the REST API alike:

* approving or waiving needs the ``approver`` role and someone other than the
  reviewer who drafted the proposal; releasing needs an approver other than
  the author of the final draft (no one approves their own draft);
* a waiver needs one of the configured ICD 191 justifications and a rationale.

The sharing layer is above this one (it imports the sanitizer), so a release
to partners is recorded through ``release_fn``, which the interface passes in
(``share.releases.record_release``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any, Protocol

from sqlalchemy import Connection, select

from tearline.store import schema as S
from tearline.warn.config import WarnConfig, load_warn_config
from tearline.warn.sanitize import sanitize
from tearline.warn.states import Action, CaseError, CaseState, next_state
from tearline.warn.store import (
    RELEASE_MARKING,
    Case,
    append_event,
    case_id_for,
    find_case,
    load_case,
    save_case,
    thread_facts,
    thread_marking,
    thread_sensitive,
)
from tearline.warn.trigger import PUBLIC, evaluate, propose_recipients

__all__ = ["Actor", "ReleaseFn", "approve", "close", "draft", "open_case", "release",
           "review", "sanitize_case", "transition", "waive"]

#: How a release to one partner is recorded: (conn, object id, partner code, approver, reason).
ReleaseFn = Callable[[Connection, str, str, str, str], Any]
OUTCOMES = ("averted", "occurred", "no_incident", "superseded", "other")


class Actor(Protocol):
    """Who acts: a principal's id and roles are all the workflow reads."""

    @property
    def id(self) -> str: ...

    @property
    def roles(self) -> frozenset[str]: ...


def _need(actor: Actor, *roles: str) -> None:
    if not set(roles) & set(actor.roles):
        raise CaseError(f"{actor.id!r} may not do this: it needs the role "
                        f"{' or '.join(repr(r) for r in roles)}, and has "
                        f"{sorted(actor.roles) or 'none'}")


def _now(now: datetime | None) -> datetime:
    return now or datetime.now(UTC)


def transition(conn: Connection, case: Case, action: Action, actor: str, now: datetime,
               **detail: Any) -> Case:
    """Move the case (refusing an illegal move before any write) and record the event."""
    before = case.state
    after = next_state(before, action)
    case.state, case.updated_at = after, now
    save_case(conn, case)
    append_event(conn, case, action.value, actor, now, from_state=before.value,
                 to_state=after.value, **detail)
    return case


def _latest_assessment(conn: Connection, thread_id: str) -> tuple[int, dict[str, Any]] | None:
    row = conn.execute(select(S.Assessment.version, S.Assessment.payload)
                       .where(S.Assessment.thread_id == thread_id)
                       .order_by(S.Assessment.version.desc()).limit(1)).first()
    return (int(row.version), dict(row.payload or {})) if row else None


def _partners(conn: Connection) -> list[dict[str, Any]]:
    return [dict(r._mapping) for r in conn.execute(
        select(S.Partner.code, S.Partner.name, S.Partner.country, S.Partner.tier))]


def open_case(conn: Connection, thread_id: str, actor: str, *, automatic: bool,
              reason: str | None = None, now: datetime | None = None,
              config: WarnConfig | None = None,
              latest: tuple[int, dict[str, Any]] | None = None,
              partners: list[dict[str, Any]] | None = None) -> Case:
    """Open the thread's case (once per thread), linked to its latest assessment version.

    ``latest`` (version, payload) and ``partners`` are the thread's latest
    assessment and the partner list when the caller read them already (the
    warning scan reads them for every thread of a fuse at once); otherwise
    they are read here.
    """
    cfg = config or load_warn_config()
    when = _now(now)
    existing = load_case(conn, case_id_for(thread_id))
    if existing is not None:
        raise CaseError(f"thread {thread_id} already has case {existing.short} "
                        f"({existing.state.value.replace('_', ' ')}); act on that case")
    if latest is None:
        latest = _latest_assessment(conn, thread_id)
    if latest is None:
        raise CaseError(f"thread {thread_id!r} has no stored assessment; run "
                        "`tearline fuse` (or `tearline assess THREAD`) first")
    version, payload = latest
    result = evaluate(payload, cfg)
    facts = thread_facts(conn, payload)
    recipients = propose_recipients(facts, _partners(conn) if partners is None else partners, cfg)
    # The case file is marked like the most restrictive of the reporting it is
    # built from; the sanitized text that leaves carries its own release marking.
    case = Case(case_id_for(thread_id), thread_id, CaseState.IDENTIFIED, when, when, {
        **thread_marking(conn, thread_id), "marked_from": "thread members",
        "release_marking": dict(RELEASE_MARKING),
        "trigger": {"kind": "automatic" if automatic else "manual",
                    "assessment_version": version, **result.to_dict()},
        "recipients": recipients,
        "window": {"start": facts.window_start.isoformat() if facts.window_start else None,
                   "end": facts.window_end.isoformat() if facts.window_end else None},
        "decide_by": None,
    })
    hours = float(cfg.deadlines.get("decide_within_hours", 24))
    case.payload["decide_by"] = datetime.fromtimestamp(when.timestamp() + hours * 3600,
                                                       UTC).isoformat()
    save_case(conn, case, new=True)
    append_event(conn, case, "open", actor, when, to_state=case.state.value,
                 automatic=automatic, assessment_version=version,
                 reason=reason or ("; ".join(result.reasons)),
                 recipients=[r["code"] for r in recipients])
    return case


def _add_recipients(conn: Connection, case: Case, codes: Iterable[str]) -> list[str]:
    known = {p["code"]: p for p in _partners(conn)}
    mine = {r["code"] for r in case.payload.get("recipients", [])}
    added = []
    for code in codes:
        if code == PUBLIC:
            entry = {"code": PUBLIC, "kind": "public", "name": "the public", "tier": "public",
                     "why": "added by the reviewer"}
        elif code in known:
            p = known[code]
            entry = {"code": code, "kind": "partner", "name": p["name"], "tier": p["tier"],
                     "why": "added by the reviewer"}
        else:
            raise CaseError(f"no partner with code {code!r}; list partners with "
                            "`tearline partners list` (or use PUBLIC)")
        if code not in mine:
            # A recipient receives the sanitized release, never the case file, so
            # naming one does not widen the case file's REL TO.
            case.payload.setdefault("recipients", []).append(entry)
            mine.add(code)
            added.append(code)
    return added


def review(conn: Connection, ref: str, actor: Actor, *, note: str,
           proposal: str | None = None, add_recipients: Iterable[str] = (),
           now: datetime | None = None) -> Case:
    """Start the review (the reviewer drafts the proposal), or record a review note later.

    The reviewer may add recipients (a partner code, whatever its tier, or
    PUBLIC) before the case is released. A review after delivery resolves the
    open review tasks (a lapsed window).
    """
    _need(actor, "analyst", "approver")
    case = find_case(conn, ref)
    next_state(case.state, Action.REVIEW)
    if not note.strip():
        raise CaseError("a review needs a note saying what was reviewed (--note)")
    codes = list(add_recipients)
    if codes and case.state not in (CaseState.IDENTIFIED, CaseState.UNDER_REVIEW,
                                    CaseState.APPROVED):
        raise CaseError("recipients can only be added before drafting; this case is "
                        f"{case.state.value.replace('_', ' ')}")
    added = _add_recipients(conn, case, codes)
    if case.state is CaseState.IDENTIFIED:
        case.payload["reviewer"] = actor.id
        case.payload["proposal"] = proposal or ""
    tasks = [e["id"] for e in case.events if e["action"] == "review_task"
             and not any(d["action"] == "review" and d["detail"].get("resolves") and
                         e["id"] in d["detail"]["resolves"] for d in case.events)]
    return transition(conn, case, Action.REVIEW, actor.id, _now(now), reason=note,
                      resolves=tasks, added_recipients=added)


def _not_drafter(case: Case, actor: Actor, key: str, what: str) -> None:
    author = case.payload.get(key)
    if author and author == actor.id:
        raise CaseError(f"{actor.id!r} {what} and may not approve it too; another approver "
                        "must decide")


def waive(conn: Connection, ref: str, actor: Actor, *, justification: str, rationale: str,
          now: datetime | None = None, config: WarnConfig | None = None) -> Case:
    """Waive the duty to warn: an enumerated justification, a rationale, a second person."""
    cfg = config or load_warn_config()
    case = find_case(conn, ref)
    next_state(case.state, Action.WAIVE)
    allowed = cfg.justifications
    if justification not in allowed:
        raise CaseError(f"{justification!r} is not an ICD 191 waiver justification; use one "
                        f"of: {', '.join(allowed)}")
    if not rationale.strip():
        raise CaseError("a waiver needs a written rationale (--rationale)")
    _need(actor, "approver")
    _not_drafter(case, actor, "reviewer", "drafted the proposal")
    case.payload["waiver"] = {"justification": justification, "wording": allowed[justification],
                              "rationale": rationale, "approved_by": actor.id}
    return transition(conn, case, Action.WAIVE, actor.id, _now(now), reason=rationale,
                      justification=justification)


def approve(conn: Connection, ref: str, actor: Actor, *, reason: str,
            now: datetime | None = None) -> Case:
    """Decide to warn; the approver is not the reviewer who drafted the proposal."""
    case = find_case(conn, ref)
    next_state(case.state, Action.APPROVE)
    _need(actor, "approver")
    _not_drafter(case, actor, "reviewer", "drafted the proposal")
    case.payload["approved_by"] = actor.id
    return transition(conn, case, Action.APPROVE, actor.id, _now(now), reason=reason)


def draft(conn: Connection, ref: str, actor: Actor, *, text: str, instruction: str,
          window_start: datetime | None = None, window_end: datetime | None = None,
          now: datetime | None = None) -> Case:
    """Write (or renew) the warning's wording and window; it must be sanitized again."""
    _need(actor, "analyst", "approver")
    case = find_case(conn, ref)
    renewal = case.state in (CaseState.DELIVERED, CaseState.ACKNOWLEDGED, CaseState.FOLLOW_UP)
    next_state(case.state, Action.DRAFT)
    if not instruction.strip():
        raise CaseError("a warning needs an instruction for the recipient (--instruction)")
    window = dict(case.payload.get("window") or {})
    if window_start:
        window["start"] = window_start.isoformat()
    if window_end:
        window["end"] = window_end.isoformat()
    case.payload.update({"draft": {"text": text, "instruction": instruction, "by": actor.id},
                         "drafted_by": actor.id, "window": window})
    case.payload.pop("sanitized", None)
    case.payload.pop("tearline", None)
    return transition(conn, case, Action.DRAFT, actor.id, _now(now),
                      reason="renewal" if renewal else "draft", window=window)


def _window_dt(case: Case, key: str) -> datetime | None:
    value = (case.payload.get("window") or {}).get(key)
    return datetime.fromisoformat(value) if value else None


def sanitize_case(conn: Connection, ref: str, actor: Actor, *, now: datetime | None = None,
                  config: WarnConfig | None = None) -> Case:
    """Run the sanitizer for every proposed recipient; keep each result and its removals."""
    cfg = config or load_warn_config()
    _need(actor, "analyst", "approver")
    case = find_case(conn, ref)
    next_state(case.state, Action.SANITIZE)
    if not case.thread_id:
        raise CaseError(f"case {case.short} has no thread to sanitize from")
    version = int(case.payload["trigger"]["assessment_version"])
    latest = _latest_assessment(conn, case.thread_id)
    payload = latest[1] if latest else {}
    sender = str(cfg.recipients.get("sender_name"))
    facts = thread_facts(conn, payload)
    from dataclasses import replace

    facts = replace(facts, window_start=_window_dt(case, "start") or facts.window_start,
                    window_end=_window_dt(case, "end") or facts.window_end)
    sensitive = thread_sensitive(conn, case.thread_id, sender)
    d = case.payload.get("draft") or {}
    results: dict[str, Any] = {}
    for r in case.payload.get("recipients") or [{"code": PUBLIC, "tier": "public"}]:
        tier = str(r.get("tier") or "warning-only")
        results[r["code"]] = sanitize(facts, sensitive, tier, draft=d.get("text", ""),
                                      instruction=d.get("instruction", ""), sender=sender,
                                      config=cfg).to_dict()
    case.payload["sanitized"] = results
    case.payload["tearline"] = {code: {k: v for k, v in s.items() if k != "removals"}
                                for code, s in results.items()}
    removed = sum(len(s["removals"]) for s in results.values())
    return transition(conn, case, Action.SANITIZE, actor.id, _now(now),
                      reason=f"{removed} removal(s) or generalization(s)",
                      assessment_version=version, recipients=sorted(results))


def release(conn: Connection, ref: str, actor: Actor, *, reason: str, release_fn: ReleaseFn,
            now: datetime | None = None) -> Case:
    """Approve the sanitized text for release; record a release to each partner recipient."""
    case = find_case(conn, ref)
    next_state(case.state, Action.RELEASE)
    _need(actor, "approver")
    _not_drafter(case, actor, "drafted_by", "wrote this draft")
    partners = [r["code"] for r in case.payload.get("recipients", []) if r["kind"] == "partner"]
    for code in partners:
        release_fn(conn, case.id, code, actor.id, reason)
    case.payload["released_by"] = actor.id
    return transition(conn, case, Action.RELEASE, actor.id, _now(now), reason=reason,
                      partners=partners)


def close(conn: Connection, ref: str, actor: Actor, *, outcome: str, reason: str,
          now: datetime | None = None) -> Case:
    """Close with an outcome; never from an undecided case."""
    _need(actor, "analyst", "approver")
    case = find_case(conn, ref)
    next_state(case.state, Action.CLOSE)
    if outcome not in OUTCOMES:
        raise CaseError(f"{outcome!r} is not an outcome; use one of: {', '.join(OUTCOMES)}")
    if not reason.strip():
        raise CaseError("closing needs a reason (--reason)")
    latest = _latest_assessment(conn, case.thread_id) if case.thread_id else None
    case.payload["outcome"] = {"kind": outcome, "reason": reason, "by": actor.id,
                               "probability": float(latest[1].get("probability", 0.0))
                               if latest else None}
    return transition(conn, case, Action.CLOSE, actor.id, _now(now), reason=reason,
                      outcome=outcome)


def recipients_of(case: Case, codes: Iterable[str] | None = None) -> list[dict[str, Any]]:
    """The case's recipients, optionally only those named (refusing unknown codes)."""
    mine = {r["code"]: r for r in case.payload.get("recipients", [])}
    if codes is None:
        return list(mine.values())
    out = []
    for c in codes:
        if c not in mine:
            raise CaseError(f"{c!r} is not a recipient of case {case.short}; its recipients "
                            f"are: {', '.join(mine) or 'none'}")
        out.append(mine[c])
    return out
