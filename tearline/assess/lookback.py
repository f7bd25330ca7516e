"""Looking back: the thread as it stood at a past time, and the retrospective report.

``as_of`` replays fusion over only the fragments received by then and assesses
the thread at that time, next to the version that had been stored for that
time (if any), so "what did we know, and what did we say" are both answered.
``retrospective`` walks the thread's life: decision points (warnings, alerts,
requests and their deadlines, answers, statements, assessments), what each
party had reported when, the assessment's trajectory day by day, and when
each alarm became due; ``to_markdown`` and ``to_html`` render it, the HTML
with an inline SVG timeline.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import Engine

from tearline.assess.alarms import Alarm
from tearline.assess.assessment import ThreadAssessment, assess_thread
from tearline.assess.config import AssessConfig, load_config
from tearline.assess.review import neighbourhood, review_thread
from tearline.assess.state import (
    FusionStateSpec,
    ReplaySpec,
    resolve_thread,
    thread_at,
    thread_fragments,
)
from tearline.assess.store import StoredAssessment, version_as_of
from tearline.assess.svg import SvgEvent, timeline_svg
from tearline.fusion.timeline import EventKind
from tearline.model.fragment import Fragment

__all__ = ["AsOf", "DecisionPoint", "Retrospective", "as_of", "retrospective",
           "to_html", "to_markdown"]

Replay = ReplaySpec  # replays come from the read side (``assess.query.make_replayer``)
_DECISIONS = {"warning", "alert", "request", "response", "statement"}


@dataclass(slots=True)
class AsOf:
    """A thread exactly as it stood at ``at``."""

    thread_id: str | None
    at: datetime
    fragment_ids: list[str]
    assessment: ThreadAssessment | None
    alarms: list[Alarm]
    stored: StoredAssessment | None

    def to_dict(self) -> dict[str, Any]:
        return {
            "thread_id": self.thread_id, "at": self.at.isoformat(),
            "fragment_ids": self.fragment_ids,
            "assessment": self.assessment.to_dict() if self.assessment else None,
            "alarms": [a.to_dict() for a in self.alarms],
            "stored": self.stored.to_dict() if self.stored else None,
        }


@dataclass(slots=True)
class DecisionPoint:
    """A moment where someone warned, asked, answered, judged or dismissed."""

    at: datetime
    kind: str
    party: str
    label: str
    fragment_id: str | None = None


@dataclass(slots=True)
class Retrospective:
    """Everything the retrospective report shows."""

    thread_id: str
    start: datetime
    end: datetime
    decisions: list[DecisionPoint] = field(default_factory=list)
    trajectory: list[tuple[datetime, str, float, str, int]] = field(default_factory=list)
    """(as of, likelihood word, probability, confidence, fragments known)."""
    knowledge: dict[str, list[tuple[datetime, str]]] = field(default_factory=dict)
    """Party -> (received at, label) of what it had reported."""
    alarms: list[Alarm] = field(default_factory=list)
    windows: list[tuple[date, date, str, bool]] = field(default_factory=list)
    attack: str | None = None


def _label(f: Fragment) -> str:
    return f.external_id or f.title


def _members(state: FusionStateSpec, ref: str) -> tuple[str, list[str]]:
    tid = resolve_thread(state, ref)
    return tid, state.threads.fragments_of(tid)


def as_of(engine: Engine, ref: str, at: datetime, replay: Replay,
          config: AssessConfig | None = None) -> AsOf:
    """The thread holding ``ref`` as it stood at ``at``, with what was stored for then."""
    tid_now, members = _members(replay(None), ref)
    state = replay(at)
    tid = thread_at(state, members)
    stored = version_as_of(engine, tid_now, at)
    if tid is None:
        return AsOf(None, at, [], None, [], stored)
    return AsOf(tid, at, state.threads.fragments_of(tid),
                assess_thread(state, tid, at, config), review_thread(state, tid, at, config=config),
                stored)


def _day_end(d: date) -> datetime:
    return datetime.combine(d, time(23, 59), tzinfo=UTC)


def retrospective(engine: Engine, ref: str, replay: Replay,
                  config: AssessConfig | None = None) -> Retrospective:
    """Build the look-back over the thread holding ``ref`` and its neighbourhood."""
    config = config or load_config()
    full = replay(None)
    tid, members = _members(full, ref)
    scope: list[Fragment] = []
    for t in neighbourhood(full, tid):
        scope.extend(thread_fragments(full, t))
    scope.sort(key=lambda f: (f.received_at, f.id))
    retro = Retrospective(tid, scope[0].received_at, scope[-1].received_at)
    for f in scope:
        retro.knowledge.setdefault(f.source_agency, []).append((f.received_at, _label(f)))
        kind = f.category if f.category in _DECISIONS else None
        if kind is None and f.title.lower().startswith("assessment"):
            kind = "assessment"
        if kind:
            retro.decisions.append(
                DecisionPoint(f.received_at, kind, f.originator, _label(f), f.id))
        if f.category == "request" and f.deadline is not None:
            retro.decisions.append(DecisionPoint(
                f.deadline, "deadline", f.originator, f"deadline of {_label(f)}", f.id))
    retro.decisions.sort(key=lambda d: d.at)
    final = assess_thread(full, tid, retro.end, config)
    retro.attack = final.occurred
    seen_windows = set()
    alert_ids = {f.id for f in scope if f.category in ("warning", "alert")}
    for t in neighbourhood(full, tid):
        for e in full.threads.view(t, as_of=retro.end).timeline:
            if e.kind is EventKind.WINDOW and e.end and alert_ids.intersection(e.fragment_ids):
                key = (e.date, e.end)
                if key not in seen_windows:
                    seen_windows.add(key)
                    retro.windows.append((date.fromisoformat(e.date), date.fromisoformat(e.end),
                                          e.cues[0], e.status is not None
                                          and e.status.value == "lapsed"))
    seen_alarms: set[tuple[str, str]] = set()
    for t in neighbourhood(full, tid):
        for alarm in review_thread(full, t, retro.end, config=config):
            if (alarm.kind.value, alarm.summary) not in seen_alarms:
                seen_alarms.add((alarm.kind.value, alarm.summary))
                retro.alarms.append(alarm)
    retro.alarms.sort(key=lambda a: a.raised_at)
    for day in sorted({f.received_at.date() for f in scope}):
        at = _day_end(day)
        state = replay(at)
        t_at = thread_at(state, members)
        if t_at is None:
            continue
        a = assess_thread(state, t_at, at, config)
        retro.trajectory.append((at, a.likelihood, a.probability, a.confidence.value,
                                 len(a.fragment_ids)))
    return retro


def _svg_events(r: Retrospective) -> list[SvgEvent]:
    events = [SvgEvent(d.at.date(), f"{d.kind}: {d.label}", d.kind) for d in r.decisions]
    events += [SvgEvent(s, cue, "window", e, lapsed) for s, e, cue, lapsed in r.windows]
    events += [SvgEvent(a.raised_at.date(), a.kind.value.replace("_", " "), "alarm")
               for a in r.alarms]
    if r.attack:
        events.append(SvgEvent(date.fromisoformat(r.attack), "attack", "attack"))
    return events


def to_markdown(r: Retrospective) -> str:
    """The retrospective as Markdown: timeline, decisions, knowledge, alarms, trajectory."""
    out = [f"# Retrospective: {r.thread_id}", "",
           f"Period: {r.start.isoformat()} to {r.end.isoformat()}."]
    if r.attack:
        out.append(f"Attack reported by independent origins on {r.attack}.")
    out += ["", "## Warning timeline", ""]
    for s, e, cue, lapsed in r.windows:
        out.append(f"- window {s} to {e} (\"{cue}\"): {'lapsed' if lapsed else 'open'}")
    out += ["", "## Decision points", ""]
    out += [f"- {d.at.isoformat()} **{d.kind}** by {d.party}: {d.label}" for d in r.decisions]
    out += ["", "## Who knew what when", ""]
    for party, items in sorted(r.knowledge.items()):
        out.append(f"- **{party}**: " + "; ".join(f"{t.date()} {lab}" for t, lab in items))
    out += ["", "## Alarms", ""]
    out += [f"- {a.raised_at.isoformat()} **{a.kind.value}**: {a.summary}" for a in r.alarms]
    out += ["", "## Assessment trajectory", "", "| as of | likelihood | probability | "
            "confidence | fragments |", "|---|---|---|---|---|"]
    out += [f"| {at.date()} | {w} | {p:.0%} | {c} | {n} |" for at, w, p, c, n in r.trajectory]
    return "\n".join(out) + "\n"


def to_html(r: Retrospective) -> str:
    """The retrospective as a standalone HTML page with the SVG timeline inline."""
    esc = html.escape
    md_sections = to_markdown(r).split("\n## ")
    parts = ["<!doctype html><html><head><meta charset='utf-8'>",
             f"<title>Retrospective {esc(r.thread_id)}</title></head><body>",
             f"<h1>Retrospective: {esc(r.thread_id)}</h1>",
             "<h2>Timeline</h2>", timeline_svg(_svg_events(r))]
    for section in md_sections[1:]:
        head, _, body = section.partition("\n")
        parts.append(f"<h2>{esc(head)}</h2><ul>")
        for line in body.splitlines():
            if line.startswith("- "):
                parts.append(f"<li>{esc(line[2:].replace('**', ''))}</li>")
            elif line.startswith("| ") and not line.startswith("| as of"):
                parts.append(f"<li>{esc(line.strip('| ').replace(' | ', ' · '))}</li>")
        parts.append("</ul>")
    parts.append("</body></html>")
    return "\n".join(parts)
