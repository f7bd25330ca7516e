"""Two Tearline instances, two databases, two processes: what sync may and may not move.

Agency A ("ALN") shares with agency B ("BRV"), a *selective* partner in A's
records: B may receive only what an approver in A explicitly released to it.
A holds three reports — one released to B, one not, and one released whose
protected fields (true source identity, collection method) must never leave A.
Every byte between the instances goes through a recording proxy so the test
can say what was on the wire, not only what was stored.
"""

from __future__ import annotations

import json
import os
import subprocess
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from sqlalchemy import select, text
from taxii2client.v21 import Collection

from tearline.ingest.run import ingest_file
from tearline.security.credentials import set_partner_password
from tearline.security.users import add_user
from tearline.share.partners import create_partner
from tearline.share.releases import record_release
from tearline.store.db import make_engine
from tearline.store.schema import Report, StixObject, SyncState
from tests.conftest import admin_env

from .conftest import (
    BACKENDS,
    PASSWORD,
    TEARLINE,
    Server,
    TcpProxy,
    free_port,
    fresh_db,
    migrated,
    serving,
)

SECRETS = ("AGENT NIGHTJAR-7731", "implant on router ZX-42", "meet only at the dacha")
AMBER = "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"


def _report(n: int, title: str, **extra: object) -> dict[str, object]:
    return {"external_id": f"ALN-2025-{n:04d}", "title": title,
            "body": f"{title}. Details for report {n}.",
            "reported_at": f"2025-03-0{n}T08:00:00+00:00",
            "originator": "Alnland Service", "tlp": "amber", "classification": "UNCLASSIFIED",
            "source": {"name": f"HUMINT-{n}", "kind": "humint", "reliability": "B"},
            "credibility": 2, **extra}


def _recorder(port: int) -> TcpProxy:
    """A proxy in front of one instance that keeps every byte between the two."""
    return TcpProxy(free_port(), ("127.0.0.1", port), record=True).start()


@pytest.fixture(params=BACKENDS)
def pair(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[dict[str, object]]:
    """Agency A (the sender) on each backend; agency B on a SQLite file we can grep."""
    with fresh_db(request.param, tmp_path) as a_db:
        yield from _pair(a_db, str(tmp_path / "b.db"), tmp_path)


def _pair(a_db: str, b_db: str, tmp_path: Path) -> Iterator[dict[str, object]]:
    reports = [
        _report(1, "Courier network moving funds through Tashkent"),
        _report(2, "Internal note on a liaison meeting, not for release"),
        _report(3, "Cell leader plans travel to Almaty",
                protected={"source_identity": SECRETS[0], "collection_method": SECRETS[1],
                           "handling_notes": SECRETS[2]}),
    ]
    feed = tmp_path / "aln.jsonl"
    feed.write_text("\n".join(json.dumps(r) for r in reports) + "\n")
    a = migrated(a_db)
    with a.begin() as conn:
        add_user(conn, "boss", actor="test", roles=["admin", "approver"], password=PASSWORD,
                 clearance="TOP SECRET")
        create_partner(conn, "BRV", "Bravoland Service", "selective", actor="test")
        set_partner_password(conn, "BRV", PASSWORD, actor="test")
    assert ingest_file(a, feed).error is None
    with a.begin() as conn:
        ids = dict(conn.execute(select(Report.external_id, Report.id)).all())
        for ext in ("ALN-2025-0001", "ALN-2025-0003"):
            record_release(conn, ids[ext], "BRV", approved_by="boss")
    b = migrated(b_db)
    with b.begin() as conn:
        add_user(conn, "bob", actor="test", roles=["analyst"], password=PASSWORD)
        create_partner(conn, "ALN", "Alnland Service", "core", actor="test")
        set_partner_password(conn, "ALN", PASSWORD, actor="test")
    a.dispose()
    b.dispose()
    with serving(a_db) as srv_a, serving(b_db) as srv_b:
        rec_a = _recorder(int(srv_a.base.rsplit(":", 1)[1]))
        rec_b = _recorder(int(srv_b.base.rsplit(":", 1)[1]))
        try:
            yield {"a": srv_a, "b": srv_b, "ids": ids, "rec_a": rec_a, "rec_b": rec_b,
                   "tmp": tmp_path}
        finally:
            rec_a.stop()
            rec_b.stop()


def _sync(db: str, partner: str, port: int, login: str, *extra: str) -> dict[str, object]:
    out = subprocess.run(
        [TEARLINE, "--db", db, "sync", "--partner", partner, "--url",
         f"http://127.0.0.1:{port}/taxii2/", "--user", login, "--password", PASSWORD,
         "--json", *extra],
        capture_output=True, text=True, timeout=120, check=False,
        env={**os.environ, **admin_env(db)})
    assert out.returncode == 0, out.stderr
    result: dict[str, object] = json.loads(out.stdout)
    return result


def _stored(db: str) -> dict[str, dict[str, object]]:
    eng = make_engine(db)
    with eng.connect() as conn:
        rows = {oid: json.loads(js) for oid, js in conn.execute(
            select(StixObject.id, StixObject.json))}
    eng.dispose()
    return rows


def test_sync_moves_released_reports_with_markings_and_nothing_else(
        pair: dict[str, object]) -> None:
    a, b = pair["a"], pair["b"]
    assert isinstance(a, Server) and isinstance(b, Server)
    ids: dict[str, str] = pair["ids"]  # type: ignore[assignment]
    rec_a, rec_b = pair["rec_a"], pair["rec_b"]
    released = {ids["ALN-2025-0001"], ids["ALN-2025-0003"]}
    withheld = ids["ALN-2025-0002"]

    # B pulls from A (as partner BRV), then A pushes to B's inbox (as partner ALN).
    pulled = _sync(b.db, "ALN", rec_a.port, "BRV", "--no-push")  # type: ignore[attr-defined]
    assert sum(c["new"] for c in pulled["pulled"].values()) == 2  # type: ignore[union-attr]
    pushed = _sync(a.db, "BRV", rec_b.port, "ALN", "--no-pull")  # type: ignore[attr-defined]
    assert sum(c["sent"] for c in pushed["pushed"].values()) == 2  # type: ignore[union-attr]
    assert sum(c["failed"] for c in pushed["pushed"].values()) == 0  # type: ignore[union-attr]

    stored = _stored(b.db)
    assert released <= set(stored)
    assert withheld not in stored
    for oid in released:
        assert stored[oid]["object_marking_refs"] == [AMBER]
        # Re-marked for B (issue 9, finding 4): none of A's collection details cross.
        for internal in ("x_tearline_classification", "x_tearline_source",
                         "x_tearline_source_kind"):
            assert internal not in stored[oid]

    # B's analysts see the reports through B's own TAXII server, markings intact …
    col = Collection(b.collection_url("shared"), user="bob", password=PASSWORD)
    seen = {o["id"]: o for o in col.get_objects(type="report")["objects"]}
    assert set(seen) == released
    assert all(o["object_marking_refs"] == [AMBER] for o in seen.values())
    # … and as fragments for fusion (pulled report SDOs are projected like ingest).
    eng = make_engine(b.db)
    with eng.connect() as conn:
        titles = set(conn.execute(select(Report.title)).scalars())
        state = conn.execute(select(SyncState.collection, SyncState.added_after)).all()
    eng.dispose()
    assert "Cell leader plans travel to Almaty" in titles
    assert not any("liaison meeting" in t for t in titles)
    assert state

    # Incremental and idempotent: a second run moves nothing new.
    again = _sync(b.db, "ALN", rec_a.port, "BRV")  # type: ignore[attr-defined]
    assert sum(c["new"] for c in again["pulled"].values()) == 0  # type: ignore[union-attr]
    again_push = _sync(a.db, "BRV", rec_b.port, "ALN", "--no-pull")  # type: ignore[attr-defined]
    assert sum(c["sent"] for c in again_push["pushed"].values()) == 0  # type: ignore[union-attr]

    # Protected fields never crossed: not on the wire, not anywhere in B's files.
    wire = bytes(rec_a.data) + bytes(rec_b.data)  # type: ignore[attr-defined]
    assert b"Tashkent" in wire  # the recorder did see the traffic
    b_files = b"".join(p.read_bytes() for p in Path(b.db).parent.glob("b.db*"))
    for secret in SECRETS:
        assert secret.encode() not in wire
        assert secret.encode() not in b_files
    assert b"liaison meeting" not in wire and b"liaison meeting" not in b_files
    eng = make_engine(b.db)
    with eng.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM report_protected")).scalar() == 0
    eng.dispose()


def _cli_json(db: str, *args: str) -> object:
    out = subprocess.run([TEARLINE, "--db", db, *args, "--json"], capture_output=True,
                         text=True, timeout=300, check=False,
                         env={**os.environ, **admin_env(db)})
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def test_b_analysts_work_with_what_a_released_and_nothing_is_lost_under_load(
        pair: dict[str, object]) -> None:
    """Issue 9, finding 9 and the two-instance test of its "done when"."""
    a, b = pair["a"], pair["b"]
    assert isinstance(a, Server) and isinstance(b, Server)
    rec_a = pair["rec_a"]
    _sync(b.db, "ALN", rec_a.port, "BRV", "--no-push")  # type: ignore[attr-defined]

    # B's analysts: in B's reports, over B's REST, and in a thread after B fuses.
    listed = _cli_json(b.db, "reports")
    assert isinstance(listed, list | dict)
    text_out = json.dumps(listed)
    assert "Cell leader plans travel to Almaty" in text_out
    assert "liaison meeting" not in text_out
    r = requests.get(f"{b.base}/api/v1/reports", auth=("bob", PASSWORD), timeout=30)
    assert r.status_code == 200, r.text
    rest = {i["title"]: i for i in r.json()["items"]}
    assert {"Courier network moving funds through Tashkent",
            "Cell leader plans travel to Almaty"} <= set(rest)
    assert {i["originator"] for i in rest.values()} == {"Alnland Service"}
    fuse = subprocess.run([TEARLINE, "--db", b.db, "fuse"], capture_output=True, text=True,
                          timeout=300, check=False, env={**os.environ, **admin_env(b.db)})
    assert fuse.returncode == 0, fuse.stderr
    threads = _cli_json(b.db, "threads")
    assert isinstance(threads, list)
    # B holds nothing but what A released, so every fragment in a thread is one of them.
    assert sum(int(t["fragments"]) for t in threads) == 2, threads

    # 16 concurrent writers on A while B keeps pulling: nothing lost, nothing twice.
    eng = make_engine(a.db)
    with eng.begin() as conn:
        from tearline.share.partners import update_partner

        update_partner(conn, "BRV", actor="test", tier="core")  # GREEN now reaches B
    eng.dispose()
    writers, per = 16, 50
    batches = [[_green(w * per + i) for i in range(per)] for w in range(writers)]
    wanted = {o["id"] for batch in batches for o in batch}
    done = threading.Event()
    new_counts: list[int] = []

    def puller() -> None:
        while True:
            finished = done.is_set()
            got = _sync(b.db, "ALN", rec_a.port, "BRV", "--no-push")  # type: ignore[attr-defined]
            new_counts.append(sum(c["new"] for c in got["pulled"].values()))  # type: ignore[union-attr]
            if finished:
                return

    outcomes: list[int] = []

    def write(batch: list[dict[str, object]]) -> None:
        resp = requests.post(f"{a.collection_url('shared')}objects/", auth=("boss", PASSWORD),
                             data=json.dumps({"objects": batch}), timeout=120,
                             headers={"Content-Type": TAXII_MEDIA, "Accept": TAXII_MEDIA})
        outcomes.append(resp.json().get("success_count", -1) if resp.status_code == 202 else -1)

    pull = threading.Thread(target=puller)
    pull.start()
    workers = [threading.Thread(target=write, args=(batch,)) for batch in batches]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    done.set()
    pull.join(timeout=600)
    assert outcomes == [per] * writers
    stored = _stored(b.db)
    assert wanted <= set(stored), f"B lost {len(wanted - set(stored))} of {len(wanted)}"
    assert sum(new_counts) == len(wanted)  # each object arrived exactly once


TAXII_MEDIA = "application/taxii+json;version=2.1"


def _green(n: int) -> dict[str, object]:
    return {"type": "indicator", "spec_version": "2.1",
            "id": f"indicator--10000000-0000-4000-8000-{n:012d}",
            "created": "2025-03-01T00:00:00.000Z", "modified": "2025-03-01T00:00:00.000Z",
            "name": f"load {n}", "pattern": f"[ipv4-addr:value = '10.1.{n // 250}.{n % 250}']",
            "pattern_type": "stix", "valid_from": "2025-03-01T00:00:00Z",
            "object_marking_refs": ["marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"]}
