"""A real ``tearline sync`` killed (SIGKILL) mid-push and restarted: no loss, no duplicates.

Two real instances on loopback ports, each its own ``tearline serve`` and
database (both on the backend under test). Agency A pushes to agency B's
inbox; the test watches B's database and kills A's ``sync`` process as B's
count of A's objects grows during each run (so at several points of the push),
then runs ``sync`` again. Counted on the receiving server at the end: every object A may send B
is there exactly once (objects, and the report fragments B made of the report
SDOs), and nothing else arrived; and the last run resumed after what B had
already confirmed instead of starting over.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from tearline.ingest.run import ingest_file
from tearline.security.credentials import set_partner_password
from tearline.security.users import add_user
from tearline.share.partners import create_partner
from tearline.share.sync import PUSH_BATCH
from tearline.store.db import ensure_current, make_engine
from tearline.store.schema import Report, StixObject
from tests.conftest import admin_env
from tests.taxii.conftest import PASSWORD, TEARLINE, Server, indicator, start_server, stop_server

N_INDICATORS = 2400  # five push batches of 500 (share.sync.PUSH_BATCH), the last part-full
N_REPORTS = 30
#: Kill each run of A's sync this long after B's count of A's objects first grows
#: during it: several points of the push (each run resumes where the last stopped),
#: right after B committed a batch or while the next one is on its way.
KILL_AT = (0.0, 0.0)  # at once: on a quiet machine B takes a 500-object batch in ~0.05 s
GREEN = "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
RED = "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"


def _report_sdo(n: int) -> dict[str, Any]:
    return {"type": "report", "spec_version": "2.1",
            "id": f"report--00000000-0000-4000-9000-{n:012d}",
            "created": "2025-03-01T00:00:00.000Z", "modified": "2025-03-01T00:00:00.000Z",
            "name": f"Shared report {n} on a courier network", "published":
            "2025-03-01T00:00:00Z", "description": f"Courier network report {n}.",
            "object_refs": [indicator(n, "green")["id"]], "object_marking_refs": [GREEN]}


def _db(tmp: Path, name: str, backend: str) -> tuple[str, str | None]:
    if backend == "sqlite":
        return str(tmp / f"{name}.db"), None
    from tests.conftest import make_postgres_engine

    eng, schema = make_postgres_engine()
    url = eng.url.render_as_string(hide_password=False)
    eng.dispose()
    return url, schema


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, Any]]:
    """A (sender) holding what B may receive plus some it may not; B with A as a partner."""
    (a_db, a_schema), (b_db, b_schema) = (_db(tmp_path, "a", request.param),
                                          _db(tmp_path, "b", request.param))
    objects = [indicator(i, "green") for i in range(1, N_INDICATORS + 1)]
    objects += [_report_sdo(i) for i in range(1, N_REPORTS + 1)]
    withheld = [indicator(900_000 + i, "red") for i in range(5)]
    bundle = tmp_path / "a.json"
    bundle.write_text(json.dumps({"type": "bundle",
                                  "id": "bundle--11111111-2222-4333-8444-555555555599",
                                  "objects": objects + withheld}))
    a = make_engine(a_db)
    ensure_current(a)
    with a.begin() as conn:
        add_user(conn, "boss", actor="test", roles=["admin"], clearance="TOP SECRET")
        create_partner(conn, "BRV", "Bravoland Service", "core", actor="test")
    assert ingest_file(a, bundle).error is None
    a.dispose()
    b = make_engine(b_db)
    ensure_current(b)
    with b.begin() as conn:
        add_user(conn, "bob", actor="test", roles=["admin"], clearance="TOP SECRET")
        create_partner(conn, "ALN", "Alnland Service", "core", actor="test")
        set_partner_password(conn, "ALN", PASSWORD, actor="test")
    b.dispose()
    srv_b = start_server(b_db)
    try:
        yield {"a_db": a_db, "b": srv_b, "sent": {o["id"] for o in objects},
               "withheld": {o["id"] for o in withheld}}
    finally:
        stop_server(srv_b)
        from tests.conftest import drop_postgres_schema

        for schema in (a_schema, b_schema):
            if schema:
                drop_postgres_schema(schema)


def _sync_cmd(a_db: str, b: Server) -> list[str]:
    return [TEARLINE, "--db", a_db, "sync", "--partner", "BRV", "--url", b.discovery,
            "--user", "ALN", "--password", PASSWORD, "--no-pull", "--json"]


#: What a push sends ahead of a batch so nothing it sends dangles (share.sync): the
#: TLP definitions and identities its objects name. Counted apart from A's objects.
REFERENCE_TYPES = ("marking-definition", "identity")


def _count_from_a(engine: Engine) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(StixObject)
                                .where(StixObject.sender == "partner:ALN",
                                       StixObject.type.not_in(REFERENCE_TYPES))).scalar() or 0)


def test_a_killed_sync_resumes_without_loss_or_duplicates(pair: dict[str, Any]) -> None:
    a_db, b = pair["a_db"], pair["b"]
    env = {**os.environ, **admin_env(a_db)}
    b_engine = make_engine(b.db)
    kills: list[tuple[int, int]] = []  # (threshold, B's count when killed)
    assert _count_from_a(b_engine) == 0
    try:
        for delay in KILL_AT:
            threshold = _count_from_a(b_engine) + 1
            proc = subprocess.Popen(_sync_cmd(a_db, b), env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.PIPE)
            deadline = time.monotonic() + 240
            while proc.poll() is None and time.monotonic() < deadline:
                if _count_from_a(b_engine) >= threshold:
                    time.sleep(delay)
                    break
                time.sleep(0.01)
            assert proc.poll() is None, ("sync finished before the kill point", threshold,
                                         proc.stderr.read() if proc.stderr else b"")
            proc.send_signal(signal.SIGKILL)
            proc.wait()
            if proc.stderr:
                proc.stderr.close()
            kills.append((threshold, _count_from_a(b_engine)))
        print("kills (threshold, objects on B when killed):", kills)
        # Every kill landed mid-push: something had arrived, not everything.
        total = len(pair["sent"])
        assert all(0 < got < total for _, got in kills), kills
        done = subprocess.run(_sync_cmd(a_db, b), env=env, capture_output=True, text=True,
                              timeout=600)
        assert done.returncode == 0, done.stderr
        result = json.loads(done.stdout)
        assert sum(c["failed"] for c in result["pushed"].values()) == 0
        # It resumed: what B had confirmed before the last kill is not sent again
        # (at most the one batch in flight, which B takes as already held).
        resent = sum(c["sent"] for c in result["pushed"].values())
        assert resent <= total - kills[-1][1] + PUSH_BATCH, (resent, kills)

        with b_engine.connect() as conn:
            rows = list(conn.execute(select(StixObject.id, StixObject.version)
                                     .where(StixObject.sender == "partner:ALN",
                                            StixObject.type.not_in(REFERENCE_TYPES))))
            refs = list(conn.execute(select(StixObject.id)
                                     .where(StixObject.sender == "partner:ALN",
                                            StixObject.type.in_(REFERENCE_TYPES))).scalars())
            fragments = list(conn.execute(select(Report.stix_id)
                                          .where(Report.stix_id.is_not(None))))
        ids = [r.id for r in rows]
        assert len(ids) == len(set(ids)) == total, (len(ids), len(set(ids)), total)
        assert set(ids) == pair["sent"]  # no loss, and nothing withheld crossed
        assert not set(ids) & pair["withheld"]
        assert refs.count(GREEN) == 1 and RED not in refs, refs  # sent once, across kills
        frag_ids = [f.stix_id for f in fragments]
        assert len(frag_ids) == len(set(frag_ids)) == N_REPORTS, frag_ids[:5]

        # A second full run sends again only what B already holds: nothing new arrives.
        again = subprocess.run(_sync_cmd(a_db, b), env=env, capture_output=True, text=True,
                               timeout=600)
        assert again.returncode == 0, again.stderr
        assert _count_from_a(b_engine) == total
    finally:
        b_engine.dispose()
