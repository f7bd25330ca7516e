"""Alarms a case raises, computed from its events and the clock (pure).

* ``decision_overdue``: identified or under review past ``decide_by``;
* ``followup_overdue``: a follow-up request unanswered past its deadline, in
  both directions — ``out`` (the recipient owes us an answer) and ``in`` (we
  owe the recipient one);
* ``dismissal``: a recipient's response recorded as *dismissed* raises the
  assess stage's dismissal alarm (``assess.alarms.AlarmKind.DISMISSAL``),
  classified by the same cue reader as a dismissal found in a report (a
  reason that names only the sender, or none, is called out);
* ``review_task``: a lapsed warning window not yet reviewed.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from tearline.assess.alarms import Alarm, AlarmKind
from tearline.assess.cues import dismissal_reason
from tearline.warn.states import CaseState
from tearline.warn.store import Case

__all__ = ["case_alarms"]


def _dt(value: str) -> datetime:
    dt = datetime.fromisoformat(value)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


def case_alarms(case: Case, now: datetime | None = None) -> list[dict[str, Any]]:
    """Every alarm the case raises at ``now``, as dicts (kind, summary, raised_at, details)."""
    when = now or datetime.now(UTC)
    out: list[dict[str, Any]] = []
    decide_by = case.payload.get("decide_by")
    if case.state in (CaseState.IDENTIFIED, CaseState.UNDER_REVIEW) and decide_by \
            and _dt(decide_by) < when:
        out.append({"kind": "decision_overdue", "raised_at": decide_by,
                    "summary": f"case {case.short} was not decided by {decide_by[:16]}: "
                               "approve or waive it", "details": {}})
    answered = {e["detail"].get("answers") for e in case.events if e["action"] == "followup"}
    for e in case.events:
        d = e["detail"]
        if e["action"] == "followup" and not d.get("answers") and e["id"] not in answered \
                and _dt(d["deadline"]) < when:
            owes = (f"{d['party']} has not answered our follow-up" if d["direction"] == "out"
                    else f"we have not answered {d['party']}'s follow-up")
            out.append({"kind": "followup_overdue", "raised_at": d["deadline"],
                        "summary": f"{owes} #{e['id']} due {d['deadline'][:16]}",
                        "details": {"direction": d["direction"], "followup": e["id"]}})
        if e["action"] == "respond" and d.get("response") == "dismissed":
            reason = dismissal_reason(d.get("text", ""))
            why = {"sender": "only the sender's identity", "none": "no reason"}.get(
                reason, "a stated reason")
            alarm = Alarm(AlarmKind.DISMISSAL,
                          f"{d['recipient']} dismissed the warning with {why} given: "
                          f"\"{d.get('text', '')}\"", _dt(e["at"]), [],
                          {"reason": reason, "case": case.id, "thread": case.thread_id})
            out.append(alarm.to_dict())
    resolved = {t for e in case.events if e["action"] == "review"
                for t in e["detail"].get("resolves") or []}
    for e in case.events:
        if e["action"] == "review_task" and e["id"] not in resolved:
            out.append({"kind": "review_task", "raised_at": e["at"],
                        "summary": f"warning window ended {e['detail']['window_end'][:16]}: "
                                   f"review case {case.short}", "details": {"task": e["id"]}})
    return out
