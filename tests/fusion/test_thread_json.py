"""`tearline thread ID --json` shows each origin link's evidence and each event's anchor."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from tearline.cli import main
from tearline.demo_run import SCENARIO_DIR


def _run(db: str, *args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, ["--db", db, *args], catch_exceptions=False)
    return result.exit_code, result.output


def test_thread_json_has_link_evidence_and_event_anchors(tmp_path: Path) -> None:
    db = str(tmp_path / "t.db")
    assert _run(db, "ingest", str(SCENARIO_DIR))[0] == 0
    assert _run(db, "fuse")[0] == 0
    code, out = _run(db, "threads", "--json")
    assert code == 0
    biggest = max(json.loads(out), key=lambda t: t["fragments"])
    code, out = _run(db, "thread", biggest["id"], "--json")
    assert code == 0
    data = json.loads(out)
    links = [r for m in data["members"] for r in m["origin_reasons"]]
    assert links, "the demo's main thread has circular reporting"
    for link in links:
        assert link["kind"] in {"near_duplicate", "containment", "attribution"}
        assert isinstance(link["score"], float) and link["score"] > 0
        assert link["passage"], link
    assert data["timeline"] and all(e["anchors"] for e in data["timeline"])
    assert any(a != "report date" for e in data["timeline"] for a in e["anchors"])
