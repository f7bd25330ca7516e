"""Each warning's life, for the thread's look-back: trigger, decisions, deliveries, responses.

Read from the appended events only, so the retrospective shows what was
decided and sent when, by whom — including lapsed windows (review tasks) and
renewals (a draft after delivery) — and never a reconstruction.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from tearline.store import schema as S
from tearline.warn.store import Case, load_case

__all__ = ["life_lines", "retro_section", "thread_alarms"]

_LABEL = {"open": "trigger", "review": "review", "waive": "waiver", "approve": "decision",
          "draft": "draft", "sanitize": "sanitized", "release": "release",
          "deliver": "delivery", "ack": "acknowledgement", "respond": "response",
          "followup": "follow-up", "review_task": "window lapsed", "close": "closed",
          "reopen": "reopened"}


def _detail(e: dict[str, Any]) -> str:
    d: dict[str, Any] = e["detail"]
    act = e["action"]
    if act == "open":
        how = "automatic" if d.get("automatic") else "by hand"
        return f"{how}, assessment v{d.get('assessment_version')}"
    if act == "waive":
        return f"justification {d.get('justification')}: {d.get('reason')}"
    if act == "deliver":
        return (f"{d.get('channel')} to {d.get('recipient')}, "
                f"sha256 {str(d.get('sha256'))[:12]}")
    if act == "respond":
        return f"{d.get('recipient')} {d.get('response')}: \"{d.get('text')}\""
    if act == "followup":
        if d.get("answers"):
            return f"answer to #{d['answers']}"
        return (f"#{e['id']} {d.get('direction')} {d.get('party')}, "
                f"due {str(d.get('deadline'))[:16]}")
    if act == "close":
        return f"outcome {d.get('outcome')}: {d.get('reason')}"
    if act == "review_task":
        return f"window ended {str(d.get('window_end'))[:16]}"
    return str(d.get("reason") or "")


def life_lines(case: Case) -> list[str]:
    """One line per event: when, what, who, and the detail that matters for that event."""
    out = []
    delivered = False
    for e in case.events:
        what = _LABEL.get(e["action"], e["action"])
        if e["action"] == "draft" and delivered:
            what = "renewal"
        delivered = delivered or e["action"] == "deliver"
        out.append(f"- {e['at'][:16]} **{what}** by {e['actor']}: {_detail(e)}")
    return out


def retro_section(engine: Engine, thread_id: str) -> str:
    """The Markdown section the retrospective adds for the thread's case, if any."""
    with engine.connect() as conn:
        wid = conn.execute(select(S.Warning.id).where(S.Warning.thread_id == thread_id)).scalar()
        case = load_case(conn, wid) if wid else None
    if case is None:
        return ""
    head = f"## Duty to warn: case {case.short} ({case.state.value.replace('_', ' ')})"
    return "\n".join([head, "", *life_lines(case)]) + "\n"


def thread_alarms(engine: Engine, thread_id: str, at: datetime | None) -> list[dict[str, Any]]:
    """The alarms the thread's case raises (for ``tearline alarms``), as of ``at``."""
    from tearline.warn.alarms import case_alarms

    with engine.connect() as conn:
        wid = conn.execute(select(S.Warning.id).where(S.Warning.thread_id == thread_id)).scalar()
        case = load_case(conn, wid) if wid else None
    return case_alarms(case, at) if case else []
