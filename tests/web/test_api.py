"""The REST API in process: policy on every route, auth, roles, one error shape, OpenAPI."""

from __future__ import annotations

import base64
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest
from fastapi.routing import APIRoute
from sqlalchemy import Engine, insert

from tearline.fusion.query import public_thread_id
from tearline.store.schema import Thread, ThreadMember, Warning
from tearline.web.api import PREFIX, error_body
from tearline.web.app import make_app
from tests.share.policy_cases import (
    PASSWORD,
    PRINCIPALS,
    PROTECTED_SENTINELS,
    Seeded,
    expected_ids,
    seed,
)

with warnings.catch_warnings():  # Starlette nags about httpx vs its fork; both work
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

ERROR_KEYS = ["ok", "error", "errors", "status"]


@pytest.fixture
def api(engine: Engine) -> Iterator[tuple[TestClient, Seeded, Engine]]:
    s = seed(engine)
    with TestClient(make_app(engine)) as client:
        yield client, s, engine


@pytest.fixture
def local_api(sqlite_engine: Engine) -> Iterator[tuple[TestClient, Seeded, Engine]]:
    s = seed(sqlite_engine)
    with TestClient(make_app(sqlite_engine)) as client:
        yield client, s, sqlite_engine


def bearer(s: Seeded, who: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {s.tokens[who]}"}


def basic(user: str, password: str = PASSWORD) -> dict[str, str]:
    raw = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {raw}"}


def assert_error(resp: Any, status: int) -> dict[str, Any]:
    assert resp.status_code == status, resp.text
    body = resp.json()
    assert list(body) == ERROR_KEYS
    assert body["ok"] is False and body["status"] == status
    assert isinstance(body["error"], str) and body["error"]
    assert isinstance(body["errors"], list)
    return dict(body)


# -- policy on the report routes, both backends -------------------------------------------
@pytest.mark.parametrize("who", PRINCIPALS)
def test_rest_list_reports(api: tuple[TestClient, Seeded, Engine], who: str) -> None:
    client, s, _ = api
    resp = client.get(f"{PREFIX}/reports", params={"limit": 1000}, headers=bearer(s, who))
    assert resp.status_code == 200, resp.text
    assert {r["id"] for r in resp.json()["items"]} == expected_ids(s, who, {"report"})


@pytest.mark.parametrize("who", PRINCIPALS)
def test_rest_get_report(api: tuple[TestClient, Seeded, Engine], who: str) -> None:
    client, s, _ = api
    got = set()
    for (kind, _case), oid in s.ids.items():
        if kind != "report":
            continue
        resp = client.get(f"{PREFIX}/reports/{oid}", headers=bearer(s, who))
        if resp.status_code == 200:
            got.add(resp.json()["item"]["id"])
        else:
            assert_error(resp, 404)
    assert got == expected_ids(s, who, {"report"})


# -- the error shape -------------------------------------------------------------------
def test_error_body_is_pinned() -> None:
    assert error_body(403, "no", [{"field": "x"}]) == {
        "ok": False, "error": "no", "errors": [{"field": "x"}], "status": 403}


def test_every_kind_of_failure_uses_the_shape(local_api: tuple[TestClient, Seeded, Engine],
                                              ) -> None:
    client, s, _ = local_api
    body = assert_error(client.get(f"{PREFIX}/reports"), 401)
    assert "authentication required" in body["error"]
    assert client.get(f"{PREFIX}/reports").headers["www-authenticate"].startswith("Basic")
    assert_error(client.get(f"{PREFIX}/reports", headers={"Authorization": "Bearer nope"}), 401)
    assert_error(client.get(f"{PREFIX}/reports", headers={"Authorization": "Basic !!"}), 401)
    assert_error(client.get(f"{PREFIX}/reports", headers={"Authorization": "Digest x"}), 401)
    assert_error(client.get(f"{PREFIX}/partners", headers=bearer(s, "CORE1")), 403)
    bad = assert_error(client.get(f"{PREFIX}/reports", params={"limit": 0},
                                  headers=bearer(s, "chief")), 422)
    assert bad["errors"][0]["field"] == "query.limit"
    assert_error(client.get(f"{PREFIX}/reports/report--nope", headers=bearer(s, "chief")), 404)
    assert_error(client.get(f"{PREFIX}/no/such/thing", headers=bearer(s, "chief")), 404)
    assert_error(client.post(f"{PREFIX}/partners", json={"code": "x"},
                             headers=bearer(s, "chief")), 422)
    dup = {"code": "CORE1", "name": "again", "tier": "core"}
    assert_error(client.post(f"{PREFIX}/partners", json=dup, headers=bearer(s, "chief")), 400)


# -- authentication and roles -------------------------------------------------------------
def test_basic_and_bearer_for_users_and_partners(
        local_api: tuple[TestClient, Seeded, Engine]) -> None:
    client, s, _ = local_api
    me = client.get(f"{PREFIX}/me", headers=basic("CORE1")).json()
    assert (me["kind"], me["id"], me["tier"]) == ("partner", "CORE1", "core")
    me = client.get(f"{PREFIX}/me", headers=basic("analyst")).json()
    assert (me["kind"], me["clearance"], me["roles"]) == ("user", "SECRET", ["analyst"])
    assert client.get(f"{PREFIX}/me", headers=bearer(s, "WARN1")).json()["tier"] == "warning-only"
    assert_error(client.get(f"{PREFIX}/me", headers=basic("CORE1", "wrong")), 401)
    assert_error(client.get(f"{PREFIX}/me", headers=basic("nobody")), 401)


def test_admin_and_approver_workflow(local_api: tuple[TestClient, Seeded, Engine]) -> None:
    client, s, _ = local_api
    chief, analyst = bearer(s, "chief"), bearer(s, "analyst")
    assert_error(client.get(f"{PREFIX}/partners", headers=analyst), 403)
    listed = client.get(f"{PREFIX}/partners", headers=chief).json()["items"]
    assert {p["code"] for p in listed} == {"CORE1", "CORE2", "ASSOC1", "SEL1", "WARN1"}
    assert "password_hash" not in orjson.dumps(listed).decode()
    new = {"code": "lia", "name": "Liaison", "tier": "selective",
           "channels": {"email": "duty@lia.example"}, "taxii_url": "https://lia.example/api1"}
    made = client.post(f"{PREFIX}/partners", json=new, headers=chief)
    assert made.status_code == 201 and made.json()["item"]["code"] == "LIA"
    assert_error(client.post(f"{PREFIX}/partners", json={**new, "code": "L_A"},
                             headers=chief), 400)
    moved = client.patch(f"{PREFIX}/partners/SEL1", headers=chief,
                         json={"tier": "associate", "reason": "new agreement"})
    assert moved.json()["item"]["tier"] == "associate"
    assert client.get(f"{PREFIX}/me", headers=bearer(s, "SEL1")).json()["tier"] == "associate"

    target = s.ids[("report", "top-secret")]
    core2 = bearer(s, "CORE2")
    assert_error(client.get(f"{PREFIX}/reports/{target}", headers=core2), 404)
    assert_error(client.post(f"{PREFIX}/releases", headers=analyst,
                             json={"object_id": target, "partner": "CORE2"}), 403)
    rel = client.post(f"{PREFIX}/releases", headers=chief,
                      json={"object_id": target, "partner": "CORE2", "reason": "tests",
                            # the seed's originator is not this instance's agency code, so
                            # widening its REL TO needs the originator's recorded consent
                            "originator_consent": "Home Service duty officer, in writing"})
    assert rel.status_code == 201, rel.text
    assert rel.json()["item"]["approved_by"] == "chief"
    assert client.get(f"{PREFIX}/reports/{target}", headers=core2).status_code == 200
    rid = rel.json()["item"]["id"]
    assert client.post(f"{PREFIX}/releases/{rid}/revoke", headers=chief).status_code == 200
    assert_error(client.get(f"{PREFIX}/reports/{target}", headers=core2), 404)
    assert_error(client.post(f"{PREFIX}/releases/99999/revoke", headers=chief), 404)
    refused = client.post(f"{PREFIX}/releases", headers=chief,
                          json={"object_id": target, "partner": "WARN1"})
    assert "warning-only" in assert_error(refused, 403)["error"]


# -- threads and warnings -------------------------------------------------------------------
def _thread(engine: Engine, tid: str, members: list[str]) -> None:
    now = datetime(2025, 3, 20, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(insert(Thread).values(id=tid, title=f"Thread {tid}", status="open",
                                           created_at=now, updated_at=now,
                                           state={"summary": "internal"}))
        for rid in members:
            conn.execute(insert(ThreadMember).values(thread_id=tid, report_id=rid, score=0.9,
                                                     reason="shared venue", added_at=now))


def test_threads_follow_their_most_restricted_member(
        local_api: tuple[TestClient, Seeded, Engine]) -> None:
    client, s, engine = local_api
    _thread(engine, "thread-open", [s.ids[("report", "clear")], s.ids[("report", "green")]])
    _thread(engine, "thread-mixed", [s.ids[("report", "clear")],
                                     s.ids[("report", "strict-rel")]])
    with engine.connect() as conn:  # what every interface names them by
        open_id, mixed_id = (public_thread_id(conn, t) for t in ("thread-open", "thread-mixed"))
    seen = {who: {t["id"] for t in client.get(f"{PREFIX}/threads", headers=bearer(s, who))
                  .json()["items"]} for who in PRINCIPALS}
    assert seen["CORE1"] == {open_id}  # strict-rel names CORE1 but clear has no REL TO
    assert seen["ASSOC1"] == {open_id}
    assert seen["SEL1"] == seen["WARN1"] == set()
    assert seen["analyst"] == seen["chief"] == {open_id, mixed_id}
    one = client.get(f"{PREFIX}/threads/{open_id}", headers=bearer(s, "CORE2")).json()["item"]
    assert one["member_count"] == 2 and "state" not in one
    assert_error(client.get(f"{PREFIX}/threads/{mixed_id}", headers=bearer(s, "CORE1")), 404)
    client.post(f"{PREFIX}/releases", headers=bearer(s, "chief"),
                json={"object_id": mixed_id, "partner": "SEL1"})
    got = client.get(f"{PREFIX}/threads/{mixed_id}", headers=bearer(s, "SEL1")).json()["item"]
    assert [m["report_id"] for m in got["members"]] == []  # released thread, unreleased parts


def test_warning_only_partner_gets_only_released_warnings(
        local_api: tuple[TestClient, Seeded, Engine]) -> None:
    client, s, engine = local_api
    now = datetime(2025, 3, 20, tzinfo=UTC)
    with engine.begin() as conn:
        conn.execute(insert(Warning).values(id="warning--unreleased", state="draft",
                                            created_at=now, updated_at=now,
                                            payload={"tlp": "amber", "tearline": "x",
                                                     "source_note": "case file"}))
    released = s.ids[("stix", "warning-released")]
    for who in PRINCIPALS:
        items = client.get(f"{PREFIX}/warnings", headers=bearer(s, who)).json()["items"]
        ids = {w["id"] for w in items}
        if who == "WARN1":
            assert ids == {released}
            assert set(items[0]) == {"id", "state", "created_at", "updated_at", "tlp", "tearline"}
        elif who in ("chief", "analyst"):
            assert ids == {released, s.ids[("stix", "warning-unreleased")],
                           "warning--unreleased"}
        else:
            assert ids == set(), who
    assert_error(client.get(f"{PREFIX}/warnings/warning--unreleased",
                            headers=bearer(s, "WARN1")), 404)
    # through the report route too: only the warning released to it
    listed = client.get(f"{PREFIX}/reports", headers=bearer(s, "WARN1")).json()["items"]
    assert {r["id"] for r in listed} == {s.ids[("report", "warning-released")]}


# -- what must never appear ----------------------------------------------------------------
def _api_routes(routes: list[Any], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """(full path, route) for every API route, through included routers of any FastAPI."""
    for r in routes:
        if isinstance(r, APIRoute):
            yield prefix + r.path, r
        elif hasattr(r, "original_router"):  # FastAPI >= 0.16x keeps included routers whole
            yield from _api_routes(r.original_router.routes, prefix + r.include_context.prefix)


@pytest.mark.parametrize("who", PRINCIPALS)
def test_protected_fields_never_in_any_response(local_api: tuple[TestClient, Seeded, Engine],
                                                who: str) -> None:
    client, s, engine = local_api
    _thread(engine, "thread-open", [s.ids[("report", "clear")]])
    with engine.connect() as conn:
        open_id = public_thread_id(conn, "thread-open")
    paths = [f"{PREFIX}/me", f"{PREFIX}/reports?limit=1000", f"{PREFIX}/sources",
             f"{PREFIX}/threads", f"{PREFIX}/threads/{open_id}", f"{PREFIX}/warnings",
             f"{PREFIX}/partners", f"{PREFIX}/releases?active=false",
             *(f"{PREFIX}/reports/{oid}" for (k, _), oid in s.ids.items() if k == "report"),
             *(f"{PREFIX}/warnings/{oid}" for (k, c), oid in s.ids.items()
               if k == "stix" and c.startswith("warning"))]
    for path in paths:
        text = client.get(path, headers=bearer(s, who)).text
        for needle in (*PROTECTED_SENTINELS, "source_identity", "collection_method",
                       "handling_notes", "password_hash", "sha256"):
            assert needle not in text, (path, needle)


def test_every_route_is_in_the_openapi_document(
        local_api: tuple[TestClient, Seeded, Engine]) -> None:
    client, _, _ = local_api
    doc = client.get("/openapi.json").json()
    routes = [(path, r) for path, r in _api_routes(client.app.routes)
              if path.startswith(PREFIX) and r.include_in_schema]
    assert len(routes) >= 13
    for path, r in routes:
        assert path in doc["paths"], path
        for method in r.methods:
            assert method.lower() in doc["paths"][path], (method, path)
    schemes = doc["components"]["securitySchemes"]
    assert {"HTTPBasic", "HTTPBearer"} <= set(schemes)
    assert {p for p in doc["paths"] if p.startswith(PREFIX)} == {p for p, _ in routes}
