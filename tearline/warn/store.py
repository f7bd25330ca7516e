"""Reading and writing duty-to-warn cases: ``warnings`` rows and their appended events.

A case row holds the current state and the case file (``payload``); every
change is also an appended ``warning_events`` row with who, when and why, and
an audit-log entry, in the same transaction, so the history cannot disagree
with the state. The row's id is the id of the STIX report the warning is
rendered as (``report--<uuid>``), which is how the sharing layer recognises a
released warning over TAXII.

This module also gathers, for the sanitizer, the thread's facets and the
values that must never leave — it is the one place in ``warn`` that reads
``report_protected``, and only to hand the values to the sanitizer's guard.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, insert, or_, select, update

from tearline.model.marking import CLASSIFICATION_ORDER, TLP_ORDER
from tearline.security.audit import record_now
from tearline.store import schema as S
from tearline.warn.sanitize import Facts, Sensitive
from tearline.warn.states import CaseError, CaseState
from tearline.warn.stix import stable_uuid4

__all__ = ["RELEASE_MARKING", "Case", "append_event", "case_id_for", "find_case", "list_cases",
           "load_case", "load_events", "reports_sensitive", "save_case", "thread_facts",
           "thread_marking", "thread_sensitive", "tighten_marking"]



def case_id_for(thread_id: str) -> str:
    """The one case id a thread ever has (so the trigger opens a case once per thread)."""
    return f"report--{stable_uuid4('case', thread_id)}"


@dataclass
class Case:
    """A duty-to-warn case as the workflow reads it."""

    id: str
    thread_id: str | None
    state: CaseState
    created_at: datetime
    updated_at: datetime
    payload: dict[str, Any] = field(default_factory=dict)
    events: list[dict[str, Any]] = field(default_factory=list)

    @property
    def short(self) -> str:
        return self.id.removeprefix("report--")[:8]

    def to_dict(self, events: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {"id": self.id, "short": self.short, "thread_id": self.thread_id,
               "state": self.state.value, "created_at": self.created_at.isoformat(),
               "updated_at": self.updated_at.isoformat(), "payload": self.payload}
        if events:
            out["events"] = self.events
        return out


def _event_dict(r: Any) -> dict[str, Any]:
    return {"id": r.id, "action": r.action, "actor": r.actor, "at": r.at.isoformat(),
            "detail": dict(r.detail or {})}


def load_events(conn: Connection, case_id: str) -> list[dict[str, Any]]:
    q = (select(S.WarningEvent).where(S.WarningEvent.warning_id == case_id)
         .order_by(S.WarningEvent.id))
    return [_event_dict(r) for r in conn.execute(q)]


def _case(row: Any, events: list[dict[str, Any]]) -> Case:
    return Case(row.id, row.thread_id, CaseState(row.state), row.created_at, row.updated_at,
                dict(row.payload or {}), events)


def load_case(conn: Connection, case_id: str) -> Case | None:
    row = conn.execute(select(S.Warning).where(S.Warning.id == case_id)).first()
    return _case(row, load_events(conn, case_id)) if row else None


def find_case(conn: Connection, ref: str) -> Case:
    """A case by id, by the short id ``warn list`` prints, or by its thread (id or short id)."""
    ref = ref.strip()
    rows = conn.execute(select(S.Warning.id, S.Warning.thread_id)).all()
    hits = [r.id for r in rows if ref in (r.id, r.thread_id)]
    if not hits and len(ref) >= 6:
        hits = [r.id for r in rows if r.id.removeprefix("report--").startswith(ref)
                or (r.thread_id or "").removeprefix("thread:report--").startswith(ref)]
    if len(hits) != 1:
        raise CaseError(f"no duty-to-warn case matches {ref!r}; list cases with "
                        "`tearline warn list`" if not hits else
                        f"{ref!r} matches {len(hits)} cases; give more of the id")
    case = load_case(conn, hits[0])
    assert case is not None
    return case


def list_cases(conn: Connection) -> list[Case]:
    rows = conn.execute(select(S.Warning).order_by(S.Warning.created_at, S.Warning.id)).all()
    return [_case(r, load_events(conn, r.id)) for r in rows]


def save_case(conn: Connection, case: Case, *, new: bool = False) -> None:
    """Write the case row (state and case file); events are appended separately."""
    values = {"thread_id": case.thread_id, "state": case.state.value,
              "updated_at": case.updated_at, "payload": case.payload}
    if new:
        conn.execute(insert(S.Warning), [{"id": case.id, "created_at": case.created_at,
                                          **values}])
    else:
        conn.execute(update(S.Warning).where(S.Warning.id == case.id).values(**values))


def append_event(conn: Connection, case: Case, action: str, actor: str,
                 at: datetime | None = None, **detail: Any) -> dict[str, Any]:
    """Append one event to the case and the audit log; returns the event."""
    when = at or datetime.now(UTC)
    rid = conn.execute(insert(S.WarningEvent).values(
        warning_id=case.id, action=action, actor=actor, at=when, detail=detail,
    )).inserted_primary_key
    record_now(conn, actor, f"warning.{action}", "warning", case.id, **detail)
    event = {"id": rid[0] if rid else None, "action": action, "actor": actor,
             "at": when.isoformat(), "detail": detail}
    case.events.append(event)
    return event


# -- what the sanitizer needs ------------------------------------------------------------------
def _members(conn: Connection, thread_id: str) -> list[str]:
    return list(conn.execute(select(S.ThreadMember.report_id)
                             .where(S.ThreadMember.thread_id == thread_id)).scalars())


#: What the sanitized product is marked when nothing else is said: the released
#: text holds no protected detail (the sanitizer's job), so it is not the case file.
RELEASE_MARKING = {"tlp": "amber", "classification": "UNCLASSIFIED"}


def _worst(order: tuple[str, ...], values: list[str]) -> str:
    ranks = [order.index(v) if v in order else len(order) - 1 for v in values]
    return order[max(ranks)] if ranks else order[0]


def thread_marking(conn: Connection, thread_id: str) -> dict[str, Any]:
    """The case file's marking: the most restrictive of what the thread was built from.

    Highest TLP and classification of its member reports, every need-to-know
    compartment any of them carries, and REL TO only the partners every one
    names (``share.releases.combine_markings`` does the same over markings;
    warn sits below share and reads the rows itself). A value outside the
    known orders counts as the most restrictive. An empty thread is
    AMBER / UNCLASSIFIED.
    """
    rows = list(conn.execute(
        select(S.Report.tlp, S.Report.classification, S.Report.caveats, S.Report.releasability)
        .join(S.ThreadMember, S.ThreadMember.report_id == S.Report.id)
        .where(S.ThreadMember.thread_id == thread_id)))
    if not rows:
        return {"tlp": "amber", "classification": "UNCLASSIFIED", "caveats": [],
                "releasability": []}
    rel = set(rows[0].releasability or ())
    for r in rows[1:]:
        rel &= set(r.releasability or ())
    return {"tlp": _worst(TLP_ORDER, [r.tlp or "amber" for r in rows]),
            "classification": _worst(CLASSIFICATION_ORDER,
                                     [r.classification or "UNCLASSIFIED" for r in rows]),
            "caveats": sorted({c for r in rows for c in (r.caveats or ())}),
            "releasability": sorted(rel)}


def tighten_marking(case: Case, marking: dict[str, Any]) -> bool:
    """Make the case file's marking at least as strict as ``marking``; True if it changed.

    A marking only ever tightens here: a thread that grows may bring more
    restrictive reporting, and what the case file already holds stays as
    protected as it was (nothing is silently downgraded).
    """
    p = case.payload
    new = {
        "tlp": _worst(TLP_ORDER, [str(p.get("tlp") or "amber"), marking["tlp"]]),
        "classification": _worst(CLASSIFICATION_ORDER, [str(p.get("classification")
                                                            or "UNCLASSIFIED"),
                                                        marking["classification"]]),
        "caveats": sorted({*(p.get("caveats") or ()), *marking["caveats"]}),
        "releasability": sorted(set(p.get("releasability") or ()) & set(marking["releasability"])
                                if "marked_from" in p else marking["releasability"]),
    }
    changed = any(p.get(k) != v for k, v in new.items()) or "marked_from" not in p
    p.update(new)
    p["marked_from"] = "thread members"
    p.setdefault("release_marking", dict(RELEASE_MARKING))
    return changed


def _entity_names(conn: Connection, keys: list[str]) -> dict[str, str]:
    if not keys:
        return {}
    return {r.id: r.name for r in conn.execute(
        select(S.Entity.id, S.Entity.name).where(S.Entity.id.in_(keys)))}


def _city_country(conn: Connection, entity_id: str) -> str | None:
    for value in conn.execute(select(S.Mention.value)
                              .where(S.Mention.entity_id == entity_id).limit(5)).scalars():
        country = ((value or {}).get("detail") or {}).get("country")
        if country:
            return str(country)
    return None


def _ranked(values: dict[str, list[str]], prefix: str) -> list[str]:
    counts = Counter({k: len(v) for k, v in values.items() if k.startswith(prefix)})
    return [k for k, _ in counts.most_common()]


def _latest_window(assessment: dict[str, Any]) -> tuple[datetime | None, datetime | None]:
    imm = assessment.get("imminence") or {}
    windows = list(imm.get("open_windows") or []) + list(imm.get("lapsed_windows") or [])
    if not windows:
        return None, None
    w = max(windows, key=lambda w: (w.get("end") or "", w.get("start") or ""))

    def parse(s: str | None) -> datetime | None:
        if not s:
            return None
        dt = datetime.fromisoformat(s)
        return dt if dt.tzinfo else dt.replace(tzinfo=UTC)

    return parse(w.get("start")), parse(w.get("end"))


def thread_facts(conn: Connection, assessment: dict[str, Any]) -> Facts:
    """The actionable facets of an assessed thread, as names (never fragment prose)."""
    spec = (assessment.get("specificity") or {}).get("facets") or {}
    who = (spec.get("who") or {}).get("values") or {}
    where = (spec.get("where") or {}).get("values") or {}
    what = (spec.get("what") or {}).get("values") or {}
    actors = _ranked(who, "actor:")
    cities = _ranked(where, "city:")
    venues = _ranked(where, "venue:")
    named = [v for v in venues if v.startswith("venue:named:")]
    names = _entity_names(conn, [*actors, *(f"place:{c}" for c in cities), *named])
    country = _city_country(conn, f"place:{cities[0]}") if cities else None
    if country is None:
        countries = _ranked(where, "country:")
        country = countries[0].split(":", 1)[1] if countries else None
    start, end = _latest_window(assessment)
    harm = str((assessment.get("harm") or {}).get("primary") or "other")
    return Facts(
        harm=harm,
        actors=tuple(names.get(a, a.split(":", 1)[1]) for a in actors),
        cities=tuple(names[f"place:{c}"] for c in cities if f"place:{c}" in names),
        country=country,
        # "venue:named:…" is a named place (Steppe Crown Hall), not a kind of target
        venue_types=tuple(k.split(":", 1)[1] for k in venues if k not in named),
        venues=tuple(names.get(k, k.rsplit(":", 1)[1].replace("-", " ").title())
                     for k in named),
        modalities=tuple(sorted(what, key=lambda k: -len(what[k]))),
        window_start=start, window_end=end,
    )


def reports_sensitive(conn: Connection, ids: list[str]) -> dict[str, Sensitive]:
    """Per report (under its id and its STIX id): its protected values and hidden source.

    What ``sanitize_stix.sanitize_for_partner`` must cut from a released
    report's own prose. Its ids and originator are not included: the object
    carries its ids, and its originator is handled by re-marking.
    """
    out: dict[str, Sensitive] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        rows = list(conn.execute(
            select(S.Report.id, S.Report.stix_id, S.Source.name, S.Source.kind)
            .join(S.Source, S.Source.id == S.Report.source_id)
            .where(or_(S.Report.id.in_(chunk), S.Report.stix_id.in_(chunk)))))
        protected: dict[str, list[str]] = {}
        for p in conn.execute(select(S.ReportProtected).where(
                S.ReportProtected.report_id.in_([r.id for r in rows]))):
            protected[p.report_id] = [v for v in (p.source_identity, p.collection_method,
                                                  p.handling_notes) if v]
        for r in rows:
            sens = Sensitive(tuple(protected.get(r.id, ())),
                             (r.name,) if r.kind != "osint" and r.name else ())
            out.update({k: sens for k in (r.id, r.stix_id) if k})
    return out


def thread_sensitive(conn: Connection, thread_id: str, sender: str) -> Sensitive:
    """Protected values, source names, internal ids and originators of the thread's reports.

    ``sender`` (our own agency) is not an originator to hide: the recipient
    is told who warns them.
    """
    ids = _members(conn, thread_id)
    protected: list[str] = []
    sources: set[str] = set()
    refs: set[str] = {thread_id, thread_id.removeprefix("thread:")}
    originators: set[str] = set()
    for i in range(0, len(ids), 500):
        chunk = ids[i:i + 500]
        for p in conn.execute(select(S.ReportProtected).where(
                S.ReportProtected.report_id.in_(chunk))):
            protected += [v for v in (p.source_identity, p.collection_method, p.handling_notes)
                          if v]
        for r in conn.execute(select(S.Report.id, S.Report.external_id, S.Report.stix_id,
                                     S.Report.originator, S.Source.name, S.Source.kind)
                              .join(S.Source, S.Source.id == S.Report.source_id)
                              .where(S.Report.id.in_(chunk))):
            refs.update(v for v in (r.id, r.external_id, r.stix_id) if v)
            if r.kind != "osint":  # an outlet's name is public; a source's is not
                sources.add(r.name)
            if r.originator and r.originator != sender:
                originators.add(r.originator)
    return Sensitive(tuple(protected), tuple(sorted(sources)), tuple(sorted(refs)),
                     tuple(sorted(originators)))
