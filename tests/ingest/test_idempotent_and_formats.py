"""Ingesting the same content twice creates nothing; each format lands with its fields."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy import Engine, func, select

from tearline.ingest.run import ingest_paths
from tearline.store.schema import Report, ReportProtected, Source, StixObject
from tearline.store.view import ReportFilter, get_report, list_reports, report_to_dict

ARTICLE = """# Gunmen storm concert hall in Riga

Outlet: Baltic Ledger
By: Ana Ozola
Date: 2025-03-22T21:40:00+02:00
Credit: Northwire

RIGA, March 22 (Northwire) — Gunmen opened fire inside the Aurora concert hall.

At least 40 people were killed, officials said.
"""

NATIVE = {
    "external_id": "NSS-2025-031",
    "category": "warning",
    "title": "Imminent plot against a concert venue",
    "body": "A cell plans an attack on a large concert venue within the next 48 hours.",
    "reported_at": "2025-03-07T08:00:00+00:00",
    "received_at": "2025-03-07T09:15:00+00:00",
    "originator": "Northern Security Service",
    "source": {"name": "SIG-7", "kind": "sigint", "agency": "NSS", "reliability": "B"},
    "credibility": 2,
    "classification": "SECRET",
    "tlp": "amber+strict",
    "releasability": ["NRD", "ALB"],
    "caveats": ["NOFORN-LIKE"],
    "protected": {"source_identity": "asset GRAPEVINE", "collection_method": "intercept"},
}


def _count(engine: Engine, table: type) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar_one()


def test_same_content_twice_creates_nothing_new(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(ARTICLE)
    (tmp_path / "b.jsonl").write_text(json.dumps(NATIVE) + "\n")
    first = ingest_paths(engine, [tmp_path])
    assert first.totals() == {"files": 2, "new": 2, "unchanged": 0, "rejected_files": 0}
    counts = {t: _count(engine, t) for t in (Report, Source, ReportProtected)}
    again = ingest_paths(engine, [tmp_path])
    assert again.totals() == {"files": 2, "new": 0, "unchanged": 2, "rejected_files": 0}
    assert all(f.outcome == "unchanged" for f in again.files)
    assert {t: _count(engine, t) for t in counts} == counts
    # the same report in another file name (another channel) is still the same report
    (tmp_path / "copy.json").write_text(json.dumps(NATIVE))
    third = ingest_paths(engine, [tmp_path / "copy.json"])
    assert third.files[0].outcome == "unchanged"


def test_article_fields(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "a.md").write_text(ARTICLE)
    ingest_paths(engine, [tmp_path])
    with engine.connect() as conn:
        [(r, s)] = list_reports(conn, ReportFilter())
    assert r.title == "Gunmen storm concert hall in Riga"
    assert r.category == "news" and r.tlp == "clear"
    assert r.byline == "Ana Ozola" and r.outlet == "Baltic Ledger"
    assert r.reported_at is not None and r.reported_at.isoformat() == "2025-03-22T19:40:00+00:00"
    assert "credit:Northwire" in r.tags
    assert s.kind == "osint" and s.reliability == "F"
    assert r.body.startswith("RIGA, March 22")


def test_article_with_dateline_only(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "d.txt").write_text(
        "Blast at station\n\nVILNIUS, March 9, 2025 (Northwire) — A blast hit the station.\n")
    ingest_paths(engine, [tmp_path])
    with engine.connect() as conn:
        [(r, _)] = list_reports(conn, ReportFilter())
    assert r.reported_at is not None and r.reported_at.date().isoformat() == "2025-03-09"
    assert r.outlet == "Northwire" and r.byline is None


def test_native_fields_and_protected_kept_apart(engine: Engine, tmp_path: Path) -> None:
    (tmp_path / "w.json").write_text(json.dumps([NATIVE]))
    ingest_paths(engine, [tmp_path])
    with engine.connect() as conn:
        found = get_report(conn, "NSS-2025-031")
        assert found is not None
        r, s = found
        data = report_to_dict(r, s)
        prot = conn.execute(select(ReportProtected)).one()
    assert data["grade"] == "B2" and data["tlp"] == "amber+strict"
    assert data["releasability"] == ["ALB", "NRD"]
    assert data["source"]["agency"] == "NSS"
    assert prot.source_identity == "asset GRAPEVINE" and prot.collection_method == "intercept"
    flat = json.dumps(data)
    assert "GRAPEVINE" not in flat and "intercept" not in flat
    assert data["id"].startswith("report--")


def test_report_id_is_stable_across_databases(engine: Engine, sqlite_engine: Engine,
                                              tmp_path: Path) -> None:
    (tmp_path / "w.json").write_text(json.dumps(NATIVE))
    ingest_paths(engine, [tmp_path])
    ingest_paths(sqlite_engine, [tmp_path])
    ids = []
    for eng in (engine, sqlite_engine):
        with eng.connect() as conn:
            ids.append(conn.execute(select(Report.id)).scalar_one())
    assert ids[0] == ids[1]


def test_stix_versions_and_conflicting_content(engine: Engine, tmp_path: Path) -> None:
    base = {"type": "malware", "spec_version": "2.1",
            "id": "malware--0c7b5b88-8ff7-4a4d-aa9c-feb398cd0061", "name": "Gravel",
            "is_family": True, "created": "2025-01-01T00:00:00.000Z",
            "modified": "2025-01-01T00:00:00.000Z", "x_custom_thing": {"nested": [1, 2.5]}}
    v2 = {**base, "modified": "2025-02-01T00:00:00.000Z", "name": "Gravel v2"}
    bundle = {"type": "bundle", "id": "bundle--0c7b5b88-8ff7-4a4d-aa9c-feb398cd0062"}
    (tmp_path / "v1.json").write_text(json.dumps({**bundle, "objects": [base]}))
    (tmp_path / "v2.json").write_text(json.dumps({**bundle, "objects": [base, v2]}))
    s = ingest_paths(engine, [tmp_path / "v1.json", tmp_path / "v2.json"])
    assert [(f.new, f.unchanged) for f in s.files] == [(1, 0), (1, 1)]
    assert _count(engine, StixObject) == 2
    clash = {**base, "name": "Gravel (edited without new modified)"}
    (tmp_path / "clash.json").write_text(json.dumps({**bundle, "objects": [clash]}))
    bad = ingest_paths(engine, [tmp_path / "clash.json"]).files[0]
    assert bad.outcome == "rejected"
    assert "already stored with different content" in (bad.error or "")
    assert _count(engine, StixObject) == 2
