"""Insider alerts: a user's reads compared with that user's own past.

The audit log already says who read what and when; this module turns it into
alerts. For each user it builds a baseline from the ``baseline_days`` before
the window being judged:

* **volume** — reads in the window above ``mean + K·sd`` of that user's
  hourly reads (hours with activity only), and above a floor, so a quiet
  user reading twenty reports is not a spree;
* **hours** — reads at an hour of day the user never read at in the baseline;
* **compartment** — reading a report in an ``NTK:`` compartment the user never
  read in the baseline;
* **bulk-export** — one export or listing of more than ``BULK`` objects;
* **refused** — ``REFUSED`` or more refused reads in the window.

A user with fewer than ``MIN_ACTIVE_HOURS`` active hours of baseline is new:
only bulk export and refused reads are judged. Alerts are stored in
``insider_alerts`` (one per user, kind and window) and each is itself an
audit entry. The thresholds were set before the simulated week in
``tests/security/test_insider.py`` was written and were not tuned on it.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, select

from tearline.model.marking import COMPARTMENT_PREFIX
from tearline.security.audit import record_now
from tearline.store.schema import AuditEntry, InsiderAlert, Report

__all__ = ["Alert", "list_alerts", "scan"]

READS = ("report.read", "report.list", "report.read.denied", "export.stix", "thread.read",
         "thread.list", "warning.read", "warning.list", "taxii.read", "taxii.manifest",
         "source.list")
K, FLOOR, BULK, REFUSED, MIN_ACTIVE_HOURS = 4.0, 30, 500, 5, 8


@dataclass
class Alert:
    """One alert about one user in one window."""

    username: str
    kind: str
    message: str
    score: float = 0.0
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Profile:
    hourly: Counter[tuple[int, int]] = field(default_factory=Counter)  # (day, hour) -> reads
    hours: set[int] = field(default_factory=set)
    compartments: set[str] = field(default_factory=set)


def _reads(row: Any) -> int:
    """How many objects one audit row read (a listing counts what it returned)."""
    detail = row.detail if isinstance(row.detail, dict) else {}
    if row.action in ("report.list", "thread.list", "warning.list", "taxii.read",
                      "taxii.manifest", "source.list"):
        return int(detail.get("count") or len(detail.get("ids") or ()) or 0)
    if row.action == "export.stix":
        return int(detail.get("objects") or 0)
    return 1


def _compartments(conn: Connection, ids: set[str]) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    idl = sorted(ids)
    for i in range(0, len(idl), 500):
        for rid, caveats in conn.execute(select(Report.id, Report.caveats)
                                         .where(Report.id.in_(idl[i:i + 500]))):
            out[rid] = {c for c in (caveats or []) if c.startswith(COMPARTMENT_PREFIX)}
    return out


def _judge(user: str, base: _Profile, rows: list[Any], comps: dict[str, set[str]],
           start: datetime) -> list[Alert]:
    out: list[Alert] = []
    volume = sum(_reads(r) for r in rows)
    denied = sum(1 for r in rows if r.action == "report.read.denied")
    if denied >= REFUSED:
        out.append(Alert(user, "refused", f"{user} was refused {denied} reads in the hour "
                         f"from {start:%Y-%m-%d %H:%M}", denied))
    bulk = [r for r in rows if r.action in ("export.stix", "report.list") and _reads(r) > BULK]
    if bulk:
        n = max(_reads(r) for r in bulk)
        out.append(Alert(user, "bulk-export", f"{user} exported or listed {n} objects at once "
                         f"(more than {BULK})", n, {"seq": [r.seq for r in bulk][:20]}))
    active = list(base.hourly.values())
    if len(active) < MIN_ACTIVE_HOURS:
        return out
    mean, sd = statistics.fmean(active), statistics.pstdev(active)
    limit = max(FLOOR, mean + K * max(sd, 1.0))
    if volume > limit:
        out.append(Alert(user, "volume", f"{user} read {volume} objects in an hour; their usual "
                         f"is {mean:.0f} ± {sd:.0f}", volume / max(mean, 1.0),
                         {"reads": volume, "mean": mean, "sd": sd}))
    hours = {r.at.astimezone(UTC).hour for r in rows} - base.hours
    if hours:
        out.append(Alert(user, "hours", f"{user} read at {sorted(hours)} h UTC, hours they "
                         f"never read at before (usual {sorted(base.hours)})", len(hours)))
    seen: set[str] = set()
    for r in rows:
        if r.action == "report.read" and r.object_id:
            seen |= comps.get(r.object_id, set())
    new = seen - base.compartments
    if new:
        out.append(Alert(user, "compartment", f"{user} read reports in compartment(s) "
                         f"{sorted(new)} they never read before", len(new),
                         {"compartments": sorted(new)}))
    return out


def scan(conn: Connection, start: datetime, end: datetime, *, actor: str,
         baseline_days: int = 28, store: bool = True) -> list[Alert]:
    """Judge every hour in [start, end) against each user's baseline before ``start``."""
    since = start - timedelta(days=baseline_days)
    rows = conn.execute(select(AuditEntry.seq, AuditEntry.at, AuditEntry.actor,
                               AuditEntry.action, AuditEntry.object_id, AuditEntry.detail)
                        .where(AuditEntry.action.in_(READS), AuditEntry.at >= since,
                               AuditEntry.at < end).order_by(AuditEntry.seq)).all()
    comps = _compartments(conn, {r.object_id for r in rows
                                 if r.action == "report.read" and r.object_id})
    profiles: dict[str, _Profile] = defaultdict(_Profile)
    windows: dict[tuple[str, datetime], list[Any]] = defaultdict(list)
    for r in rows:
        at = r.at.astimezone(UTC)
        if at < start:
            p = profiles[r.actor]
            p.hourly[(at.toordinal(), at.hour)] += _reads(r)
            p.hours.add(at.hour)
            if r.action == "report.read" and r.object_id:
                p.compartments |= comps.get(r.object_id, set())
        else:
            windows[(r.actor, at.replace(minute=0, second=0, microsecond=0))].append(r)
    found: list[Alert] = []
    for (user, hour), wrows in sorted(windows.items()):
        for alert in _judge(user, profiles[user], wrows, comps, hour):
            alert.detail["window_start"] = hour.isoformat()
            found.append(alert)
            if store:
                _store(conn, alert, hour, actor)
    return found


def _store(conn: Connection, alert: Alert, hour: datetime, actor: str) -> None:
    dup = conn.execute(select(InsiderAlert.id).where(
        InsiderAlert.username == alert.username, InsiderAlert.kind == alert.kind,
        InsiderAlert.window_start == hour)).first()
    if dup:
        return
    conn.execute(insert(InsiderAlert).values(
        at=datetime.now(UTC), username=alert.username, kind=alert.kind, window_start=hour,
        window_end=hour + timedelta(hours=1), score=float(alert.score), message=alert.message,
        detail=alert.detail))
    record_now(conn, actor, "insider.alert", "user", alert.username, kind=alert.kind,
               window_start=hour.isoformat())


def list_alerts(conn: Connection, limit: int = 100) -> list[dict[str, Any]]:
    """Stored alerts, newest first, as the CLI and console show them."""
    q = select(InsiderAlert.__table__).order_by(InsiderAlert.window_start.desc(),
                                                InsiderAlert.id.desc())
    return [{"username": a.username, "kind": a.kind, "window_start": a.window_start.isoformat(),
             "score": a.score, "message": a.message}
            for a in conn.execute(q.limit(limit))]
