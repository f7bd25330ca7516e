"""After release: delivery on each channel, acknowledgements, responses, follow-ups, and the scan.

Every delivery is an event with its time, channel, recipient and the SHA-256
of exactly what was sent. The TAXII channel stores the warning's STIX bundle
in ``stix_objects`` (its report id is the case id, released to the partner at
``release``; its actor and place objects marked as the case's facets, which
the policy lets go with it), so the partner's own TAXII client fetches it; the file channel
writes the bundle; CAP and briefing write the public alert and the printable
page.

``scan`` is the periodic job (run after every fusion): it opens cases for
threads that now meet the threshold, reopens closed or waived cases whose
threat rose, and turns a lapsed warning window into a review task — never
into a silent downgrade.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, func, select

from tearline.ingest.stix import check_object
from tearline.ingest.writer import Writer
from tearline.store import schema as S
from tearline.warn.briefing import briefing_html
from tearline.warn.briefing_pdf import briefing_pdf
from tearline.warn.cap import cap_alert, cap_html, cap_text
from tearline.warn.config import WarnConfig, load_warn_config
from tearline.warn.states import Action, CaseError, CaseState
from tearline.warn.stix import facet_ids, facet_sender, warning_bundle
from tearline.warn.store import (
    RELEASE_MARKING,
    Case,
    _case,
    _event_dict,
    append_event,
    case_id_for,
    find_case,
    list_cases,
    save_case,
    thread_marking,
    tighten_marking,
)
from tearline.warn.trigger import PUBLIC, evaluate
from tearline.warn.workflow import (
    Actor,
    _need,
    _partners,
    open_case,
    recipients_of,
    transition,
)

__all__ = ["CHANNELS", "RESPONSES", "ack", "deliver", "followup", "respond", "scan"]

CHANNELS = ("taxii", "file", "cap", "briefing")
RESPONSES = ("accepted", "disputed", "dismissed")


def _released(case: Case, code: str) -> dict[str, Any]:
    out = (case.payload.get("tearline") or {}).get(code)
    if not out:
        raise CaseError(f"case {case.short} has no sanitized text for {code}; run "
                        "`tearline warn sanitize` first")
    return dict(out)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def deliver(conn: Connection, ref: str, actor: Actor, *, channel: str, to: str,
            out: Path | None = None, now: datetime | None = None,
            config: WarnConfig | None = None) -> tuple[Case, dict[str, Any]]:
    """Deliver a released case to one recipient on one channel; returns the event."""
    cfg = config or load_warn_config()
    _need(actor, "analyst", "approver")
    case = find_case(conn, ref)
    if case.state not in (CaseState.RELEASED, CaseState.DELIVERED, CaseState.ACKNOWLEDGED,
                          CaseState.FOLLOW_UP):
        raise CaseError(f"cannot deliver case {case.short}: it is "
                        f"{case.state.value.replace('_', ' ')}, and only a released warning "
                        "(approved, drafted, sanitized, released) may be delivered")
    if channel not in CHANNELS:
        raise CaseError(f"unknown channel {channel!r}; use one of: {', '.join(CHANNELS)}")
    recipient = recipients_of(case, [to])[0]
    if channel == "taxii" and recipient["kind"] != "partner":
        raise CaseError("the TAXII channel is for partner services; deliver to the public "
                        "with --channel cap")
    if channel in ("file", "cap", "briefing") and out is None:
        raise CaseError(f"the {channel} channel writes a file: give --out PATH")
    when = now or datetime.now(UTC)
    released = _released(case, to)
    if out is not None:
        try:
            out.parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise CaseError(f"cannot write to {out.parent}: {exc.strerror}; choose another "
                            "--out") from exc
    sender = str(cfg.recipients.get("sender_name"))
    window = dict(case.payload.get("window") or {})
    # What leaves is the sanitized text, marked for release; the case file's own
    # (stricter) marking stays on the case.
    marks = {**RELEASE_MARKING, **(case.payload.get("release_marking") or {})}
    files: list[str] = []
    if channel in ("taxii", "file"):
        bundle = warning_bundle(case.id, released, sender=sender, recipient=to, modified=when,
                                created=case.created_at, tlp=str(marks["tlp"]))
        data = json.dumps(bundle, indent=1, ensure_ascii=False).encode()
        if channel == "taxii":
            writer = Writer(conn, actor.id, f"warn:{case.id}")
            rows = [check_object(o, f"objects[{i}]", "warning")
                    for i, o in enumerate(bundle["objects"])]
            # The facets are stored as this warning's (``warn.stix``): the policy
            # lets them go wherever, and only while, the warning itself may.
            facets = facet_ids(bundle)
            for r in rows:
                if r.id in facets:
                    r.sender = facet_sender(case.id)
            stored = {(r.id, r.version) for r in conn.execute(
                select(S.StixObject.id, S.StixObject.version)
                .where(S.StixObject.id.in_([r.id for r in rows])))}
            writer.add_stix([r for r in rows if (r.id, r.version) not in stored])
            writer.finish({"kind": "warning", "case": case.id, "to": to})
    elif channel == "cap":
        data = cap_alert(case.id, released, sender=str(cfg.recipients.get("sender_address")),
                         sent=when, window=window)
        assert out is not None
        out.with_suffix(".txt").write_text(cap_text(released, window), encoding="utf-8")
        out.with_suffix(".html").write_text(cap_html(released, window), encoding="utf-8")
        files += [str(out.with_suffix(".txt")), str(out.with_suffix(".html"))]
    else:
        cls, tlp = str(marks["classification"]), str(marks["tlp"])
        page = briefing_html(released, recipient=to, classification=cls, tlp=tlp,
                             window=window, sender=sender).encode()
        pdf = briefing_pdf(released, recipient=to, classification=cls, tlp=tlp,
                           window=window, sender=sender)
        assert out is not None
        # The HTML page and its PDF are written side by side; --out names either.
        data, other = (pdf, out.with_suffix(".html")) if out.suffix.lower() == ".pdf" else (
            page, out.with_suffix(".pdf"))
        other.write_bytes(page if data is pdf else pdf)
        files.append(str(other))
    if out is not None:
        out.write_bytes(data)
        files.insert(0, str(out))
    transition(conn, case, Action.DELIVER, actor.id, when, channel=channel, recipient=to,
               sha256=_sha(data), files=files, reason=f"delivered by {channel} to {to}")
    return case, case.events[-1]


def ack(conn: Connection, ref: str, actor: Actor, *, by: str, note: str = "",
        now: datetime | None = None) -> Case:
    """Record that a recipient acknowledged receipt."""
    _need(actor, "analyst", "approver")
    case = find_case(conn, ref)
    recipients_of(case, [by])
    return transition(conn, case, Action.ACK, actor.id, now or datetime.now(UTC),
                      recipient=by, reason=note or f"{by} acknowledged receipt")


def respond(conn: Connection, ref: str, actor: Actor, *, by: str, kind: str, text: str,
            now: datetime | None = None) -> Case:
    """Record a recipient's response; a dismissal raises the dismissal alarm (see ``alarms``)."""
    _need(actor, "analyst", "approver")
    case = find_case(conn, ref)
    if kind not in RESPONSES:
        raise CaseError(f"{kind!r} is not a response; use one of: {', '.join(RESPONSES)}")
    if not text.strip():
        raise CaseError("record the response's own words (--text)")
    recipients_of(case, [by])
    return transition(conn, case, Action.RESPOND, actor.id, now or datetime.now(UTC),
                      recipient=by, response=kind, text=text, reason=f"{by} {kind} the warning")


def followup(conn: Connection, ref: str, actor: Actor, *, direction: str, party: str,
             text: str, deadline: datetime | None = None, answers: int | None = None,
             now: datetime | None = None, config: WarnConfig | None = None) -> Case:
    """A follow-up request (``out``: we ask them; ``in``: they ask us), or its answer."""
    cfg = config or load_warn_config()
    _need(actor, "analyst", "approver")
    case = find_case(conn, ref)
    when = now or datetime.now(UTC)
    if answers is not None:
        asked = [e for e in case.events if e["action"] == "followup" and e["id"] == answers
                 and not e["detail"].get("answers")]
        if not asked:
            raise CaseError(f"case {case.short} has no follow-up request #{answers}; see "
                            "`tearline warn show`")
        return transition(conn, case, Action.FOLLOWUP, actor.id, when, answers=answers,
                          direction=asked[0]["detail"]["direction"], party=party, text=text,
                          reason=f"answer to follow-up #{answers}")
    if direction not in ("out", "in"):
        raise CaseError(f"direction {direction!r}: use 'out' (we ask them) or 'in' (they ask us)")
    due = deadline or when + timedelta(hours=float(cfg.deadlines.get("followup_hours", 72)))
    return transition(conn, case, Action.FOLLOWUP, actor.id, when, direction=direction,
                      party=party, text=text, deadline=due.isoformat(),
                      reason=f"follow-up {'to' if direction == 'out' else 'from'} {party}")


# -- the periodic scan -------------------------------------------------------------------------
def _window_end(case: Case) -> datetime | None:
    value = (case.payload.get("window") or {}).get("end")
    if not value:
        return None
    dt = datetime.fromisoformat(value)
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)


_READ_BATCH = 500
"""Threads per ``IN (…)`` lookup in the scan: well under SQLite's bound-parameter limit."""


def _latest_assessments(conn: Connection,
                        thread_ids: list[str]) -> dict[str, tuple[int, dict[str, Any]]]:
    """``_latest_assessment`` for many threads, one query per batch.

    A fuse scans every thread it touched (a thousand at 10,000 articles), and
    two queries per thread were most of the scan's cost.
    """
    out: dict[str, tuple[int, dict[str, Any]]] = {}
    for start in range(0, len(thread_ids), _READ_BATCH):
        chunk = thread_ids[start:start + _READ_BATCH]
        newest = (select(S.Assessment.thread_id, func.max(S.Assessment.version).label("v"))
                  .where(S.Assessment.thread_id.in_(chunk))
                  .group_by(S.Assessment.thread_id).subquery())
        q = select(S.Assessment.thread_id, S.Assessment.version, S.Assessment.payload).join(
            newest, (S.Assessment.thread_id == newest.c.thread_id)
            & (S.Assessment.version == newest.c.v))
        out.update((r.thread_id, (int(r.version), dict(r.payload or {}))) for r in conn.execute(q))
    return out


def _cases_of(conn: Connection, thread_ids: list[str]) -> dict[str, Case]:
    """Each thread's case (``load_case`` of ``case_id_for``), with its events, batched."""
    wanted = {case_id_for(t): t for t in thread_ids}
    ids = list(wanted)
    out: dict[str, Case] = {}
    for start in range(0, len(ids), _READ_BATCH):
        chunk = ids[start:start + _READ_BATCH]
        rows = conn.execute(select(S.Warning).where(S.Warning.id.in_(chunk))).all()
        if not rows:
            continue
        events: dict[str, list[dict[str, Any]]] = {r.id: [] for r in rows}
        for e in conn.execute(select(S.WarningEvent)
                              .where(S.WarningEvent.warning_id.in_(list(events)))
                              .order_by(S.WarningEvent.id)):
            events[e.warning_id].append(_event_dict(e))
        out.update((wanted[r.id], _case(r, events[r.id])) for r in rows)
    return out


def scan(conn: Connection, thread_ids: list[str] | None = None, *, actor: str = "tearline",
         now: datetime | None = None, config: WarnConfig | None = None) -> list[dict[str, Any]]:
    """Open, reopen and task what the latest assessments and the clock call for."""
    cfg = config or load_warn_config()
    when = now or datetime.now(UTC)
    done: list[dict[str, Any]] = []
    tids = thread_ids if thread_ids is not None else list(
        conn.execute(select(S.Assessment.thread_id).distinct()).scalars())
    order = sorted(set(tids))  # a thread named twice is scanned once
    latest_of = _latest_assessments(conn, order)
    cases = _cases_of(conn, [tid for tid in order if tid in latest_of])
    partners: list[dict[str, Any]] | None = None  # read once, for the first case opened
    for tid in order:
        latest = latest_of.get(tid)
        if latest is None:
            continue
        version, payload = latest
        case = cases.get(tid)
        if case is None:
            if evaluate(payload, cfg).fires:
                partners = _partners(conn) if partners is None else partners
                c = open_case(conn, tid, actor, automatic=True, now=when, config=cfg,
                              latest=latest, partners=partners)
                done.append({"case": c.id, "thread": tid, "did": "opened"})
            continue
        if tighten_marking(case, thread_marking(conn, tid)):
            # The thread grew (or the case predates marking): its case file is
            # at least as restricted as everything it is now built from.
            save_case(conn, case)
            append_event(conn, case, "marked", actor, when, tlp=case.payload["tlp"],
                         classification=case.payload["classification"],
                         caveats=case.payload["caveats"],
                         reason="case file marked like the most restrictive of its thread")
        if case.state in (CaseState.CLOSED, CaseState.WAIVED):
            then = (case.payload.get("outcome") or {}).get("probability")
            if then is None:
                then = case.payload["trigger"].get("probability", 0.0)
            rise = float(payload.get("probability", 0.0)) - float(then or 0.0)
            if rise >= float(cfg.trigger.get("reopen_rise", 0.05)):
                case.payload["trigger"] = {**case.payload["trigger"],
                                           "assessment_version": version}
                transition(conn, case, Action.REOPEN, actor, when,
                           reason=f"threat raised by {rise:.0%} since the case was "
                                  f"{case.state.value}", assessment_version=version)
                done.append({"case": case.id, "thread": tid, "did": "reopened"})
    for case in list_cases(conn):
        end = _window_end(case)
        if end is None or end > when or case.state not in (
                CaseState.RELEASED, CaseState.DELIVERED, CaseState.ACKNOWLEDGED,
                CaseState.FOLLOW_UP):
            continue
        if any(e["action"] == "review_task" and e["detail"].get("window_end") == end.isoformat()
               for e in case.events):
            continue
        append_event(conn, case, "review_task", actor, when, window_end=end.isoformat(),
                     reason="the warning window has expired: review the case and renew, "
                            "revise or close it (a lapse is not a downgrade)")
        done.append({"case": case.id, "thread": case.thread_id, "did": "review_task"})
    return done


__all__ += ["PUBLIC"]
