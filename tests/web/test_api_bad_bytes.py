"""Finding 11 (REST half): NUL bytes and non-UTF-8 bodies get our one error shape, never a 500.

PostgreSQL text cannot hold or even compare a NUL byte, so before the fix a
NUL in a query parameter, path segment, JSON field or Basic user name reached
the driver and came back as a 500; a body that is not UTF-8 got FastAPI's own
error shape. Each case is asked on both backends, through the whole app.
"""

from __future__ import annotations

import base64
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy import Engine

from tearline.security.credentials import issue_user_token
from tearline.security.users import add_user
from tearline.share.partners import create_partner
from tearline.web.app import make_app

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from fastapi.testclient import TestClient

ERROR_KEYS = ["ok", "error", "errors", "status"]
PASSWORD = "correct horse battery staple"
Api = tuple[TestClient, dict[str, str]]


@pytest.fixture
def api(engine: Engine) -> Iterator[Api]:
    """Only what the requests need: an admin approver and one partner (a fast setup)."""
    with engine.begin() as conn:
        add_user(conn, "chief", actor="setup", roles=["admin", "approver", "analyst"],
                 clearance="TOP SECRET", password=PASSWORD)
        create_partner(conn, "CORE1", "Service CORE1", "core", actor="setup")
        tokens = {"chief": issue_user_token(conn, "chief", actor="setup")}
    with TestClient(make_app(engine), raise_server_exceptions=False) as client:
        yield client, tokens


def _shaped(resp: Any, *statuses: int) -> dict[str, Any]:
    assert resp.status_code in statuses, (resp.status_code, resp.text[:300])
    assert resp.headers["content-type"].startswith("application/json")
    body = resp.json()
    assert list(body) == ERROR_KEYS, body
    assert body["ok"] is False and body["status"] == resp.status_code
    return body


GETS = ["/api/v1/reports?text=a%00b", "/api/v1/reports?source=%00",
        "/api/v1/reports?agency=x%00", "/api/v1/reports?category=%00",
        "/api/v1/reports/report--%00", "/api/v1/releases?object_id=%00",
        "/api/v1/releases?partner=CO%00RE", "/api/v1/partners/CO%00RE1"]


@pytest.mark.parametrize("url", GETS)
def test_nul_in_a_query_or_path_is_a_400_in_our_shape(api: Api,
                                                      url: str) -> None:
    client, s = api
    resp = client.get(url, headers={"Authorization": f"Bearer {s['chief']}"})
    body = _shaped(resp, 400)
    assert "NUL" in body["error"]


BODIES: list[tuple[str, str, dict[str, Any]]] = [
    ("POST", "/api/v1/releases", {"object_id": "report--\u0000", "partner": "CORE1"}),
    ("POST", "/api/v1/releases", {"object_id": "x", "partner": "CORE1", "reason": "a\u0000"}),
    ("POST", "/api/v1/partners", {"code": "NEW1", "name": "N\u0000", "tier": "core"}),
    ("PATCH", "/api/v1/partners/CORE1", {"name": "\u0000"}),
    ("POST", "/api/v1/users", {"username": "u\u0000", "clearance": "SECRET"}),
]


@pytest.mark.parametrize(("method", "url", "payload"), BODIES)
def test_nul_in_a_body_field_is_a_400_in_our_shape(api: Api, method: str,
                                                   url: str, payload: dict[str, Any]) -> None:
    client, s = api
    resp = client.request(method, url, json=payload,
                          headers={"Authorization": f"Bearer {s['chief']}"})
    body = _shaped(resp, 400)
    assert "NUL" in body["error"]


def test_nul_in_a_basic_user_name_is_a_401_in_our_shape(api: Api) -> None:
    client, _ = api
    raw = base64.b64encode(f"chi\u0000ef:{PASSWORD}".encode()).decode()
    _shaped(client.get("/api/v1/reports", headers={"Authorization": f"Basic {raw}"}), 400, 401)


@pytest.mark.parametrize("raw", [b'{"object_id": "\xff\xfe", "partner": "CORE1"}',
                                 b"\xc3\x28", b'{"partner": "CORE1"\x00}'])
def test_a_body_that_is_not_utf8_json_is_a_400_in_our_shape(api: Api,
                                                            raw: bytes) -> None:
    client, s = api
    resp = client.post("/api/v1/releases", content=raw,
                       headers={"Authorization": f"Bearer {s['chief']}",
                                "Content-Type": "application/json"})
    _shaped(resp, 400, 422)


def test_ordinary_requests_still_work(api: Api) -> None:
    client, s = api
    resp = client.get("/api/v1/reports?text=report",
                      headers={"Authorization": f"Bearer {s['chief']}"})
    assert resp.status_code == 200 and resp.json()["ok"] is True
