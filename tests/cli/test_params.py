"""Shared parameter types and the demo's keep-by-default, through the real CLI."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select

from tearline.cli import main
from tearline.demo_run import SCENARIO_DIR
from tearline.ingest.run import ingest_paths
from tearline.store import schema as S
from tearline.store.db import ensure_current, make_engine


def test_a_probability_outside_0_to_1_is_refused_before_anything_runs(tmp_path: Path) -> None:
    res = CliRunner().invoke(main, ["--db", str(tmp_path / "t.db"), "assess", "x",
                                    "--override", "7", "--reason", "r"])
    assert res.exit_code == 2
    assert "7" in res.output and "0<=x<=1" in res.output.replace(" ", "")


def test_dates_are_one_type_everywhere(tmp_path: Path) -> None:
    db = str(tmp_path / "t.db")
    for args in (["reports", "--since", "last tuesday"], ["asof", "x", "--at", "3/6/25"]):
        res = CliRunner().invoke(main, ["--db", db, *args])
        assert res.exit_code == 2, res.output
        assert "is not a date or time; use YYYY-MM-DD or ISO 8601" in res.output


def test_demo_keeps_an_existing_database_unless_fresh(tmp_path: Path) -> None:
    db = tmp_path / "kept.db"
    engine = make_engine(str(db))
    ensure_current(engine)
    ingest_paths(engine, [SCENARIO_DIR / "agencies" / "nrd.jsonl"])
    with engine.connect() as conn:
        before = conn.execute(select(func.min(S.Report.ingested_at))).scalar_one()
    engine.dispose()
    res = CliRunner().invoke(main, ["--db", str(db), "demo"])
    assert res.exit_code == 0, res.output
    engine = make_engine(str(db))
    with engine.connect() as conn:
        # The first ingest's rows are still there: the file was not deleted.
        assert conn.execute(select(func.min(S.Report.ingested_at))).scalar_one() == before
    engine.dispose()
