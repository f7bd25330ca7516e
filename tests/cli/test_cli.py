"""The CLI end to end on a real SQLite file: listings, --json, exit codes, errors."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from tearline.cli import main
from tearline.demo_run import SCENARIO_DIR


@pytest.fixture
def db(tmp_path: Path) -> str:
    return str(tmp_path / "cli.db")


def run(db: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--db", db, *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_ingest_demo_then_list_filter_show(db: str) -> None:
    code, out = run(db, "ingest", "--json", str(SCENARIO_DIR))
    assert code == 0
    data = json.loads(out)
    assert data["totals"]["rejected_files"] == 0
    assert data["totals"]["new"] >= 48
    code, out = run(db, "ingest", str(SCENARIO_DIR))
    assert code == 0 and "0 new" in out and "already ingested, nothing new" in out

    _, out = run(db, "reports", "--json")
    reports = json.loads(out)
    assert len(reports) == 48
    _, out = run(db, "reports", "--json", "--category", "alert")
    alerts = json.loads(out)
    assert alerts and all(r["category"] == "alert" for r in alerts)
    _, out = run(db, "reports", "--json", "--tlp", "red")
    assert all(r["tlp"] == "red" for r in json.loads(out))
    _, out = run(db, "reports", "--json", "--since", "2025-03-14", "--until", "2025-03-15")
    dated = json.loads(out)
    assert dated and all("2025-03-14" <= (r["reported_at"] or "")[:10] <= "2025-03-15"
                         for r in dated)
    _, out = run(db, "reports", "--json", "--text", "steppe crown")
    assert all("steppe crown" in (r["title"] + r["body"]).lower() for r in json.loads(out))
    some = reports[0]
    _, out = run(db, "reports", "--json", "--agency", some["source"]["agency"])
    assert {r["source"]["agency"] for r in json.loads(out)} == {some["source"]["agency"]}

    ext = next(r for r in reports if r["external_id"])
    code, out = run(db, "show", "--json", ext["external_id"])
    assert code == 0 and json.loads(out)["id"] == ext["id"]
    code, out = run(db, "show", "no-such-report")
    assert code == 1 and "no report matches 'no-such-report'" in out

    _, out = run(db, "sources", "--json")
    sources = json.loads(out)
    assert len(sources) >= 6 and len({s["agency"] for s in sources}) >= 4
    assert sum(s["reports"] for s in sources) == 48


def test_rejected_file_gives_nonzero_exit(db: str, tmp_path: Path) -> None:
    (tmp_path / "bad.json").write_text("{nope")
    code, out = run(db, "ingest", str(tmp_path / "bad.json"))
    assert code == 1
    assert "rejected" in out and "bad.json" in out and "broken JSON" in out


def test_export_roundtrip_through_cli(db: str, tmp_path: Path) -> None:
    run(db, "ingest", str(SCENARIO_DIR))
    out_file = tmp_path / "out.json"
    code, _out = run(db, "export", "--stix", "--out", str(out_file))
    assert code == 0
    bundle = json.loads(out_file.read_text())
    types = {o["type"] for o in bundle["objects"]}
    assert {"report", "identity", "marking-definition", "indicator"} <= types
    # protected fields never leave: none of the demo's protected values is in the export
    from sqlalchemy import select

    from tearline.store.db import make_engine
    from tearline.store.schema import ReportProtected

    with make_engine(db).connect() as conn:
        secrets = [v for row in conn.execute(select(ReportProtected)).all()
                   for v in (row.source_identity, row.collection_method) if v]
    assert secrets, "the demo has protected fields"
    text = out_file.read_text()
    assert not [s for s in secrets if s in text]
    # and the export re-ingests into a fresh database without loss
    code, _ = run(str(tmp_path / "again.db"), "ingest", str(out_file))
    assert code == 0


def test_db_upgrade_and_bad_db_path(tmp_path: Path) -> None:
    code, out = run(str(tmp_path / "x.db"), "db", "upgrade")
    assert code == 0 and "→" in out
    code, out = run(str(tmp_path / "missing" / "x.db"), "sources")
    assert code == 1 and "no database at" in out


def test_demo_command_shows_the_chain(db: str) -> None:
    code, out = run(db, "demo")
    assert code == 0, out
    for heading in ("Reports (48)", "Sources", "Threat board", "Bias alarms"):
        assert heading in out
    assert "0 rejected" in out
    # the board names the concert-hall plot and judges it in ICD 203 words
    assert "Almaty" in out
    assert any(term in out for term in ("almost certain", "very likely", "likely"))
