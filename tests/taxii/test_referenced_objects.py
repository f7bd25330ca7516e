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
            indicator(1, "green", created_by_ref=PARTNER_IDENTITY),
            indicator(2, "green", created_by_ref=own_identity_id()),
            indicator(3, None, object_marking_refs=[TLP_V1_WHITE]),
            indicator(4, None, object_marking_refs=[TLP["amber"], STATEMENT]),
            indicator(5, None, created_by_ref=HIDDEN_IDENTITY,
                      object_marking_refs=[TLP["red"], UNSEEN_STATEMENT]),
        ]
        result = ingest_file(engine, write_bundle(tmp / "refs.json", objects))
        assert result.error is None, result.error
        with engine.begin() as conn:  # the statement-marked indicator reaches CORE1 by release
            record_release(conn, indicator(4, None)["id"], "CORE1", approved_by="root")
        engine.dispose()
        with serving(db) as server:
            yield server


def _refs(objects: list[dict[str, Any]]) -> set[str]:
    out: set[str] = set()
    for o in objects:
        out |= set(o.get("object_marking_refs", []))
        if "created_by_ref" in o:
            out.add(o["created_by_ref"])
    return out


def test_every_reference_a_partner_receives_resolves(srv: Server) -> None:
    col = Collection(srv.collection_url("shared"), user="CORE1", password=PASSWORD)
    objects = col.get_objects().get("objects", [])
    seen = {o["id"] for o in objects}
    assert {indicator(n, None)["id"] for n in (1, 2, 3, 4)} <= seen
    assert indicator(5, None)["id"] not in seen
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


@pytest.mark.parametrize("hidden", [HIDDEN_IDENTITY, PARTNER_IDENTITY, UNSEEN_STATEMENT])
def test_what_no_visible_object_references_stays_hidden(srv: Server, hidden: str) -> None:
    col = Collection(srv.collection_url("shared"), user="CORE1", password=PASSWORD)
    with pytest.raises(requests.HTTPError) as exc:
        col.get_object(hidden)
    assert exc.value.response.status_code == 404
    assert exc.value.response.headers["content-type"].startswith("application/taxii+json")


def test_a_local_user_resolves_the_original_references(srv: Server) -> None:
    col = Collection(srv.collection_url("shared"), user="root", password=PASSWORD)
    objects = col.get_objects().get("objects", [])
    for ref in sorted(_refs(objects)):
        assert col.get_object(ref)["objects"][0]["id"] == ref, ref


def test_a_partner_export_names_no_identity_it_does_not_hold(srv: Server) -> None:
    """``export --as`` likewise ships the identities its re-marked objects point at."""
    import io

    import orjson

    from tearline.share.policy import Principal
    from tearline.share.stix_export import write_bundle

    engine = make_engine(srv.db)
    buf = io.BytesIO()
    try:
        with engine.begin() as conn:
            write_bundle(conn, buf, Principal.partner("CORE1", "core"))
    finally:
        engine.dispose()
    objects = orjson.loads(buf.getvalue())["objects"]
    held = {o["id"] for o in objects}
    creators = {o["created_by_ref"] for o in objects if "created_by_ref" in o}
    assert own_identity_id() in creators and PARTNER_IDENTITY not in creators
    assert creators <= held
    tlp_refs = {r for o in objects for r in o.get("object_marking_refs", [])
                if r in TLP.values()}
    assert tlp_refs <= held
