"""A warning's facets travel with it, and only its own (issue 9).

The demo's main case is released and delivered over TAXII to CSP, a
warning-only partner. CSP must get the warning report *and* the threat-actor
and location objects it names, by every way a partner reads — TAXII from a
real server, the REST warning item and object route on that server, and what
``sync`` pushes — and lose them all when the release is revoked. An object
that is not one of the warning's facets stays judged on its own even when a
warning names it, and a core partner without the release gets none of them.
"""

from __future__ import annotations

import json
from typing import Any

import orjson
import requests
from sqlalchemy import select
from taxii2client.v21 import Collection

from tearline.ingest.stix import check_object
from tearline.ingest.writer import Writer
from tearline.security.credentials import issue_partner_token, set_partner_password
from tearline.share.definitions import partner_definitions
from tearline.share.partners import create_partner
from tearline.share.policy import Principal, Tier
from tearline.share.releases import list_releases, revoke_release
from tearline.share.sync import push_batch, push_query
from tearline.store.db import make_engine
from tearline.store.schema import StixObject
from tests.taxii.conftest import Server, start_server, stop_server

from .conftest import PASSWORD, WarnDemo, public_main_thread

SECRET_ID = "indicator--5b0d3c1e-7a2f-4e6d-9c8b-1a2b3c4d5e6f"
TAXII = "application/taxii+json;version=2.1"


def _released_case(d: WarnDemo) -> str:
    """Drive the main case to released and deliver it to CSP over TAXII; its id."""
    thread = public_main_thread(d)
    [case] = [c for c in d.json("warn", "list")  # type: ignore[union-attr]
              if c["thread_id"] == thread]
    cid = case["short"]
    for args, user in ((("review", cid, "--note", "meets ICD 191"), "cat"),
                       (("approve", cid, "--reason", "duty applies"), "bob"),
                       (("draft", cid, "--instruction", "Protect concert venues in Almaty.",
                         "--text", "A cell plans an attack on a concert venue.",
                         "--window-start", "2025-03-05T16:00:00+00:00",
                         "--window-end", "2025-03-07T16:00:00+00:00"), "ana"),
                       (("sanitize", cid), "ana"), (("release", cid, "--reason", "ok"), "bob"),
                       (("deliver", cid, "--channel", "taxii", "--to", "CSP"), "ana")):
        code, out = d.run("warn", *args, user=user)
        assert code == 0, out
    return str(case["id"])


def _stored(d: WarnDemo, case_id: str) -> tuple[dict[str, Any], set[str]]:
    """The delivered report as stored, and the facet ids it names."""
    engine = make_engine(d.db)
    try:
        with engine.connect() as conn:
            text = conn.execute(select(StixObject.json)
                                .where(StixObject.id == case_id)).scalar_one()
            report = orjson.loads(text)
            facets = set(conn.execute(select(StixObject.id).where(
                StixObject.sender == f"warning:{case_id}")).scalars())
    finally:
        engine.dispose()
    return report, facets


def _plant_secret_reference(d: WarnDemo, report: dict[str, Any]) -> None:
    """A SECRET indicator, and a newer warning version naming it beside the facets.

    What an analyst could attempt to launder a hidden object through a
    released warning: the indicator is this agency's own object, not a facet.
    """
    secret = {"type": "indicator", "spec_version": "2.1", "id": SECRET_ID,
              "created": "2025-03-01T00:00:00.000Z", "modified": "2025-03-01T00:00:00.000Z",
              "name": "Handler's phone", "pattern": "[ipv4-addr:value = '203.0.113.9']",
              "pattern_type": "stix", "valid_from": "2025-03-01T00:00:00Z",
              "x_tearline_classification": "SECRET"}
    newer = {**report, "modified": "2030-01-01T00:00:00.000Z",
             "object_refs": [*report["object_refs"], SECRET_ID]}
    engine = make_engine(d.db)
    try:
        with engine.begin() as conn:
            writer = Writer(conn, "ana", "test:plant")
            writer.add_stix([check_object(secret, "objects[0]", "test"),
                             check_object(newer, "objects[1]", "test")])
            writer.finish({"kind": "test"})
            create_partner(conn, "CORE9", "Core partner", "core", actor="root")
            set_partner_password(conn, "CORE9", PASSWORD, actor="root")
    finally:
        engine.dispose()


def _taxii(server: Server, who: str) -> list[dict[str, Any]]:
    col = Collection(server.collection_url("shared"), user=who, password=PASSWORD)
    return list(col.get_objects().get("objects", []))


def _pushed(d: WarnDemo, who: Principal) -> list[dict[str, Any]]:
    """What ``tearline sync`` would push to ``who`` on a first run."""
    engine = make_engine(d.db)
    try:
        with engine.connect() as conn:
            texts = [t for t, _, _ in conn.execute(push_query(who, None, None))]
            sent = push_batch(conn, who, partner_definitions(conn, who), texts)
    finally:
        engine.dispose()
    return [orjson.loads(t) for t in sent if t is not None]


def _check_warning_with_facets(objects: list[dict[str, Any]], case_id: str,
                               facets: set[str], where: str) -> None:
    ids = {o["id"] for o in objects}
    reports = [o for o in objects if o["id"] == case_id]
    assert reports, f"{where}: the warning itself"
    assert facets <= ids, f"{where}: missing facets {sorted(facets - ids)}"
    assert SECRET_ID not in ids, where
    for r in reports:
        assert set(r["object_refs"]) == facets, f"{where}: {r['object_refs']}"
    for o in objects:
        assert SECRET_ID not in json.dumps(o), f"{where}: {o['id']} names the hidden object"


def test_a_warning_reaches_its_partner_with_its_facets_and_only_while_released(
        warn_demo: WarnDemo) -> None:
    d = warn_demo
    case_id = _released_case(d)
    report, facets = _stored(d, case_id)
    kinds = {f.split("--")[0] for f in facets}
    assert kinds == {"threat-actor", "location"}, facets
    assert set(report["object_refs"]) == facets  # the warning names its facets, not its issuer
    _plant_secret_reference(d, report)
    engine = make_engine(d.db)
    with engine.begin() as conn:
        token = issue_partner_token(conn, "CSP", actor="root")
    engine.dispose()
    csp = Principal.partner("CSP", Tier.WARNING_ONLY)
    server = start_server(d.db)
    try:
        got = _taxii(server, "CSP")
        _check_warning_with_facets(got, case_id, facets, "taxii objects")
        actors = [o for o in got if o["type"] == "threat-actor"]
        places = [o for o in got if o["type"] == "location"]
        assert actors and ("ISIS" in actors[0]["name"] or "Khorasan" in actors[0]["name"])
        assert [p["city"] for p in places] == ["Almaty"]
        assert all(o.get("x_tearline_releasability") == ["CSP"] for o in actors + places)

        # The same objects one by one, and the case, through the server's REST routes.
        shared = server.collection_url("shared")
        auth = {"Authorization": f"Bearer {token}", "Accept": TAXII}
        for fid in sorted(facets):
            r = requests.get(f"{shared}objects/{fid}/",
                             headers=auth, timeout=30)
            assert r.status_code == 200, (fid, r.text[:300])
            assert [o["id"] for o in r.json()["objects"]] == [fid]
        r = requests.get(f"{server.base}/api/v1/warnings/{case_id}",
                         headers={"Authorization": f"Bearer {token}"}, timeout=30)
        assert r.status_code == 200, r.text[:300]
        assert r.json()["item"]["tearline"]["facets"]["city"] == ["Almaty"]
        r = requests.get(f"{shared}objects/{SECRET_ID}/",
                         headers=auth, timeout=30)
        assert r.status_code == 404

        _check_warning_with_facets(_pushed(d, csp), case_id, facets, "sync push")

        # A core partner holds no release: neither the warning nor its facets.
        core = {o["id"] for o in _taxii(server, "CORE9")}
        assert not core & {case_id, *facets, SECRET_ID}, core
        pushed = {o["id"] for o in _pushed(d, Principal.partner("CORE9", Tier.CORE))}
        assert not pushed & {case_id, *facets, SECRET_ID}

        # Revoking the warning's release hides its facets again.
        engine = make_engine(d.db)
        with engine.begin() as conn:
            [rel] = list_releases(conn, object_id=case_id, partner_code="CSP")
            revoke_release(conn, rel["id"], actor="bob", reason="withdrawn")
        engine.dispose()
        after = {o["id"] for o in _taxii(server, "CSP")}
        assert not after & {case_id, *facets}, after
        assert not {o["id"] for o in _pushed(d, csp)} & {case_id, *facets}
    finally:
        stop_server(server)
