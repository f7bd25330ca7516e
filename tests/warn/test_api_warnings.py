"""``/api/v1/warnings``: the same workflow over REST, behind the same roles and policy."""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from tearline.fusion.query import public_thread_id
from tearline.security.credentials import issue_partner_token, issue_user_token
from tearline.web.api import PREFIX
from tearline.web.app import make_app

from .test_workflow import THREAD, opened

with warnings.catch_warnings():  # Starlette nags about httpx vs its fork; both work
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

__all__ = ["opened"]


@pytest.fixture
def api(opened: Engine) -> Iterator[tuple[TestClient, dict[str, dict[str, str]], str]]:
    with opened.begin() as conn:
        tokens = {u: issue_user_token(conn, u, actor="test") for u in ("ana", "bob", "cat")}
        tokens["CSP"] = issue_partner_token(conn, "CSP", actor="test")
    headers = {k: {"Authorization": f"Bearer {v}"} for k, v in tokens.items()}
    client = TestClient(make_app(opened))
    [case] = client.get(f"{PREFIX}/warnings", headers=headers["ana"]).json()["items"]
    yield client, headers, case["id"]


def _post(client: TestClient, h: dict[str, str], cid: str, action: str,
          body: dict[str, Any] | None = None) -> Any:
    return client.post(f"{PREFIX}/warnings/{cid}/{action}", headers=h, json=body or {})


def test_rest_drives_the_case_and_refuses_like_the_cli(
        api: tuple[TestClient, dict[str, dict[str, str]], str]) -> None:
    client, h, cid = api
    item = client.get(f"{PREFIX}/warnings/{cid}", headers=h["ana"]).json()["item"]
    engine = client.app.state.engine  # type: ignore[attr-defined]
    with engine.connect() as conn:  # REST names the thread by its public id
        assert item["thread_id"] == public_thread_id(conn, THREAD)
    assert item["next"] == ["review"]
    assert item["events"][0]["action"] == "open"

    r = _post(client, h["ana"], cid, "approve", {"reason": "x"})
    assert r.status_code == 409
    body = r.json()
    assert body["ok"] is False and "cannot approve a case that is identified" in body["error"]
    assert "allowed next: review" in body["error"]

    assert _post(client, h["cat"], cid, "review", {"note": "n"}).json()["item"]["state"] == \
        "under_review"
    r = _post(client, h["cat"], cid, "approve", {"reason": "mine"})
    assert r.status_code == 409 and "drafted the proposal" in r.json()["error"]
    r = _post(client, h["ana"], cid, "approve", {"reason": "x"})
    assert r.status_code == 409 and "needs the role 'approver'" in r.json()["error"]
    assert _post(client, h["bob"], cid, "approve", {"reason": "ok"}).json()["item"]["state"] \
        == "approved"
    r = _post(client, h["ana"], cid, "draft", {"instruction": "protect venues"})
    assert r.status_code == 200
    r = _post(client, h["bob"], cid, "release", {"reason": "early"})
    assert r.status_code == 409 and "cannot release a case that is drafted" in r.json()["error"]
    assert _post(client, h["ana"], cid, "sanitize").json()["item"]["state"] == "sanitized"
    assert _post(client, h["bob"], cid, "release", {"reason": "ok"}).json()["item"]["state"] \
        == "released"
    assert _post(client, h["ana"], cid, "deliver", {"channel": "taxii", "to": "CSP"}) \
        .json()["item"]["state"] == "delivered"
    r = _post(client, h["ana"], cid, "respond", {"by": "CSP", "kind": "dismissed",
                                                 "text": "A provocation by Western services."})
    assert [a["kind"] for a in r.json()["item"]["alarms"]] == ["dismissal"]

    # the warning-only partner sees its own releasable text and nothing of the case file
    [seen] = client.get(f"{PREFIX}/warnings", headers=h["CSP"]).json()["items"]
    assert set(seen) == {"id", "state", "created_at", "updated_at", "tlp", "tearline"}
    assert seen["tearline"]["tier"] == "warning-only"
    r = _post(client, h["CSP"], cid, "ack", {"by": "CSP"})
    assert r.status_code == 403


def test_partner_cannot_see_an_unreleased_case(
        api: tuple[TestClient, dict[str, dict[str, str]], str]) -> None:
    client, h, cid = api
    assert client.get(f"{PREFIX}/warnings", headers=h["CSP"]).json()["items"] == []
    r = client.get(f"{PREFIX}/warnings/{cid}", headers=h["CSP"])
    assert r.status_code == 404 and r.json()["ok"] is False


def test_every_warning_route_is_documented_with_a_response_model(
        api: tuple[TestClient, dict[str, dict[str, str]], str]) -> None:
    client, _h, _cid = api
    paths = client.get("/openapi.json").json()["paths"]
    mine = {p: ops for p, ops in paths.items() if p.startswith(f"{PREFIX}/warnings")}
    actions = {p.rsplit("/", 1)[-1] for p in mine if p.count("/") == 5}
    assert actions >= {"review", "waive", "approve", "draft", "sanitize", "release", "deliver",
                       "ack", "respond", "followup", "close"}
    for ops in mine.values():
        for op in ops.values():
            schema = op["responses"]["200"]["content"]["application/json"]["schema"]
            assert "$ref" in schema
