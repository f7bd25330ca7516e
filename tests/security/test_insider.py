"""Insider alerts: a simulated week of normal use stays silent; one spree is raised.

Written before ``security.insider`` had thresholds: the week and the spree
describe behaviour, and the module's constants were not tuned on them.
"""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import Engine, select

from tearline.cli import main
from tearline.ingest.run import ingest_paths
from tearline.security.audit import AuditTrail
from tearline.security.insider import list_alerts, scan
from tearline.store.schema import AuditEntry, Report

MONDAY = datetime(2026, 11, 2, tzinfo=UTC)
USERS = {  # name: (compartment, first hour, last hour, reads per active hour)
    "ana": ("NTK:ORCHID", 8, 16, (4, 14)),
    "bo": ("NTK:LOTUS", 9, 17, (2, 9)),
    "cy": ("NTK:ORCHID", 12, 20, (8, 25)),
}


def _reports(engine: Engine, tmp: Path) -> dict[str, list[str]]:
    lines = []
    for comp in ("NTK:ORCHID", "NTK:LOTUS", "NTK:IRIS"):
        for i in range(40):
            lines.append(json.dumps({
                "title": f"{comp} report {i}", "body": f"Body {i} of {comp}.",
                "reported_at": "2026-10-01T10:00:00+00:00", "originator": "Northern Service",
                "caveats": [comp],
                "source": {"name": "HUM-1", "kind": "humint", "reliability": "C"}}))
    (tmp / "r.jsonl").write_text("\n".join(lines))
    ingest_paths(engine, [tmp / "r.jsonl"])
    out: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for rid, caveats in conn.execute(select(Report.id, Report.caveats)):
            out.setdefault(caveats[0], []).append(rid)
    return out


def _week(engine: Engine, ids: dict[str, list[str]], days: int) -> None:
    rng = random.Random(14)
    trail = AuditTrail()
    for day in range(days):
        if day % 7 in (5, 6):
            continue  # weekends off
        for user, (comp, first, last, (lo, hi)) in USERS.items():
            for hour in range(first, last + 1):
                if rng.random() < 0.25:
                    continue  # meetings
                at = MONDAY + timedelta(days=day, hours=hour)
                for _ in range(rng.randint(lo, hi)):
                    t = at + timedelta(minutes=rng.randint(0, 59))
                    trail.record_at(t, user, "report.read", "report", rng.choice(ids[comp]),
                                    reason="allowed")
                if rng.random() < 0.3:
                    trail.record_at(at, user, "report.list", "report", None,
                                    count=rng.randint(5, 40))
                if rng.random() < 0.05:
                    trail.record_at(at, user, "report.read.denied", "report", "report--x",
                                    reason="compartment")
    with engine.begin() as conn:
        trail.flush(conn)


def test_a_normal_week_is_silent_and_a_spree_is_raised(engine: Engine, tmp_path: Path) -> None:
    ids = _reports(engine, tmp_path)
    _week(engine, ids, days=14)
    # judge the second week's working days hour by hour against the days before
    with engine.begin() as conn:
        normal = scan(conn, MONDAY + timedelta(days=7), MONDAY + timedelta(days=12),
                      actor="test", baseline_days=7)
    assert normal == [], [a.message for a in normal]
    # the spree: bo, at 02:00 on the second Saturday, reads other compartments in bulk
    spree_at = MONDAY + timedelta(days=12, hours=2)
    trail = AuditTrail()
    for i, rid in enumerate(ids["NTK:ORCHID"] + ids["NTK:IRIS"]):
        trail.record_at(spree_at + timedelta(seconds=i), "bo", "report.read", "report", rid)
    trail.record_at(spree_at, "bo", "export.stix", "bundle", None, objects=2400)
    for i in range(6):
        trail.record_at(spree_at + timedelta(minutes=i), "bo", "report.read.denied", "report",
                        "report--y", reason="clearance")
    with engine.begin() as conn:
        trail.flush(conn)
        found = scan(conn, spree_at, spree_at + timedelta(hours=1), actor="test",
                     baseline_days=12)
    assert {a.username for a in found} == {"bo"}
    assert {a.kind for a in found} == {"volume", "hours", "compartment", "bulk-export",
                                       "refused"}
    with engine.connect() as conn:
        stored = list_alerts(conn)
        audited = conn.execute(select(AuditEntry.object_id)
                               .where(AuditEntry.action == "insider.alert")).scalars().all()
    assert len(stored) == 5 and set(audited) == {"bo"}
    assert "compartment" in {a["kind"] for a in stored}


def test_alerts_appear_in_tearline_alarms(tmp_path: Path) -> None:
    from tearline.store.db import ensure_current, make_engine

    db = str(tmp_path / "a.db")
    engine = make_engine(db)
    ensure_current(engine)
    trail = AuditTrail()
    at = datetime.now(UTC) - timedelta(minutes=5)
    for i in range(6):
        trail.record_at(at, "eve", "report.read.denied", "report", f"report--{i}")
    with engine.begin() as conn:
        trail.flush(conn)
    engine.dispose()
    res = CliRunner().invoke(main, ["--db", db, "insider", "scan", "--hours", "2"])
    assert res.exit_code == 0 and "refused" in res.output, res.output
    res = CliRunner().invoke(main, ["--db", db, "alarms"])
    assert res.exit_code == 0 and "insider.refused" in res.output, res.output
