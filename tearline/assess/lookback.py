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
from tearline.assess.escape import banner_html, banner_md, clean, md_text
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

__all__ = ["AsOf", "DecisionPoint", "Retrospective", "as_of", "known_row", "retrospective",
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
    known: list[Fragment] = field(default_factory=list)
    """The fragments received by ``at`` in the thread, in arrival order: what was known."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "thread_id": self.thread_id, "at": self.at.isoformat(),
            "fragment_ids": self.fragment_ids,
            "fragments": [known_row(f) for f in self.known],
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
    fragment_ids: list[str] = field(default_factory=list)
    """Every fragment the report quotes or counts: what its banner is computed from."""


def known_row(f: Fragment) -> dict[str, Any]:
    """One fragment as ``asof`` lists it: id, when received, source, grade, title."""
    return {"id": f.id, "external_id": f.external_id, "received_at": f.received_at.isoformat(),
            "reported_at": f.reported_at.isoformat() if f.reported_at else None,
            "source": f.source_name, "agency": f.source_agency,
            "grade": f"{f.reliability}{f.credibility}", "category": f.category, "tlp": f.tlp,
            "title": f.title}


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
    known = sorted(thread_fragments(state, tid), key=lambda f: (f.received_at, f.id))
    return AsOf(tid, at, state.threads.fragments_of(tid),
                assess_thread(state, tid, at, config), review_thread(state, tid, at, config=config),
                stored, known)


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
    retro = Retrospective(tid, scope[0].received_at, scope[-1].received_at,
                          fragment_ids=[f.id for f in scope])
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


def to_markdown(r: Retrospective, banner: str | None = None, *,
                thread_label: str | None = None) -> str:
    """The retrospective as Markdown: timeline, decisions, knowledge, alarms, trajectory.

    Report text is escaped (``escape.md_text``); ``banner`` (computed by the
    caller from ``r.fragment_ids``) opens and closes the document. The title
    names the thread by ``thread_label`` when given (the CLI passes the public
    id: the internal one names the thread's opening report).
    """
    m = md_text
    out = [banner_md(banner), ""] if banner else []
    out += [f"# Retrospective: {m(thread_label or r.thread_id)}", "",
            f"Period: {r.start.isoformat()} to {r.end.isoformat()}."]
    if r.attack:
        out.append(f"Attack reported by independent origins on {r.attack}.")
    out += ["", "## Warning timeline", ""]
    for s, e, cue, lapsed in r.windows:
        out.append(f"- window {s} to {e} (\"{m(cue)}\"): {'lapsed' if lapsed else 'open'}")
    out += ["", "## Decision points", ""]
    out += [f"- {d.at.isoformat()} **{m(d.kind)}** by {m(d.party)}: {m(d.label)}"
            for d in r.decisions]
    out += ["", "## Who knew what when", ""]
    for party, items in sorted(r.knowledge.items()):
        out.append(f"- **{m(party)}**: " + "; ".join(f"{t.date()} {m(lab)}" for t, lab in items))
    out += ["", "## Alarms", ""]
    out += [f"- {a.raised_at.isoformat()} **{m(a.kind.value)}**: {m(a.summary)}"
            for a in r.alarms]
    out += ["", "## Assessment trajectory", "", "| as of | likelihood | probability | "
            "confidence | fragments |", "|---|---|---|---|---|"]
    out += [f"| {at.date()} | {m(w)} | {p:.0%} | {m(c)} | {n} |"
            for at, w, p, c, n in r.trajectory]
    if banner:
        out += ["", banner_md(banner)]
    return "\n".join(out) + "\n"


def to_html(r: Retrospective, banner: str | None = None,
            extra: list[str] | None = None, *, thread_label: str | None = None) -> str:
    """The retrospective as a standalone HTML page with the SVG timeline inline.

    Built from the data, not from the Markdown, and every piece of report text
    goes through ``html.escape``; ``banner`` is shown at the top and the bottom,
    and ``extra`` sections (plain text from later stages) are escaped too;
    ``thread_label`` names the thread as in ``to_markdown``.
    """
    name = thread_label or r.thread_id
    esc = html.escape
    c = clean

    def section(title: str, items: list[str]) -> list[str]:
        return [f"<h2>{esc(title)}</h2><ul>", *(f"<li>{i}</li>" for i in items), "</ul>"]

    top = [banner_html(banner)] if banner else []
    parts = ["<!doctype html><html><head><meta charset='utf-8'>",
             f"<title>Retrospective {esc(c(name))}</title></head><body>", *top,
             f"<h1>Retrospective: {esc(c(name))}</h1>",
             f"<p>Period: {r.start.isoformat()} to {r.end.isoformat()}."
             + (f" Attack reported by independent origins on {esc(r.attack)}." if r.attack
                else "") + "</p>",
             "<h2>Timeline</h2>", timeline_svg(_svg_events(r))]
    parts += section("Warning timeline", [
        f"window {s} to {e} (&quot;{esc(c(cue))}&quot;): {'lapsed' if lapsed else 'open'}"
        for s, e, cue, lapsed in r.windows])
    parts += section("Decision points", [
        f"{d.at.isoformat()} <b>{esc(c(d.kind))}</b> by {esc(c(d.party))}: {esc(c(d.label))}"
        for d in r.decisions])
    parts += section("Who knew what when", [
        f"<b>{esc(c(party))}</b>: " + "; ".join(f"{t.date()} {esc(c(lab))}" for t, lab in items)
        for party, items in sorted(r.knowledge.items())])
    parts += section("Alarms", [
        f"{a.raised_at.isoformat()} <b>{esc(c(a.kind.value))}</b>: {esc(c(a.summary))}"
        for a in r.alarms])
    parts += section("Assessment trajectory", [
        f"{at.date()} · {esc(c(w))} · {p:.0%} · {esc(c(conf))} · {n} fragment(s)"
        for at, w, p, conf, n in r.trajectory])
    parts += [f"<pre>{esc(c(text))}</pre>" for text in extra or ()]
    parts += [*top, "</body></html>"]
    return "\n".join(parts)
