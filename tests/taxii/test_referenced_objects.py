"""Finding 12: what a partner's objects reference can be fetched (no dangling references).

Through the OASIS ``taxii2-client`` against a real ``tearline serve``: every
``created_by_ref`` and ``object_marking_refs`` entry in what a partner
receives resolves with ``get_object``, while an identity or marking-definition
no visible object references stays a 404.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from taxii2client.v21 import Collection

from tearline import settings
from tearline.ingest.run import ingest_file
from tearline.security.users import add_user
from tearline.share.releases import record_release
from tearline.share.remark import own_identity_id
from tearline.store.db import make_engine

from .conftest import (
    BACKENDS,
    PASSWORD,
    TLP,
    Server,
    add_partners,
    fresh_db,
    indicator,
    migrated,
    serving,
    write_bundle,
)

PARTNER_IDENTITY = "identity--7a0b1c2d-3e4f-4a5b-8c6d-7e8f9a0b1c2d"
HIDDEN_IDENTITY = "identity--8b1c2d3e-4f5a-4b6c-9d7e-8f9a0b1c2d3e"
STATEMENT = "marking-definition--9c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"
UNSEEN_STATEMENT = "marking-definition--0d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f60"
TLP_V1_WHITE = "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"
#: A statement this store never received: a partner could not resolve it.
MISSING_STATEMENT = "marking-definition--1e4f5a6b-7c8d-4e9f-8a0b-2c3d4e5f6071"
#: A statement whose own marking (TLP:RED) keeps it from partners.
RED_STATEMENT = "marking-definition--2f5a6b7c-8d9e-4fa0-9b1c-3d4e5f607182"
#: Released to CORE1 with a marking it cannot resolve: crosses as TLP:RED, ref dropped.
WITHHELD_MARKINGS = {6: [TLP["green"], MISSING_STATEMENT], 7: [RED_STATEMENT]}


def _identity(oid: str, name: str) -> dict[str, Any]:
    return {"type": "identity", "spec_version": "2.1", "id": oid, "name": name,
            "created": "2025-03-01T00:00:00.000Z", "modified": "2025-03-01T00:00:00.000Z",
            "identity_class": "organization"}


def _statement(oid: str, text: str) -> dict[str, Any]:
    return {"type": "marking-definition", "spec_version": "2.1", "id": oid,
            "created": "2025-03-01T00:00:00.000Z", "definition_type": "statement",
            "definition": {"statement": text}}


@pytest.fixture(scope="module", params=BACKENDS)
def srv(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
        ) -> Iterator[Server]:
    tmp = tmp_path_factory.mktemp("refs")
    with fresh_db(request.param, tmp, "refs.db") as db:
        engine = migrated(db)
        with engine.begin() as conn:
            add_user(conn, "root", actor="test", roles=["admin", "approver"],
                     clearance="TOP SECRET", compartments=["NTK:*"], password=PASSWORD)
            add_partners(conn, {"CORE1": "core"})
        objects = [
            _identity(PARTNER_IDENTITY, "A liaison service"),
            _identity(HIDDEN_IDENTITY, "A victim organisation"),
            _identity(own_identity_id(), settings.OWNER_AGENCY),
            _statement(STATEMENT, "Copyright the liaison service"),
            _statement(UNSEEN_STATEMENT, "Never attached to anything a partner sees"),
            {**_statement(RED_STATEMENT, "Handling caveat naming a source"),
             "object_marking_refs": [TLP["red"]]},
            indicator(1, "green", created_by_ref=PARTNER_IDENTITY),
            indicator(2, "green", created_by_ref=own_identity_id()),
            indicator(3, None, object_marking_refs=[TLP_V1_WHITE]),
            indicator(4, None, object_marking_refs=[TLP["amber"], STATEMENT]),
            indicator(5, None, created_by_ref=HIDDEN_IDENTITY,
                      object_marking_refs=[TLP["red"], UNSEEN_STATEMENT]),
            *(indicator(n, None, object_marking_refs=refs)
              for n, refs in WITHHELD_MARKINGS.items()),
            indicator(8, "green", granular_markings=[
                {"marking_ref": STATEMENT, "selectors": ["description"]},
                {"marking_ref": MISSING_STATEMENT, "selectors": ["name"]}],
                description="granular markings on two properties"),
        ]
        result = ingest_file(engine, write_bundle(tmp / "refs.json", objects))
        assert result.error is None, result.error
        with engine.begin() as conn:  # statement-marked indicators reach CORE1 by release
            for n in (4, *WITHHELD_MARKINGS):
                record_release(conn, indicator(n, None)["id"], "CORE1", approved_by="root")
        engine.dispose()
        with serving(db) as server:
            yield server


def _refs(objects: list[dict[str, Any]]) -> set[str]:
    out: set[str] = set()
    for o in objects:
        out |= set(o.get("object_marking_refs", []))
        out |= {g["marking_ref"] for g in o.get("granular_markings", [])}
        if "created_by_ref" in o:
            out.add(o["created_by_ref"])
    return out


def _check_withheld(objects: list[dict[str, Any]]) -> None:
    """Markings CORE1 cannot resolve are gone, and the objects cross as TLP:RED."""
    by_id = {o["id"]: o for o in objects}
    for n in (*WITHHELD_MARKINGS, 8):
        got = by_id[indicator(n, None)["id"]]
        assert got["object_marking_refs"] == [TLP["red"]], (n, got)
    assert by_id[indicator(8, None)["id"]]["granular_markings"] == [
        {"marking_ref": STATEMENT, "selectors": ["description"]}]
    assert by_id[indicator(4, None)["id"]]["object_marking_refs"] == [TLP["amber"], STATEMENT]
    refs = _refs(objects)
    assert MISSING_STATEMENT not in refs and RED_STATEMENT not in refs


def test_every_reference_a_partner_receives_resolves(srv: Server) -> None:
    col = Collection(srv.collection_url("shared"), user="CORE1", password=PASSWORD)
    objects = col.get_objects().get("objects", [])
    seen = {o["id"] for o in objects}
    assert {indicator(n, None)["id"] for n in (1, 2, 3, 4)} <= seen
    assert indicator(5, None)["id"] not in seen
    _check_withheld(objects)
    refs = _refs(objects)
    assert STATEMENT in refs and own_identity_id() in refs
    for ref in sorted(refs):
        got = col.get_object(ref)["objects"]
        assert [o["id"] for o in got] == [ref], ref
        assert got[0]["type"] in ("identity", "marking-definition")
    assert col.get_object(TLP_V1_WHITE)["objects"][0]["definition"] == {"tlp": "white"}
    assert col.get_object(TLP["amber"])["objects"][0]["name"] == "TLP:AMBER"
    # the liaison service is not named to a partner: its identity stays hidden
    assert PARTNER_IDENTITY not in refs
    # each such answer is a read like any other: audited under the partner's name
    from sqlalchemy import select

    from tearline.store.schema import AuditEntry

    engine = make_engine(srv.db)
    with engine.connect() as conn:
        audited = {i for r in conn.execute(
            select(AuditEntry.detail).where(AuditEntry.action == "taxii.read",
                                            AuditEntry.actor == "partner:CORE1"))
                   if r.detail.get("referenced") for i in r.detail["ids"]}
    engine.dispose()
    assert audited and audited <= refs | {TLP_V1_WHITE, TLP["amber"]}


@pytest.mark.parametrize("hidden", [HIDDEN_IDENTITY, PARTNER_IDENTITY, UNSEEN_STATEMENT,
                                    RED_STATEMENT, MISSING_STATEMENT])
def test_what_no_visible_object_references_stays_hidden(srv: Server, hidden: str) -> None:
    col = Collection(srv.collection_url("shared"), user="CORE1", password=PASSWORD)
    with pytest.raises(requests.HTTPError) as exc:
        col.get_object(hidden)
    assert exc.value.response.status_code == 404
    assert exc.value.response.headers["content-type"].startswith("application/taxii+json")


def test_a_local_user_resolves_the_original_references(srv: Server) -> None:
    col = Collection(srv.collection_url("shared"), user="root", password=PASSWORD)
    objects = col.get_objects().get("objects", [])
    refs = _refs(objects)
    assert {RED_STATEMENT, MISSING_STATEMENT} <= refs  # our own analysts see them as stored
    for ref in sorted(refs - {MISSING_STATEMENT}):  # one we never received stays missing
        assert col.get_object(ref)["objects"][0]["id"] == ref, ref


def _dangling(objects: list[dict[str, Any]]) -> set[str]:
    """Marking and creator references that name no object of the same set."""
    return _refs(objects) - {o["id"] for o in objects}


def test_a_partner_export_is_valid_and_names_nothing_it_does_not_hold(srv: Server) -> None:
    """``export --as``: identities and definitions ship along, the rest is dropped with a reason."""
    import io

    import orjson
    from sqlalchemy import select
    from stix2validator import ValidationOptions, validate_instance

    from tearline.share.policy import Principal
    from tearline.share.stix_export import write_bundle
    from tearline.store.schema import AuditEntry

    engine = make_engine(srv.db)
    buf = io.BytesIO()
    try:
        with engine.begin() as conn:
            write_bundle(conn, buf, Principal.partner("CORE1", "core"))
        with engine.connect() as conn:
            detail = conn.execute(select(AuditEntry.detail).where(
                AuditEntry.action == "export.stix").order_by(AuditEntry.seq.desc())).scalar()
    finally:
        engine.dispose()
    bundle = orjson.loads(buf.getvalue())
    objects = bundle["objects"]
    # The schema and the MUSTs (strict mode also fails the test data's missing descriptions)
    result = validate_instance(bundle, ValidationOptions())
    assert result.is_valid, [str(e) for e in result.errors]
    assert _dangling(objects) == set()
    _check_withheld(objects)
    held = {o["id"] for o in objects}
    assert {STATEMENT, own_identity_id()} <= held
    assert not {PARTNER_IDENTITY, RED_STATEMENT, UNSEEN_STATEMENT} & held
    withheld = detail["markings_withheld"]
    assert "not held here" in withheld[indicator(6, None)["id"]][MISSING_STATEMENT]
    assert "marked beyond" in withheld[indicator(7, None)["id"]][RED_STATEMENT]


def test_a_sync_push_sends_what_its_objects_reference(srv: Server, tmp_path: Any) -> None:
    """What ``sync`` pushes to a partner resolves in the partner's own store."""
    import json
    import os
    import subprocess

    from sqlalchemy import select

    from tearline.store.schema import StixObject
    from tests.conftest import admin_env

    from .conftest import TEARLINE

    b_db = str(tmp_path / "b.db")
    b = migrated(b_db)
    with b.begin() as conn:
        add_user(conn, "bob", actor="test", roles=["analyst"], password=PASSWORD)
        add_partners(conn, {"HOME1": "core"})
    b.dispose()
    with serving(b_db) as remote:
        out = subprocess.run(
            [TEARLINE, "--db", srv.db, "sync", "--partner", "CORE1", "--url", remote.discovery,
             "--user", "HOME1", "--password", PASSWORD, "--no-pull", "--json"],
            capture_output=True, text=True, timeout=300, check=False,
            env={**os.environ, **admin_env(srv.db)})
        assert out.returncode == 0, out.stderr
        pushed = json.loads(out.stdout)["pushed"]
        assert sum(c["failed"] for c in pushed.values()) == 0, pushed
        assert sum(c["references"] for c in pushed.values()) > 0, pushed
    b = make_engine(b_db)
    with b.connect() as conn:
        objects = [json.loads(t) for t in conn.execute(select(StixObject.json)).scalars()]
    b.dispose()
    assert {indicator(n, None)["id"] for n in (1, 2, 3, 4, 6, 7, 8)} <= {o["id"] for o in objects}
    assert _dangling(objects) == set()
    _check_withheld(objects)
