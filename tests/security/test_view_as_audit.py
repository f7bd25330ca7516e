"""``--as`` reads are audited under the signed-in user, with the viewed principal beside it.

Through real ``tearline`` processes on both backends: an approver views the
store as a partner and as another user; every read row the commands append
names the approver as the actor (so insider alerts count it against them) and
carries ``viewed_as``. A plain read carries no ``viewed_as``.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from tearline.ingest.run import ingest_file
from tearline.security.credentials import issue_user_token
from tearline.security.users import add_user
from tearline.share.partners import create_partner
from tearline.store.schema import AuditEntry, Report
from tests.taxii.conftest import TEARLINE

SCENARIO = Path(__file__).parents[2] / "tearline" / "demo" / "scenario" / "agencies"


def _rows_after(engine: Engine, seq: int) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(select(AuditEntry.actor, AuditEntry.action, AuditEntry.detail)
                                 .where(AuditEntry.seq > seq).order_by(AuditEntry.seq)))


def _tip(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(AuditEntry.seq).order_by(AuditEntry.seq.desc())
                                .limit(1)).scalar() or 0)


def test_view_as_reads_are_the_acting_users(engine: Engine) -> None:
    db = engine.url.render_as_string(hide_password=False)
    with engine.begin() as conn:
        add_user(conn, "root", actor="test", roles=["admin"], clearance="TOP SECRET")
        add_user(conn, "apo", actor="test", roles=["approver"], clearance="TOP SECRET",
                 compartments=["*"])
        add_user(conn, "ana", actor="test", roles=["analyst"], clearance="CONFIDENTIAL")
        create_partner(conn, "NRD", "Partner NRD", "core", actor="test")
        token = issue_user_token(conn, "apo", actor="test")
    assert ingest_file(engine, SCENARIO / "nrd.jsonl").error is None
    with engine.connect() as conn:
        rid = conn.execute(select(Report.id).limit(1)).scalar()
    assert rid

    def run(*args: str) -> None:
        res = subprocess.run([TEARLINE, "--db", db, *args], capture_output=True, text=True,
                             env={**os.environ, "TEARLINE_TOKEN": token}, timeout=180)
        # a report the viewed partner may not see is refused, and that read is audited too
        assert res.returncode == 0 or "may see" in res.stderr, res.stderr

    cases = [
        (("reports", "--as", "NRD", "--json"), "report.list", "partner:NRD"),
        (("show", str(rid), "--as", "NRD", "--json"), "report.read", "partner:NRD"),
        (("reports", "--as", "user:ana", "--json"), "report.list", "ana"),
        (("export", "--as", "NRD"), "export.stix", "partner:NRD"),
    ]
    for args, action, viewed in cases:
        seq = _tip(engine)
        run(*args)
        rows = [r for r in _rows_after(engine, seq) if r.action.startswith(action)]
        assert rows, (args, _rows_after(engine, seq))
        for r in rows:
            assert r.actor == "apo", (args, r)
            assert r.detail.get("viewed_as") == viewed, (args, r)
    seq = _tip(engine)
    run("reports", "--json")
    rows = [r for r in _rows_after(engine, seq) if r.action == "report.list"]
    assert rows and all(r.actor == "apo" and "viewed_as" not in r.detail for r in rows)
